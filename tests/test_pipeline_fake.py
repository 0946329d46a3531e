"""The whole answer path without the model: a deterministic fake embedder, a real FAISS
index and BM25, a scorer fitted in the test on a handful of questions, then answers."""

import zlib
from pathlib import Path

import numpy as np
import pytest

from assistant.answer import REFUSAL
from assistant.config import Settings
from assistant.evaluation import EvalItem
from assistant.fitting import collect, fit
from assistant.lexical import Analyzer
from assistant.pipeline import Assistant, retrieve
from assistant.scoring import Model, Scorer

DIM = 256

PAGE = """---
title: Länsbiblioteken
url: https://example.invalid/lansbiblioteken
updated: 2025-03-01
language: sv
---

# Länsbiblioteken

De fyra kommunerna i länet – Alby, Bryn, Celsing och Dalby – driver biblioteken tillsammans.
Samarbetet om biblioteken startade år 2014 och gäller både lån och programverksamhet.

Lånekortet är gratis för alla som bor i länet. Bokbussen kör till skärgården varannan vecka.

Biblioteken ska präglas av

- öppenhet för alla
- läsfrämjande arbete
- samarbete med skolorna
"""


class FakeEmbedder:
    """Bag of analysed terms hashed into DIM buckets, L2-normed: texts sharing words are
    close, others orthogonal. Deterministic across processes (crc32, not hash())."""

    model_id = "fake-bag-of-terms"
    dimension = DIM
    backend = "fake"

    def _embed(self, texts) -> np.ndarray:  # type: ignore[no-untyped-def]
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            for t in Analyzer.base_terms(text):
                out[i, zlib.crc32(t.encode()) % DIM] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)

    def embed_queries(self, texts):  # type: ignore[no-untyped-def]
        return self._embed(texts)

    def embed_passages(self, texts):  # type: ignore[no-untyped-def]
        return self._embed(texts)


TUNING = [
    EvalItem(
        "t1", "När startade samarbetet om biblioteken?", "answerable", gold="startade år 2014"
    ),
    EvalItem("t2", "Vilka kommuner driver biblioteken?", "answerable", gold="Alby, Bryn, Celsing"),
    EvalItem("t3", "Vad kostar lånekortet?", "answerable", gold="Lånekortet är gratis"),
    EvalItem("t4", "Hur ofta kör bokbussen till skärgården?", "answerable", gold="varannan vecka"),
    EvalItem("t5", "Vad ska biblioteken präglas av?", "answerable", gold="öppenhet för alla"),
    EvalItem("t6", "Gäller samarbetet lån?", "answerable", gold="både lån och programverksamhet"),
    EvalItem("u1", "Hur många anställda har simhallen?", "unanswerable"),
    EvalItem("u2", "Vilket väder blir det i morgon?", "unanswerable"),
    EvalItem("u3", "Vem är kommunstyrelsens ordförande?", "unanswerable"),
    EvalItem("u4", "Vad kostar parkering vid stationen?", "unanswerable"),
]


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    root: Path = tmp_path_factory.mktemp("fake")
    (root / "corpus").mkdir()
    (root / "corpus" / "bibliotek.md").write_text(PAGE, encoding="utf-8")
    cosine = Model(("dense",), np.zeros(1), np.ones(1), np.ones(1), 0.0)
    settings = Settings(
        corpus_dir=root / "corpus", index_dir=root / "index", model_cache_dir=root / "models"
    )
    assistant = Assistant(settings, scorer=Scorer(cosine, cosine, 0.5, 0.0, 0.0))
    assistant.embedder = FakeEmbedder()
    assistant.warm_up()
    assistant.use_scorer(fit(collect(assistant, TUNING)))
    return assistant


def test_the_fitted_scorer_answers_and_cites(bot: Assistant) -> None:
    answer = bot.ask("När startade samarbetet om biblioteken?")
    assert answer.answered and "2014" in answer.answer and answer.citations


def test_the_fitted_scorer_refuses_what_the_page_does_not_say(bot: Assistant) -> None:
    answer = bot.ask("Vilket väder blir det i morgon?")
    assert not answer.answered and answer.answer.startswith(REFUSAL) and not answer.citations


def test_a_list_question_gets_the_list_as_parts(bot: Assistant) -> None:
    answer = bot.ask("Vad ska biblioteken präglas av?")
    assert answer.shape == "list"
    items = next(p.items for p in answer.parts if p.kind == "list")
    assert items == ["öppenhet för alla", "läsfrämjande arbete", "samarbete med skolorna"]


def test_small_talk_never_reaches_retrieval(bot: Assistant) -> None:
    answer = bot.ask("hej!")
    assert answer.shape == "smalltalk" and "Länsbiblioteken" in answer.answer


def test_search_drops_what_matches_nothing(bot: Assistant) -> None:
    assert bot.search("xqzvy blorpf", 5) == []
    assert bot.search("bokbussen skärgården", 5)


def test_the_background_is_embedded_once_and_judges_every_candidate(bot: Assistant) -> None:
    from assistant.lang import languages

    retriever, view = bot._serving()
    vectors = bot.background(retriever.embedder)
    count = sum(len(lang.background) for lang in languages().values())
    assert vectors.shape == (count, DIM) and count >= 40
    assert bot.background(retriever.embedder) is vectors  # computed at warm-up, then kept
    # Stored in the model cache, so a serving process reads them instead of embedding them.
    stored = list((bot.settings.model_cache_dir / "background").glob("*.npy"))
    assert len(stored) == 1 and np.array_equal(np.load(stored[0]), vectors)
    other = Assistant(bot.settings, scorer=bot.scorer)
    assert np.array_equal(other.background(retriever.embedder), vectors)
    rq = bot.read("När startade samarbetet om biblioteken?")
    hits = retriever.retrieve(rq.query, 3)
    qvec = retriever.embedder.embed_queries([rq.query])[0]
    against = vectors @ qvec
    for c in bot.candidates(rq, hits, retriever, view):
        assert c.background == pytest.approx((against.mean(), against.std()))


