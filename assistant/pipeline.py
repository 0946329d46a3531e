"""The assistant: wires corpus, chunks, model, index, retrieval and answers together.

This is the only module that knows every stage. Constructing an `Assistant` is
cheap; `warm_up()` prepares the model and loads (or builds) the index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant import messages, metrics
from assistant.answer import REFUSAL, compose_answer, generated_answer
from assistant.chunking import CHUNKER_VERSION, chunk_documents, is_row, leans_on_previous
from assistant.config import Settings
from assistant.corpus import load_corpus
from assistant.embeddings import Embedder, load_embedder
from assistant.errors import CorpusError, IndexMissing, InvalidQuestion
from assistant.grounding import check, kept
from assistant.index import (
    FORMAT_VERSION,
    VectorIndex,
    corpus_hash,
    embedding_recipe,
    read_manifest,
    segment_text,
)
from assistant.lang import DEFAULT, abbreviations, languages, refers_back
from assistant.lexical import TLDS, stopwords_digest
from assistant.llm import LanguageModel, ModelUnavailable
from assistant.privacy import scrub
from assistant.question import ReadQuestion, glossary_terms, read_question, rendered
from assistant.retrieval import HybridRetriever
from assistant.scoring import Candidate, Scorer, candidate_features
from assistant.types import Answer, Hit, SourceFilter, Turn

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
#: Chunks whose sentences compete for the answer.
ANSWER_CHUNKS = 4
#: Chunks whose analysed segments are kept between questions (a few MB at most).
SEGMENT_CACHE_CHUNKS = 20_000
#: Answers kept for repeated questions (the widget's suggestions, common questions).
ANSWER_CACHE_SIZE = 1024

AnswerKey = tuple[str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class SegmentInfo:
    """One segment of a chunk as the answer step reads it; depends on the index only."""

    seg_id: int
    text: str
    context: str  # the sentence an anaphoric segment depends on, else ""
    terms: frozenset[str]
    is_list: bool
    where: frozenset[str]  # terms of the chunk's title and section
    passage: frozenset[str]  # terms of the whole chunk
    is_row: bool = False  # one row of a table, read with its header
    # the corpus names of the segment before, when this one refers back to it with a definite
    # noun and names none itself ("Orrliden ligger i … Området har inte …"; `refers_back`)
    before: frozenset[str] = frozenset()
    # the corpus names it holds (with the sentence it leans on) and its heading holds
    names: frozenset[str] = frozenset()


#: The host of an e-mail or web address, its last name and top-level domain: "mortsund.se" of
#: "info@mortsund.se", "www.mortsund.se/upphandling" and "kulturskolan.mortsund.se" (whose
#: "kulturskolan" still tells what it is about).
_HOST = re.compile(rf"\b(?:https?://)?(?:www\.)?[\w-]+\.(?:{TLDS})\b", re.IGNORECASE)


class SegmentView:
    """The analysed segments of each chunk, computed once per chunk and index.

    Stemming and compound splitting of candidate sentences cost more per question than
    the rest of the answer step; the result depends only on the index, so it is cached.
    """

    def __init__(self, index: VectorIndex, retriever: HybridRetriever) -> None:
        self.index = index
        self.analyzer = retriever.lexical.analyzer
        self.names = retriever.names
        self.of_chunk = lru_cache(maxsize=SEGMENT_CACHE_CHUNKS)(self._analyse)
        # Answers depend on the index only (and the settings, fixed per process), so they
        # are cached with it and dropped with it when another index is swapped in.
        self.answers: OrderedDict[AnswerKey, Answer] = OrderedDict()
        self.answers_lock = threading.Lock()

    def _analyse(self, chunk_id: int) -> tuple[SegmentInfo, ...]:
        seg_ids = self.index.segments_by_chunk.get(chunk_id, [])
        texts = [segment_text(self.index.chunks[chunk_id], self.index.segments[i]) for i in seg_ids]
        chunk = self.index.chunks[chunk_id]
        where = frozenset(self.analyzer.terms(f"{chunk.title} {chunk.section or ''}"))
        analysed = []
        for pos, (seg_id, text) in enumerate(zip(seg_ids, texts, strict=True)):
            context = texts[pos - 1] if pos and leans_on_previous(text) else ""
            # The host of an address is the publisher's, not what the sentence is about: the
            # place a question names is not shared by "… på naringsliv@mortsund.se".
            said = _HOST.sub(" ", f"{context} {text}")
            analysed.append((seg_id, text, context, frozenset(self.analyzer.terms(said))))
        passage = frozenset().union(*(terms for *_, terms in analysed))
        refs = [self.index.segments[seg_id] for seg_id, *_ in analysed]
        # A segment that refers back with a definite noun and names no name itself speaks of
        # the names of the one before it.
        befores = [
            analysed[pos - 1][3] & self.names
            if pos and not context and refers_back(text) and not terms & self.names
            else frozenset[str]()
            for pos, (_, text, context, terms) in enumerate(analysed)
        ]
        return tuple(
            SegmentInfo(
                seg_id,
                text,
                context,
                terms,
                ref.is_list,
                where,
                passage,
                is_row(chunk.text[ref.start : ref.end]),
                before,
                (terms | where) & self.names,
            )
            for (seg_id, text, context, terms), ref, before in zip(
                analysed, refs, befores, strict=True
            )
        )


class Assistant:
    """Answers questions and searches passages over one corpus and index.

    Example:
        >>> bot = Assistant(Settings())
        >>> bot.warm_up()
        >>> bot.ask("Vilka kommuner ingår i samarbetet?").answer
    """

    def __init__(self, settings: Settings, scorer: Scorer | None = None) -> None:
        self.settings = settings
        self.embedder: Embedder | None = None
        self._background: tuple[Embedder, np.ndarray] | None = None
        self._facets: tuple[str, dict[str, list[str]]] | None = None
        self.index: VectorIndex | None = None
        self.retriever: HybridRetriever | None = None
        self._state: tuple[HybridRetriever, SegmentView] | None = None
        self.scorer = scorer or Scorer.load(settings.scorer_file)
        self._lock = threading.Lock()
        #: The language model that phrases answers (`ASSISTANT_LLM_URL`), or None.
        self.model: LanguageModel | None = LanguageModel(settings) if settings.llm_url else None

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
            msg = (
                f"Inga dokument att indexera i {s.corpus_dir} (.md, .txt, .html, .pdf eller .docx)."
            )
            raise CorpusError(msg)
        say(f"Loaded {len(report.documents)} document(s) from {s.corpus_dir}")
        chunks = chunk_documents(report.documents, size=s.chunk_size, overlap=s.chunk_overlap)
        say(f"Split into {len(chunks)} chunks")
        embedder = self.load_embedder(progress)
        self.background(embedder)  # stored beside the model for serving processes
        index = VectorIndex.build(
            chunks,
            embedder,
            manifest=self._expected_manifest(report.documents),
            progress=say,
            reuse=s.index_dir,  # vectors of unchanged texts come from the current build
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
            self.background(self.load_embedder(progress))
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
        self._state = (retriever, SegmentView(index, retriever))  # old or new, never a mix
        self.index, self.retriever = index, retriever

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
        # Questions are embedded like the passages were; builds before it was recorded: fp32.
        assert self.embedder is not None
        recipe = manifest.get("embedding")
        built = recipe.get("precision", "fp32") if isinstance(recipe, dict) else "fp32"
        if built != embedding_recipe(self.embedder)["precision"]:
            return "precision changed"
        return None

    def _expected_manifest(self, docs: Sequence) -> dict:
        assert self.embedder is not None
        return {
            # An index written in an older layout (e.g. without BM25) is rebuilt, not refused.
            "format_version": FORMAT_VERSION,
            "model_id": self.embedder.model_id,
            "corpus_hash": corpus_hash(docs),
            "chunker": {
                "size": self.settings.chunk_size,
                "overlap": self.settings.chunk_overlap,
                # How blocks and segments are cut: an index cut another way is rebuilt.
                "version": CHUNKER_VERSION,
                "abbreviations": sorted(abbreviations()),
            },
            "stop_words": stopwords_digest(),
        }

    # -- questions ---------------------------------------------------------------------

    def check_question(self, question: str, history: Sequence[Turn] = ()) -> str:
        """Validate input; returns the stripped question.

        Raises:
            InvalidQuestion: With a Swedish message for the user.
        """
        question = (question or "").strip()
        if not re.search(r"\w", question):  # only white space or punctuation
            raise InvalidQuestion(messages.EMPTY_QUESTION)
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise InvalidQuestion(messages.question_too_long(limit, len(question)))
        if len(history) > self.settings.max_history_turns:
            most = self.settings.max_history_turns
            raise InvalidQuestion(messages.history_too_long(most))
        for turn in history:
            if turn.role not in ("user", "assistant"):
                raise InvalidQuestion(messages.HISTORY_ROLE)
        return question

    def cached_answer(self, question: str, history: Sequence[Turn] = ()) -> Answer | None:
        """The answer given before to the same question and history, if it is still cached.

        Cheap enough for the event loop; `ask` is the full path (and fills the cache).
        """
        state = self._state
        if state is None:
            return None
        view = state[1]
        key = _answer_key(question, history)
        with view.answers_lock:
            answer = view.answers.get(key)
            if answer is not None:
                view.answers.move_to_end(key)
        if answer is not None:
            metrics.CACHE.labels("hit").inc()
        return answer

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        """Answer a question from the sources, or refuse honestly."""
        final: Answer | None = None
        for event in self.answer_events(question, history):
            if isinstance(event, Answer):
                final = event
        assert final is not None
        return final

    def answer_events(self, question: str, history: Sequence[Turn] = ()) -> Iterator[str | Answer]:
        """The answer as it is made: pieces of its text, then the final `Answer`.

        Without a language model the pieces are the answer's sentences. With one
        (`ASSISTANT_LLM_URL`), they are the model's words as they arrive, and the final answer
        is what verification kept of them, or the extractive answer; a client shows the final
        answer in place of the pieces.
        """
        question = self.check_question(question, history)
        retriever, view = self._serving()
        key = _answer_key(question, history)
        with view.answers_lock:
            cached = view.answers.get(key)
        if cached is not None:
            metrics.CACHE.labels("hit").inc()
            yield from sentence_pieces(cached.answer)
            yield cached
            return
        metrics.CACHE.labels("miss").inc()
        rq, hits, answer = self._answer(question, history, retriever, view)
        keep = True
        # A yes/no question never reaches the model, also when its evidence, deciding neither
        # word, is quoted alone: the model could add the verdict the evidence does not give.
        phrased = answer.shape in ("answer", "list") and rq.kind != "yesno"
        if self.model is not None and answer.answered and phrased:
            # An answer given because the model was out of reach is not kept: the next
            # asking gets another try.
            answer, keep = yield from self._generated(rq, hits, history, answer)
        else:
            yield from sentence_pieces(answer.answer)
        # A question holding personal data is never kept, not even in memory: how fast it is
        # answered must not tell anyone that it was asked before.
        if keep and not _personal(question, history):
            with view.answers_lock:
                view.answers[key] = answer
                while len(view.answers) > ANSWER_CACHE_SIZE:
                    view.answers.popitem(last=False)
        yield answer

    def _generated(
        self, rq: ReadQuestion, hits: Sequence[Hit], history: Sequence[Turn], extractive: Answer
    ) -> Generator[str, None, tuple[Answer, bool]]:
        """The model's phrasing of the answer as far as verification keeps it, else the
        extractive answer; the model's words are yielded as they come. The flag is False
        when the model could not be asked (a failure that may pass)."""
        assert self.model is not None
        passages = [h.chunk for h in hits[:ANSWER_CHUNKS]]
        messages = self.model.prompt.messages(rq.asked, passages, history, REFUSAL)
        text = ""
        try:
            for piece in self.model.stream(messages):
                text += piece
                yield piece
        except ModelUnavailable as exc:
            log.info("Extractive answer served: %s", exc)
            return extractive, False
        good = (
            []
            if REFUSAL in text
            else kept(check(text, {n: c.text for n, c in enumerate(passages, 1)}, self._names()))
        )
        if not good:
            metrics.LLM_ANSWERS.labels("fallback").inc()
            return extractive, True
        metrics.LLM_ANSWERS.labels("served").inc()
        return generated_answer(good, hits[:ANSWER_CHUNKS]), True

    def read(self, question: str, history: Sequence[Turn] = ()) -> ReadQuestion:
        """The question read once against the serving index's vocabulary and names."""
        retriever, _ = self._serving()
        return _read(retriever, question, history)

    def _answer(
        self,
        question: str,
        history: Sequence[Turn],
        retriever: HybridRetriever,
        view: SegmentView,
    ) -> tuple[ReadQuestion, list[Hit], Answer]:
        rq = _read(retriever, question, history)
        candidates: list[Candidate] = []
        hits: list[Hit] = []
        if rq.asked and rq.kind != "smalltalk":
            hits = retrieve(retriever, rq, self.settings.top_k)
            candidates = self.candidates(rq, hits[:ANSWER_CHUNKS], retriever, view)
        answer = compose_answer(rq, candidates, scorer=self.scorer, topics=retriever.titles)
        return rq, hits, answer

    def use_scorer(self, scorer: Scorer) -> None:
        """Answer with another evidence scorer from now on (cached answers are dropped)."""
        self.scorer = scorer
        if self._state is not None:
            with self._state[1].answers_lock:
                self._state[1].answers.clear()

    def search(self, query: str, k: int, only: SourceFilter | None = None) -> list[Hit]:
        """Ranked passages for a staff search, without those below the relevance floor.

        A passage is kept when its best sentence is at least `Scorer.search_floor` likely
        to answer the query, as the answer step judges it, or when it holds every word of the
        query in some form (a keyword hit: "syfte" finds "Syftet med samverkan", which
        answers no question as a sentence would); a query none of whose words the
        sources hold in any form finds nothing (in another language than theirs: none of the
        counterparts its glossary gives, `ReadQuestion.unsourced`). `only` limits the
        passages to a municipality, source, file type or date range.
        """
        query = self.check_question(query)
        retriever, view = self._serving()
        rq = _read(retriever, query)
        if not rq.asked or rq.unsourced:
            return []  # no word of the query is in the sources in any form
        hits = retrieve(retriever, rq, k, only)
        kept = []
        for hit in hits:
            passage = f"{hit.chunk.section or ''} {hit.chunk.text}"
            if rq.terms and retriever.lexical.analyzer.holds_all(passage, rq.terms):
                kept.append(hit)  # a keyword hit needs no scoring
                continue
            candidates = self.candidates(rq, [hit], retriever, view)
            probs = self.scorer.confidence(candidate_features(rq, candidates))
            if probs.size and probs.max() >= self.scorer.search_floor:
                kept.append(hit)
        return kept

    def facets(self) -> dict[str, list[str]]:
        """What a search can be limited to: the municipalities, sources and file types of
        the indexed passages, and the first and last date they were updated."""
        retriever, _ = self._serving()
        index = retriever.index
        cached = self._facets
        if cached is None or cached[0] != index.version:
            found: dict[str, set[str]] = {"municipality": set(), "source": set(), "kind": set()}
            days: set[str] = set()
            for chunk in index.chunks:
                for key in found:
                    value = getattr(chunk, key)
                    if value:
                        found[key].add(value)
                if chunk.updated:
                    days.add(chunk.updated[:10])
            span = [min(days), max(days)] if days else []
            cached = (index.version, {**{k: sorted(v) for k, v in found.items()}, "updated": span})
            self._facets = cached
        return cached[1]

    def _names(self) -> frozenset[str]:
        retriever, _ = self._serving()
        return retriever.names

    def _serving(self) -> tuple[HybridRetriever, SegmentView]:
        state = self._state
        if state is None:
            raise IndexMissing(messages.INDEX_NOT_LOADED)
        return state

    def background(self, embedder: Embedder) -> np.ndarray:
        """The vectors of every language's background sentences (`Language.background`):
        [n, dim], kept per embedder.

        They depend on the model and the sentences only, so they are stored in the model
        cache (`assistant build` makes them) and read from there at start-up: embedding them
        in the serving process would grow the runtime's memory arena for good. Where the
        cache cannot be written (a read-only image without them), they are embedded, one at
        a time as questions are, and kept in memory.
        """
        cached = self._background
        if cached is not None and cached[0] is embedder:
            return cached[1]
        texts = [s for lang in languages().values() for s in lang.background]
        recipe = [getattr(embedder, "model_id", ""), embedding_recipe(embedder), texts]
        digest = hashlib.blake2b(json.dumps(recipe).encode(), digest_size=12).hexdigest()
        path = self.settings.model_cache_dir / "background" / f"{digest}.npy"
        try:
            vectors = np.load(path)
        except (OSError, ValueError):
            vectors = np.vstack([embedder.embed_passages([t]) for t in texts])
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                with open(tmp, "wb") as out:
                    np.save(out, vectors)
                os.replace(tmp, path)
            except OSError as exc:
                log.info("Background vectors not cached (%s); embedded in memory", exc)
        self._background = (embedder, vectors)
        return vectors

    def candidates(
        self,
        rq: ReadQuestion,
        hits: list[Hit],
        retriever: HybridRetriever,
        view: SegmentView,
    ) -> list[Candidate]:
        """Every segment of the given chunks, with its cosine to the query.

        The query is the whole one (a follow-up read with the question before it), so the
        dense score sees the context; term features see only what is asked now.
        """
        qvec = retriever.embedder.embed_queries([_embedded(retriever, rq)])[0]  # cached
        vectors = view.index.segment_vectors
        # How close the question comes to everyday text that does not answer it.
        against = self.background(retriever.embedder) @ qvec
        background = (
            (float(against.mean()), float(against.std()) or 1.0) if against.size else (0.0, 1.0)
        )
        out: list[Candidate] = []
        for hit in hits:
            segments = view.of_chunk(hit.chunk.chunk_id)
            if not segments:
                continue
            dense = vectors[[s.seg_id for s in segments]] @ qvec  # [n_segments_in_chunk]
            for pos, (seg, score) in enumerate(zip(segments, dense, strict=True)):
                out.append(
                    Candidate(
                        hit=hit,
                        text=seg.text,
                        is_list=seg.is_list,
                        is_row=seg.is_row,
                        position=pos,
                        dense=float(score),
                        terms=seg.terms,
                        context=seg.context,
                        where=seg.where,
                        passage=seg.passage,
                        before=seg.before,
                        names=seg.names,
                        background=background,
                    )
                )
        return out


