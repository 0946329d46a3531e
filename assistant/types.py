"""Plain data passed between the stages: documents, chunks, hits and answers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """One source text with its metadata kept apart from the text."""

    doc_id: str
    title: str
    text: str
    url: str | None = None
    updated: str | None = None
    language: str = "sv"
    path: str | None = None


@dataclass(frozen=True)
class Chunk:
    """A passage of a document; `start`/`end` are character offsets into `Document.text`."""

    chunk_id: int
    doc_id: str
    title: str
    section: str | None
    text: str
    start: int
    end: int
    url: str | None = None
    updated: str | None = None


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the two scores behind it."""

    chunk: Chunk
    score: float
    dense: float = 0.0
    lexical: float = 0.0


@dataclass(frozen=True)
class Citation:
    """A passage an answer points to with the marker `[n]`."""

    n: int
    doc_id: str
    title: str
    url: str | None
    section: str | None
    text: str
    score: float
    updated: str | None = None


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation."""

    role: str  # "user" | "assistant"
    content: str


@dataclass(frozen=True)
class AnswerPart:
    """One piece of an answer for a client to render: a quoted sentence ("text") or a list
    ("list": `text` is its lead-in, `items` its points), from citation `n` (0: none)."""

    kind: str  # "text" | "list"
    text: str
    n: int = 0
    items: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    """A Swedish answer; every sentence ends with markers that refer to `citations`.

    `shape` says what kind of answer it is: "answer", "list", "yes", "no", "refusal" or
    "smalltalk"; `parts` is the same answer in pieces (the verdict of a yes/no answer is a
    "text" part without citation).
    """

    answer: str
    answered: bool
    citations: list[Citation] = field(default_factory=list)
    shape: str = "answer"
    parts: list[AnswerPart] = field(default_factory=list)
