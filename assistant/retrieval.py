"""Hybrid retrieval: dense (FAISS) and BM25 scores, fused with a tuned weight.

Unweighted fusion hurts on Swedish FAQ data (see docs/embedding-model notes in the
README): the dense model is much stronger than BM25, so BM25 is a correction,
not an equal vote. `fuse` is a pure function so its behaviour is easy to test.
"""

from __future__ import annotations

import numpy as np

from assistant.embeddings import Embedder
from assistant.index import VectorIndex
from assistant.lexical import LexicalIndex
from assistant.types import Hit

#: Dense candidates fetched from FAISS before fusion; BM25 adds its own top ones.
CANDIDATES = 100


def fuse(dense: np.ndarray, lexical: np.ndarray, weight: float) -> np.ndarray:
    """Weighted sum of per-query normalised scores.

    Dense cosines are min-max scaled over the candidates (their absolute level
    says little with e5); BM25 is divided by its maximum so that a query no term
    of which occurs adds nothing.

    Args:
        dense: Dense cosine of each candidate, [n_candidates].
        lexical: BM25 score of each candidate, [n_candidates].
        weight: Share of the dense score, 0..1.

    Returns:
        Fused scores, [n_candidates], in 0..1.
    """
    if dense.size == 0:
        return dense.astype(np.float32)
    span = float(dense.max() - dense.min())
    dense_n = (dense - dense.min()) / span if span > 0 else np.ones_like(dense)
    top = float(lexical.max()) if lexical.size else 0.0
    lexical_n = lexical / top if top > 0 else np.zeros_like(lexical)
    return (weight * dense_n + (1.0 - weight) * lexical_n).astype(np.float32)


class HybridRetriever:
    """Ranks chunks for a query by fused dense and BM25 scores.

    Example:
        >>> retriever = HybridRetriever(index, embedder, dense_weight=0.7)
        >>> hits = retriever.retrieve("vilka kommuner ingår", k=5)
    """

    def __init__(
        self,
        index: VectorIndex,
        embedder: Embedder,
        *,
        dense_weight: float,
        lexical: LexicalIndex | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.dense_weight = dense_weight
        self.lexical = lexical or LexicalIndex([c.text for c in index.chunks])
        #: The sources' titles, named in a refusal as what can be asked about.
        self.titles = sorted({c.title for c in index.chunks})
        title_terms = {t for title in self.titles for t in self.lexical.analyzer.terms(title)}
        #: Names in the corpus ("Flemingsberg") other than the sources' own topics.
        self.names = self.lexical.names - title_terms

    def names_in(self, question: str) -> frozenset[str]:
        """The corpus names a question mentions; an answer must contain each of them."""
        return frozenset(t for t in self.lexical.analyzer.query_terms(question) if t in self.names)

    def retrieve(self, query: str, k: int) -> list[Hit]:
        """The `k` best chunks for `query`, best first."""
        n = len(self.index.chunks)
        if n == 0 or not query.strip():
            return []
        qvec = self.embedder.embed_queries([query])  # [1, dim]
        d_scores, d_ids = self.index.search(qvec, min(n, CANDIDATES))
        lexical_all = self.lexical.scores(query)  # [n_chunks]
        lexical_top = np.argsort(-lexical_all)[: min(n, CANDIDATES)]
        lexical_top = lexical_top[lexical_all[lexical_top] > 0]
        ids = np.unique(np.concatenate([d_ids[0][d_ids[0] >= 0], lexical_top]))
        dense = self._dense_for(qvec[0], ids, d_ids[0], d_scores[0])
        lexical = lexical_all[ids]
        fused = fuse(dense, lexical, self.dense_weight)
        order = np.argsort(-fused, kind="stable")[:k]
        return [
            Hit(self.index.chunks[int(ids[i])], float(fused[i]), float(dense[i]), float(lexical[i]))
            for i in order
        ]

    def _dense_for(
        self, qvec: np.ndarray, ids: np.ndarray, found: np.ndarray, scores: np.ndarray
    ) -> np.ndarray:
        """Dense scores for `ids`: from the FAISS result, else computed from stored vectors."""
        known = {int(i): float(s) for i, s in zip(found, scores, strict=True) if i >= 0}
        out = np.empty(len(ids), dtype=np.float32)
        for j, chunk_id in enumerate(ids):
            cid = int(chunk_id)
            if cid in known:
                out[j] = known[cid]
            else:
                vector = self.index.faiss_index.reconstruct(cid)  # type: ignore[attr-defined]
                out[j] = float(np.dot(vector, qvec))
        return out
