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

from assistant.question import question_kind
from assistant.types import Answer, Citation, Hit

REFUSAL = "Det framgår inte av källorna jag har tillgång till."

_YEAR = re.compile(r"\b(1[89]|20)\d{2}\b")
_NUMBER = re.compile(
    r"\b(\d+|en|ett|två|tre|fyra|fem|sex|sju|åtta|nio|tio|hundra|tusen|miljon\w*|halv)\b",
    re.IGNORECASE,
)
#: A sentence opening with one of these leans on the sentence before it.
_ANAPHOR = re.compile(r"^(det|dessa|detta|de|den|där|fyra av dessa|\w+ av dessa)\b", re.IGNORECASE)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")


@dataclass(frozen=True)
class Candidate:
    """A segment of a retrieved chunk, scored against the question.

    `dense` is the cosine between the question and this segment; `coverage` the
    share of the question's content terms the segment's chunk contains.
    """

    hit: Hit
    text: str
    is_list: bool
    position: int  # index of the segment within its chunk
    dense: float
    coverage: float


@dataclass(frozen=True)
class AnswerWeights:
    """How candidate features turn into one evidence score (tuned on the dev set)."""

    coverage: float = 0.10
    type_bonus: float = 0.03
    second_margin: float = 0.015


def evidence(candidate: Candidate, kind: str, weights: AnswerWeights) -> float:
    """One number saying how well a candidate answers a question of this kind."""
    bonus = 0.0
    if kind == "when" and _YEAR.search(candidate.text):
        bonus = weights.type_bonus
    elif kind == "how_many" and _NUMBER.search(candidate.text):
        bonus = weights.type_bonus
    elif kind == "list" and candidate.is_list:
        bonus = weights.type_bonus
    return candidate.dense + weights.coverage * candidate.coverage + bonus


def compose_answer(
    question: str,
    candidates: list[Candidate],
    *,
    min_evidence: float,
    weights: AnswerWeights | None = None,
    segments_of: dict[tuple[int, int], str] | None = None,
    topics: list[str] | None = None,
) -> Answer:
    """Pick the best-supported sentences and cite them, or refuse.

    Args:
        question: The resident's question (used only to tell its kind).
        candidates: Segments of the retrieved chunks with their scores.
        min_evidence: Below this best evidence score, the answer is a refusal.
        weights: Feature weights; the defaults are the tuned ones.
        segments_of: Text of (chunk_id, position) segments, to add the sentence an
            anaphoric one ("Fyra av dessa …") depends on.
        topics: Titles of the sources, named in the refusal as what can be asked.

    Returns:
        The answer; `answered` is False for a refusal, which carries no citations.
    """
    weights = weights or AnswerWeights()
    kind = question_kind(question)
    ranked = sorted(candidates, key=lambda c: evidence(c, kind, weights), reverse=True)
    if not ranked or evidence(ranked[0], kind, weights) < min_evidence:
        return refusal(topics)
    best = ranked[0]
    chosen = [best]
    top = evidence(best, kind, weights)
    for other in ranked[1:3]:
        if top - evidence(other, kind, weights) <= weights.second_margin and not other.is_list:
            chosen.append(other)
            break
    chosen.sort(key=lambda c: (c.hit.chunk.chunk_id, c.position))
    parts: list[tuple[Hit, str]] = []
    for cand in chosen:
        key = (cand.hit.chunk.chunk_id, cand.position - 1)
        if segments_of and _ANAPHOR.match(cand.text) and key in segments_of:
            previous = segments_of[key]
            if all(previous != text for _, text in parts):
                parts.append((cand.hit, previous))
        parts.append((cand.hit, _render(cand.text) if cand.is_list else cand.text))
    citations: list[Citation] = []
    numbers: dict[int, int] = {}
    sentences: list[str] = []
    for hit, text in parts:
        chunk = hit.chunk
        if chunk.chunk_id not in numbers:
            numbers[chunk.chunk_id] = len(citations) + 1
            citations.append(
                Citation(
                    n=numbers[chunk.chunk_id],
                    doc_id=chunk.doc_id,
                    title=chunk.title,
                    url=chunk.url,
                    section=chunk.section,
                    text=chunk.text,
                    score=round(hit.score, 4),
                    updated=chunk.updated,
                )
            )
        sentences.append(f"{_single_line(text)} [{numbers[chunk.chunk_id]}]")
    return Answer(answer=" ".join(sentences), answered=True, citations=citations)


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
