"""Deterministic checks of a language model's answer against the passages it was given.

A generated answer is served only sentence by sentence as far as its passages support it:

* every sentence carries `[n]` markers, and each names a passage that was given;
* every number (years, amounts, phone numbers), e-mail address and proper name in it occurs
  in a passage it cites, and a negation in it is in one of them too;
* most of its content words (stemmed) occur in the passages it cites;
* it is in the sources' language.

Sentences that fail are dropped with their reason; when too little is left, the caller falls
back to the extractive answer. Nothing here calls a model: the checks are plain text rules,
the same for every model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.lang import DEFAULT, bans, detect, negated, prohibited
from assistant.lexical import Analyzer, fold, term
from assistant.privacy import EMAIL

#: Share of a sentence's content words that its cited passages must hold.
MIN_COVERAGE = 0.6
#: Share of the generated sentences that must pass, else the extractive answer is served.
MIN_KEPT = 0.5

_MARKER = re.compile(r"\s*\[(\d{1,3})\]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|(?<=\])\s+(?=[A-ZÅÄÖ0-9\"'«(])")
_NUMBER = re.compile(r"\d+(?:[  .,]\d+)*")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_CAPITAL = re.compile(r"^[A-ZÅÄÖÉÜ]")


@dataclass(frozen=True)
class Checked:
    """One generated sentence: its text without markers, the passages it cites, and why it
    was dropped (None: it is supported)."""

    text: str
    markers: tuple[int, ...]
    problem: str | None = None


def sentences(generated: str) -> list[tuple[str, tuple[int, ...]]]:
    """The sentences of a generated answer, each with the passage numbers it cites.

    Markers belong to the sentence they follow ("… 2010 [1]." and "… 2010. [1]" alike)."""
    out: list[tuple[str, tuple[int, ...]]] = []
    for piece in _SENTENCE.split(generated.strip()):
        piece = piece.strip()
        if not piece:
            continue
        markers = tuple(int(m) for m in _MARKER.findall(piece))
        text = " ".join(_MARKER.sub("", piece).split())
        text = re.sub(r"\s+([.!?,;:])", r"\1", text)
        if not text.strip(" .!?"):
            if out and markers:  # markers standing alone belong to the sentence before
                prev_text, prev_markers = out[-1]
                out[-1] = (prev_text, prev_markers + markers)
            continue
        out.append((text, markers))
    return out


def check(
    generated: str, passages: dict[int, str], names: frozenset[str] = frozenset()
) -> list[Checked]:
    """Every sentence of `generated` checked against the `passages` it cites (by number).

    `names` are the corpus's names (analysed terms, "botkyrka"): a sentence's first word is
    checked as a name only when it is one of them, since every sentence starts with a capital.
    """
    analyzed = {n: _Passage(text) for n, text in passages.items()}
    out = []
    for text, markers in sentences(generated):
        out.append(Checked(text, markers, _problem(text, markers, analyzed, names)))
    return out


class _Passage:
    def __init__(self, text: str) -> None:
        self.text = text
        self.folded = fold(text.lower())
        self.digits = {_digits(m.group()) for m in _NUMBER.finditer(text)}
        self.terms = set(Analyzer.base_terms(text))


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def _problem(
    text: str, markers: tuple[int, ...], passages: dict[int, _Passage], names: frozenset[str]
) -> str | None:
    if not markers:
        return "no citation marker"
    unknown = [n for n in markers if n not in passages]
    if unknown:
        return f"cites passage [{unknown[0]}], which was not given"
    cited = [passages[n] for n in dict.fromkeys(markers)]
    words = [fold(w) for w in _WORD.findall(text.lower())]
    if detect(words) != DEFAULT:
        return "not in the sources' language"
    for match in _NUMBER.finditer(text):
        digits = _digits(match.group())
        if digits and not any(digits in p.digits for p in cited):
            return f"the number {match.group()} is in no cited passage"
    for email in EMAIL.findall(text):
        if not any(email.lower() in p.text.lower() for p in cited):
            return f"the address {email} is in no cited passage"
    for name in _names(text, names):
        if not any(_mentions(p, name) for p in cited):
            return f"the name {name} is in no cited passage"
    # Whole texts: "utan att" may negate one clause of several, so it counts on neither side.
    # A passage that names a ban ("rökförbud") supports a sentence that says it is forbidden.
    if negated(text, without=False):
        forbids = prohibited(text)
        if not any(negated(p.text, without=False) or (forbids and bans(p.text)) for p in cited):
            return "it negates what no cited passage negates"
    terms = Analyzer.base_terms(text)
    if terms:
        held = sum(any(t in p.terms or t in p.folded for p in cited) for t in terms)
        if held / len(terms) < MIN_COVERAGE:
            return f"only {held} of {len(terms)} content words are in the cited passages"
    return None


def _names(text: str, known: frozenset[str]) -> list[str]:
    """Capitalised words: every one inside the sentence, and a first word that is a name of
    the corpus ("Botkyrka tar …" names Botkyrka; "Ring kansliet …" names nothing)."""
    words = text.split()
    out = []
    for i, raw in enumerate(words):
        word = raw.strip("\"'«»()[],.;:!?–-")
        if not word or not _CAPITAL.match(word):
            continue
        first = i == 0 or words[i - 1].endswith((":", ".", "!", "?"))
        if first and term(word.lower()) not in known:
            continue
        out.append(word)
    return out


def _mentions(passage: _Passage, name: str) -> bool:
    """Whether a passage names `name`, also in another form ("Södertörns" for "Södertörn")."""
    folded = fold(name.lower())
    stem = folded[:-1] if folded.endswith("s") and len(folded) > 4 else folded
    return stem in passage.folded


def kept(checked: list[Checked]) -> list[Checked]:
    """The supported sentences, or [] when fewer than `MIN_KEPT` of them are."""
    good = [c for c in checked if c.problem is None]
    if not checked or len(good) < MIN_KEPT * len(checked):
        return []
    return good
