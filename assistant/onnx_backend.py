"""Run a sentence-transformers encoder with ONNX Runtime: the same vectors, three times faster.

Measured on this 2-core CPU with multilingual-e5-small (``python -m benchmarks.inference``):
one query takes 23 ms through sentence-transformers' torch backend and 7 ms through ONNX Runtime
with the transformer-fused graph, with identical retrieval (MRR@10 difference 0.0000, minimum
cosine 1.00000 against torch). int8 variants were faster still but lost 0.012-0.017 MRR@10, more
than the 0.005 the project allows, so fp32 is the default; `ensure_int8` makes the opt-in int8
graph (``ASSISTANT_BACKEND=onnx-int8``) that keeps the feed-forward down projections in fp32.

sentence-transformers 6.2 reaches ONNX only through optimum-onnx, which does not install beside
transformers 5, so the pipeline is reproduced here exactly: the model's ``tokenizer.json`` (with
its truncation length), the encoder's last hidden state, mean pooling over every token (prompt
included, as sentence-transformers does) and L2 normalisation.

The graph is exported once from the local model folder (``torch.onnx.export``) and fused by ONNX
Runtime's transformer optimizer; the result is checked against torch before it is kept. It is
written atomically into ``<cache>/onnx/<model>-<hash>/`` with a stamp of the source weights, and
re-exported when they change. The weights are saved beside the graph, page-aligned, so ONNX
Runtime maps them instead of copying (see `WEIGHTS_FILE`). Weights that come from 4 bits (the
default model's) are stored in 4 bits and give the same floats back (`compress_lookup` for the
token-embedding table, `compress_weights` for the layers' matrices).
Serving needs neither torch nor sentence-transformers, nor the source weights once exported
(`_pruned_export`), and a Unigram ``tokenizer.json`` is read by `assistant.unigram`.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import os
import shutil
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.e5_convert import replace_folder
from assistant.errors import ModelError
from assistant.unigram import UnigramTokenizer

#: Bump when the exported files would change, so old exports are rebuilt.
EXPORT_RECIPE = 4
GRAPH_FILE = "model_O2.onnx"
#: The weights, beside the graph: ONNX Runtime maps page-aligned external data into memory
#: instead of copying it, so worker processes share one copy through the page cache and only
#: the touched rows of the 250k-token embedding table become resident (RSS 150 MB, not 570).
WEIGHTS_FILE = GRAPH_FILE + ".data"
#: Offsets of external tensors are aligned to this (the mmap granularity ORT requires).
WEIGHTS_ALIGN = 65_536
STAMP_FILE = "source.json"
#: Values per scale in the stored blocks: of the token table (`block_quantize`, `four_bit_blocks`)
#: and of 4-bit weight matrices along their input axis (`compress_weights`).
TABLE_BLOCK = 32
#: The source weights an export is made from (and stamped with); see `_pruned_export`.
SOURCE_WEIGHTS = "model.safetensors"
#: Largest difference of pooled vectors against torch accepted for an export.
MAX_EXPORT_DIFF = 1e-4
#: The opt-in int8 graph (`ensure_int8`) lives in its own folder beside the fp32 export.
INT8_GRAPH_FILE = "model_O2_int8.onnx"
#: Bump when the int8 graph would change, so old ones are rebuilt.
INT8_RECIPE = 2
#: Smallest cosine of an int8 vector to its fp32 counterpart accepted on `_INT8_CHECK`.
MIN_INT8_COSINE = 0.98
#: Real sentences for that check (quantisation errors show on text, not on arbitrary ids).
_INT8_CHECK = [
    "passage: Södertörnskommunerna samarbetar om utbildning, trafik och bostäder.",
    "query: När startade samarbetet?",
    "passage: The eight municipalities publish a joint development programme.",
]
#: Token ids used to check an export on a padded batch (inside every vocabulary used here).
_PROBE = [[0, 10, 20, 30, 40, 50, 60, 2, 1, 1], [0, 99, 2, 1, 1, 1, 1, 1, 1, 1]]
_EXAMPLE = [[0, 41, 129, 12, 915, 2, 5, 6], [0, 41, 129, 2, 1, 1, 1, 1]]

Say = Callable[[str], None]


class OnnxUnsupported(ModelError):
    """The model folder cannot be run by this backend (not mean-pooled, no tokenizer.json …)."""


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' mean pooling (prompt tokens included) followed by L2 norm."""
    m = mask[..., None].astype(np.float32)
    summed = (hidden.astype(np.float32) * m).sum(axis=1)
    vectors = summed / np.clip(m.sum(axis=1), 1e-9, None)
    return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)


