"""The assistant: wires corpus, chunks, model, index, retrieval and answers together.

This is the only module that knows every stage. Constructing an `Assistant` is
cheap; `warm_up()` prepares the model and loads (or builds) the index.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence

from assistant.answer import AnswerWeights, Candidate, compose_answer, refusal
from assistant.chunking import chunk_documents, leans_on_previous
from assistant.config import Settings
from assistant.corpus import load_corpus
from assistant.embeddings import Embedder, load_embedder
from assistant.errors import CorpusError, IndexMissing, InvalidQuestion
from assistant.index import VectorIndex, corpus_hash, read_manifest, segment_text
from assistant.question import follow_up_query, strip_instructions
from assistant.retrieval import HybridRetriever
from assistant.types import Answer, Hit, Turn

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
#: Chunks whose sentences compete for the answer.
ANSWER_CHUNKS = 3


class Assistant:
    """Answers questions and searches passages over one corpus and index.

    Example:
        >>> bot = Assistant(Settings())
        >>> bot.warm_up()
        >>> bot.ask("Vilka kommuner ingår i samarbetet?").answer
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.embedder: Embedder | None = None
        self.index: VectorIndex | None = None
        self.retriever: HybridRetriever | None = None
        self.weights = AnswerWeights()
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        """Whether the index is loaded and questions can be answered."""
        return self.retriever is not None

    def load_embedder(self, progress: Progress | None = None) -> Embedder:
        """Prepare and load the embedding model (once)."""
        if self.embedder is None:
            self.embedder = load_embedder(self.settings, progress)
        return self.embedder

    def build(self, progress: Progress | None = None) -> VectorIndex:
        """Build a fresh index from the corpus and make it current.

        Raises:
            CorpusError: The corpus folder holds no usable document.
        """
        say = progress or log.info
        s = self.settings
        report = load_corpus(s.corpus_dir)
        for path, reason in report.skipped.items():
            say(f"Skipped {path}: {reason}")
        if not report.documents:
            msg = f"Inga dokument att indexera i {s.corpus_dir} (.md, .txt eller .html)."
            raise CorpusError(msg)
        say(f"Loaded {len(report.documents)} document(s) from {s.corpus_dir}")
        chunks = chunk_documents(report.documents, size=s.chunk_size, overlap=s.chunk_overlap)
        say(f"Split into {len(chunks)} chunks")
        embedder = self.load_embedder(progress)
        index = VectorIndex.build(
            chunks, embedder, manifest=self._expected_manifest(report.documents), progress=say
        )
        path = index.save(s.index_dir)
        say(f"Index written to {path}")
        return index

    def warm_up(self, *, build: bool = True, progress: Progress | None = None) -> None:
        """Load the model and the index, building or rebuilding the index when needed.

        A missing or stale index (corpus, model or chunker changed) is rebuilt when
        `build` is true; a corrupt one is never served.

        Raises:
            IndexMissing: No index and `build` is false.
            IndexCorrupt: The current index fails its checks.
        """
        with self._lock:
            if self.ready:
                return
            say = progress or log.info
            self.load_embedder(progress)
            stale = self.stale_reason()
            if stale and build:
                say(f"Building the index: {stale}")
                index = self.build(progress)
            else:
                if stale:
                    log.warning("Index is stale (%s); serving it until rebuilt", stale)
                index = VectorIndex.load(self.settings.index_dir)
            self._activate(index)

    def reload(self) -> VectorIndex:
        """Load the current index from disk and swap it in; the old one serves until then."""
        self.load_embedder()
        index = VectorIndex.load(self.settings.index_dir)
        self._activate(index)
        return index

    def _activate(self, index: VectorIndex) -> None:
        assert self.embedder is not None
        retriever = HybridRetriever(index, self.embedder, dense_weight=self.settings.dense_weight)
        self.index, self.retriever = index, retriever  # readers see old or new, never a mix

    def stale_reason(self) -> str | None:
        """Why the index on disk cannot serve this corpus and model, or None if it can."""
        manifest = read_manifest(self.settings.index_dir)
        if manifest is None:
            return "no index yet"
        report = load_corpus(self.settings.corpus_dir)
        expected = self._expected_manifest(report.documents)
        for key, value in expected.items():
            if manifest.get(key) != value:
                return f"{key} changed"
        return None

    def _expected_manifest(self, docs: Sequence) -> dict:
        assert self.embedder is not None
        return {
            "model_id": self.embedder.model_id,
            "corpus_hash": corpus_hash(docs),
            "chunker": {"size": self.settings.chunk_size, "overlap": self.settings.chunk_overlap},
        }

    # -- questions ---------------------------------------------------------------------

    def check_question(self, question: str, history: Sequence[Turn] = ()) -> str:
        """Validate input; returns the stripped question.

        Raises:
            InvalidQuestion: With a Swedish message for the user.
        """
        question = (question or "").strip()
        if not re.search(r"\w", question):  # only white space or punctuation
            raise InvalidQuestion("Frågan är tom. Skriv en fråga om Södertörnssamarbetet.")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            msg = f"Frågan är för lång ({len(question)} tecken). Högst {limit} tecken går bra."
            raise InvalidQuestion(msg)
        if len(history) > self.settings.max_history_turns:
            most = self.settings.max_history_turns
            msg = f"Samtalshistoriken är för lång. Högst {most} meddelanden går bra."
            raise InvalidQuestion(msg)
        for turn in history:
            if turn.role not in ("user", "assistant"):
                raise InvalidQuestion("Samtalshistoriken har en okänd roll.")
        return question

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        """Answer a question from the sources, or refuse honestly."""
        question = self.check_question(question, history)
        retriever, index = self._serving()
        asked = strip_instructions(question)
        if not asked:
            return refusal(retriever.titles)
        query = follow_up_query(asked, list(history))
        hits = retriever.retrieve(query, self.settings.top_k)
        candidates = self._candidates(query, hits[:ANSWER_CHUNKS], retriever, index)
        return compose_answer(
            asked,
            candidates,
            min_evidence=self.settings.min_evidence,
            required_terms=retriever.names_in(asked),
            weights=self.weights,
            topics=retriever.titles,
        )

    def search(self, query: str, k: int) -> list[Hit]:
        """Ranked passages for a staff search."""
        query = self.check_question(query)
        retriever, _ = self._serving()
        return retriever.retrieve(query, k)

    def _serving(self) -> tuple[HybridRetriever, VectorIndex]:
        retriever = self.retriever
        if retriever is None:
            raise IndexMissing("Indexet är inte laddat ännu – försök igen om en stund.")
        return retriever, retriever.index

    def _candidates(
        self, query: str, hits: list[Hit], retriever: HybridRetriever, index: VectorIndex
    ) -> list[Candidate]:
        """Every segment of the top chunks, scored against the query."""
        qvec = retriever.embedder.embed_queries([query])[0]  # [dim], cached from retrieval
        query_terms = set(retriever.lexical.analyzer.query_terms(query))
        analyzer = retriever.lexical.analyzer
        out: list[Candidate] = []
        for hit in hits:
            seg_ids = index.segments_by_chunk.get(hit.chunk.chunk_id, [])
            if not seg_ids:
                continue
            dense = index.segment_vectors[seg_ids] @ qvec  # [n_segments_in_chunk]
            texts = [_segment_text(index, i) for i in seg_ids]
            for pos, (text, score) in enumerate(zip(texts, dense, strict=True)):
                context = texts[pos - 1] if pos and leans_on_previous(text) else ""
                terms = frozenset(analyzer.terms(f"{context} {text}"))
                coverage = len(query_terms & terms) / len(query_terms) if query_terms else 0.0
                out.append(
                    Candidate(
                        hit=hit,
                        text=text,
                        is_list=index.segments[seg_ids[pos]].is_list,
                        position=pos,
                        dense=float(score),
                        coverage=coverage,
                        terms=terms,
                        context=context,
                    )
                )
        return out


def _segment_text(index: VectorIndex, seg_id: int) -> str:
    seg = index.segments[seg_id]
    return segment_text(index.chunks[seg.chunk_id], seg)
