"""Compose a short Swedish answer from retrieved passages, every sentence cited.

The answer is extractive: it quotes the sentences (or the whole list) of the
passages that best answer the question, each followed by a citation marker
`[n]`. Nothing from the question is ever copied into the answer, so
instructions hidden in a question cannot change what is said. When the best
evidence is weak the answer is an honest refusal with no citations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.lexical import term
from assistant.question import expected_answer, numbers_in, question_kind
from assistant.types import Answer, Citation, Hit

REFUSAL = "Det framgår inte av källorna jag har tillgång till."

#: What a sentence must contain to answer a question that expects a fact of this type.
ANSWER_PATTERNS = {
    "year": re.compile(r"\b(1[89]|20)\d{2}\b"),
    # A count, not a year ("2010" says when, not how many); "andra" is mostly "other".
    "number": re.compile(
        r"\b(?!(?:1[89]|20)\d{2}\b)(\d+|två|tre|fyra|fem|sex|sju|åtta|nio|tio|tolv|hundra|tusen|"
        r"miljon\w*|halv|första|tredje|fjärde|femte|största|minsta)\b",
        re.IGNORECASE,
    ),
    # An amount, or that there is none to pay: "Lånekortet är gratis" answers "vad kostar …".
    "money": re.compile(
        r"\d[\d  ,.]*\s*(kr|kronor|sek|miljoner kronor|miljarder)\b"
        r"|\b(gratis|kostnadsfri\w*|avgiftsfri\w*|ingen avgift|utan kostnad|free of charge)\b",
        re.IGNORECASE,
    ),
    "contact": re.compile(r"[\w.+-]+@[\w-]+\.\w+|\b0\d{1,3}[- ]?\d{2,3}[ ]?\d{2}[ ]?\d{2}\b"),
    # A clock time, or the days something is open: "öppet måndag till fredag".
    "time": re.compile(
        r"\b([01]?\d|2[0-3])[:.][0-5]\d\b|\bklockan \d"
        r"|\b(måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag|vardag|helg)\w*|\bdygnet runt\b",
        re.IGNORECASE,
    ),
    # Two capitalised words in a row, not at the start: "Anna Söderström".
    "person": re.compile(r"(?<=\w[ ,])[A-ZÅÄÖ][a-zåäöé]+ [A-ZÅÄÖ][a-zåäöé]+"),
}
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")


@dataclass(frozen=True)
class Candidate:
    """A segment of a retrieved chunk, scored against the question.

    `dense` is the cosine between the question and this segment; `coverage` the
    share of the question's content terms the segment contains; `terms` the
    segment's own terms (with those of the sentence it leans on).
    """

    hit: Hit
    text: str
    is_list: bool
    position: int  # index of the segment within its chunk
    dense: float
    coverage: float
    terms: frozenset[str] = frozenset()
    context: str = ""  # the sentence an anaphoric segment depends on, else ""


@dataclass(frozen=True)
class AnswerWeights:
    """How candidate features turn into one evidence score (tuned on the dev set)."""

    coverage: float = 0.10
    list_bonus: float = 0.03
    second_margin: float = 0.01
    chunk: float = 0.2


#: Three or more capitalised names in a row, separated by commas, dashes or "och".
_ENUMERATION = re.compile(r"(?:[A-ZÅÄÖ][\wåäö-]+(?: [a-zåäö]+)?(?:, | – | och )){2,}[A-ZÅÄÖ]")


def evidence(candidate: Candidate, wants: str, weights: AnswerWeights) -> float:
    """One number saying how well a candidate answers the question.

    `wants` is the question's kind: a "list" question prefers a bulleted list, an
    "enumeration" question ("vilka kommuner …") a sentence that names several things.
    """
    bonus = 0.0
    if wants == "list" and candidate.is_list:
        bonus = weights.list_bonus
    elif wants == "enumeration" and (candidate.is_list or _ENUMERATION.search(candidate.text)):
        bonus = weights.list_bonus
    return candidate.dense + weights.coverage * candidate.coverage + bonus


def compose_answer(
    question: str,
    candidates: list[Candidate],
    *,
    min_evidence: float,
    required_terms: frozenset[str] = frozenset(),
    question_terms: frozenset[str] = frozenset(),
    weights: AnswerWeights | None = None,
    topics: list[str] | None = None,
) -> Answer:
    """Pick the best-supported sentences and cite them, or refuse.

    A candidate can answer only if it holds the kind of fact the question asks
    for (a year for "när", an amount for "vad kostar", …), every name the
    question mentions (`required_terms`) and every number it counts with
    ("de andra fem …"), and it must share more with the question than a name:
    "blir det regn i Haninge" is not answered by a sentence that merely lists
    Haninge. Among those, the best evidence must reach `min_evidence`.

    Args:
        question: The resident's question (used only to tell what it asks for).
        candidates: Segments of the retrieved chunks with their scores.
        min_evidence: Below this best evidence score, the answer is a refusal.
        required_terms: Terms (names) every answering sentence must contain.
        question_terms: The question's own terms (as the lexical analyser reads them).
        weights: Feature weights; the defaults are the tuned ones.
        topics: Titles of the sources, named in the refusal as what can be asked.

    Returns:
        The answer; `answered` is False for a refusal, which carries no citations.
    """
    weights = weights or AnswerWeights()
    wants = question_kind(question)
    expected = expected_answer(question)
    pattern = ANSWER_PATTERNS.get(expected or "")
    numbers = numbers_in(question)
    usable = [
        c
        for c in candidates
        if required_terms <= c.terms
        and (pattern is None or _states(pattern, f"{c.context} {c.text}", numbers))
        and numbers <= numbers_in(f"{c.context} {c.text}")
        and not _only_names_shared(c, question_terms, required_terms)
    ]
    # Rank sentences with the retrieval score of their chunk (the chunk has the context a
    # lone sentence lacks), but judge whether to answer on the sentence's own evidence.
    ranked = sorted(
        usable,
        key=lambda c: evidence(c, wants, weights) + weights.chunk * c.hit.score,
        reverse=True,
    )
    if not ranked or evidence(ranked[0], wants, weights) < min_evidence:
        return refusal(topics)
    best = ranked[0]
    chosen = [best]
    top = evidence(best, wants, weights)
    for other in ranked[1:3]:
        close = top - evidence(other, wants, weights) <= weights.second_margin
        if close and not other.is_list and not best.is_list:
            chosen.append(other)
            break
    chosen.sort(key=lambda c: (c.hit.chunk.chunk_id, c.position))
    parts: list[tuple[Hit, str]] = []
    for cand in chosen:
        if cand.context and all(cand.context != text for _, text in parts):
            parts.append((cand.hit, cand.context))
        parts.append((cand.hit, _render(cand.text) if cand.is_list else cand.text))
    citations: list[Citation] = []
    numbers: dict[int, int] = {}
    sentences: list[str] = []
    for hit, text in parts:
        chunk = hit.chunk
        if chunk.chunk_id not in numbers:
            numbers[chunk.chunk_id] = len(citations) + 1
            citations.append(citation_for(hit, numbers[chunk.chunk_id]))
        sentences.append(f"{_single_line(text)} [{numbers[chunk.chunk_id]}]")
    return Answer(answer=" ".join(sentences), answered=True, citations=citations)


def _states(pattern: re.Pattern[str], text: str, given: frozenset[int]) -> bool:
    """Whether `text` holds a fact of the asked kind other than a number the question gives:
    "2050" in "RUFS 2050" does not say when RUFS 2050 was adopted."""
    return any(
        not (match.group(0).isdigit() and int(match.group(0)) in given)
        for match in pattern.finditer(text)
    )


#: Terms that ask rather than say what about ("berätta om Haninge", "what is Flemingsberg").
_ASKING = frozenset(
    term(word)
    for word in (
        "what", "which", "who", "whom", "whose", "how", "when", "where", "why", "many", "much",
        "tell", "about", "explain", "describe", "please", "me", "you", "know", "want",
        "berätta", "förklara", "beskriv",
        "många", "mycket", "undrar", "veta", "info", "information",
    )
)  # fmt: skip


#: Terms that name the kind of fact asked for, not its subject: "Har bokbussen öppet på
#: söndagar?" is not answered by a sentence about the library that shares only "öppet".
_KIND = frozenset(
    term(word)
    for word in (
        "öppet", "öppettid", "öppettider", "klockan", "kostar", "kosta", "kostnad", "pris",
        "avgift", "mejl", "e-post", "telefon", "telefonnummer", "adress", "kontakt",
        "open", "opening", "hours", "cost", "costs", "price", "fee", "email", "phone", "address",
    )
)  # fmt: skip


def _only_names_shared(
    candidate: Candidate, question_terms: frozenset[str], names: frozenset[str]
) -> bool:
    """Whether a sentence shares nothing with the question but names and the kind of fact
    asked for, while the question asks about more than those: a sentence that only mentions
    the place asked about is not evidence for what is asked about it ("blir det regn i
    Haninge?"), nor are the library's opening hours evidence for the book bus's."""
    weak = names | _KIND
    shared = question_terms & candidate.terms
    return bool(shared) and shared <= weak and bool(question_terms - weak - _ASKING)


def citation_for(hit: Hit, n: int) -> Citation:
    """The citation `[n]` for a retrieved chunk: its passage and where it comes from."""
    chunk = hit.chunk
    return Citation(
        n=n,
        doc_id=chunk.doc_id,
        title=chunk.title,
        url=chunk.url,
        section=chunk.section,
        text=chunk.text,
        score=round(hit.score, 4),
        updated=chunk.updated,
    )


def refusal(topics: list[str] | None = None) -> Answer:
    """The honest answer when the sources do not say."""
    hint = ""
    if topics:
        named = ", ".join(dict.fromkeys(topics[:3]))
        hint = f" Jag svarar bara utifrån källorna ({named}); fråga gärna om något som står där."
    return Answer(answer=REFUSAL + hint, answered=False, citations=[])


def _render(list_text: str) -> str:
    """A list with its lead-in as one sentence: "Lead-in: a; b; c."."""
    lines = [line.strip() for line in list_text.splitlines() if line.strip()]
    lead = [line for line in lines if not _LIST_ITEM.match(line)]
    items = [_LIST_ITEM.sub("", line).rstrip(" .;") for line in lines if _LIST_ITEM.match(line)]
    head = " ".join(lead).rstrip(" :")
    body = "; ".join(items)
    return f"{head}: {body}." if head else f"{body}."


def _single_line(text: str) -> str:
    return " ".join(text.split())
