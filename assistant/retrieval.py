"""Hybrid retrieval: dense (FAISS) and BM25 rankings, fused with a tuned weight.

Unweighted fusion hurts on Swedish FAQ data (MRR@10 0.56 against 0.64 for dense
alone, see `python -m benchmarks`): the dense model is much stronger than BM25,
so BM25 breaks near-ties rather than casting an equal vote. BM25 earns its place
on what residents type (no å/ä/ö, typos, split compounds), where the dense model
is weakest. `fuse` is a pure function so its behaviour is easy to test.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from assistant.embeddings import Embedder
from assistant.index import VectorIndex
from assistant.lang import DEFAULT, languages
from assistant.lexical import LexicalIndex, spellings
from assistant.types import Hit, SourceFilter

#: Dense candidates fetched from FAISS before fusion; BM25 adds its own top ones.
#: How many times more candidates a filtered search considers.
FILTERED_POOL = 8
CANDIDATES = 100
#: RRF damping constant, chosen with the weight on the FAQ dev half (grid k ∈ {1, 5, 10,
#: 20, 30, 60, 100}); smaller than the usual 60 because the dense list is much the better one.
RRF_K = 20
#: Share of a chunk's dense score taken from its closest sentence rather than the whole chunk.
#: A question usually asks what one sentence says, and a long chunk's single vector dilutes
#: that sentence among its neighbours. Chosen on the tuning sets of the four corpora
#: (`python -m benchmarks.answers` prints recall with and without it).
SENTENCE_SHARE = 0.4


def fuse(dense: np.ndarray, lexical: np.ndarray, weight: float, k: int = RRF_K) -> np.ndarray:
    """Weighted reciprocal rank fusion of dense and BM25 scores.

    Each list contributes weight / (k + rank); a candidate BM25 gives no score
    to contributes nothing from BM25. Scores are scaled so that a candidate
    ranked first by both lists gets 1.0.

    Args:
        dense: Dense cosine of each candidate, [n_candidates].
        lexical: BM25 score of each candidate, [n_candidates].
        weight: Share of the dense ranking, 0..1.
        k: Rank damping constant.

    Returns:
        Fused scores, [n_candidates], in 0..1.
    """
    if dense.size == 0:
        return dense.astype(np.float32)
    dense_rank = _ranks(dense)
    lexical_part = np.where(lexical > 0, 1.0 / (k + _ranks(lexical)), 0.0)
    fused = weight / (k + dense_rank) + (1.0 - weight) * lexical_part
    return (fused * (k + 1)).astype(np.float32)


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each score, highest first; ties keep input order."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


def top_ids(scores: np.ndarray, m: int) -> np.ndarray:
    """Indices of the `m` highest scores, best first (ties: lower index first).

    A partial selection, not a full sort: at a million chunks sorting every BM25 score
    took up to 73 ms per question, selecting the top 100 about 9 ms (`benchmarks.scale`).
    """
    if m <= 0:
        return np.zeros(0, dtype=np.int64)
    candidates = np.arange(len(scores)) if m >= len(scores) else np.argpartition(-scores, m - 1)[:m]
    return candidates[np.lexsort((candidates, -scores[candidates]))]


_WORD = re.compile(r"\w+")


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
        rrf_k: int = RRF_K,
        sentence_share: float = SENTENCE_SHARE,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.dense_weight = dense_weight
        self.rrf_k = rrf_k
        self.sentence_share = sentence_share
        # Loaded with the index (built at `assistant build`); built here only for an index
        # made in memory without it.
        self.lexical = lexical or index.build_lexical()
        #: The sources' titles, named in a refusal as what can be asked about.
        self.titles = sorted({c.title for c in index.chunks})
        title_terms = {t for title in self.titles for t in self.lexical.analyzer.terms(title)}
        #: Names in the corpus ("Flemingsberg") other than the sources' own topics.
        self.names = self.lexical.names - title_terms
        #: How the sources write the words a question may type without diacritics.
        # An index built before the lexicon kept the spellings has them from the chunks.
        written = self.lexical.spellings
        if written is None:
            written = spellings(c.text for c in index.chunks)
        common = languages()[DEFAULT].unaccented
        self.spellings = {**{k: v for k, v in common.items() if k not in written}, **written}

    def respelt(self, query: str) -> str:
        """The query with each word typed without its diacritics written as the sources
        write it, or as the language's table of everyday words has it ("hur manga kommuner
        ar med" -> "hur många kommuner ar med"), for its embedding: the model reads "manga"
        as another word. A word the sources also write as typed stays."""

        def spelt(match: re.Match[str]) -> str:
            word = match.group()
            found = self.spellings.get(word.lower())
            if found is None:
                return word
            if word.isupper() and len(word) > 1:
                return found.upper()
            return found.capitalize() if word[0].isupper() else found

        return _WORD.sub(spelt, unicodedata.normalize("NFC", query))

    def names_in(self, question: str) -> frozenset[str]:
        """The corpus names a question mentions; an answer must contain each of them."""
        return frozenset(t for t in self.lexical.analyzer.query_terms(question) if t in self.names)

    def retrieve(
        self,
        query: str,
        k: int,
        only: SourceFilter | None = None,
        extra: Sequence[str] = (),
        also: str = "",
    ) -> list[Hit]:
        """The `k` best chunks for `query`, best first (of those `only` admits); `extra` terms
        count for the keyword ranking only, and `also` (the query worded another way) is
        embedded beside it, the dense ranking seeking the mean of the two (a hit's `dense` stays
        its cosine with the query as asked)."""
        n = len(self.index.chunks)
        if n == 0 or not query.strip():
            return []
        vectors = self.embedder.embed_queries([query, also] if also.strip() else [query])
        asked = vectors[:1]  # [1, dim]
        qvec = asked
        if len(vectors) > 1:
            mean = vectors.mean(axis=0, keepdims=True)
            norm = float(np.linalg.norm(mean))
            if norm > 0:  # two opposite vectors have no mean direction
                qvec = (mean / norm).astype(np.float32)
        # A filter drops candidates afterwards, so it starts from a wider pool.
        pool = min(n, CANDIDATES * (FILTERED_POOL if only else 1))
        d_scores, d_ids = self.index.search(qvec, pool)
        lexical_all = self.lexical.scores(query, extra)  # [n_chunks]
        lexical_top = top_ids(lexical_all, pool)
        lexical_top = lexical_top[lexical_all[lexical_top] > 0]
        ids = np.unique(np.concatenate([d_ids[0][d_ids[0] >= 0], lexical_top]))
        if only:
            chunks = self.index.chunks
            ids = ids[np.fromiter((only.admits(chunks[int(i)]) for i in ids), bool, len(ids))]
        dense = self._dense_for(qvec[0], ids, d_ids[0], d_scores[0])
        lexical = lexical_all[ids]
        ranked = dense
        if self.sentence_share:
            closest = self._closest_sentence(qvec[0], ids, dense)
            ranked = (1.0 - self.sentence_share) * dense + self.sentence_share * closest
        fused = fuse(ranked, lexical, self.dense_weight, self.rrf_k)
        order = np.argsort(-fused, kind="stable")[:k]
        if qvec is not asked:
            dense[order] = self._dense_for(asked[0], ids[order], d_ids[0][:0], d_scores[0][:0])
        return [
            Hit(self.index.chunks[int(ids[i])], float(fused[i]), float(dense[i]), float(lexical[i]))
            for i in order
        ]

    def _closest_sentence(self, qvec: np.ndarray, ids: np.ndarray, dense: np.ndarray) -> np.ndarray:
        """Cosine of each chunk's sentence closest to the query; the chunk's own cosine for a
        chunk without segments."""
        segments, owner = self.index.segments_by_chunk.flat(ids)
        if not segments.size:
            return dense.copy()
        best = np.full(len(ids), -np.inf, dtype=np.float32)
        np.maximum.at(best, owner, self.index.segment_vectors[segments] @ qvec)
        return np.where(np.isfinite(best), best, dense).astype(np.float32)

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