def retrieve(
    retriever: HybridRetriever, rq: ReadQuestion, k: int, only: SourceFilter | None = None
) -> list[Hit]:
    """The `k` best passages for a question as read. A question in another language than the
    sources' shares few words with them: its keyword ranking also looks for what its glossary
    gives for its words, and those of the question a follow-up leans on ("opening hours" –
    "öppettider"), and its meaning is sought as asked and as worded again in the sources'
    language (`rendered`)."""
    return retriever.retrieve(
        _embedded(retriever, rq),
        k,
        only,
        extra=glossary_terms(rq.query, rq.language),
        also=rendered(rq.query, rq.language),
    )


def _embedded(retriever: HybridRetriever, rq: ReadQuestion) -> str:
    """The query as it is retrieved with and embedded: in the sources' language, with the
    words typed without their diacritics written as the sources write them
    (`HybridRetriever.respelt`); the keyword ranking folds diacritics, so only the embedding
    reads the difference."""
    return retriever.respelt(rq.query) if rq.language == DEFAULT else rq.query


def _read(retriever: HybridRetriever, question: str, history: Sequence[Turn] = ()) -> ReadQuestion:
    """A question read against the vocabulary and names of the retriever's index."""
    return read_question(
        question, history, analyzer=retriever.lexical.analyzer, names=retriever.names
    )


def sentence_pieces(text: str) -> Iterator[str]:
    """An answer's text sentence by sentence (after each citation marker), spaces kept."""
    pieces = _SENTENCE_END.split(text)
    for i, piece in enumerate(pieces):
        yield piece if i == len(pieces) - 1 else piece + " "


#: Where an answer is cut into pieces: after each citation marker (a sentence).
_SENTENCE_END = re.compile(r"(?<=\])\s+")


def _personal(question: str, history: Sequence[Turn]) -> bool:
    """Whether the question or the conversation holds personal data the scrubber finds."""
    return any(scrub(text) != text for text in (question, *(t.content for t in history)))


def _answer_key(question: str, history: Sequence[Turn]) -> AnswerKey:
    return question, tuple((t.role, t.content) for t in history)
