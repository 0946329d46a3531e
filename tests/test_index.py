import json
import os
from pathlib import Path

import numpy as np
import pytest

from assistant.chunking import CHUNKER_VERSION
from assistant.config import Settings
from assistant.errors import CorpusError, IndexCorrupt, IndexMissing
from assistant.index import FILES, FORMAT_VERSION, VectorIndex, lexical_index, read_manifest
from assistant.lang import abbreviations
from assistant.lexical import FILES as LEXICAL_FILES
from assistant.lexical import stopwords_digest
from assistant.pipeline import Assistant


@pytest.fixture
def built(tiny_settings: Settings, embedder) -> Assistant:
    bot = Assistant(tiny_settings)
    bot.embedder = embedder
    bot.warm_up()
    return bot


def _current(settings: Settings) -> Path:
    return (settings.index_dir / "current").resolve()


def test_build_writes_manifest_and_round_trips(built: Assistant, tiny_settings: Settings) -> None:
    manifest = read_manifest(tiny_settings.index_dir)
    assert manifest is not None
    assert manifest["model_id"] == built.embedder.model_id
    assert manifest["dimension"] == 384
    assert manifest["chunker"] == {
        "size": tiny_settings.chunk_size,
        "overlap": tiny_settings.chunk_overlap,
        "version": CHUNKER_VERSION,
        "abbreviations": sorted(abbreviations()),
    }
    assert manifest["stop_words"] == stopwords_digest()
    assert manifest["n_chunks"] == len(built.index.chunks) > 0
    assert len(manifest["corpus_hash"]) == 64 and manifest["built_at"]
    loaded = VectorIndex.load(tiny_settings.index_dir)
    assert loaded.chunks == built.index.chunks
    assert np.array_equal(loaded.segment_vectors, built.index.segment_vectors)


def test_missing_index_is_reported(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="assistant build"):
        VectorIndex.load(tmp_path / "index")


def test_empty_corpus_cannot_be_built(tiny_settings: Settings, embedder) -> None:
    for file in tiny_settings.corpus_dir.iterdir():
        file.unlink()
    bot = Assistant(tiny_settings)
    bot.embedder = embedder
    with pytest.raises(CorpusError, match="Inga dokument"):
        bot.build()
    assert read_manifest(tiny_settings.index_dir) is None


@pytest.mark.parametrize(
    "name",
    [
        "vectors.faiss",
        "chunks.jsonl",
        "segments.npy",
        "segments.jsonl",
        "bm25.data.npy",
        "bm25.indices.npy",
        "bm25.indptr.npy",
        "bm25.vocab.json",
        "bm25.params.json",
        "lexicon.json",
    ],
)
def test_truncated_file_is_refused(built: Assistant, tiny_settings: Settings, name: str) -> None:
    path = _current(tiny_settings) / name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexCorrupt, match="skadad"):
        VectorIndex.load(tiny_settings.index_dir)


def test_flipped_bit_is_refused(built: Assistant, tiny_settings: Settings) -> None:
    path = _current(tiny_settings) / "vectors.faiss"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="kontrollsumman"):
        VectorIndex.load(tiny_settings.index_dir)


def test_count_mismatch_is_refused_even_with_matching_checksums(
    built: Assistant, tiny_settings: Settings
) -> None:
    """A manifest rewritten to match wrong files still fails the consistency checks."""
    from assistant.index import _sha256

    folder = _current(tiny_settings)
    lines = (folder / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    (folder / "chunks.jsonl").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["chunks.jsonl"] = _sha256(folder / "chunks.jsonl")
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match="vektorer men"):
        VectorIndex.load(tiny_settings.index_dir)


def test_unreadable_manifest_is_refused(built: Assistant, tiny_settings: Settings) -> None:
    (_current(tiny_settings) / "manifest.json").write_text("{inte json")
    with pytest.raises(IndexCorrupt, match="manifest"):
        VectorIndex.load(tiny_settings.index_dir)


def test_changed_corpus_makes_index_stale_and_warm_up_rebuilds(
    built: Assistant, tiny_settings: Settings, embedder
) -> None:
    old = built.index.version
    assert built.stale_reason() is None
    (tiny_settings.corpus_dir / "ny.txt").write_text("Simhallen öppnar i maj.", encoding="utf-8")
    assert built.stale_reason() == "corpus_hash changed"
    fresh = Assistant(tiny_settings)
    fresh.embedder = embedder
    fresh.warm_up()
    assert fresh.index.version != old
    assert any("Simhallen" in c.text for c in fresh.index.chunks)


def test_changed_chunker_settings_make_index_stale(
    built: Assistant, tiny_settings: Settings, embedder
) -> None:
    other = Assistant(tiny_settings.model_copy(update={"chunk_size": 300}))
    other.embedder = embedder
    assert other.stale_reason() == "chunker changed"


