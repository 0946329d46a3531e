"""Retrieval quality on the Swedish construction FAQ (zaragoza-construction-faq, CC-BY-4.0).

The 503 answers are the documents and the 503 questions the queries; each query
is matched against all answers. The questions are split once, by a hash of their
id, into a dev half (used to choose the fusion weight) and a test half (reported).

Beside the project's retrievers, `run` can report two baselines on the same test half:
LangChain's FAISS vector store with the same e5 model and its default recursive splitter
(see `benchmarks.langchain_baseline`), and the English all-MiniLM-L6-v2, dense only,
for reference. A baseline that cannot be built is listed as unavailable with the reason.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.embeddings import Embedder, SentenceTransformerEmbedder
from assistant.index import VectorIndex
from assistant.retrieval import HybridRetriever
from assistant.types import Chunk

#: Candidate dense weights for tuning: coarse below 0.8, fine near 1 where BM25 breaks ties.
WEIGHTS = [round(w, 2) for w in (*np.arange(0.0, 0.8, 0.1), *np.arange(0.8, 1.0001, 0.01))]
#: Unweighted reciprocal rank fusion uses the literature's constant (Haystack's default 60).
RRF_K = 60


@dataclass(frozen=True)
class Metrics:
    hit1: float
    hit5: float
    mrr10: float


def load_faq() -> tuple[list[str], list[str], list[str]]:
    """(ids, questions, answers) of the FAQ, Swedish."""
    import zaragoza_construction_faq as faq

    rows = faq.load(lang="sv")
    return [r["id"] for r in rows], [r["q"] for r in rows], [r["a"] for r in rows]


def split(ids: list[str]) -> tuple[list[int], list[int]]:
    """Fixed dev/test halves: by the parity of a hash of the id (stable across runs)."""
    dev, test = [], []
    for i, item in enumerate(ids):
        (dev if hashlib.sha256(item.encode()).digest()[0] % 2 == 0 else test).append(i)
    return dev, test


def metrics(rankings: list[list[int]], gold: list[int]) -> Metrics:
    """hit@1, hit@5 and MRR@10 of ranked document ids against the gold id."""
    hit1 = hit5 = rr = 0.0
    for ranked, target in zip(rankings, gold, strict=True):
        top = ranked[:10]
        if target in top:
            rank = top.index(target) + 1
            hit1 += rank == 1
            hit5 += rank <= 5
            rr += 1.0 / rank
    n = max(len(gold), 1)
    return Metrics(hit1 / n, hit5 / n, rr / n)


def faq_index(answers: list[str], embedder: Embedder) -> VectorIndex:
    chunks = [
        Chunk(chunk_id=i, doc_id=f"faq-{i}", title="", section=None, text=a, start=0, end=len(a))
        for i, a in enumerate(answers)
    ]
    return VectorIndex.build(chunks, embedder, manifest={"model_id": "benchmark"})


def rank_hybrid(retriever: HybridRetriever, queries: list[str], weight: float) -> list[list[int]]:
    retriever.dense_weight = weight
    # As served: a Swedish question typed without diacritics is embedded as the sources spell it.
    return [
        [h.chunk.chunk_id for h in retriever.retrieve(retriever.respelt(q), 10)] for q in queries
    ]


def rank_rrf(retriever: HybridRetriever, queries: list[str]) -> list[list[int]]:
    """Unweighted reciprocal rank fusion of dense and BM25 rankings (the naive baseline)."""
    project_k = retriever.rrf_k
    retriever.rrf_k = RRF_K
    try:
        return rank_hybrid(retriever, queries, 0.5)
    finally:
        retriever.rrf_k = project_k


LANGCHAIN_ROW = "LangChain FAISS (e5-small, default splitter)"
MINILM_ROW = "all-MiniLM-L6-v2 dense (English reference)"


def baseline_rows(  # type: ignore[no-untyped-def]
    answers: list[str], test_q: list[str], test_gold: list[int], model_path: str, say=print
) -> tuple[dict[str, Metrics], dict[str, str]]:
    """The LangChain and all-MiniLM rows on the test half: (metrics, unavailable reasons)."""
    from benchmarks import langchain_baseline as lc

    rows: dict[str, Metrics] = {}
    unavailable: dict[str, str] = {}
    try:
        say("building the LangChain FAISS store (e5-small, default splitter) ...")
        store = lc.build_store(answers, model_path)
        rows[LANGCHAIN_ROW] = metrics(lc.rank_queries(store, test_q), test_gold)
    except Exception as exc:  # report the row as missing, never a made-up number
        unavailable[LANGCHAIN_ROW] = f"{type(exc).__name__}: {exc}"
    try:
        say("building the all-MiniLM-L6-v2 index ...")
        minilm = SentenceTransformerEmbedder(
            str(lc.minilm_path()), model_id="sentence-transformers/all-MiniLM-L6-v2"
        )
        minilm.warm_up()  # sets `dimension`, which the index needs before the first batch
        retriever = HybridRetriever(faq_index(answers, minilm), minilm, dense_weight=1.0)
        rows[MINILM_ROW] = metrics(rank_hybrid(retriever, test_q, 1.0), test_gold)
    except Exception as exc:
        unavailable[MINILM_ROW] = f"{type(exc).__name__}: {exc}"
    return rows, unavailable


def run(  # type: ignore[no-untyped-def]
    embedder: Embedder,
    *,
    say=print,
    model_path: str | None = None,
    variants: dict[str, Callable[[], Embedder]] | None = None,
) -> dict:
    """Tune the fusion weight on the dev half, report every retriever on the test half.

    With `model_path` (the local folder of `embedder`'s model) the LangChain and
    all-MiniLM baselines are added to the rows. Each of `variants` (a row label and a
    loader of another engine for the same model, such as int8) adds the project hybrid
    with the weight tuned for `embedder`.
    """
    ids, questions, answers = load_faq()
    dev, test = split(ids)
    start = time.perf_counter()
    index = faq_index(answers, embedder)
    build_s = time.perf_counter() - start
    retriever = HybridRetriever(index, embedder, dense_weight=1.0)
    dev_q, dev_gold = [questions[i] for i in dev], dev
    test_q, test_gold = [questions[i] for i in test], test

    tuning = {w: metrics(rank_hybrid(retriever, dev_q, w), dev_gold).mrr10 for w in WEIGHTS}
    best = max(tuning, key=lambda w: (tuning[w], w))  # ties go to the simpler, denser side
    rows = {
        "BM25 only (bm25s, Swedish stemming)": metrics(
            rank_hybrid(retriever, test_q, 0.0), test_gold
        ),
        "dense only (e5-small)": metrics(rank_hybrid(retriever, test_q, 1.0), test_gold),
        f"RRF unweighted (k={RRF_K})": metrics(rank_rrf(retriever, test_q), test_gold),
        f"project hybrid (RRF k={retriever.rrf_k}, weight {best} from dev)": metrics(
            rank_hybrid(retriever, test_q, best), test_gold
        ),
    }
    unavailable: dict[str, str] = {}
    for label, load in (variants or {}).items():
        try:
            other = load()
            other_retriever = HybridRetriever(faq_index(answers, other), other, dense_weight=best)
            rows[label] = metrics(rank_hybrid(other_retriever, test_q, best), test_gold)
        except Exception as exc:  # a variant that cannot run is reported, not fatal
            unavailable[label] = f"{type(exc).__name__}: {exc}"
    if model_path is not None:
        extra, missing = baseline_rows(answers, test_q, test_gold, model_path, say)
        rows.update(extra)
        unavailable.update(missing)
    full_dense = metrics(rank_hybrid(retriever, questions, 1.0), list(range(len(questions))))
    return {
        "n_dev": len(dev),
        "n_test": len(test),
        "build_seconds": build_s,
        "tuning": tuning,
        "best_weight": best,
        "rows": rows,
        "unavailable": unavailable,
        "dense_full_set": full_dense,
    }


def format_table(result: dict) -> str:
    lines = [
        f"FAQ retrieval, test half ({result['n_test']} queries against all 503 answers); "
        f"weight tuned on the dev half ({result['n_dev']} queries)",
        f"{'retriever':<56} {'hit@1':>7} {'hit@5':>7} {'MRR@10':>7}",
    ]
    for name, m in result["rows"].items():
        lines.append(f"{name:<56} {m.hit1:7.3f} {m.hit5:7.3f} {m.mrr10:7.3f}")
    for name, reason in result.get("unavailable", {}).items():
        lines.append(f"{name:<56} unavailable: {reason}")
    d = result["dense_full_set"]
    lines.append(
        f"(dense only on the full set: hit@1 {d.hit1:.3f}, hit@5 {d.hit5:.3f}, MRR@10 {d.mrr10:.3f})"
    )
    dev = ", ".join(f"{w}:{v:.4f}" for w, v in result["tuning"].items())
    lines.append(f"dev MRR@10 by dense weight: {dev}")
    return "\n".join(lines)
