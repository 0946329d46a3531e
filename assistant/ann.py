"""Choosing the FAISS index by corpus size: exact while it is fast, IVF beyond.

Exact inner-product search over n vectors of 384 floats costs about n × 65 ns
on this 2-core machine (1M: p50 65 ms, measured in `benchmarks`), so it serves
small and medium corpora with perfect recall. Above `EXACT_LIMIT` an inverted
file index (IVF) is built, and its `nprobe` is raised at build time until
recall@10 against exact search, measured on a sample of the corpus's own
vectors, reaches `TARGET_RECALL`; the index type, `nprobe` and the measured
recall go into the manifest.

The IVF lists hold the vectors as float32 (IndexIVFFlat) up to `FLOAT_LIMIT`
and as float16 (IndexIVFScalarQuantizer, SQfp16) beyond, where the vectors
would otherwise be the largest part of the server's memory (1.5 GB at 1M
chunks). Measured on 300k e5-shaped vectors (`benchmarks.scale`): float16 needs
the same nprobe for the same recall (0.9725 against 0.9725 on fresh queries)
and searches faster (p50 0.8 ms against 1.6 ms), at half the memory; its
reconstructed vectors differ from the originals by float16 rounding (~1e-4).
8-bit codes would halve that again but cap recall@10 near 0.98 and need twice
the nprobe. At 1M chunks: nlist 4000, nprobe 128, recall@10 0.992 on fresh
queries, one query p50 2.2 ms / p95 2.5 ms once its pages are mapped, 754 MB.
"""

from __future__ import annotations

import math

import numpy as np

#: Largest corpus searched exactly (see the module docstring for the cost).
EXACT_LIMIT = 200_000
#: Largest corpus whose IVF lists keep float32 vectors; float16 beyond (see above).
FLOAT_LIMIT = 500_000
#: Recall@10 the approximate index must reach against exact search (the bar is 0.95).
TARGET_RECALL = 0.97
#: Vectors used to train the IVF centroids (k-means); more adds build time, not recall.
TRAIN_SAMPLE = 100_000
PROBE_QUERIES = 200


def build_vector_index(
    vectors: np.ndarray, *, exact_limit: int = EXACT_LIMIT, float_limit: int = FLOAT_LIMIT
) -> tuple[object, dict]:
    """A FAISS index over `vectors` ([n, dim], L2-normalised) and what to record of it.

    Returns:
        The index and a manifest entry: {"type", "nlist", "nprobe", "recall_at_10"},
        and "codes" ("fp16") for the float16 IVF index.
    """
    import faiss

    n, dim = vectors.shape
    if n <= exact_limit:
        index = faiss.IndexFlatIP(dim)
        if n:
            index.add(vectors)
        return index, {"type": "IndexFlatIP", "recall_at_10": 1.0}
    # About 4·sqrt(n) lists is FAISS's guideline for IVF up to a few million vectors.
    nlist = int(4 * math.sqrt(n))
    quantizer = faiss.IndexFlatIP(dim)
    extra: dict = {}
    ivf: faiss.IndexIVF
    if n <= float_limit:
        ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    else:
        fp16 = faiss.ScalarQuantizer.QT_fp16
        ivf = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, fp16, faiss.METRIC_INNER_PRODUCT)
        extra = {"codes": "fp16"}
    rng = np.random.default_rng(0)
    sample = vectors[rng.choice(n, size=min(n, TRAIN_SAMPLE), replace=False)]
    ivf.train(sample)
    ivf.add(vectors)
    nprobe, recall = tune_nprobe(ivf, vectors, rng)
    ivf.nprobe = nprobe
    kind = type(ivf).__name__
    return ivf, {"type": kind, **extra, "nlist": nlist, "nprobe": nprobe, "recall_at_10": recall}


def tune_nprobe(index: object, vectors: np.ndarray, rng: np.random.Generator) -> tuple[int, float]:
    """The smallest power-of-two nprobe whose recall@10 against exact reaches the target."""
    import faiss

    n = vectors.shape[0]
    # Queries near corpus vectors, as real questions land near the passages that answer them.
    picks = vectors[rng.choice(n, size=min(n, PROBE_QUERIES), replace=False)]
    queries = picks + 0.05 * rng.standard_normal(picks.shape).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    # Exact search straight over `vectors` (an IndexFlatIP would copy them: 1.5 GB at 1M).
    _, truth = faiss.knn(queries, vectors, 10, metric=faiss.METRIC_INNER_PRODUCT)  # [n_q, 10]
    recall = 0.0
    nprobe = 1
    while nprobe <= index.nlist:  # type: ignore[attr-defined]
        index.nprobe = nprobe  # type: ignore[attr-defined]
        _, found = index.search(queries, 10)  # type: ignore[attr-defined]
        recall = recall_at_10(found, truth)
        if recall >= TARGET_RECALL:
            break
        nprobe *= 2
    return min(nprobe, index.nlist), recall  # type: ignore[attr-defined]


def recall_at_10(found: np.ndarray, truth: np.ndarray) -> float:
    """Share of the exact top-10 that the approximate top-10 contains."""
    hits = sum(len(set(f[f >= 0]) & set(t)) for f, t in zip(found, truth, strict=True))
    return hits / truth.size if truth.size else 1.0


def prepare_loaded(index: object, info: dict) -> None:
    """Settings that are not stored in the index file: nprobe, and ids for reconstruct."""
    if str(info.get("type", "")).startswith("IndexIVF"):
        index.nprobe = int(info["nprobe"])  # type: ignore[attr-defined]
        index.make_direct_map()  # type: ignore[attr-defined]
