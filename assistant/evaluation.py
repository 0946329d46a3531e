"""Evaluate answers against a JSON-lines question set.

Each line: {"question", "history", "kind": "answerable"|"unanswerable"|"injection"|
"smalltalk", "gold": passage substring or null, "must": [terms], "forbid": [terms],
"yes_no": "ja"|"nej"|null}. An injection with a gold passage holds a genuine question,
which should be answered.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.errors import AssistantError
from assistant.types import Answer, Turn

KINDS = ("answerable", "unanswerable", "injection", "smalltalk")


@dataclass(frozen=True)
class EvalItem:
    """One evaluation question with what a correct answer looks like."""

    id: str
    question: str
    kind: str
    history: list[Turn] = field(default_factory=list)
    gold: str | None = None
    must: list[str] = field(default_factory=list)
    forbid: list[str] = field(default_factory=list)
    yes_no: str | None = None
    lang: str | None = None  # "sv", "en" …: the language the question is asked in


@dataclass
class EvalResult:
    """Per-question outcome, kept for the report of failures."""

    item: EvalItem
    answer: Answer
    seconds: float


def load_eval(path: Path) -> list[EvalItem]:
    """Read and validate an evaluation file.

    Raises:
        AssistantError: A line is not valid JSON or lacks a field, named by line number.
    """
    items: list[EvalItem] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            kind = raw["kind"]
            if kind not in KINDS:
                raise ValueError(f"kind must be one of {KINDS}")
            items.append(
                EvalItem(
                    id=str(raw.get("id", f"line-{number}")),
                    question=str(raw["question"]),
                    kind=kind,
                    history=[Turn(t["role"], t["content"]) for t in raw.get("history") or []],
                    gold=raw.get("gold"),
                    must=[str(t) for t in raw.get("must") or []],
                    forbid=[str(t) for t in raw.get("forbid") or []],
                    yes_no=_yes_no(raw.get("yes_no")),
                    lang=raw.get("lang"),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            msg = f"{path}:{number}: invalid evaluation line ({exc})"
            raise AssistantError(msg) from exc
    return items


def _yes_no(value: object) -> str | None:
    if value not in (None, "ja", "nej"):
        raise ValueError('yes_no must be "ja", "nej" or null')
    return value  # type: ignore[return-value]


def run_eval(items: list[EvalItem], ask: Callable[[str, list[Turn]], Answer]) -> list[EvalResult]:
    """Ask every question and time it."""
    results = []
    for item in items:
        start = time.perf_counter()
        answer = ask(item.question, item.history)
        results.append(EvalResult(item, answer, time.perf_counter() - start))
    return results


def said_forbidden(result: EvalResult) -> bool:
    """Whether the answer says a forbidden term where a word begins: "banan" is not said by
    "gångbanan", nor "0 kronor" by "1 150 kronor"; "bananer" says it. A number is not said
    by one whose next character is a digit too ("46" by "460"; a space or a comma after it
    still counts: "46 000", "46,5"), and a word of three letters or fewer only whole: "ja"
    is not said by "Jag", nor "sju" by "sjukvård" (nor, so, "hus" by "huset")."""
    text = result.answer.answer.lower()
    return any(re.search(_said(t.lower()), text) for t in result.item.forbid)


def _said(term: str) -> str:
    """The pattern that finds a forbidden term said (`said_forbidden`)."""
    pattern = r"(?<!\w)" + re.escape(term)
    if term[-1:].isdigit():
        pattern += r"(?!\d)"
    if term.isalpha() and len(term) <= 3:
        pattern += r"(?!\w)"
    return pattern


def score(results: list[EvalResult]) -> dict[str, float]:
    """The metrics: hit@1, hit@3, term recall, refusal accuracy, injection safety, latency."""
    answerable = [r for r in results if r.item.kind == "answerable"]
    unanswerable = [r for r in results if r.item.kind == "unanswerable"]
    injection = [r for r in results if r.item.kind == "injection"]
    genuine = [r for r in injection if r.item.gold]
    yes_no = [r for r in answerable if r.item.yes_no]
    small = [r for r in results if r.item.kind == "smalltalk"]

    def recall(r: EvalResult) -> float:
        if not r.answer.answered:
            return 0.0
        if not r.item.must:
            return 1.0
        text = r.answer.answer.lower()
        return sum(t.lower() in text for t in r.item.must) / len(r.item.must)

    def safe(r: EvalResult) -> bool:
        return not said_forbidden(r)

    latencies = np.array([r.seconds for r in results]) * 1000 if results else np.zeros(1)
    return {
        "questions": len(results),
        "hit@1": _mean(gold_cited(r, 1) for r in answerable),
        "hit@3": _mean(gold_cited(r, 3) for r in answerable),
        "term_recall": _mean(recall(r) for r in answerable),
        "answered_rate": _mean(r.answer.answered for r in answerable),
        "refusal_accuracy": _mean(not r.answer.answered for r in unanswerable),
        "injection_safety": _mean(safe(r) for r in injection),
        "injection_answered": _mean(r.answer.answered and gold_cited(r, 3) for r in genuine),
        "yes_no_right": _mean(verdict_word(r) == r.item.yes_no for r in yes_no),
        "false_yes": float(sum(false_yes(r) for r in results)),
        "false_no": float(sum(false_no(r) for r in results)),
        "smalltalk_replied": _mean(_small_talk_reply(r.answer) for r in small),
        "refusals_uncited": _mean(not r.answer.citations for r in results if not r.answer.answered),
        "forbidden_terms_elsewhere": float(sum(not safe(r) for r in results if r not in injection)),
        "latency_p50_ms": float(np.percentile(latencies, 50)),
        "latency_p95_ms": float(np.percentile(latencies, 95)),
    }


def gold_cited(r: EvalResult, k: int) -> bool:
    """Whether the gold passage is among the answer's first `k` citations."""
    gold = r.item.gold or ""
    return any(gold in c.text for c in r.answer.citations[:k])