def model_layout(model_dir: Path) -> dict[str, Any]:
    """What the backend needs from a sentence-transformers folder, or OnnxUnsupported.

    Returns:
        {"max_seq_length": int, "prompts": {name: prefix}, "pad_token": str}.
    """
    model_dir = Path(model_dir)
    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        pooling = next(m for m in modules if m["type"].endswith("Pooling"))
        pool = json.loads((model_dir / pooling["path"] / "config.json").read_text("utf-8"))
        bert = json.loads((model_dir / "sentence_bert_config.json").read_text("utf-8"))
        if not (model_dir / "tokenizer.json").is_file():
            raise FileNotFoundError("tokenizer.json")
    except (OSError, ValueError, KeyError, StopIteration) as exc:
        msg = f"{model_dir} is not a local sentence-transformers folder: {exc}"
        raise OnnxUnsupported(msg) from exc
    modes = {k for k, v in pool.items() if k.startswith("pooling_mode") and v is True}
    if modes != {"pooling_mode_mean_tokens"} or pool.get("include_prompt", True) is not True:
        raise OnnxUnsupported(f"{model_dir}: only mean pooling is supported, not {sorted(modes)}")
    st_config: dict[str, Any] = {}
    path = model_dir / "config_sentence_transformers.json"
    if path.is_file():
        st_config = json.loads(path.read_text(encoding="utf-8"))
    tok_config: dict[str, Any] = {}
    path = model_dir / "tokenizer_config.json"
    if path.is_file():
        tok_config = json.loads(path.read_text(encoding="utf-8"))
    pad = tok_config.get("pad_token", "<pad>")
    if isinstance(pad, dict):
        pad = pad.get("content", "<pad>")
    return {
        "max_seq_length": int(bert.get("max_seq_length") or 512),
        "prompts": dict(st_config.get("prompts") or {}),
        "pad_token": str(pad),
    }


def export_dir(model_dir: Path, cache_dir: Path) -> Path:
    """Where the export of `model_dir` lives: one folder per source folder inside the cache."""
    resolved = str(Path(model_dir).resolve())
    digest = hashlib.sha256(resolved.encode()).hexdigest()[:10]
    return Path(cache_dir) / "onnx" / f"{Path(model_dir).name}-{digest}"


def _fingerprint(model_dir: Path) -> dict[str, Any]:
    from importlib import metadata

    weights = Path(model_dir) / SOURCE_WEIGHTS
    stat = weights.stat()
    return {
        "recipe": EXPORT_RECIPE,
        "source": str(Path(model_dir).resolve()),
        "weights_size": stat.st_size,
        "weights_mtime_ns": stat.st_mtime_ns,
        "onnxruntime": metadata.version("onnxruntime"),
    }


def hidden_state_module(model_dir: Path, attn: str | None = None) -> tuple[Any, np.ndarray]:
    """The encoder as a torch module returning last_hidden_state, and its output on `_PROBE`.

    The wrapper is put in eval mode as well: torch.onnx.export restores the top module's
    training flag afterwards, recursively, which would otherwise switch dropout on.
    """
    import torch
    from transformers import AutoModel

    kwargs = {"attn_implementation": attn} if attn else {}
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, **kwargs).eval()

    class Hidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    wrapped = Hidden(model).eval()
    probe = torch.tensor(_PROBE)
    with torch.inference_mode():
        ref = wrapped(probe, (probe != 1).long()).numpy()
    return wrapped, ref


def probe_diff(got: np.ndarray, ref: np.ndarray) -> float:
    """Largest difference of the pooled probe vectors of two last-hidden-state outputs."""
    mask = (np.array(_PROBE) != 1).astype(np.int64)
    return float(np.abs(mean_pool(got, mask) - mean_pool(ref, mask)).max())


