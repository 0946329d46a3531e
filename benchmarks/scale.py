"""`python -m benchmarks.scale [--quick | --sizes N,N,…]`: the index at 10k, 100k and 1M chunks.

For each corpus size a synthetic index is built and saved through the project's own code
(`assistant.ann.build_vector_index`, `VectorIndex` and its `save`), then a fresh process
loads it the way the server does (`VectorIndex.load`, which also loads the BM25 index saved
with the build, then `HybridRetriever`) and serves queries. Measured:

* build time of the vector index (training, adding, nprobe tuning), of BM25 over every chunk
  text (`LexicalIndex`, built with the index as `assistant build` does, with the growth of the
  building process's peak memory while it runs), and of the save (writing and checksumming
  the files);
* start time of the serving process: loading the index (`VectorIndex.load`) and making the
  retriever, which is when a server can answer;
* index size on disk: the bytes of every file of the saved build;
* resident memory of the serving process after the queries: VmRSS (what `top` shows),
  RssAnon (the process's own heap: what it alone holds), RssFile (pages of mapped files,
  shared with other processes and reclaimable by the kernel) and VmHWM (the peak since the
  process started); the bar is on VmRSS;
* query latency p50/p95 over `N_QUERIES` queries, one at a time after a warm-up: the vector
  search alone (`VectorIndex.search`, top 10; a first pass, which still maps the index's
  pages into the fresh process, then the steady state), BM25 scoring alone, and the whole
  hybrid retrieval (`HybridRetriever.retrieve`, top 10; the query embedding is given, not
  computed: e5-small's own latency is measured by `benchmarks.inference`);
* recall@10 of the index actually served against exact inner-product search
  (`faiss.knn`) over the same vectors, on the same queries (not the ones nprobe was tuned on);
* memory mapping: the saved vectors.faiss is also opened by two concurrent processes with
  and without `faiss.IO_FLAG_MMAP_IFC`, reporting each one's RssAnon, RssFile and PSS
  (proportional set size: shared pages are split between the processes that map them).

The data. Text is recombined from the sentences of the 503 Swedish FAQ answers
(zaragoza-construction-faq): a chunk takes random sentences, from the 8 answers its subtopic
draws on, until it reaches a length drawn from 200–700 characters (the chunker's target is
700). Vectors are generated, not embedded (embedding 1M passages with e5-small would take
hours here), to have the shape of e5 embeddings, measured on the FAQ answers: e5-small's
vectors share one dominant direction (the mean vector has norm 0.91; random passages have
cosine 0.83) and what remains clusters by topic. So each vector is
``normalise(0.91 * common + 0.41 * residual)``, the residual a two-level Gaussian mixture:
64 topics, 4,096 subtopics spread around them (noise 2.0), chunks around their subtopic
(noise 1.0), subtopic sizes log-normal (real topics are uneven) and all chunks of a document
(8 chunks) on one subtopic. With these constants 503 chunks of one topic have, after
removing the mean, nearest-neighbour cosines of 0.48 (1st) and 0.30 (10th), against 0.50
and 0.29 for e5-small on the FAQ answers. Uniformly random vectors would be a pathological
worst case for an approximate index (no structure to exploit), tight well-separated clusters
a trivially easy one; neither is what embeddings look like. A sentence (segment) vector is
its chunk's vector plus noise. Queries are corpus vectors perturbed exactly as
`assistant.ann.tune_nprobe` does (Gaussian noise 0.05 per dimension; on e5-shaped vectors
that gives a query–passage cosine of 0.39 after removing the mean, as e5's FAQ questions have
to their answers, 0.39), with a few words of the source chunk as the query text for BM25.
Recombined text has a small vocabulary (about 3,000 terms), so query terms match far more
chunks than in a real corpus of that size: BM25 scoring and ranking are measured on the
heavy side.

`--replot` redraws the table and chart from an earlier run's JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

QUICK_SIZES = (10_000, 100_000)
FULL_SIZES = (10_000, 100_000, 1_000_000)
#: The issue's bars at 1M chunks.
BAR_P95_MS = 100.0
BAR_RSS_GIB = 4.0
BAR_RECALL = 0.95

DIM = 384  # e5-small
N_QUERIES = 200
WARMUP = 20
#: Perturbation of a corpus vector that makes a query, as in `assistant.ann.tune_nprobe`.
QUERY_NOISE = 0.05
#: Weights of the shared direction and the topical residual (e5: mean vector norm 0.91).
COMMON, RESIDUAL = 0.91, 0.41
TOPICS, SUBTOPICS = 64, 4096
TOPIC_SPREAD, CHUNK_SPREAD = 2.0, 1.0
#: Noise (per dimension) of a sentence vector around its chunk's vector.
SEGMENT_NOISE = 0.03
CHUNKS_PER_DOC = 8
ANSWERS_PER_SUBTOPIC = 8
CHUNK_CHARS = (200, 700)
#: Rows generated at a time, to bound the temporary memory of the generator.
BLOCK = 100_000
#: Sentence vectors larger than this are generated into a file rather than memory.
IN_MEMORY_BYTES = 2 << 30
ROOT = Path(__file__).resolve().parents[1]

Say = Callable[[str], None]


# ---------------------------------------------------------------------------------------------
# Synthetic corpus


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def faq_sentences() -> tuple[list[list[str]], list[str]]:
    """The FAQ answers split into sentences, and the questions (used as titles)."""
    from benchmarks.faq import load_faq

    _, questions, answers = load_faq()
    split = [[s for s in re.split(r"(?<=[.!?])\s+", a.strip()) if s] for a in answers]
    return split, questions


class Mixture:
    """The two-level Gaussian mixture the vectors are drawn from (see the module docstring)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.common = _unit(rng.standard_normal(DIM)).astype(np.float32)
        topics = _unit(rng.standard_normal((TOPICS, DIM)))
        parent = rng.integers(0, TOPICS, SUBTOPICS)
        noise = rng.standard_normal((SUBTOPICS, DIM)) / math.sqrt(DIM)
        self.subtopics = _unit(topics[parent] + TOPIC_SPREAD * noise).astype(np.float32)
        weights = rng.lognormal(0.0, 1.0, SUBTOPICS)
        self.weights = weights / weights.sum()

    def vectors(self, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One L2-normalised float32 vector per label (subtopic), [n, DIM]."""
        out = np.empty((len(labels), DIM), dtype=np.float32)
        scale = np.float32(CHUNK_SPREAD / math.sqrt(DIM))
        for start in range(0, len(labels), BLOCK):
            part = labels[start : start + BLOCK]
            noise = rng.standard_normal((len(part), DIM), dtype=np.float32)
            residual = _unit(self.subtopics[part] + scale * noise)
            out[start : start + len(part)] = _unit(COMMON * self.common + RESIDUAL * residual)
        return out


def perturb(vectors: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    """`vectors` plus Gaussian noise per dimension, L2-normalised again."""
    out = vectors + np.float32(noise) * rng.standard_normal(vectors.shape, dtype=np.float32)
    return _unit(out).astype(np.float32)


def synthetic_chunks(
    labels: np.ndarray, rng: np.random.Generator, sentences: list[list[str]], titles: list[str]
) -> list:
    """Chunks whose text recombines FAQ sentences of the answers their subtopic draws on."""
    from assistant.types import Chunk

    n_answers = len(sentences)
    sources = rng.integers(0, n_answers, (SUBTOPICS, ANSWERS_PER_SUBTOPIC))
    pools: dict[int, list[str]] = {}
    lengths = rng.integers(CHUNK_CHARS[0], CHUNK_CHARS[1] + 1, len(labels))
    picks = rng.random((len(labels), 24))  # more than any chunk needs
    chunks = []
    offset = 0
    for i, label in enumerate(labels.tolist()):
        pool = pools.get(label)
        if pool is None:
            pool = pools[label] = [s for a in sources[label] for s in sentences[a]]
        parts: list[str] = []
        size = -1
        for u in picks[i]:
            sentence = pool[int(u * len(pool))]
            parts.append(sentence)
            size += len(sentence) + 1
            if size >= lengths[i]:
                break
        text = " ".join(parts)
        doc = i // CHUNKS_PER_DOC
        if i % CHUNKS_PER_DOC == 0:
            offset = 0
        chunks.append(
            Chunk(
                chunk_id=i,
                doc_id=f"syn-{doc:07d}",
                title=titles[int(sources[label][0])],
                section=None,
                text=text,
                start=offset,
                end=offset + len(text),
            )
        )
        offset += len(text) + 2
    return chunks


def query_text(text: str, rng: np.random.Generator) -> str:
    """A few consecutive words of a chunk, the way residents type keywords."""
    words = re.findall(r"\w+", text)
    length = int(rng.integers(3, 8))
    start = int(rng.integers(0, max(1, len(words) - length)))
    return " ".join(words[start : start + length]).lower()


# ---------------------------------------------------------------------------------------------
# Memory of this process


def memory() -> dict[str, float]:
    """VmRSS, VmHWM, RssAnon and RssFile of this process, MiB (from /proc/self/status)."""
    return _status(Path("/proc/self/status"))


def _status(path: Path) -> dict[str, float]:
    wanted = {"VmRSS", "VmHWM", "RssAnon", "RssFile"}
    out: dict[str, float] = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(":")
        if key in wanted:
            out[key] = int(value.split()[0]) / 1024  # kB → MiB
    return out


def _pss(pid: int) -> float | None:
    """Proportional set size of a process, MiB (shared pages split among their users)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Contention:
    """Cores used by other processes while measuring: machine busy time minus our own."""

    def __init__(self) -> None:
        self.start = (time.perf_counter(), self._machine_busy(), self._own())

    @staticmethod
    def _machine_busy() -> float:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _own() -> float:
        times = os.times()
        return times.user + times.system

    def cores(self) -> float:
        wall0, busy0, own0 = self.start
        wall = time.perf_counter() - wall0
        other = (self._machine_busy() - busy0) - (self._own() - own0)
        return max(0.0, other / wall) if wall > 0 else 0.0


def _percentiles(seconds: Sequence[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95))}