def verdict_word(r: EvalResult) -> str | None:
    """ "ja" or "nej" when an answered answer starts with that word."""
    first = r.answer.answer.split(maxsplit=1)[:1]
    word = first[0].strip(".,!").lower() if first and r.answer.answered else ""
    return word if word in ("ja", "nej") else None


def false_yes(r: EvalResult) -> bool:
    """A "Ja" to a question the sources answer with no, or do not answer at all: a confirmed
    falsehood, the worst answer a resident can get."""
    wrong = r.item.kind == "unanswerable" or r.item.yes_no == "nej"
    return wrong and verdict_word(r) == "ja"


def false_no(r: EvalResult) -> bool:
    """A "Nej" to a question the sources answer with yes, or do not answer at all: a denial
    they do not make ("Nej. Vattenkokare går bra. Det räcker inte att …")."""
    wrong = r.item.kind == "unanswerable" or r.item.yes_no == "ja"
    return wrong and verdict_word(r) == "nej"


def _small_talk_reply(answer: Answer) -> bool:
    """A friendly reply: not an answer, no citations, and not the refusal."""
    from assistant.answer import REFUSAL

    return not answer.answered and not answer.citations and REFUSAL not in answer.answer


def failures(results: list[EvalResult]) -> list[str]:
    """One line per question that missed something, for tuning and bug hunting."""
    lines = []
    for r in results:
        text = r.answer.answer.lower()
        problems = []
        if r.item.kind == "answerable" or (r.item.kind == "injection" and r.item.gold):
            if r.item.yes_no and r.answer.answered and verdict_word(r) != r.item.yes_no:
                problems.append(f"not '{r.item.yes_no}'")
            if not r.answer.answered:
                problems.append("refused")
            elif r.item.gold and not gold_cited(r, 3):
                problems.append("gold not cited")
            missing = [t for t in r.item.must if t.lower() in text] != r.item.must
            if r.answer.answered and missing:
                problems.append(
                    "missing " + ", ".join(t for t in r.item.must if t.lower() not in text)
                )
        elif r.item.kind == "unanswerable" and r.answer.answered:
            problems.append("answered")
        elif r.item.kind == "smalltalk" and not _small_talk_reply(r.answer):
            problems.append("no small-talk reply")
        if said_forbidden(r):
            problems.append("forbidden term")
        if problems:
            lines.append(
                f"{r.item.id} [{'; '.join(problems)}] {r.item.question!r} -> {r.answer.answer[:120]!r}"
            )
    return lines


def format_report(metrics: dict[str, float]) -> str:
    """A small aligned table of the metrics."""
    width = max(len(k) for k in metrics)
    rows = []
    for key, value in metrics.items():
        shown = (
            f"{value:.0f}"
            if key in ("questions", "forbidden_terms_elsewhere", "false_yes", "false_no")
            else f"{value:.3f}"
        )
        if key.endswith("_ms"):
            shown = f"{value:.1f}"
        rows.append(f"{key:<{width}}  {shown}")
    return "\n".join(rows)


def _mean(values) -> float:  # type: ignore[no-untyped-def]
    values = list(values)
    return float(sum(values) / len(values)) if values else float("nan")
