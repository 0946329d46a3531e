import unicodedata

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


def test_an_ending_is_no_half_of_a_compound() -> None:
    """ "rådgivarna" is "rådgiv" with an ending, not "rådgiv" and the name "ARN", though the
    sources hold both; a true compound of known halves is still split."""
    text = "Våra rådgivare hjälper dig med skulder. Du kan anmäla till ARN."
    analyzer = Analyzer(Analyzer.base_terms(text))
    assert analyzer.split_compound("rådgivarna") == []
    assert "arn" not in analyzer.query_terms("omfattas skuldrådgivarna av tystnadsplikt?")
    assert analyzer.split_compound("skuldrådgivarna") == ["skuld", "radgiv"]


def test_a_word_is_known_as_an_inflection_only_when_what_follows_is_an_ending() -> None:
    """ "syftet" is a form of the sources' "syfte", and "skolan" of their "skola" (what the
    stemmer leaves of the definite form); "bygglov" is no form of their "bygg…", whose "lov"
    is no ending, so a question asking for it asks for what they never name."""
    analyzer = Analyzer(Analyzer.base_terms("Syfte och mål. Vi bygger nytt. Skola och vatten."))
    assert analyzer.known(Analyzer.base_terms("syftet")[0])
    # What the stemmer leaves of a definite form on a stem it cut shorter is a form too.
    assert analyzer.known(Analyzer.base_terms("skolan")[0])
    assert analyzer.known(Analyzer.base_terms("vattnet")[0])
    assert analyzer.known("bygg")
    assert not analyzer.known("bygglov")


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


def test_a_typo_of_an_inflected_form_is_corrected() -> None:
    """ "prisbasbelop" is three edits from the only form the sources write, "prisbasbeloppet",
    but one from it without its ending "-et"; a word of another first letter is none, and a
    longer word that merely begins with one ("bibliotekarien") is no form of it."""
    analyzer = Analyzer(Analyzer.base_terms("Prisbasbeloppet för 2026 är 59 200 kr."))
    assert analyzer.correct("prisbasbelop") == "prisbasbeloppet"
    assert analyzer.correct("prisbasbelapp") == "prisbasbeloppet"
    assert analyzer.correct("brisbasbelop") is None
    librarian = Analyzer(Analyzer.base_terms("Bibliotekarien svarar. Skolmaten är avgiftsfri."))
    assert librarian.correct("bibliotek") is None
    assert librarian.correct("avgift") is None


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


SAVED_QUERIES = [
    "sodertorn kommuner",
    "Södertörnskommunerna",  # a compound, split into known halves
    "södertörns kommunerna",  # a compound typed as two words
    "stads kärnor",
    "kommunr samverkan",  # a typo, corrected to a corpus term
    "formalisserades",  # a long typo, two edits away
    "skargarden bokbussen",
    "vad är det",  # stop words only
    "fotboll",  # unknown
]


def test_saved_and_loaded_index_scores_exactly_like_a_fresh_one(tmp_path) -> None:
    from assistant.lexical import FILES

    fresh = LexicalIndex(TEXTS)
    assert fresh.save(tmp_path) == FILES
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    loaded = LexicalIndex.load(tmp_path)
    assert loaded.size == fresh.size
    assert loaded.analyzer.vocabulary == fresh.analyzer.vocabulary
    assert loaded.names == fresh.names
    assert loaded.spellings == fresh.spellings and fresh.spellings
    for query in SAVED_QUERIES:
        assert loaded.analyzer.query_terms(query) == fresh.analyzer.query_terms(query)
        assert np.array_equal(loaded.scores(query), fresh.scores(query)), query
        assert loaded.analyzer.highlights(TEXTS[1], query) == fresh.analyzer.highlights(
            TEXTS[1], query
        )
    assert "kommun" in loaded.analyzer.query_terms("kommunr")
    assert loaded.analyzer.split_compound("södertörnskommunerna") == ["sodertorn", "kommun"]


def test_index_built_from_ids_matches_bm25s_own_indexing() -> None:
    """The streamed build gives the scores bm25s gives indexing the token lists itself."""
    import bm25s

    fresh = LexicalIndex(TEXTS)
    reference = bm25s.BM25()
    reference.index([fresh.analyzer.terms(t) for t in TEXTS], show_progress=False)
    for query in SAVED_QUERIES:
        terms = fresh.analyzer.query_terms(query)
        expected = reference.get_scores(terms) if terms else np.zeros(len(TEXTS))
        assert np.array_equal(fresh.scores(query), np.asarray(expected, dtype=np.float32))


