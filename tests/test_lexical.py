import numpy as np
import pytest

from assistant.lexical import Analyzer, LexicalIndex, fold

TEXTS = [
    "De åtta kommunerna på Södertörn har en lång tradition av samarbete.",
    "Södertörnskommunernas samverkan formaliserades år 2010.",
    "I RUFS 2050 finns nio regionala stadskärnor.",
    "Bokbussen kör till skärgården varannan vecka.",
]


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex(TEXTS)


def test_fold_strips_diacritics() -> None:
    assert fold("Södertörn Åkersberga Café") == "Sodertorn Akersberga Cafe"


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("sodertorn kommuner", 0),  # no diacritics
        ("SÖDERTÖRN KOMMUNERNA", 0),  # case
        ("samverkan formaliserades", 1),
        ("stadskarnor", 2),
        ("stads kärnor", 2),  # a compound typed as two words
        ("skargarden", 3),
    ],
)
def test_query_finds_the_right_text(index: LexicalIndex, query: str, best: int) -> None:
    scores = index.scores(query)
    assert int(np.argmax(scores)) == best
    assert scores[best] > 0


def test_compound_is_split_into_known_halves() -> None:
    analyzer = Analyzer(Analyzer.base_terms(" ".join(TEXTS)))
    assert analyzer.split_compound("södertörnskommunerna") == ["sodertorn", "kommun"]
    assert analyzer.split_compound("bokbussen") == []  # "bok" is not a corpus term
    assert analyzer.split_compound("kort") == []


def test_split_query_words_match_a_compound(index: LexicalIndex) -> None:
    """ "Södertörns kommunerna" and "Södertörnskommunerna" both reach both texts."""
    joined = index.scores("Södertörnskommunerna")
    split = index.scores("södertörns kommunerna")
    assert joined[0] > 0 and joined[1] > 0
    assert split[0] > 0 and split[1] > 0


@pytest.mark.parametrize(
    ("typo", "fixed"), [("kommunr", "kommun"), ("formalisserades", "formaliser")]
)
def test_typos_are_corrected_to_corpus_terms(index: LexicalIndex, typo: str, fixed: str) -> None:
    assert fixed in index.analyzer.query_terms(typo)


def test_unknown_and_stop_word_queries_score_nothing(index: LexicalIndex) -> None:
    assert not index.scores("vad är det").any()
    assert not index.scores("fotboll").any()
    assert not index.scores("").any()


def test_empty_index() -> None:
    assert LexicalIndex([]).scores("södertörn").shape == (0,)


def test_highlights_match_stems_diacritics_and_compound_halves(index: LexicalIndex) -> None:
    text = TEXTS[1]  # "Södertörnskommunernas samverkan formaliserades år 2010."
    spans = index.analyzer.highlights(text, "sodertorn samverkan")
    assert [text[a:b] for a, b in spans] == ["Södertörnskommunernas", "samverkan"]
    assert index.analyzer.highlights(text, "och det") == []