SPREAD = "Bokbussen har fått nya hyllor i år. Skärgården har många öar och bryggor. Bussen kör ofta extra turer på vintern."
FOCUSED = "Bokbussen kör till skärgården varannan vecka. Lånekortet är gratis för alla som bor i länet. Biblioteket har tidningar."


def _pages_bot(root: Path, pages: tuple[tuple[str, str, str], ...]) -> Assistant:
    """An assistant over small pages (file name, title, text), with the fake embedder and a
    cosine scorer."""
    (root / "corpus").mkdir()
    for name, title, text in pages:
        page = f"---\ntitle: {title}\n---\n\n# {title}\n\n{text}\n"
        (root / "corpus" / f"{name}.md").write_text(page, encoding="utf-8")
    cosine = Model(("dense",), np.zeros(1), np.ones(1), np.ones(1), 0.0)
    settings = Settings(
        corpus_dir=root / "corpus", index_dir=root / "index", model_cache_dir=root / "models"
    )
    assistant = Assistant(settings, scorer=Scorer(cosine, cosine, 0.5, 0.0, 0.0))
    assistant.embedder = FakeEmbedder()
    assistant.warm_up()
    return assistant


def test_a_passage_with_the_answering_sentence_outranks_one_that_spreads_the_words(
    tmp_path: Path,
) -> None:
    """The passage whose one sentence says what is asked comes first, although another
    passage, whose sentences each hold a word of the question, is closer as a whole."""
    assistant = _pages_bot(tmp_path, (("a", "Nyheter", SPREAD), ("b", "Turer", FOCUSED)))
    retriever, _ = assistant._serving()
    question = "Hur ofta kör bokbussen till skärgården?"
    hits = retriever.retrieve(question, 2)
    assert [h.chunk.title for h in hits] == ["Turer", "Nyheter"]
    assert hits[0].dense < hits[1].dense  # the passage's own cosine says otherwise
    retriever.sentence_share = 0.0
    assert [h.chunk.title for h in retriever.retrieve(question, 2)] == ["Nyheter", "Turer"]


def test_an_english_question_finds_swedish_passages_through_its_glossary(tmp_path: Path) -> None:
    """ "Is the library open on Saturdays?" shares no word with "Biblioteket har öppet …":
    the keyword ranking looks for what the English glossary gives for its words."""
    pages = (
        ("a", "Nyheter", "Bokbussen har fått nya hyllor i år. Skärgården har många öar."),
        ("b", "Öppettider", "Biblioteket har öppet på lördagar klockan 10–14."),
    )
    assistant = _pages_bot(tmp_path, pages)
    retriever, _ = assistant._serving()
    rq = assistant.read("Is the library open on Saturdays?")
    hits = retrieve(retriever, rq, 2)
    assert hits[0].chunk.title == "Öppettider" and hits[0].lexical > 0
    # Its own words alone match nothing.
    assert all(h.lexical == 0 for h in retriever.retrieve(rq.query, 2))


def test_an_english_question_is_also_sought_as_worded_in_swedish(tmp_path: Path) -> None:
    """The dense ranking seeks the mean of the question as asked and as its glossary words it
    in the sources' language ("Is the library open on Saturdays?" -> "bibliotek öppet
    lördag"); a hit's own cosine stays the asked question's."""
    pages = (
        ("a", "Nyheter", "Bokbussen har fått nya hyllor i år. Skärgården har många öar."),
        ("b", "Öppettider", "Biblioteket har öppet på lördagar klockan 10–14."),
    )
    assistant = _pages_bot(tmp_path, pages)
    retriever, _ = assistant._serving()
    retriever.dense_weight = 1.0  # the keyword ranking out of it
    rq = assistant.read("Is the library open on Saturdays?")
    hits = retrieve(retriever, rq, 2)
    assert hits[0].chunk.title == "Öppettider"
    assert hits[0].dense == pytest.approx(0.0)  # the fake embedder: no word in common
    # Asked only as written, no passage is closer than another: the first page comes first.
    assert [h.chunk.title for h in retriever.retrieve(rq.query, 2)] == ["Nyheter", "Öppettider"]
    # A Swedish question is sought as asked.
    assert retriever.retrieve("Har biblioteket öppet?", 2, also="")[0].chunk.title == "Öppettider"


def test_the_host_of_an_address_is_no_word_a_sentence_shares(tmp_path: Path) -> None:
    """The host of an e-mail or web address is the publisher's, not what a sentence is about:
    "… på naringsliv@mortsund.se" shares no word with a question about a pizzeria in
    Mörtsund, while the address's own part ("naringsliv", "/boka") and a sentence that names
    the place still do."""
    pages = (
        (
            "a",
            "Kontakt",
            "Du bokar tid på naringsliv@mortsund.se eller på www.mortsund.se/moten. "
            "Mörtsund har en gästhamn.",
        ),
    )
    assistant = _pages_bot(tmp_path, pages)
    retriever, view = assistant._serving()
    rq = assistant.read("tips på en bra pizzeria i mörtsund?")
    terms = {
        c.text: c.terms
        for c in assistant.candidates(rq, retrieve(retriever, rq, 1), retriever, view)
    }
    booking = next(t for text, t in terms.items() if "bokar" in text)
    harbour = next(t for text, t in terms.items() if "gästhamn" in text)
    place = set(Analyzer.base_terms("mörtsund"))
    assert not place & booking
    assert set(Analyzer.base_terms("naringsliv möten")) <= booking
    assert place <= harbour
