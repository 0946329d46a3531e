"""The scale benchmark, run small: real build, save, fresh serving process and exact truth."""

from pathlib import Path

import numpy as np

from assistant.index import SegmentRef, Segments, SegmentsByChunk
from assistant.lexical import FILES as LEXICAL_FILES
from benchmarks import scale


def test_small_run_measures_an_ivf_index_against_exact(tmp_path: Path) -> None:
    # Limits lowered so that 2,000 chunks get an IVF index and 3,000 the float16 one.
    result = scale.run([2000, 3000], exact_limit=500, float_limit=2500, work_dir=tmp_path)
    small, large = result["sizes"]
    assert small["index"]["type"] == "IndexIVFFlat"
    assert large["index"]["type"] == "IndexIVFScalarQuantizer"
    assert large["index"]["codes"] == "fp16"
    for row in result["sizes"]:
        assert row["index"]["nprobe"] >= 1 and row["index"]["recall_at_10"] >= 0.97
        assert row["recall_at_10"] >= scale.BAR_RECALL  # fresh queries, the served index
        assert row["n_segments"] > row["n_chunks"]
        assert set(row["disk_bytes"]) >= {"vectors.faiss", "chunks.jsonl", "segments.npy"}
        assert set(row["disk_bytes"]) >= set(LEXICAL_FILES)  # BM25 is saved with the build
        assert row["disk_total_bytes"] == sum(row["disk_bytes"].values())
        served = row["memory_mib"]["served"]
        assert 0 < served["RssAnon"] <= served["VmRSS"] <= served["VmHWM"]
        for path in ("dense", "bm25", "hybrid"):
            assert 0 < row[path]["p50_ms"] <= row[path]["p95_ms"]
        assert row["build_s"] > 0 and row["bm25_build_s"] > 0 and row["load_s"] > 0
        # The server loads BM25 rather than building it: start = load + making the retriever.
        assert row["start_s"] == row["load_s"] + row["retriever_s"]
        assert row["bm25_build_memory_mib"]["rss_growth"] is not None
        # Mapped, the vectors are file pages rather than the process's own heap.
        heap = {
            name: probe["memory_mib"]["loaded"]["RssAnon"] - probe["memory_mib"]["start"]["RssAnon"]
            for name, probe in row["faiss_read_vs_mmap"].items()
        }
        assert heap["read"] - heap["mmap"] > 0.5 * row["disk_bytes"]["vectors.faiss"] / 2**20
    assert not list(tmp_path.iterdir())  # the temporary indexes are removed
    table = scale.format_table(result)
    assert "IVFFlat" in table and "IVF,SQfp16" in table and "start s" in table
    scale.plot(result, tmp_path / "scale.png")
    assert (tmp_path / "scale.png").stat().st_size > 10_000


def test_compact_segments_behave_like_the_list() -> None:
    refs = [
        SegmentRef(0, 0, 10, False),
        SegmentRef(0, 11, 40, True),
        SegmentRef(0, 11, 20, False, lead="Öppettider:"),
        SegmentRef(2, 0, 5, False),
    ]
    segments = Segments(refs)
    assert len(segments) == 4 and list(segments) == refs and segments == refs
    assert segments[2].lead == "Öppettider:" and segments[-1] == refs[-1]
    assert segments[np.int64(1)].is_list  # ids from numpy arrays index it too
    assert segments[1:3] == refs[1:3]
    by_chunk = SegmentsByChunk(segments.chunk_ids())
    assert by_chunk.get(0) == [0, 1, 2] and by_chunk.get(2) == [3] and by_chunk.get(1, []) == []
    assert sorted(by_chunk) == [0, 2]
    shuffled = SegmentsByChunk(np.array([2, 0, 2, 1], dtype=np.intc))
    assert shuffled[2] == [0, 2] and shuffled[0] == [1] and len(shuffled) == 3
    # Several chunks at once, as retrieval asks: each one's segments, and whose they are.
    for mapping in (by_chunk, shuffled):
        wanted = np.array([2, 1, 0, 5])
        ids, owner = mapping.flat(wanted)
        expected = [(s, j) for j, c in enumerate(wanted) for s in mapping.get(int(c), [])]
        assert list(zip(ids.tolist(), owner.tolist(), strict=True)) == expected
    empty_ids, empty_owner = by_chunk.flat(np.array([], dtype=np.int64))
    assert empty_ids.size == 0 and empty_owner.size == 0