def _run_probe(path: Path) -> np.ndarray:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    probe = np.array(_PROBE, dtype=np.int64)
    return sess.run(None, {"input_ids": probe, "attention_mask": (probe != 1).astype(np.int64)})[0]


def export_plain(model_dir: Path, out: Path, say: Say) -> np.ndarray:
    """Export the encoder to `out` (opset 17, dynamic batch and length); returns torch's probe.

    Raises:
        ModelError: The export disagrees with torch.
    """
    import torch

    # Eager attention exports the plain MatMul/Softmax pattern that ONNX Runtime fuses into
    # its Attention op (the SDPA export is not recognised).
    wrapped, ref = hidden_state_module(model_dir, "eager")
    ids = torch.tensor(_EXAMPLE)
    mask = (ids != 1).long()
    axes = {0: "batch", 1: "sequence"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapped,
            (ids, mask),
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=17,
            do_constant_folding=True,
            dynamo=False,  # the TorchScript exporter: no onnxscript, stable for this encoder
        )
    diff = probe_diff(_run_probe(out), ref)
    if diff > MAX_EXPORT_DIFF:
        raise ModelError(f"ONNX export of {model_dir} disagrees with torch ({diff:.2e})")
    say(f"  {out.name} exported (max |diff| vs torch {diff:.1e})")
    return ref


def fuse(model_dir: Path, plain: Path, out: Path, ref: np.ndarray, say: Say) -> None:
    """ONNX Runtime's transformer fusions (Attention, LayerNorm, Gelu …) of `plain` into `out`."""
    from onnxruntime.transformers.optimizer import optimize_model

    config = json.loads((Path(model_dir) / "config.json").read_text(encoding="utf-8"))
    fused = optimize_model(
        str(plain),
        model_type="bert",
        num_heads=int(config["num_attention_heads"]),
        hidden_size=int(config["hidden_size"]),
        opt_level=1,
        use_gpu=False,
    )
    stats = {k: v for k, v in fused.get_fused_operator_statistics().items() if v}
    fused.save_model_to_file(str(out))
    diff = probe_diff(_run_probe(out), ref)
    if diff > MAX_EXPORT_DIFF:
        raise ModelError(f"Fused ONNX graph of {model_dir} disagrees with torch ({diff:.2e})")
    say(f"  {out.name} fused {stats} (max |diff| vs torch {diff:.1e})")


