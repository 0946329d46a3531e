"""Split documents into heading-aware chunks, and chunks into answer segments.

A chunk never crosses a section heading and never cuts a bulleted list in half:
the paragraph that introduces a list travels with it, and a table is cut only
between rows. Text that is too long for one chunk is split by langchain's
`RecursiveCharacterTextSplitter`, preferring line, sentence and clause boundaries.
Every chunk keeps character offsets into `Document.text`, so a citation can point
back at its source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.lang import abbreviations
from assistant.types import Chunk, Document

_BLOCK_SPLIT = re.compile(r"\n[ \t]*\n")
#: Raised whenever a change to this module cuts the same text into other chunks or segments,
#: so that an index built the old way is rebuilt (it is part of the index manifest, with the
#: abbreviations of the language tables, which cut sentences too).
CHUNKER_VERSION = 2
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
#: A sentence opening with one of these leans on the sentence before it ("Fyra av dessa …").
_ANAPHOR = re.compile(
    r"^(det|dessa|detta|de|den|där|han|hon|hen|hans|hennes|dess|deras|\w+ av dessa|\w+ av dem)\b",
    re.IGNORECASE,
)
#: A sentence ends at . ! ? followed by space and an upper-case letter, digit, quote or bracket.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'«(A-ZÅÄÖÉÜ0-9])")
#: Characters looked back from a sentence end for an abbreviation ("(fr.o.m." is 8).
_LONGEST_ABBREVIATION = 12
#: A row of a Markdown table ("| Avgift | 55 kr |"), and the rule under its header row.
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|(?:\s*:?-+:?\s*\|)+\s*$")


@dataclass(frozen=True)
class Block:
    """A paragraph, list or heading of a document, with offsets into its text."""

    start: int
    end: int
    kind: str  # "heading" | "list" | "table" | "paragraph"
    text: str
    level: int = 0


@dataclass(frozen=True)
class Segment:
    """An answerable unit of a chunk: a sentence, or a list with its lead-in."""

    start: int  # offsets into the chunk text
    end: int
    text: str
    is_list: bool = False
    lead: str = ""  # one item of a list: the sentence that introduces the list; one row of
    # a table: the table's header row


def split_blocks(text: str) -> list[Block]:
    """Split a text on blank lines into headings, lists and paragraphs."""
    blocks: list[Block] = []
    pos = 0
    for match in [*_BLOCK_SPLIT.finditer(text), None]:
        end = match.start() if match else len(text)
        raw = text[pos:end]
        lead = len(raw) - len(raw.lstrip())
        body = raw.strip()
        if body:
            start = pos + lead
            heading = _HEADING.match(body) if "\n" not in body else None
            if heading:
                kind, level = "heading", len(heading.group(1))
                body = heading.group(2)
            elif all(_LIST_ITEM.match(line) for line in body.splitlines() if line.strip()):
                kind, level = "list", 0
            elif all(_TABLE_ROW.match(line) for line in body.splitlines() if line.strip()):
                kind, level = "table", 0
            else:
                kind, level = "paragraph", 0
            blocks.append(Block(start, start + len(raw.strip()), kind, body, level))
        pos = match.end() if match else len(text)
    return blocks


def chunk_documents(docs: Iterable[Document], *, size: int, overlap: int) -> list[Chunk]:
    """Chunk every document; chunk ids are positions in the returned list.

    Args:
        docs: Documents to split.
        size: Target chunk length in characters (a list may exceed it only by one item).
        overlap: Characters of overlap when a long paragraph has to be split.

    Returns:
        Chunks in document order.
    """
    chunks: list[Chunk] = []
    for doc in docs:
        for section, start, end in _document_spans(doc, size=size, overlap=overlap):
            chunks.append(
                Chunk(
                    chunk_id=len(chunks),
                    doc_id=doc.doc_id,
                    title=doc.title,
                    section=section,
                    text=doc.text[start:end],
                    start=start,
                    end=end,
                    url=doc.url,
                    updated=doc.updated,
                    page=doc.page_at(start),
                    municipality=doc.municipality,
                    kind=doc.kind,
                    source=doc.source,
                )
            )
    return chunks


def _document_spans(doc: Document, *, size: int, overlap: int) -> list[tuple[str | None, int, int]]:
    """Return (section, start, end) for each chunk of one document."""
    spans: list[tuple[str | None, int, int]] = []
    section: str | None = None
    units: list[tuple[int, int]] = []

    def flush() -> None:
        for start, end in _pack(units, size):
            spans.append((section, start, end))
        units.clear()

    blocks = split_blocks(doc.text)
    for i, block in enumerate(blocks):
        if block.kind == "heading":
            flush()
            section = None if block.text == doc.title and block.level == 1 else block.text
            continue
        if block.kind == "list":
            # The paragraph just before a list introduces it: keep them together.
            prev = blocks[i - 1] if i else None
            if (
                prev is not None
                and prev.kind == "paragraph"
                and units
                and units[-1]
                == (
                    prev.start,
                    prev.end,
                )
            ):
                start = units.pop()[0]
            else:
                start = block.start
            units.extend(_split_list(doc.text, start, block, size))
        elif block.kind == "table":
            units.extend(_split_list(doc.text, block.start, block, size))
        elif block.end - block.start > size:
            units.extend(_split_long(doc.text, block.start, block.end, size, overlap))
        else:
            units.append((block.start, block.end))
    flush()
    return spans


def _pack(units: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """Greedily merge consecutive units into spans of at most `size` characters."""
    spans: list[tuple[int, int]] = []
    for start, end in units:
        if spans and end - spans[-1][0] <= size and start >= spans[-1][1]:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _split_list(text: str, start: int, block: Block, size: int) -> list[tuple[int, int]]:
    """Keep a list (and its lead-in) or a table whole, or split it between items or rows
    when too long."""
    if block.end - start <= size:
        return [(start, block.end)]
    items: list[tuple[int, int]] = []
    pos = block.start
    for line in text[block.start : block.end].split("\n"):
        if line.strip():
            items.append((pos, pos + len(line.rstrip())))
        pos += len(line) + 1
    parts: list[tuple[int, int]] = [(start, items[0][1])]
    for item_start, item_end in items[1:]:
        if item_end - parts[-1][0] <= size:
            parts[-1] = (parts[-1][0], item_end)
        else:
            parts.append((item_start, item_end))
    return parts


#: Where an over-long paragraph may be split, best first ("" splits anywhere).
_SEPARATORS = ["\n", ". ", "? ", "! ", "; ", ", ", " ", ""]


def _split_long(text: str, start: int, end: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """Split an over-long paragraph with langchain's recursive splitter, keeping exact offsets.

    Langchain chooses the split points: asked for pieces with no overlap and no white
    space stripped, its pieces put together are the paragraph again, so each piece's
    offsets are the running total of the lengths before it. (Its `add_start_index`
    re-finds pieces with `str.find`, which lands on the wrong copy of repeated text;
    tests/test_fuzz_ingest.py found that.) The overlap is then added here: a piece
    starts up to `overlap` characters early, at a word boundary, within `size`.
    """
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=size,
        chunk_overlap=0,
        separators=_SEPARATORS,
        keep_separator="end",
        strip_whitespace=False,
    )
    pieces: list[tuple[int, int]] = []
    pos = start
    for piece in splitter.split_text(text[start:end]):
        pieces.append((pos, pos + len(piece)))
        pos += len(piece)
    spans: list[tuple[int, int]] = []
    for i, (piece_start, piece_end) in enumerate(pieces):
        if i and overlap:
            back = max(pieces[i - 1][0], piece_start - overlap, piece_end - size)
            space = text.find(" ", back, piece_start)
            if back < piece_start and space >= 0:
                piece_start = space + 1  # start the overlap at a word, not mid-word
        piece = text[piece_start:piece_end]
        piece_start += len(piece) - len(piece.lstrip())
        piece_end -= len(piece) - len(piece.rstrip())
        if piece_start < piece_end:
            spans.append((piece_start, piece_end))
    return spans


def split_segments(text: str) -> list[Segment]:
    """Split a chunk's text into sentences; a list with its lead-in is one segment, and so is
    each of its items; each row of a table is one (a whole table is too long to quote).

    Headings are left out: they are not statements an answer can quote.
    """
    segments: list[Segment] = []
    for block in split_blocks(text):
        if block.kind == "heading":
            continue
        if block.kind == "table":
            segments.extend(_table_segments(text, block))
            continue
        if block.kind == "list":
            prev = segments[-1] if segments else None
            # Join the list to the sentence that introduces it, if it ends the paragraph.
            lead = ""
            # A sentence that ends in . ! or ? is a statement of its own, not a lead-in.
            if (
                prev is not None
                and not prev.is_list
                and _only_whitespace(text, prev.end, block.start)
                and not prev.text.rstrip().endswith((".", "!", "?"))
            ):
                lead = prev.text
                segments[-1] = Segment(prev.start, block.end, text[prev.start : block.end], True)
            else:
                segments.append(Segment(block.start, block.end, block.text, True))
            # Each item is also a segment of its own, so a question about one item finds it.
            pos = block.start
            for line in text[block.start : block.end].split("\n"):
                if line.strip():
                    segments.append(Segment(pos, pos + len(line), line, False, lead))
                pos += len(line) + 1
            continue
        pos = block.start
        for piece in sentences(text[block.start : block.end]):
            offset = text.index(piece, pos)
            segments.append(Segment(offset, offset + len(piece), piece))
            pos = offset + len(piece)
    return segments


def sentences(text: str) -> list[str]:
    """A paragraph's sentences: it ends at . ! or ? before a capital, a digit, a quote or a
    bracket, but not after an abbreviation ("kl. 17.00", "t.ex. Botkyrka"; `abbreviations` in
    the language tables)."""
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        # The word before the boundary (an abbreviation is short: a bounded look back).
        before = text[max(start, match.start() - _LONGEST_ABBREVIATION) : match.start()]
        last = before.rsplit(None, 1)[-1].lstrip("(\"'«").lower()
        if last.endswith(".") and last[:-1] in abbreviations():
            continue
        pieces.append(text[start : match.start()])
        start = match.end()
    pieces.append(text[start:])
    return pieces


def _table_segments(text: str, block: Block) -> list[Segment]:
    """Each row of a table, with the header row as its lead (a table cut between chunks has
    no header in the later one; its rows are read alone)."""
    lines: list[tuple[int, str]] = []
    pos = block.start
    for line in text[block.start : block.end].split("\n"):
        if line.strip():
            lines.append((pos, line.rstrip()))
        pos += len(line) + 1
    header = ""
    if len(lines) > 2 and _TABLE_RULE.match(lines[1][1]):
        header, lines = lines[0][1].strip(), lines[2:]
    return [
        Segment(start, start + len(line), line, False, header)
        for start, line in lines
        if not _TABLE_RULE.match(line)
    ]


def _only_whitespace(text: str, start: int, end: int) -> bool:
    return not text[start:end].strip()


def is_item(text: str) -> bool:
    """Whether a segment is one item of a list ("- fokus på …")."""
    return bool(_LIST_ITEM.match(text)) and "\n" not in text.strip()


def strip_bullet(item: str) -> str:
    """A list item's text without its bullet or number."""
    return _LIST_ITEM.sub("", item).strip()


