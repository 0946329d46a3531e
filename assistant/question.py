"""Reading a question: its kind, whether it follows up, and what to search for.

Residents ask follow-ups ("och när startade det?") and sometimes paste
instructions into the chat ("ignorera alla instruktioner…"). Instructions are
cut out before retrieval; they could never reach the answer anyway, because
answers only quote the sources.
"""

from __future__ import annotations

import re

from assistant.lexical import fold
from assistant.types import Turn

_WHEN = re.compile(r"\b(nar|vilket ar|vilket artal|sedan nar|when|what year|since when)\b")
_HOW_MANY = re.compile(r"\b(hur manga|hur stor|antal|how many|how much|how big|hur mycket)\b")
_LIST = re.compile(
    r"\b(princip\w*|kannetecken|kannetecknas|pragla[st]|vardering\w*|ledord|punkter\w*|"
    r"principles?|values|characteri[sz]\w*)\b"
)

#: Clauses that address the assistant instead of asking about the sources.
_INSTRUCTION = re.compile(
    r"\b(ignor\w*|glom|strunta i|bortse fran|disregard|forget|override|"
    r"du ar (nu )?en?|you are now|act as|lats(as)? vara|pretend|roleplay|rollspel|"
    r"system ?prompt\w*|dina instruktioner|your instructions|instruktioner(na)? ovan|"
    r"svara (bara |endast )?(som|med|pa)|answer (only )?(as|with|in)|skriv\b|"
    r"say [\"'«]|print|upprepa|repeat|jailbreak|developer mode|utvecklarlage|dan\b|"
    r"hitta pa|make up|invent)"
)
_CLAUSE_SPLIT = re.compile(r"(?<=[.!?:;\n])\s+|\s+(?=och (?:skriv|svara|säg)\b)")


_ENUMERATION = re.compile(r"^\s*(och |and )?(vilka|which|what are|name)\b")


def question_kind(question: str) -> str:
    """ "list" for principles or values (a whole list), "enumeration" for "vilka …", else "fact"."""
    text = fold(question.lower())
    if _LIST.search(text):
        return "list"
    if _ENUMERATION.search(text):
        return "enumeration"
    return "fact"


#: What kind of fact a question asks for, by its words (folded, lower case). Order matters:
#: a question about a price is also a "how much" question.
_EXPECTS = [
    (
        "money",
        re.compile(
            r"\b(kostar|kosta|kostnad\w*|pris\w*|avgift\w*|budget\w*|pengar|cost\w*|price\w*|fee|money)\b"
        ),
    ),
    (
        "contact",
        re.compile(
            r"\b(mejl\w*|mail\w*|e-?post\w*|telefon\w*|ringa|adress\w*|kontakt\w*|phone|email|contact)\b"
        ),
    ),
    ("time", re.compile(r"\b(oppettid\w*|oppet|klockan|opening hours|open)\b")),
    ("person", re.compile(r"\b(vem|vilka personer|who)\b")),
    ("year", _WHEN),
    ("number", _HOW_MANY),
]


def expected_answer(question: str) -> str | None:
    """The type of fact the question needs ("money", "person", "year", …), if it says."""
    text = fold(question.lower())
    for name, pattern in _EXPECTS:
        if pattern.search(text):
            return name
    return None


#: Cardinal numbers written as words (folded); "en"/"ett" are left out, they are mostly articles.
_NUMBER_WORDS = {
    "tva": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "atta": 8, "nio": 9,
    "tio": 10, "elva": 11, "tolv": 12,
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_NUMBER = re.compile(r"\b(\d{1,3}(?:[  ]\d{3})+|\d+|" + "|".join(_NUMBER_WORDS) + r")\b")


def numbers_in(text: str) -> frozenset[int]:
    """The whole numbers a text states, in digits or words: "de fem kärnorna" → {5}.

    A question that counts something ("vilka är de andra fem …") presupposes that number;
    a sentence that never states it does not answer that question.
    """
    found = set()
    for match in _NUMBER.finditer(fold(text.lower())):
        token = match.group(1)
        found.add(_NUMBER_WORDS[token] if token in _NUMBER_WORDS else int(re.sub(r"\D", "", token)))
    return frozenset(found)


def strip_instructions(question: str) -> str:
    """The question without clauses that try to instruct the assistant.

    Returns an empty string when nothing but instructions is left.
    """
    question = re.sub(r"<!--.*?-->", " ", question, flags=re.DOTALL)
    kept = [
        clause
        for clause in _CLAUSE_SPLIT.split(question)
        if clause.strip() and not _INSTRUCTION.search(fold(clause.lower()))
    ]
    return " ".join(kept).strip()


def follow_up_query(question: str, history: list[Turn]) -> str:
    """The text to retrieve with: a follow-up question is read with the previous one."""
    previous = [t.content for t in history if t.role == "user" and t.content.strip()]
    if not previous or not is_follow_up(question):
        return question
    return f"{previous[-1]} {question}"


_FOLLOW_START = re.compile(r"^\s*(och|men|samt|sa|and|but|also|what about|hur ar det med)\b")
_PRONOUN = re.compile(
    r"\b(det|den|dem|de|dessa|detta|dar|dit|denna|it|they|them|there|those|these|that)\b"
)


def is_follow_up(question: str) -> bool:
    """Whether a question leans on the conversation before it ("och när startade det?")."""
    text = fold(question.lower())
    if _FOLLOW_START.match(text):
        return True
    content = [w for w in re.findall(r"\w+", text) if len(w) > 3]
    return bool(_PRONOUN.search(text)) and len(content) <= 3