def test_empty_index_saves_and_loads(tmp_path) -> None:
    LexicalIndex([]).save(tmp_path)
    assert LexicalIndex.load(tmp_path).scores("södertörn").shape == (0,)


def test_typo_correction_does_not_depend_on_vocabulary_order() -> None:
    """Ties between equally close terms are broken the same way in every process."""
    forward = Analyzer(["kommun", "kommuna", "kommunb"])
    backward = Analyzer(["kommunb", "kommuna", "kommun"])
    assert forward.correct("kommunc") == backward.correct("kommunc")


def test_names_are_words_never_written_in_lower_case() -> None:
    from assistant.lexical import names_of

    texts = [
        "Beställ i e-tjänsten Slamtömning på sjovik.se eller mejla slam@sjovik.se.",
        "Vi sköter slamtömning i hela Sjövik, från Norrby till Ekudden.",
    ]
    # "Slamtömning" is a common noun elsewhere; "Sjövik" stays a name although the addresses
    # write it in lower case.
    assert names_of(texts) == {"sjovik", "norrby", "ekud"}


def test_a_word_that_differs_in_its_first_letter_is_another_word_not_a_typo() -> None:
    """ "plast" is no typo of "last", nor "anstalld" of "bestalld"; "komun" is of "kommun"."""
    analyzer = Analyzer(["last", "bestalld", "kommun"])
    assert analyzer.correct("plast") is None
    assert analyzer.correct("anstalld") is None
    assert analyzer.correct("komun") == "kommun"


def test_extra_terms_count_once_and_not_again_for_what_the_query_has() -> None:
    """The glossary's counterparts of an English question's words add to its keyword ranking,
    each once: a name the question gives, or a word both languages write, is not counted
    twice, nor a term two of its words gloss alike."""
    index = LexicalIndex(TEXTS)
    plain = index.scores("Södertörn")
    assert plain.any()
    assert np.array_equal(index.scores("Södertörn", ["sodertorn"]), plain)
    once = index.scores("Södertörn", ["stadskarn"])
    assert np.array_equal(index.scores("Södertörn", ["stadskarn", "stadskarn"]), once)
    assert (once >= plain).all() and (once > plain).any()
    # A term the sources lack adds nothing.
    assert np.array_equal(index.scores("Södertörn", ["zeppelin"]), plain)


def test_a_text_holds_every_query_term_in_the_forms_highlights_mark() -> None:
    """ "syfte" (stem "syft") is held by "Syftet", "avgift" by a half of "Avfallsavgiften"; one word
    of two is not enough, and a stop word holds nothing ("var" is no form of "varor")."""
    analyzer = Analyzer(["syftet", "samverkan", "stadskarn", "region", "avfall", "avgift"])
    text = "Syftet med samverkan. De regionala stadskärnorna. Avfallsavgiften var 100 kronor."
    assert analyzer.holds_all(text, analyzer.query_terms("syfte samverkan"))
    assert analyzer.holds_all(text, analyzer.query_terms("stadskärna"))
    assert analyzer.holds_all(text, ["avgift"])  # a half of "Avfallsavgiften"
    assert not analyzer.holds_all(text, analyzer.query_terms("syfte budget"))
    assert not analyzer.holds_all(text, ["var"])  # a stop word ("var") marks nothing
    assert analyzer.holds_all(text, [])


def test_a_word_typed_without_diacritics_is_spelt_as_the_sources_spell_it() -> None:
    from assistant.lexical import spellings

    texts = [
        "Samverkan sker på tjänstemannanivå. Tjänstemannanivå är viktig.",
        "I mån av plats får du en tid. Det står i läsåret.",
        "Läsåret börjar i augusti, och läsaret (sic) är en gammal stavning.",
        "Du ska hålla avstånd och hålla i räcket. Häll upp, men hälla ut får du inte.",
        unicodedata.normalize("NFD", "Ansökan görs i e-tjänsten."),
    ]
    found = spellings(texts)
    assert found["tjanstemannaniva"] == "tjänstemannanivå"
    assert found["ansokan"] == "ansökan"  # decomposed text is read composed
    # A stop word or a short word the sources happen to write with diacritics only ("mån")
    # is left as typed ("man"); so is a word they also write without diacritics, or with
    # them in fewer than four of five places ("hålla" twice, "hälla" once).
    assert "man" not in found
    assert "lasaret" not in found
    assert "halla" not in found
