"""Plain data passed between the stages: documents, chunks, hits and answers."""

from __future__ import annotations

from bisect import bisect_right
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
    municipality: str | None = None  # the municipality that published it, if one did
    kind: str = "text"  # the file type: "markdown", "html", "text", "pdf", "docx"
    source: str | None = None  # the declared source it was crawled from (`sources.toml`)
    pages: tuple[int, ...] = ()  # offsets in `text` where page 1, 2, … start (PDF)

    def page_at(self, offset: int) -> int | None:
        """The page (1-based) that the character at `offset` is on, for a paged document."""
        if not self.pages:
            return None
        return max(1, bisect_right(self.pages, offset))


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
    page: int | None = None  # the page the passage starts on, for a paged document (PDF)
    municipality: str | None = None
    kind: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class SourceFilter:
    """Which passages a staff search may return: by municipality, source, file type and the
    date the source was updated (ISO dates, both ends included). Empty fields admit all."""

    municipality: str | None = None
    source: str | None = None
    kind: str | None = None
    since: str | None = None
    until: str | None = None

    def __bool__(self) -> bool:
        return any((self.municipality, self.source, self.kind, self.since, self.until))

    def admits(self, chunk: Chunk) -> bool:
        if self.municipality and chunk.municipality != self.municipality:
            return False
        if self.source and chunk.source != self.source:
            return False
        if self.kind and chunk.kind != self.kind:
            return False
        if self.since or self.until:
            day = (chunk.updated or "")[:10]
            if not day or (self.since and day < self.since) or (self.until and day > self.until):
                return False
        return True


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
    page: int | None = None
    municipality: str | None = None
    kind: str | None = None
    quote: str | None = None  # the sentence an answer quotes from the passage


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
    mode: str = "extractive"  # "generated": phrased by the language model and verified
