"""The verifier of generated answers, on hand-written generations (no model)."""

from assistant.grounding import check, kept, sentences
from assistant.lexical import term

PASSAGES = {
    1: "Södertörnskommunernas samverkan formaliserades år 2010 och sker både på politisk nivå "
    "och mellan tjänstemän.",
    2: "De åtta kommunerna på Södertörn – Botkyrka, Haninge, Huddinge, Nykvarn, Nynäshamn, "
    "Salem, Södertälje, Tyresö – har en lång tradition av samarbete. Kontakt: "
    "kansliet@sodertorn.example, 08-465 004 12.",
}


def problems(generated: str) -> list[str | None]:
    return [c.problem for c in check(generated, PASSAGES)]


def test_a_supported_answer_passes() -> None:
    generated = (
        "Samverkan mellan Södertörnskommunerna formaliserades år 2010 [1]. "
        "Den sker både på politisk nivå och mellan tjänstemän. [1]"
    )
    assert problems(generated) == [None, None]
    assert [c.markers for c in kept(check(generated, PASSAGES))] == [(1,), (1,)]


def test_an_unsupported_number_is_dropped() -> None:
    [problem] = problems("Samverkan formaliserades år 2012 [1].")
    assert problem is not None and "2012" in problem


def test_an_invented_name_is_dropped() -> None:
    [problem] = problems("Samarbetet leds av Anna Lindqvist i Huddinge [2].")
    assert problem is not None and "Anna" in problem


def test_a_sentence_without_a_marker_is_dropped() -> None:
    [problem] = problems("Samverkan formaliserades år 2010.")
    assert problem == "no citation marker"


def test_a_marker_to_a_passage_not_given_is_dropped() -> None:
    [problem] = problems("Samverkan formaliserades år 2010 [3].")
    assert problem is not None and "[3]" in problem


def test_an_english_answer_to_a_swedish_question_is_dropped() -> None:
    [problem] = problems("The cooperation was formalised in 2010 and it is both political [1].")
    assert problem == "not in the sources' language"


def test_phone_numbers_and_addresses_must_be_in_the_cited_passage() -> None:
    assert problems(
        "Ring kansliet på 08-465 004 12 eller mejla kansliet@sodertorn.example [2]."
    ) == [None]
    [wrong_phone] = problems("Ring kansliet på 08-465 004 99 [2].")
    assert wrong_phone is not None and "004 99" in wrong_phone
    [wrong_mail] = problems("Mejla info@sodertorn.example [2].")
    assert wrong_mail is not None and "info@sodertorn.example" in wrong_mail


def test_words_the_passages_do_not_hold_are_dropped() -> None:
    [problem] = problems("Kommunerna delar på budgeten för vägbyggen och kollektivtrafik [1].")
    assert problem is not None and "content words" in problem


def test_markers_standing_alone_belong_to_the_sentence_before() -> None:
    assert sentences("Det formaliserades år 2010. [1] [2]") == [
        ("Det formaliserades år 2010.", (1, 2))
    ]


def test_too_little_supported_means_nothing_is_kept() -> None:
    generated = (
        "Samverkan formaliserades år 2010 [1]. Den har en budget på 40 miljoner kronor [1]. "
        "Ordförande är Kalle Anka [2]."
    )
    checked = check(generated, PASSAGES)
    assert [c.problem is None for c in checked] == [True, False, False]
    assert kept(checked) == []


def test_a_number_must_stand_in_the_passage_not_only_its_digits() -> None:
    passages = {1: "Avgiften för bygglov är 450 kronor sedan år 2012."}
    [problem] = [c.problem for c in check("Avgiften för bygglov är 502 kronor [1].", passages)]
    assert problem is not None and "502" in problem


def test_a_name_that_opens_the_sentence_is_checked_too() -> None:
    passages = {1: "Huddinge tar en avgift för bygglov på 450 kronor."}
    names = frozenset({term("botkyrka"), term("huddinge")})  # as the corpus analyses them
    [problem] = [
        c.problem for c in check("Botkyrka tar en avgift för bygglov [1].", passages, names)
    ]
    assert problem is not None and "Botkyrka" in problem
    supported = check("Huddinge tar en avgift för bygglov [1].", passages, names)
    assert [c.problem for c in supported] == [None]


def test_a_negation_the_passages_do_not_make_is_dropped() -> None:
    passages = {1: "Avgiften för bygglov är 450 kronor."}
    [problem] = [c.problem for c in check("Avgiften för bygglov är inte 450 kronor [1].", passages)]
    assert problem is not None and "negates" in problem
    # A passage whose "utan att" negates one of its clauses negates nothing else.
    passages = {1: "Avgiften för bygglov är 450 kronor och betalas utan att någon faktura skickas."}
    [problem] = [c.problem for c in check("Avgiften för bygglov är inte 450 kronor [1].", passages)]
    assert problem is not None and "negates" in problem


def test_a_ban_a_passage_names_supports_saying_it_is_forbidden() -> None:
    """ "är förbjuden" negates, and "rökförbud" in the cited passage says so too; a passage
    that names no ban does not, nor does a ban support a plain negation."""
    passages = {1: "Tobakslagen innebär rökförbud på skolgårdar och lekplatser."}
    supported = check(
        "Tobakslagen innebär att rökning är förbjuden på skolgårdar och lekplatser [1].", passages
    )
    assert [c.problem for c in supported] == [None]
    [problem] = [c.problem for c in check("Rökning är inte tillåten på skolgårdar [1].", passages)]
    assert problem is not None and "negates" in problem
    passages = {1: "Tobakslagen gäller på skolgårdar och lekplatser."}
    [problem] = [
        c.problem
        for c in check(
            "Tobakslagen innebär att rökning är förbjuden på skolgårdar och lekplatser [1].",
            passages,
        )
    ]
    assert problem is not None and "negates" in problem