def item_sentence(lead: str, item: str) -> str:
    """One list item read as a sentence with its lead-in: "X ska kännetecknas av fokus på …"."""
    body = strip_bullet(item).rstrip(" .;,")
    if not lead:
        return f"{body[:1].upper()}{body[1:]}."
    return f"{lead.rstrip(' :')} {body}."


def is_row(text: str) -> bool:
    """Whether a segment is one row of a table ("| 0–10 km | 55 kr |")."""
    return bool(_TABLE_ROW.match(text)) and "\n" not in text.strip()


def table_cells(row: str) -> list[str]:
    """The cells of a table row, stripped."""
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def row_sentence(header: str, row: str) -> str:
    """One table row read as a sentence, each cell named by its column:
    "Avstånd: 0–10 km, Vuxen: 55 kr." (the cells alone when the header does not fit)."""
    cells = table_cells(row)
    names = table_cells(header) if header else []
    if len(names) != len(cells):
        names = [""] * len(cells)
    parts = [f"{name}: {cell}" if name else cell for name, cell in zip(names, cells, strict=True)]
    body = ", ".join(p for p, cell in zip(parts, cells, strict=True) if cell).rstrip(" .")
    return f"{body}." if body else ""


def leans_on_previous(sentence: str) -> bool:
    """Whether a sentence needs the one before it to be understood."""
    return bool(_ANAPHOR.match(sentence))
