"""A rebuild takes the vectors of unchanged texts from the current build (real model, FAISS)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.ann import build_vector_index
from assistant.config import Settings
from assistant.index import VectorIndex, passage_text, segment_texts
from assistant.pipeline import Assistant
from assistant.types import Chunk

#: A second document beside the tiny corpus's library page, so that one can change alone.
SIMHALL = """---
title: Testkommunens simhall
url: https://example.invalid/simhall
updated: 2025-02-01
language: sv
---

# Testkommunens simhall

Simhallen i Testby har öppet alla dagar. Entrén kostar 40 kronor för vuxna.

## Kurser

Simskolan för barn börjar i september. Vattengympa hålls på tisdagar.
"""


class CountingEmbedder:
    """The real embedder, remembering every passage it was asked to embed."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.embedded: list[str] = []

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.inner, name)  # model_id, dimension, backend, embed_queries …

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return self.inner.embed_passages(texts)


@pytest.fixture
def counting(embedder) -> CountingEmbedder:  # type: ignore[no-untyped-def]
    return CountingEmbedder(embedder)


@pytest.fixture
def two_docs(tiny_settings: Settings) -> Settings:
    (tiny_settings.corpus_dir / "simhall.md").write_text(SIMHALL, encoding="utf-8")
    return tiny_settings


def _build(settings: Settings, embedder: CountingEmbedder) -> tuple[VectorIndex, list[str]]:
    """A build through `Assistant.build`, as `assistant build` makes it; and its progress."""
    bot = Assistant(settings)
    bot.embedder = embedder  # type: ignore[assignment]
    messages: list[str] = []
    embedder.embedded.clear()
    return bot.build(progress=messages.append), messages


def _embedded_texts(index: VectorIndex) -> list[str]:
    return [passage_text(c) for c in index.chunks] + segment_texts(index.chunks, index.segments)


def _chunk_vectors(index: VectorIndex) -> np.ndarray:
    return index.faiss_index.reconstruct_n(0, index.faiss_index.ntotal)  # type: ignore[attr-defined]


def _current_manifest(settings: Settings) -> Path:
    return (settings.index_dir / "current").resolve() / "manifest.json"


def test_rebuild_embeds_only_changed_texts_and_matches_a_fresh_build(
    two_docs: Settings, counting: CountingEmbedder
) -> None:
    first, messages = _build(two_docs, counting)
    assert "No previous build: embedding every text" in messages
    assert len(counting.embedded) == len(first.chunks) + len(first.segments)

    path = two_docs.corpus_dir / "simhall.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("40 kronor", "50 kronor"), encoding="utf-8")
    second, messages = _build(two_docs, counting)

    old = set(_embedded_texts(first))
    changed = [t for t in _embedded_texts(second) if t not in old]
    assert changed and any("50 kronor" in t for t in changed)
    assert sorted(counting.embedded) == sorted(changed)  # nothing unchanged is embedded again
    n_new_chunks = sum(passage_text(c) not in old for c in second.chunks)
    n_reused = len(second.chunks) - n_new_chunks
    assert 0 < n_reused < len(second.chunks)
    assert f"Reused {n_reused}/{len(second.chunks)} chunk vectors from the previous build" in (
        messages
    )
    assert any(m.startswith("Reused ") and "answer segment vectors" in m for m in messages)

    counting.embedded.clear()
    fresh = VectorIndex.build(second.chunks, counting, manifest={})
    assert len(counting.embedded) == len(second.chunks) + len(second.segments)
    assert np.allclose(_chunk_vectors(second), _chunk_vectors(fresh), atol=1e-5)
    assert np.allclose(second.segment_vectors, fresh.segment_vectors, atol=1e-5)
    loaded = VectorIndex.load(two_docs.index_dir)  # the reusing build saves and loads as any
    assert np.array_equal(loaded.segment_vectors, second.segment_vectors)
    assert np.array_equal(_chunk_vectors(loaded), _chunk_vectors(second))


def test_unchanged_corpus_embeds_nothing(two_docs: Settings, counting: CountingEmbedder) -> None:
    first, _ = _build(two_docs, counting)
    second, messages = _build(two_docs, counting)
    assert counting.embedded == []
    n = len(first.chunks)
    assert f"Reused {n}/{n} chunk vectors from the previous build" in messages
    assert np.array_equal(second.segment_vectors, first.segment_vectors)