def four_bit_blocks(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Signed 4-bit values (-8..7, int8) and fp32 scales [..., n] with values × scale equal to
    `blocks` [..., n, block] bit for bit, or None when some block is not such a product.

    4-bit weights (ggml's Q4_0, the default model's) dequantise as (nibble - 8) × scale with
    the block's largest magnitude at nibble 0, so the scale is minus that entry / 8.
    """
    blocks = blocks.astype(np.float32)
    peak = np.take_along_axis(blocks, np.abs(blocks).argmax(axis=-1)[..., None], axis=-1)[..., 0]
    scale = np.where(peak == 0, np.float32(1), -peak / np.float32(8)).astype(np.float32)
    values = np.rint(blocks / scale[..., None])
    if (
        values.min() < -8
        or values.max() > 7
        or not np.array_equal(values * scale[..., None], blocks)
    ):
        return None
    return values.astype(np.int8), scale


def int4_tensor(values: np.ndarray, name: str) -> Any:
    """`values` (int8 in -8..7) as an ONNX INT4 tensor: two per byte, the first in the low
    nibble."""
    from onnx import TensorProto, helper

    flat = (values.reshape(-1).astype(np.int16) & 0xF).astype(np.uint8)
    if flat.size % 2:
        flat = np.append(flat, np.uint8(0))
    packed = flat[0::2] | (flat[1::2] << 4)
    return helper.make_tensor(name, TensorProto.INT4, values.shape, packed.tobytes(), raw=True)


def block_quantize(table: np.ndarray, block: int = TABLE_BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """int8 values [v, h/block, block] and fp32 scales [v, h/block, 1], table = values × scale.

    A block whose values are whole multiples of its largest magnitude / 8 (how 4-bit weights,
    such as the default model's, dequantise) gets that scale and comes back bit for bit; any
    other block gets largest magnitude / 127.
    """
    rows, width = table.shape
    blocks = table.astype(np.float32).reshape(rows, width // block, block)
    top = np.abs(blocks).max(axis=2, keepdims=True)
    top[top == 0] = 1.0
    coarse = top / np.float32(8)
    exact = (np.rint(blocks / coarse) * coarse == blocks).all(axis=2, keepdims=True)
    scale = np.where(exact, coarse, top / np.float32(127)).astype(np.float32)
    values = np.rint(blocks / scale).clip(-127, 127).astype(np.int8)
    return values, scale


def compress_lookup(model: Any) -> tuple[str, str] | None:
    """Store the graph's largest lookup table (the token embeddings) in blocks of TABLE_BLOCK.

    A table of 4-bit weights (`four_bit_blocks`) is stored as such and looked up by ONNX
    Runtime's GatherBlockQuantized, which gives the same floats back. Any other table becomes
    `block_quantize` int8 blocks: each Gather becomes two Gathers (values, scales), a Cast, a
    Mul and a Reshape back to the row width. Either way only the looked-up rows are ever made
    fp32. Edits `model` in place.

    Returns:
        (table name, "4-bit" or "int8 (x % exact)"), or None when the largest 2-D fp32 tensor
        is not used by Gather alone or its rows do not split into blocks.
    """
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    tables = [t for t in graph.initializer if len(t.dims) == 2 and t.data_type == TensorProto.FLOAT]
    if not tables:
        return None
    table = max(tables, key=lambda t: t.dims[0] * t.dims[1])
    rows, width = (int(d) for d in table.dims)
    users = [n for n in graph.node if table.name in n.input]
    if width % TABLE_BLOCK or not users:
        return None
    for node in users:
        axis = next((a.i for a in node.attribute if a.name == "axis"), 0)
        if node.op_type != "Gather" or node.input[0] != table.name or axis != 0:
            return None
    array = numpy_helper.to_array(table)
    name = table.name
    four_bit = four_bit_blocks(array.reshape(rows, width // TABLE_BLOCK, TABLE_BLOCK))
    graph.initializer.remove(table)
    if four_bit is not None:
        values4, scale4 = four_bit
        graph.initializer.extend(
            [
                int4_tensor(values4.reshape(rows, width), f"{name}.int4"),
                numpy_helper.from_array(scale4, f"{name}.scale"),
            ]
        )
        for node in users:
            lookup = helper.make_node(
                "GatherBlockQuantized",
                [f"{name}.int4", node.input[1], f"{name}.scale"],
                list(node.output),
                domain="com.microsoft",
                gather_axis=0,
                quantize_axis=1,
                block_size=TABLE_BLOCK,
            )
            _replace_node(graph, node, [lookup])
        return name, "4-bit"
    values, scale = block_quantize(array, TABLE_BLOCK)
    exact = float((np.abs(values).max(axis=2) <= 8).mean())
    graph.initializer.extend(
        [
            numpy_helper.from_array(values, f"{name}.int8"),
            numpy_helper.from_array(scale, f"{name}.scale"),
            numpy_helper.from_array(np.array([width], dtype=np.int64), f"{name}.width"),
        ]
    )
    for node in users:
        index, out = node.input[1], node.output[0]
        part = f"{out}.{{}}"
        new = [
            helper.make_node("Gather", [f"{name}.int8", index], [part.format("q")]),
            helper.make_node("Gather", [f"{name}.scale", index], [part.format("s")]),
            helper.make_node("Cast", [part.format("q")], [part.format("f")], to=TensorProto.FLOAT),
            helper.make_node("Mul", [part.format("f"), part.format("s")], [part.format("m")]),
            helper.make_node("Shape", [index], [part.format("shape")]),
            helper.make_node(
                "Concat", [part.format("shape"), f"{name}.width"], [part.format("to")], axis=0
            ),
            helper.make_node("Reshape", [part.format("m"), part.format("to")], [out]),
        ]
        _replace_node(graph, node, new)
    return name, f"int8 ({exact:.1%} exact)"


def _replace_node(graph: Any, node: Any, new: Sequence[Any]) -> None:
    position = list(graph.node).index(node)
    graph.node.remove(node)
    for offset, item in enumerate(new):
        graph.node.insert(position + offset, item)


#: Operators whose second input is a [in, out] weight matrix (`compress_weights`).
_WEIGHT_USERS = {"MatMul", "Attention"}
#: Cast from INT4 needs this opset of the default domain.
_INT4_OPSET = 21


def compress_weights(model: Any) -> int:
    """Store each 4-bit weight matrix (`four_bit_blocks` along its input axis) as INT4.

    Cast, Mul by the block scales, Reshape and Transpose give the fp32 matrix back; they take
    only constants, so ONNX Runtime folds them into the fp32 weight once, when the session is
    made, and every query runs the same kernels on the same floats as before. A matrix that is
    not 4-bit, or is used other than as a MatMul's or Attention's weight, is left alone.
    Edits `model` in place.

    Returns:
        How many matrices were stored as INT4.
    """
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    users: dict[str, list[Any]] = {}
    for node in graph.node:
        for position, name in enumerate(node.input):
            users.setdefault(name, []).append((node.op_type, position))
    done = 0
    for tensor in list(graph.initializer):
        name = tensor.name
        if len(tensor.dims) != 2 or tensor.data_type != TensorProto.FLOAT:
            continue
        rows, cols = (int(d) for d in tensor.dims)
        if rows % TABLE_BLOCK or not users.get(name):
            continue
        if any(op not in _WEIGHT_USERS or position != 1 for op, position in users[name]):
            continue
        matrix = numpy_helper.to_array(tensor)
        four_bit = four_bit_blocks(matrix.T.reshape(cols, rows // TABLE_BLOCK, TABLE_BLOCK))
        if four_bit is None:
            continue
        values, scale = four_bit
        graph.initializer.remove(tensor)
        graph.initializer.extend(
            [
                int4_tensor(values, f"{name}.int4"),
                numpy_helper.from_array(scale[..., None], f"{name}.scale"),
                numpy_helper.from_array(np.array([cols, rows], dtype=np.int64), f"{name}.shape"),
            ]
        )
        part = f"{name}.{{}}"
        unpack = [
            helper.make_node("Cast", [f"{name}.int4"], [part.format("f")], to=TensorProto.FLOAT),
            helper.make_node("Mul", [part.format("f"), f"{name}.scale"], [part.format("m")]),
            helper.make_node("Reshape", [part.format("m"), f"{name}.shape"], [part.format("t")]),
            helper.make_node("Transpose", [part.format("t")], [name], perm=[1, 0]),
        ]
        for offset, item in enumerate(unpack):
            graph.node.insert(offset, item)
        done += 1
    if done:
        for opset in model.opset_import:
            if opset.domain in ("", "ai.onnx") and opset.version < _INT4_OPSET:
                opset.version = _INT4_OPSET
    return done


def shrink_weights(src: Path, out: Path, ref: np.ndarray, say: Say) -> bool:
    """`compress_lookup` and `compress_weights` of `src` saved as `out`, if the probe stays
    within MAX_EXPORT_DIFF.

    Returns:
        Whether `out` was written (otherwise the fp32 weights stay, and it is said why).
    """
    import onnx

    model = onnx.load(str(src))
    table = compress_lookup(model)
    matrices = compress_weights(model)
    if table is None and not matrices:
        say("  weights left in fp32 (no plain row lookup, no 4-bit weight matrix)")
        return False
    onnx.save_model(model, str(out))
    diff = probe_diff(_run_probe(out), ref)
    if diff > MAX_EXPORT_DIFF:
        out.unlink()
        say(f"  weights left in fp32: blocks move the probe by {diff:.1e}")
        return False
    stored = f"{table[0]} as {table[1]} blocks" if table else "token table in fp32"
    say(f"  {stored}, {matrices} weight matrices as INT4 (max |diff| vs torch {diff:.1e})")
    return True


def externalize(src: Path, out: Path) -> None:
    """Save the graph `src` as `out` with its large tensors page-aligned in `<out>.data`."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(src))
    offset = 0
    weights = f"{out.name}.data"  # WEIGHTS_FILE for GRAPH_FILE
    with open(out.with_name(weights), "wb") as data:
        for tensor in model.graph.initializer:
            # raw bytes as stored (INT4 is packed two per byte; to_array would unpack it)
            raw = tensor.raw_data if tensor.HasField("raw_data") else None
            raw = raw or numpy_helper.to_array(tensor).tobytes()
            if len(raw) < 1024:
                continue  # small tensors stay inline
            pad = -offset % WEIGHTS_ALIGN
            data.write(b"\0" * pad)
            offset += pad
            data.write(raw)
            for name in ("raw_data", "float_data", "int32_data", "int64_data", "double_data"):
                tensor.ClearField(name)
            tensor.data_location = onnx.TensorProto.EXTERNAL
            del tensor.external_data[:]
            for key, value in (
                ("location", weights),
                ("offset", offset),
                ("length", len(raw)),
            ):
                entry = tensor.external_data.add()
                entry.key, entry.value = key, str(value)
            offset += len(raw)
    onnx.save_model(model, str(out))


def ensure_export(model_dir: Path, cache_dir: Path, say: Say | None = None) -> Path:
    """The fused ONNX graph of `model_dir`, exported once and reused while the weights match.

    The export is assembled in a temporary sibling folder and renamed into place, so a crash
    leaves the previous export or none, never half a file.

    Raises:
        OnnxUnsupported: The folder is not a mean-pooled sentence-transformers model.
        ModelError: The export failed or disagrees with torch.
    """
    say = say or (lambda _msg: None)
    model_dir = Path(model_dir)
    model_layout(model_dir)
    target = export_dir(model_dir, cache_dir)
    if not (model_dir / SOURCE_WEIGHTS).is_file():
        return _pruned_export(model_dir, target)
    fingerprint = _fingerprint(model_dir)
    if _is_stamped(target, fingerprint):
        return target / GRAPH_FILE
    started = time.perf_counter()
    say(f"Exporting {model_dir.name} to ONNX (once; later starts reuse it)")

    def export(tmp: Path) -> None:
        plain = tmp / "model.onnx"
        ref = export_plain(model_dir, plain, say)
        fused = tmp / "fused.onnx"
        fuse(model_dir, plain, fused, ref, say)
        plain.unlink()
        compact = tmp / "compact.onnx"
        if shrink_weights(fused, compact, ref, say):
            fused.unlink()
            fused = compact
        externalize(fused, tmp / GRAPH_FILE)
        fused.unlink()
        diff = probe_diff(_run_probe(tmp / GRAPH_FILE), ref)
        if diff > MAX_EXPORT_DIFF:
            raise ModelError(f"ONNX graph of {model_dir} changed when saved ({diff:.2e})")

    _assemble(target, fingerprint, export)
    say(f"ONNX export ready in {time.perf_counter() - started:.1f} s")
    return target / GRAPH_FILE


def _pruned_export(model_dir: Path, target: Path) -> Path:
    """The export of a model folder whose source weights were removed after exporting.

    A serving image keeps the graph and drops ``model.safetensors`` (the same weights again,
    and only torch reads them). The export is then taken as it is, provided its stamp names
    this folder, this recipe and the installed ONNX Runtime: there is nothing to compare it
    with, and nothing to export from.

    Raises:
        OnnxUnsupported: No such export (so ``backend="auto"`` can try torch, which fails with
            its own message when the weights are really gone).
    """
    from importlib import metadata

    try:
        stamp = json.loads((target / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stamp = {}
    wanted = {
        "recipe": EXPORT_RECIPE,
        "source": str(model_dir.resolve()),
        "onnxruntime": metadata.version("onnxruntime"),
    }
    if (target / GRAPH_FILE).is_file() and all(stamp.get(k) == v for k, v in wanted.items()):
        return target / GRAPH_FILE
    raise OnnxUnsupported(
        f"{model_dir} has no {SOURCE_WEIGHTS} and no ONNX export made from it by this version "
        f"(expected in {target}); rebuild the model cache with the build extra installed"
    )


def _is_stamped(folder: Path, stamp: dict[str, Any]) -> bool:
    """Whether `folder` holds a complete build whose stamp file equals `stamp`."""
    try:
        return bool(json.loads((folder / STAMP_FILE).read_text(encoding="utf-8")) == stamp)
    except (OSError, ValueError):
        return False  # no usable stamp: build again


def _assemble(target: Path, stamp: dict[str, Any], make: Callable[[Path], None]) -> None:
    """Run `make` in a temporary sibling folder, stamp it and rename it to `target`.

    A crash leaves the previous folder or none, never half a file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}-{time.time_ns()}.tmp")
    tmp.mkdir()
    try:
        make(tmp)
        (tmp / STAMP_FILE).write_text(json.dumps(stamp, indent=2), encoding="utf-8")
        replace_folder(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


class OnnxEncoder:
    """Tokenise, run the graph, mean-pool: sentence-transformers' encode without torch.

    Example:
        >>> enc = OnnxEncoder(Path("models/multilingual-e5-small"), graph, threads=2)
        >>> enc.encode(["query: Vilka kommuner ingår?"]).shape
        (1, 384)
    """

    def __init__(self, model_dir: Path, graph: Path, *, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from assistant.unigram import UnigramUnsupported

        layout = model_layout(model_dir)
        self.prompts: dict[str, str] = layout["prompts"]
        path = Path(model_dir) / "tokenizer.json"
        self.tokenizer: UnigramTokenizer | Tokenizer
        try:
            self.tokenizer = UnigramTokenizer(path, layout["max_seq_length"])
        except UnigramUnsupported:
            self.tokenizer = Tokenizer.from_file(str(path))
            self.tokenizer.enable_truncation(layout["max_seq_length"])
            self.tokenizer.no_padding()  # a file's own padding: `tokenize` pads instead
        self.pad_id = self.tokenizer.token_to_id(layout["pad_token"]) or 0
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads  # 0: one per core
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(graph), opts, providers=["CPUExecutionProvider"])
        release_freed_heap()  # the unfolding of INT4 weights (`compress_weights`) freed much
        self.output = self.session.get_outputs()[0].name
        self.dimension = int(self.encode(["x"]).shape[1])

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """[n, dimension] float32, L2-normalised; batches formed longest first, as in ST."""
        texts = list(texts)
        out = np.empty((len(texts), 0), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            ids, mask = self.tokenize([texts[i] for i in idx])
            hidden = self.session.run([self.output], {"input_ids": ids, "attention_mask": mask})
            vectors = mean_pool(hidden[0], mask)
            if out.shape[1] == 0:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[idx] = vectors
        return out

    def tokenize(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids and attention mask [n, longest], padded on the right with the pad id."""
        if isinstance(self.tokenizer, UnigramTokenizer):
            rows = self.tokenizer.encode_batch(texts)
        else:
            rows = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        width = max((len(r) for r in rows), default=0)
        ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        return ids, mask


def release_freed_heap() -> None:
    """Return the heap that glibc keeps after large frees to the system.

    Making a session unfolds the INT4 weight matrices (`compress_weights`) through fp32
    intermediates that ONNX Runtime frees at once; glibc keeps such memory for reuse, which
    would leave the idle process about twice its working size. Elsewhere than glibc, nothing.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


def down_projections(graph: Any) -> list[str]:
    """Names of the MatMul nodes whose constant weight narrows its input ([in, out], in > out).

    In a BERT-style encoder these are the feed-forward output projections (1,536 → 384 in
    e5-small): their input, after GELU, has the outliers that per-tensor int8 handles worst.
    Found by shape rather than by node name, so any exported encoder is treated alike.
    """
    shapes = {init.name: tuple(init.dims) for init in graph.initializer}
    names = []
    for node in graph.node:
        if node.op_type != "MatMul":
            continue
        dims = next((shapes[i] for i in node.input if i in shapes), ())
        if len(dims) == 2 and dims[0] > dims[1]:
            names.append(node.name)
    return names


def quantize_int8(fp32_graph: Path, out: Path) -> None:
    """ONNX Runtime's dynamic int8 of `fp32_graph`, saved as `out` (weights page-aligned).

    Per-channel int8 weights and per-tensor uint8 activations quantised at run time, as
    sentence-transformers' ``export_dynamic_quantized_onnx_model`` does, except that the
    feed-forward output projections (`down_projections`) and the embedding lookups stay
    fp32. On the FAQ test half that keeps MRR@10 within about 0.006 of fp32 where quantising
    everything loses 0.02-0.03, at 1.4-1.7 times fp32's passage throughput rather than 2.1.
    """
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The export keeps 4-bit weight matrices as INT4 that ONNX Runtime unfolds when it loads
    # them (`compress_weights`); the quantiser needs them as the fp32 initializers they become.
    unfolded = out.with_name(f".{out.name}.fp32")
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    opts.optimized_model_filepath = str(unfolded)
    unfolded_data = unfolded.with_name(f"{unfolded.name}.data")
    opts.add_session_config_entry(
        "session.optimized_model_external_initializers_file_name", unfolded_data.name
    )
    ort.InferenceSession(str(fp32_graph), opts, providers=["CPUExecutionProvider"])
    graph = onnx.load(str(unfolded), load_external_data=False).graph
    keep = down_projections(graph) + [n.name for n in graph.node if "Gather" in n.op_type]
    inline = out.with_name(f".{out.name}.inline")
    # The quantiser advises its pre-processing pass on the root logger; the fused graph is
    # already optimised (and the result is checked against fp32), so that advice is noise.
    quiet = _DropRecords("pre-processing before quantization")
    logging.getLogger().addFilter(quiet)
    try:
        quantize_dynamic(
            str(unfolded),
            str(inline),
            weight_type=QuantType.QInt8,
            per_channel=True,
            nodes_to_exclude=keep,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        externalize(inline, out)
    finally:
        logging.getLogger().removeFilter(quiet)
        inline.unlink(missing_ok=True)
        unfolded.unlink(missing_ok=True)
        unfolded_data.unlink(missing_ok=True)


class _DropRecords(logging.Filter):
    """Drops log records whose message contains `text`."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def filter(self, record: logging.LogRecord) -> bool:
        return self.text not in record.getMessage()


def int8_agreement(model_dir: Path, fp32_graph: Path, int8_graph: Path) -> float:
    """Smallest cosine between the two graphs' vectors of the `_INT8_CHECK` sentences."""
    a = OnnxEncoder(model_dir, fp32_graph, threads=1).encode(_INT8_CHECK, batch_size=1)
    b = OnnxEncoder(model_dir, int8_graph, threads=1).encode(_INT8_CHECK, batch_size=1)
    return float((a * b).sum(axis=1).min())


def ensure_int8(model_dir: Path, cache_dir: Path, say: Say | None = None) -> Path:
    """The int8 graph of `model_dir`, quantised once from the fp32 export and then reused.

    Like `ensure_export`, it is assembled in a temporary folder and renamed into place, and
    redone when the fp32 export (or `INT8_RECIPE`) changes.

    Raises:
        OnnxUnsupported: The folder is not a mean-pooled sentence-transformers model.
        ModelError: Quantisation failed or moved the vectors too far from fp32.
    """
    say = say or (lambda _msg: None)
    model_dir = Path(model_dir)
    fp32_graph = ensure_export(model_dir, cache_dir, say)
    source = export_dir(model_dir, cache_dir)
    target = source.with_name(f"{source.name}-int8")
    stamp = {
        "int8_recipe": INT8_RECIPE,
        "fp32": json.loads((source / STAMP_FILE).read_text(encoding="utf-8")),
    }
    if _is_stamped(target, stamp):
        return target / INT8_GRAPH_FILE
    started = time.perf_counter()
    say(f"Quantising {model_dir.name} to int8 (once; later starts reuse it)")
    cosine = 0.0

    def quantize(tmp: Path) -> None:
        nonlocal cosine
        try:
            quantize_int8(fp32_graph, tmp / INT8_GRAPH_FILE)
        except Exception as exc:
            raise ModelError(f"int8 quantisation of {model_dir} failed: {exc}") from exc
        cosine = int8_agreement(model_dir, fp32_graph, tmp / INT8_GRAPH_FILE)
        if cosine < MIN_INT8_COSINE:
            raise ModelError(
                f"int8 graph of {model_dir} strays from fp32 (cosine {cosine:.4f} "
                f"< {MIN_INT8_COSINE})"
            )

    _assemble(target, stamp, quantize)
    say(
        f"int8 graph ready in {time.perf_counter() - started:.1f} s (cosine to fp32 ≥ {cosine:.4f})"
    )
    return target / INT8_GRAPH_FILE
