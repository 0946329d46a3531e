"""The opt-in int8 backend (ASSISTANT_BACKEND=onnx-int8): close to fp32, stable, recorded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from assistant import onnx_backend
from assistant.config import DEFAULT_MODEL, Settings
from assistant.embeddings import OnnxEmbedder, load_embedder, prepare_model
from assistant.pipeline import Assistant

pytestmark = pytest.mark.slow

TEXTS = [
    "Vilka kommuner ingår i Södertörnssamarbetet?",
    "nar borjade samarbetet",
    "Södertörnskommunerna samarbetar om utbildning, arbetsmarknad och miljö.",
    " ".join(["Haninge och Tyresö planerar gemensamt för bostäder och trafik."] * 40),
]


@pytest.fixture(scope="module")
def int8_embedder(model_cache: Path) -> OnnxEmbedder:
    emb = load_embedder(Settings(model_cache_dir=model_cache, backend="onnx-int8"))
    assert isinstance(emb, OnnxEmbedder)
    return emb


def test_int8_vectors_stay_close_to_fp32(int8_embedder, embedder) -> None:  # type: ignore[no-untyped-def]
    assert (int8_embedder.precision, embedder.precision) == ("int8", "fp32")
    for method in ("embed_queries", "embed_passages"):
        got = getattr(int8_embedder, method)(TEXTS)
        want = getattr(embedder, method)(TEXTS)
        assert got.shape == want.shape == (len(TEXTS), 384)
        np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
        cosine = np.sum(got * want, axis=1)
        assert cosine.min() > 0.98, (method, cosine)
        assert cosine.min() < 0.99999  # really another graph, not the fp32 one


def test_an_int8_vector_depends_on_its_text_alone(int8_embedder) -> None:  # type: ignore[no-untyped-def]
    """Activations are quantised per batch, so texts are embedded one at a time."""
    together = int8_embedder.embed_passages(TEXTS)
    for i, text in enumerate(TEXTS):
        np.testing.assert_array_equal(int8_embedder.embed_passages([text])[0], together[i])


def test_int8_graph_keeps_down_projections_fp32_and_is_reused(
    model_cache: Path, int8_embedder
) -> None:  # type: ignore[no-untyped-def]
    path = Path(prepare_model(DEFAULT_MODEL, model_cache)[0])
    graph_path = onnx_backend.ensure_int8(path, model_cache)
    before = graph_path.stat().st_mtime_ns
    messages: list[str] = []
    assert onnx_backend.ensure_int8(path, model_cache, messages.append) == graph_path
    assert messages == [] and graph_path.stat().st_mtime_ns == before

    graph = onnx.load(str(graph_path), load_external_data=False).graph
    kinds = [node.op_type for node in graph.node]
    # e5-small: 12 layers, each with one fp32 feed-forward down projection left as MatMul;
    # the attention output and feed-forward input projections are quantised.
    assert len(onnx_backend.down_projections(graph)) == 12
    assert kinds.count("MatMul") == 12
    assert kinds.count("DynamicQuantizeMatMul") + kinds.count("MatMulInteger") >= 24
    assert (graph_path.parent / f"{graph_path.name}.data").stat().st_size > 100_000_000


def test_switching_precision_rebuilds_the_index(tiny_settings: Settings, embedder) -> None:  # type: ignore[no-untyped-def]
    int8_settings = tiny_settings.model_copy(update={"backend": "onnx-int8"})
    bot = Assistant(int8_settings)
    bot.warm_up()  # builds
    manifest = json.loads((tiny_settings.index_dir / "current" / "manifest.json").read_text())
    assert manifest["embedding"]["precision"] == "int8"
    assert bot.stale_reason() is None
    answer = bot.ask("Hur ofta kör bokbussen?")
    assert answer.answered and "varannan vecka" in answer.answer

    fp32 = Assistant(tiny_settings)
    fp32.embedder = embedder
    assert fp32.stale_reason() == "precision changed"
    messages: list[str] = []
    fp32.warm_up(progress=messages.append)
    assert "Building the index: precision changed" in messages
    manifest = json.loads((tiny_settings.index_dir / "current" / "manifest.json").read_text())
    assert manifest["embedding"]["precision"] == "fp32"
    assert fp32.stale_reason() is None