def _truncate_segment_vectors(settings: Settings) -> None:
    path = (settings.index_dir / "current").resolve() / "segments.npy"
    path.write_bytes(path.read_bytes()[:100])


def _garble_manifest(settings: Settings) -> None:
    _current_manifest(settings).write_text("{not json", encoding="utf-8")


def _older_format(settings: Settings) -> None:
    manifest = json.loads(_current_manifest(settings).read_text(encoding="utf-8"))
    manifest["format_version"] = 2
    _current_manifest(settings).write_text(json.dumps(manifest), encoding="utf-8")


def _remove_builds(settings: Settings) -> None:
    shutil.rmtree((settings.index_dir / "current").resolve())  # `current` now dangles


@pytest.mark.parametrize(
    "damage", [_truncate_segment_vectors, _garble_manifest, _older_format, _remove_builds]
)
def test_unreadable_previous_build_falls_back_to_embedding_everything(
    two_docs: Settings, counting: CountingEmbedder, damage
) -> None:  # type: ignore[no-untyped-def]
    first, _ = _build(two_docs, counting)
    damage(two_docs)
    second, messages = _build(two_docs, counting)
    assert len(counting.embedded) == len(second.chunks) + len(second.segments)
    assert not any(m.startswith("Reused") for m in messages)
    assert any("embedding every text" in m for m in messages)
    assert np.allclose(second.segment_vectors, first.segment_vectors, atol=1e-5)
    VectorIndex.load(two_docs.index_dir)  # the new build is current and sound


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("model_id", "another/model", "another model"),
        ("dimension", 768, "IndexCorrupt"),  # refused by `load` already
        ("embedding", {"backend": "torch"}, "another backend"),
        ("embedding", {"precision": "int8"}, "another precision"),
        ("embedding", {"passage_prompt": "passage: "}, "another passage prompt"),
        ("embedding", {"texts": 0}, "another texts"),
    ],
)
def test_build_with_another_model_or_recipe_lends_nothing(
    two_docs: Settings, counting: CountingEmbedder, key: str, value: object, reason: str
) -> None:
    _build(two_docs, counting)
    manifest = json.loads(_current_manifest(two_docs).read_text(encoding="utf-8"))
    manifest[key] = value  # the manifest is not among the checksummed files: it still loads
    _current_manifest(two_docs).write_text(json.dumps(manifest), encoding="utf-8")
    second, messages = _build(two_docs, counting)
    assert len(counting.embedded) == len(second.chunks) + len(second.segments)
    assert any(f"({reason}): embedding every text" in m for m in messages)


def test_lossy_ivf_vectors_are_not_reused_but_segments_are(
    tmp_path: Path, counting: CountingEmbedder
) -> None:
    texts = [
        f"Ärende {i}: ansökan om bygglov nummer {i} handläggs inom {i + 2} veckor. "
        f"Avgiften är {100 * i} kronor."
        for i in range(40)
    ]
    chunks = [
        Chunk(chunk_id=i, doc_id=f"d{i}", title="", section=None, text=t, start=0, end=len(t))
        for i, t in enumerate(texts)
    ]
    flat = VectorIndex.build(chunks, counting, manifest={"model_id": counting.model_id})
    # The float16 IVF index that corpora above 500k chunks get, here over 40 vectors.
    ivf, info = build_vector_index(_chunk_vectors(flat), exact_limit=0, float_limit=0)
    assert info.get("codes") == "fp16"
    manifest = {**flat.manifest, "faiss": info}
    VectorIndex(manifest, chunks, ivf, flat.segments, flat.segment_vectors).save(tmp_path)

    messages: list[str] = []
    counting.embedded.clear()
    again = VectorIndex.build(
        chunks,
        counting,
        manifest={"model_id": counting.model_id},
        progress=messages.append,
        reuse=tmp_path,
    )
    assert sorted(counting.embedded) == sorted(passage_text(c) for c in chunks)
    n = len(flat.segments)
    assert f"Reused 0/{len(chunks)} chunk vectors from the previous build" in messages
    assert f"Reused {n}/{n} answer segment vectors from the previous build" in messages
    assert np.allclose(_chunk_vectors(again), _chunk_vectors(flat), atol=1e-5)
    assert np.array_equal(again.segment_vectors, flat.segment_vectors)
