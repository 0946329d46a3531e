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