# ---------------------------------------------------------------------------------------------
# The serving process (a fresh interpreter, as a server would be)


class _GivenEmbedder:
    """Returns the query vector set beforehand: retrieval is measured, not the model."""

    model_id = "synthetic"
    dimension = DIM

    def __init__(self) -> None:
        self.vector = np.zeros((1, DIM), dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.vector

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


def serve(root: Path, queries_path: Path, then: Callable[[dict], None]) -> None:
    """Load the index under `root` as the server does and answer the queries.

    The measurements are handed to `then` while the index is still loaded.
    """
    from assistant.config import get_settings
    from assistant.index import VectorIndex
    from assistant.retrieval import HybridRetriever

    mem_start = memory()
    start = time.perf_counter()
    index = VectorIndex.load(root)
    load_s = time.perf_counter() - start
    mem_loaded = memory()
    embedder = _GivenEmbedder()
    start = time.perf_counter()
    weight = get_settings().dense_weight
    retriever = HybridRetriever(index, embedder, dense_weight=weight)  # type: ignore[arg-type]
    retriever_s = time.perf_counter() - start
    mem_ready = memory()

    data = np.load(queries_path, allow_pickle=False)
    qvecs, texts = data["vectors"], [str(t) for t in data["texts"]]
    n = len(texts)
    for i in range(min(WARMUP, n)):  # first touches: page faults, lazy allocations
        embedder.vector = qvecs[i : i + 1]
        retriever.retrieve(texts[i], 10)
    found = np.full((n, 10), -1, dtype=np.int64)
    first: list[float] = []
    dense: list[float] = []
    lexical: list[float] = []
    hybrid: list[float] = []
    contention = Contention()
    # Twice: the first pass meets index pages not yet mapped into this process (fresh
    # after a start), the second is the steady state of a server that has run a while.
    for seconds in (first, dense):
        for i in range(n):
            query = np.ascontiguousarray(qvecs[i : i + 1])
            t0 = time.perf_counter()
            _, ids = index.search(query, 10)
            seconds.append(time.perf_counter() - t0)
            found[i, : ids.shape[1]] = ids[0]
    for i in range(n):
        t0 = time.perf_counter()
        retriever.lexical.scores(texts[i])
        lexical.append(time.perf_counter() - t0)
    for i in range(n):
        embedder.vector = qvecs[i : i + 1]
        t0 = time.perf_counter()
        retriever.retrieve(texts[i], 10)
        hybrid.append(time.perf_counter() - t0)
    then(
        {
            "load_s": load_s,
            "retriever_s": retriever_s,
            "start_s": load_s + retriever_s,
            "memory_mib": {
                "start": mem_start,
                "loaded": mem_loaded,
                "ready": mem_ready,
                "served": memory(),
            },
            "dense": _percentiles(dense),
            "dense_first_pass": _percentiles(first),
            "bm25": _percentiles(lexical),
            "hybrid": _percentiles(hybrid),
            "other_cores_busy": contention.cores(),
            "found": found.tolist(),
        }
    )


def probe_faiss(build: Path, queries_path: Path, flags: int, then: Callable[[dict], None]) -> None:
    """Open vectors.faiss with the given read flags and search; memory and latency to `then`."""
    import faiss

    from assistant.ann import prepare_loaded

    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    mem_start = memory()
    start = time.perf_counter()
    index = faiss.read_index(str(build / "vectors.faiss"), flags)
    prepare_loaded(index, manifest.get("faiss") or {})
    load_s = time.perf_counter() - start
    mem_loaded = memory()
    qvecs = np.load(queries_path, allow_pickle=False)["vectors"]
    faiss.omp_set_num_threads(1)  # as VectorIndex.search does for one query
    first: list[float] = []
    steady: list[float] = []
    for seconds in (first, steady):  # pages not yet mapped, then the steady state
        for i in range(len(qvecs)):
            t0 = time.perf_counter()
            index.search(qvecs[i : i + 1], 10)
            seconds.append(time.perf_counter() - t0)
    then(
        {
            "flags": flags,
            "load_s": load_s,
            "memory_mib": {"start": mem_start, "loaded": mem_loaded, "served": memory()},
            **_percentiles(steady),
            "first_pass": _percentiles(first),
        }
    )


def _report_and_wait(result: dict) -> None:
    """Print the result for the parent, then keep the index loaded until stdin closes."""
    print(json.dumps(result), flush=True)
    sys.stdin.read()


def _child(args: list[str]) -> subprocess.Popen:
    """`python -m benchmarks.scale <args>` in a fresh interpreter (its stderr is ours)."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.scale", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _result_line(proc: subprocess.Popen) -> dict:
    """The child's one line of JSON."""
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait()
        raise RuntimeError(f"benchmark child {proc.args!r} failed with exit code {proc.returncode}")
    return json.loads(line)


def _finish(proc: subprocess.Popen) -> None:
    with contextlib.suppress(BrokenPipeError):
        if proc.stdin:
            proc.stdin.close()
    proc.wait(timeout=60)


def run_serving(root: Path, queries_path: Path) -> dict:
    """The serving measurements, from a fresh process."""
    proc = _child(["--serve", str(root), "--queries", str(queries_path)])
    try:
        result = _result_line(proc)
        result["pss_mib"] = _pss(proc.pid)
        return result
    finally:
        _finish(proc)


def run_mmap_probe(build: Path, queries_path: Path) -> dict:
    """vectors.faiss read into memory and memory-mapped, each by two processes at once."""
    import faiss

    out = {}
    for name, flags in (("read", 0), ("mmap", faiss.IO_FLAG_MMAP_IFC)):
        procs = [
            _child(
                ["--probe-faiss", str(build), "--queries", str(queries_path), "--flags", str(flags)]
            )
            for _ in range(2)
        ]
        try:
            results = [_result_line(p) for p in procs]
            # Both are alive and have touched their pages: PSS splits shared pages between them.
            for proc, result in zip(procs, results, strict=True):
                result["pss_mib_two_processes"] = _pss(proc.pid)
        finally:
            for proc in procs:
                _finish(proc)
        out[name] = results[0] | {
            "pss_mib_two_processes": [r["pss_mib_two_processes"] for r in results]
        }
    return out


# ---------------------------------------------------------------------------------------------
# One size


def _reset_peak() -> bool:
    """Reset this process's VmHWM to its current RSS (Linux: 5 to /proc/self/clear_refs)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _disk(build: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in sorted(build.iterdir()) if p.is_file()}


def measure_size(
    n: int,
    work: Path,
    *,
    exact_limit: int,
    float_limit: int,
    sentences: list[list[str]],
    titles: list[str],
    say: Say,
    seed: int = 0,
) -> dict:
    """Build, save, load and query a synthetic index of `n` chunks."""
    import faiss

    from assistant.ann import build_vector_index, prepare_loaded, recall_at_10
    from assistant.chunking import split_segments
    from assistant.index import FORMAT_VERSION, SegmentRef, Segments, VectorIndex
    from assistant.lexical import LexicalIndex

    began = time.perf_counter()
    rng = np.random.default_rng(seed)
    mixture = Mixture(rng)
    start = time.perf_counter()
    n_docs = -(-n // CHUNKS_PER_DOC)
    labels = np.repeat(rng.choice(SUBTOPICS, n_docs, p=mixture.weights), CHUNKS_PER_DOC)[:n]
    vectors = mixture.vectors(labels, rng)
    chunks = synthetic_chunks(labels, rng, sentences, titles)
    segments = Segments(
        SegmentRef(c.chunk_id, s.start, s.end, s.is_list, s.lead)
        for c in chunks
        for s in split_segments(c.text)
    )
    # Large sentence vectors go straight to a file: at 1M chunks they are ~7M × 384 floats.
    seg_file = work / "segment-vectors.npy"
    shape = (len(segments), DIM)
    seg_vectors: np.ndarray
    if len(segments) * DIM * 4 > IN_MEMORY_BYTES:
        seg_vectors = np.lib.format.open_memmap(seg_file, mode="w+", dtype=np.float32, shape=shape)
    else:
        seg_vectors = np.empty(shape, dtype=np.float32)
    owners = segments.chunk_ids()
    for lo in range(0, len(segments), BLOCK):
        seg_vectors[lo : lo + BLOCK] = perturb(vectors[owners[lo : lo + BLOCK]], rng, SEGMENT_NOISE)
    del owners
    generate_s = time.perf_counter() - start
    say(f"  {n:,} chunks, {len(segments):,} segments generated in {generate_s:.1f} s")

    start = time.perf_counter()
    faiss_index, info = build_vector_index(
        vectors, exact_limit=exact_limit, float_limit=float_limit
    )
    prepare_loaded(faiss_index, info)
    build_s = time.perf_counter() - start
    say(f"  vector index {info} built in {build_s:.1f} s")

    manifest = {
        "model_id": "synthetic",
        "format_version": FORMAT_VERSION,
        "dimension": DIM,
        "n_chunks": n,
        "n_segments": len(segments),
        "faiss": info,
        "built_at": "synthetic",
    }
    # BM25 as `VectorIndex.build` makes it; the peak it adds to the building process is
    # its VmHWM, reset just before, less the RSS it started from.
    before = memory()
    peak_reset = _reset_peak()
    start = time.perf_counter()
    lexical = LexicalIndex([c.text for c in chunks])
    bm25_build_s = time.perf_counter() - start
    after = memory()
    bm25_peak_mib = after["VmHWM"] - before["VmRSS"] if peak_reset else None
    say(
        f"  BM25 built in {bm25_build_s:.1f} s; RSS +{after['VmRSS'] - before['VmRSS']:,.0f} MiB"
        + (f", peak +{bm25_peak_mib:,.0f} MiB" if bm25_peak_mib is not None else "")
    )

    start = time.perf_counter()
    index = VectorIndex(manifest, chunks, faiss_index, segments, seg_vectors, lexical=lexical)
    build = index.save(work / "index")
    save_s = time.perf_counter() - start
    disk = _disk(build)
    say(f"  saved in {save_s:.1f} s: {sum(disk.values()) / 2**20:,.0f} MiB")
    n_segments = len(segments)

    # Fresh queries near corpus vectors (others than nprobe was tuned on), and exact truth.
    qrng = np.random.default_rng(seed + 1)
    picks = qrng.choice(n, size=min(n, N_QUERIES), replace=False)
    qvecs = perturb(vectors[picks], qrng, QUERY_NOISE)
    texts = [query_text(chunks[int(i)].text, qrng) for i in picks]
    _, truth = faiss.knn(qvecs, vectors, 10, metric=faiss.METRIC_INNER_PRODUCT)
    queries_path = work / "queries.npz"
    np.savez(queries_path, vectors=qvecs, texts=np.array(texts))
    del index, faiss_index, chunks, segments, seg_vectors, vectors, lexical
    seg_file.unlink(missing_ok=True)

    say("  serving from a fresh process …")
    served = run_serving(work / "index", queries_path)
    found = np.asarray(served.pop("found"))
    recall = recall_at_10(found, truth)
    mem = served["memory_mib"]["served"]
    say(
        f"  recall@10 {recall:.3f}; dense p95 {served['dense']['p95_ms']:.1f} ms, "
        f"hybrid p95 {served['hybrid']['p95_ms']:.1f} ms; RSS {mem['VmRSS']:,.0f} MiB, "
        f"peak {mem['VmHWM']:,.0f} MiB; started in {served['start_s']:.1f} s"
    )
    say("  vectors.faiss read vs memory-mapped, two processes each …")
    mmap = run_mmap_probe(build, queries_path)
    shutil.rmtree(work / "index", ignore_errors=True)
    queries_path.unlink()
    return {
        "n_chunks": n,
        "n_segments": n_segments,
        "index": info,
        "generate_s": generate_s,
        "build_s": build_s,
        "bm25_build_s": bm25_build_s,
        "bm25_build_memory_mib": {
            "rss_growth": after["VmRSS"] - before["VmRSS"],
            "peak_growth": bm25_peak_mib,
        },
        "save_s": save_s,
        "disk_bytes": disk,
        "disk_total_bytes": sum(disk.values()),
        "recall_at_10": recall,
        **served,
        "faiss_read_vs_mmap": mmap,
        "total_s": time.perf_counter() - began,
    }


def run(
    sizes: Sequence[int],
    *,
    exact_limit: int | None = None,
    float_limit: int | None = None,
    work_dir: Path | None = None,
    say: Say = print,
) -> dict:
    """Measure each corpus size in turn; the result is JSON-serialisable.

    `exact_limit` and `float_limit` default to those of `assistant.ann`; lowering them
    exercises the approximate indexes on small corpora.
    """
    import bm25s
    import faiss

    from assistant import ann

    limit = ann.EXACT_LIMIT if exact_limit is None else exact_limit
    floats = ann.FLOAT_LIMIT if float_limit is None else float_limit
    sentences, titles = faq_sentences()
    rows = []
    for n in sizes:
        say(f"{n:,} chunks")
        work = Path(tempfile.mkdtemp(prefix=f"scale-{n}-", dir=work_dir))
        try:
            rows.append(
                measure_size(
                    n,
                    work,
                    exact_limit=limit,
                    float_limit=floats,
                    sentences=sentences,
                    titles=titles,
                    say=say,
                )
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return {
        "sizes": rows,
        "exact_limit": limit,
        "float_limit": floats,
        "n_queries": N_QUERIES,
        "bars": {"p95_ms": BAR_P95_MS, "rss_gib": BAR_RSS_GIB, "recall_at_10": BAR_RECALL},
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
            "python": platform.python_version(),
            "faiss": faiss.__version__,
            "bm25s": bm25s.__version__,
            "numpy": np.__version__,
        },
    }


# ---------------------------------------------------------------------------------------------
# Report


def _index_name(info: dict) -> str:
    if info.get("type") == "IndexFlatIP":
        return "Flat (exact)"
    name = {"IndexIVFFlat": "IVFFlat", "IndexIVFScalarQuantizer": "IVF,SQ"}.get(info["type"])
    name = f"{name or info['type']}{info.get('codes', '')}"
    return f"{name} {info.get('nlist')}/{info.get('nprobe')}"


def _start_s(row: dict) -> float:
    """Seconds until the serving process can answer; older runs built BM25 at start."""
    return row["start_s"] if "start_s" in row else row["load_s"] + row["bm25_build_s"]


def format_table(result: dict) -> str:
    """The measurements as a plain-text table, one row per size."""
    head = (
        f"{'chunks':>9} {'index (nlist/nprobe)':<22} {'build s':>7} {'BM25 s':>7} {'start s':>7} "
        f"{'disk MiB':>8} {'RSS MiB':>8} {'anon':>6} {'peak':>6} {'dense p50/p95 (1st)':>22} "
        f"{'hybrid p50/p95':>15} {'recall':>6} {'other':>5}"
    )
    lines = [
        f"Scale: synthetic corpora, {result['n_queries']} queries each, "
        f"{result['machine']['cpus']} cores (exact search up to {result['exact_limit']:,} chunks)",
        head,
    ]
    for row in result["sizes"]:
        mem = row["memory_mib"]["served"]
        d, h, d1 = row["dense"], row["hybrid"], row["dense_first_pass"]
        lines.append(
            f"{row['n_chunks']:>9,} {_index_name(row['index']):<22} {row['build_s']:7.1f} "
            f"{row['bm25_build_s']:7.1f} {_start_s(row):7.1f} "
            f"{row['disk_total_bytes'] / 2**20:8,.0f} {mem['VmRSS']:8,.0f} {mem['RssAnon']:6,.0f} "
            f"{mem['VmHWM']:6,.0f} {d['p50_ms']:6.2f}/{d['p95_ms']:6.2f} ({d1['p95_ms']:6.2f}) "
            f"{h['p50_ms']:7.2f}/{h['p95_ms']:6.2f} {row['recall_at_10']:6.3f} "
            f"{row['other_cores_busy']:5.1f}"
        )
    lines.append(
        "build s: vector index (train, add, tune); BM25 s: BM25 built (with the index since "
        "format 3, at server start before); start s: load + retriever, serving process; "
        "RSS/anon/peak: "
        "VmRSS/RssAnon/VmHWM of the serving process; latency in ms, steady state (1st: p95 of "
        "the first pass after start); hybrid = vector + BM25 + fusion, query embedding "
        "excluded; recall@10 of the served index against exact; "
        "other: cores busy with other processes while the queries ran."
    )
    lines.append(
        "vectors.faiss opened by two processes at once, one of them: RssAnon + RssFile MiB, "
        "PSS MiB, p95 ms steady (first pass; both search at once, so latency shows contention):"
    )
    for row in result["sizes"]:
        parts = []
        for name, probe in row["faiss_read_vs_mmap"].items():
            mem = probe["memory_mib"]["served"]
            pss = probe["pss_mib_two_processes"][0]
            parts.append(
                f"{name}: {mem['RssAnon']:,.0f} + {mem['RssFile']:,.0f}, PSS "
                f"{pss if pss is None else f'{pss:,.0f}'}, "
                f"{probe['p95_ms']:.2f} ms ({probe['first_pass']['p95_ms']:.2f})"
            )
        lines.append(f"{row['n_chunks']:>9,}  " + "; ".join(parts))
    return "\n".join(lines)


def plot(result: dict, path: Path) -> None:
    """Latency and memory against corpus size (log x), with the issue's bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["sizes"]
    n = [r["n_chunks"] for r in rows]
    fig, (lat, mem) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label, colour in (
        ("hybrid", "hybrid retrieval", "C0"),
        ("dense", "vector search", "C1"),
    ):
        lat.plot(n, [r[key]["p95_ms"] for r in rows], "o-", color=colour, label=f"{label} p95")
        lat.plot(n, [r[key]["p50_ms"] for r in rows], "o--", color=colour, label=f"{label} p50")
    first = [r.get("dense_first_pass", r["dense"])["p95_ms"] for r in rows]
    lat.plot(n, first, "o", mfc="none", color="C1", label="vector search p95, first pass")
    lat.plot(n, [r["bm25"]["p95_ms"] for r in rows], "s:", color="C2", label="BM25 scoring p95")
    for x, row in zip(n, rows, strict=True):  # which index served each size
        lat.annotate(
            _index_name(row["index"]),
            (x, row["dense"]["p50_ms"]),
            textcoords="offset points",
            xytext=(0, -14),
            ha="center",
            fontsize=7,
            color="C1",
        )
    lat.axhline(BAR_P95_MS, color="red", lw=1, label=f"bar {BAR_P95_MS:.0f} ms")
    lat.set(xscale="log", yscale="log", xlabel="chunks", ylabel="ms per query")
    lat.set_title("Query latency (one query at a time)")
    lat.legend(fontsize=7, loc="upper left")
    gib = 2**10
    mem.plot(n, [r["memory_mib"]["served"]["VmRSS"] / gib for r in rows], "o-", label="VmRSS")
    mem.plot(n, [r["memory_mib"]["served"]["RssAnon"] / gib for r in rows], "o--", label="RssAnon")
    mem.plot(
        n, [r["memory_mib"]["served"]["VmHWM"] / gib for r in rows], "^:", label="peak (VmHWM)"
    )
    mem.plot(n, [r["disk_total_bytes"] / 2**30 for r in rows], "s-.", color="grey", label="on disk")
    mem.axhline(BAR_RSS_GIB, color="red", lw=1, label=f"bar {BAR_RSS_GIB:.0f} GiB")
    mem.set(xscale="log", xlabel="chunks", ylabel="GiB")
    mem.set_title("Serving process memory, index on disk")
    mem.legend(fontsize=8)
    for ax in (lat, mem):
        ax.grid(True, which="both", alpha=0.3)
        ax.set_xticks(n, [f"{x:,}" for x in n])
        ax.set_xlim(min(n) / 1.8, max(n) * 1.8)  # room for the labels at the ends
    recalls = ", ".join(f"{r['n_chunks']:,}: {r['recall_at_10']:.3f}" for r in rows)
    fig.suptitle(f"Synthetic corpora; recall@10 against exact — {recalls}", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------
# Command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.scale", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="10k and 100k chunks only")
    parser.add_argument("--sizes", help="comma-separated corpus sizes (overrides --quick)")
    parser.add_argument("--exact-limit", type=int, help="largest corpus searched exactly")
    parser.add_argument("--float-limit", type=int, help="largest IVF index with float32 lists")
    parser.add_argument("--work-dir", type=Path, help="where the indexes are built (temporary)")
    parser.add_argument("--json-out", type=Path, default=ROOT / "benchmarks/results/scale.json")
    parser.add_argument("--png-out", type=Path, default=ROOT / "benchmarks/results/scale.png")
    parser.add_argument(
        "--replot", action="store_true", help="only redraw the table and chart from --json-out"
    )
    # Internal: the fresh processes that load and serve a saved index.
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--probe-faiss", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--queries", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--flags", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve:
        serve(args.serve, args.queries, then=_report_and_wait)
        return 0
    if args.probe_faiss:
        probe_faiss(args.probe_faiss, args.queries, args.flags, then=_report_and_wait)
        return 0

    if args.replot:
        result = json.loads(args.json_out.read_text())
        print(format_table(result))
        plot(result, args.png_out)
        return 0
    if args.sizes:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")]
    else:
        sizes = list(QUICK_SIZES if args.quick else FULL_SIZES)
    result = run(
        sizes, exact_limit=args.exact_limit, float_limit=args.float_limit, work_dir=args.work_dir
    )
    print(format_table(result))
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(result, indent=2))
    plot(result, args.png_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