def test_failed_build_keeps_the_current_index(
    built: Assistant, tiny_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _current(tiny_settings)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(np, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        built.build()
    assert _current(tiny_settings) == before
    assert VectorIndex.load(tiny_settings.index_dir).version == built.index.version
    leftovers = [
        p for p in (tiny_settings.index_dir / "builds").iterdir() if p.name.startswith(".tmp")
    ]
    assert leftovers == []


def test_rebuild_swaps_current_and_prunes_old_builds(
    built: Assistant, tiny_settings: Settings
) -> None:
    for _ in range(3):
        built.build()
    builds = [p for p in (tiny_settings.index_dir / "builds").iterdir() if p.is_dir()]
    assert len(builds) == 2
    assert os.path.islink(tiny_settings.index_dir / "current")
    assert _current(tiny_settings) in [b.resolve() for b in builds]


def test_bm25_is_saved_with_the_build_and_loads_scoring_the_same(
    built: Assistant, tiny_settings: Settings
) -> None:
    manifest = read_manifest(tiny_settings.index_dir)
    assert manifest is not None and manifest["format_version"] == FORMAT_VERSION
    assert set(LEXICAL_FILES) <= set(FILES) == set(manifest["files"])
    for name in LEXICAL_FILES:
        assert (_current(tiny_settings) / name).is_file()
    loaded = VectorIndex.load(tiny_settings.index_dir)
    assert loaded.lexical is not None and loaded.lexical.size == len(loaded.chunks)
    fresh = lexical_index(loaded.chunks)
    assert loaded.lexical.analyzer.vocabulary == fresh.analyzer.vocabulary
    assert loaded.lexical.names == fresh.names
    queries = ["sodertorn kommuner", "södertörns kommunerna", "samarbetr", "vad är det"]
    for query in queries:
        assert np.array_equal(loaded.lexical.scores(query), fresh.scores(query)), query


def test_older_format_is_stale_and_rebuilt(
    built: Assistant, tiny_settings: Settings, embedder
) -> None:
    """An index from before BM25 was saved with it is rebuilt by warm-up, not refused."""
    folder = _current(tiny_settings)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["format_version"] = FORMAT_VERSION - 1
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert built.stale_reason() == "format_version changed"
    with pytest.raises(IndexCorrupt, match="formatversion"):
        VectorIndex.load(tiny_settings.index_dir)
    fresh = Assistant(tiny_settings)
    fresh.embedder = embedder
    fresh.warm_up()
    assert fresh.index.version != built.index.version
    assert fresh.index.manifest["format_version"] == FORMAT_VERSION
    assert fresh.stale_reason() is None


@pytest.mark.parametrize("manifest", ["[1, 2, 3]", '{"format_version": 3, "files": ["x"]}'])
def test_a_manifest_of_the_wrong_shape_is_refused(
    built: Assistant, tiny_settings: Settings, manifest: str
) -> None:
    path = _current(tiny_settings) / "manifest.json"
    path.chmod(0o644)
    path.write_text(manifest, encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="fel form"):
        VectorIndex.load(tiny_settings.index_dir)
    if manifest.startswith("["):  # not an object: no manifest at all, the index is stale
        assert read_manifest(tiny_settings.index_dir) is None


def test_a_segment_outside_its_chunk_is_refused_even_with_matching_checksums(
    built: Assistant, tiny_settings: Settings
) -> None:
    path = _current(tiny_settings)
    segments = path / "segments.jsonl"
    lines = segments.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["end"] = 10**6  # far past the end of its chunk's text
    lines[0] = json.dumps(first)
    segments.chmod(0o644)
    segments.write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest_path = path / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    import hashlib

    manifest["files"]["segments.jsonl"] = hashlib.sha256(segments.read_bytes()).hexdigest()
    manifest_path.chmod(0o644)
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="segment pekar utanför"):
        VectorIndex.load(tiny_settings.index_dir)


def test_build_files_are_read_only_and_stale_temporary_builds_go(
    built: Assistant, tiny_settings: Settings
) -> None:
    path = _current(tiny_settings)
    assert all(not (path / name).stat().st_mode & 0o222 for name in (*FILES, "manifest.json"))
    builds = tiny_settings.index_dir / "builds"
    stale, fresh = builds / ".tmp-killed", builds / ".tmp-running"
    stale.mkdir()
    fresh.mkdir()
    os.utime(stale, (0, 0))  # a build killed long ago
    built.build()
    assert not stale.exists() and fresh.exists()


def test_an_index_built_with_other_stop_words_is_stale(
    built: Assistant, tiny_settings: Settings
) -> None:
    """The BM25 index holds no stop word: one built with another list is rebuilt."""
    folder = _current(tiny_settings)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert built.stale_reason() is None
    manifest["stop_words"] = "0" * 16
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert built.stale_reason() == "stop_words changed"
