"""Read PDF and Word (.docx) files into the Markdown-like text the chunker splits.

Both parsers are well-kept libraries (pypdf, python-docx); this module only turns what they
find into blocks: `# heading`, paragraphs, `- item` lists, separated by blank lines.

* PDF: text in pypdf's reading order, page by page. A line set in a clearly larger font than
  the body text, or named in the document outline, becomes a heading; lines wrapped inside a
  paragraph are joined and a vertical gap starts a new paragraph. `Parsed.pages` keeps where
  each page starts, so a passage can be cited with its page. An encrypted PDF (one that does
  not open with an empty password), a corrupt one and one with no text layer (a scan; no OCR
  is done) raise `ValueError` with the reason.
* DOCX: headings become sections, list paragraphs list items and table rows readable
  "header: value" items. The zip is checked before it is opened, so a zip bomb is refused.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

#: A PDF with more pages is not read: parsing time grows with it and no programme is longer.
MAX_PDF_PAGES = 2000
#: A DOCX zip may unpack to at most this many bytes, with at most this ratio per member
#: (Word XML compresses about 10:1; a zip bomb by thousands).
MAX_DOCX_UNPACKED = 200 * 1024 * 1024
MAX_DOCX_RATIO = 200
MAX_DOCX_MEMBERS = 5000
#: A line at least this much larger than the body text is a heading.
HEADING_RATIO = 1.15
#: Longest line taken for a heading: a longer one is a sentence in a large font.
MAX_HEADING_CHARS = 150

_BULLET = re.compile(r"^\s*(?:[-–•▪◦●*]|\d{1,3}[.)])\s+")
_BULLET_MARK = re.compile(r"^\s*[–•▪◦●*]\s+")


@dataclass
class Parsed:
    """A parsed file: its text, metadata found inside it, and where each page starts."""

    text: str
    meta: dict[str, object] = field(default_factory=dict)
    pages: tuple[int, ...] = ()  # offset in `text` of page 1, 2, … (PDF only)


# ---------------------------------------------------------------------------------------- PDF


@dataclass
class _Line:
    text: str
    size: float | None = None  # font size in points, when the layout was seen
    y: float | None = None


def parse_pdf(path: Path) -> Parsed:
    """Text of a PDF page by page, with headings and paragraphs; see the module docstring.

    Raises:
        ValueError: Encrypted, corrupt, too long, or no text layer; the message says which.
    """
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValueError("encrypted PDF (needs a password)")
        count = len(reader.pages)
        if count > MAX_PDF_PAGES:
            raise ValueError(f"too many pages ({count}; at most {MAX_PDF_PAGES})")
        pages = [_page_lines(page) for page in reader.pages]
        outline = _outline(reader)
        meta = _pdf_meta(reader)
    except ValueError:
        raise
    except (PyPdfError, Exception) as exc:  # noqa: BLE001 - any parser failure is a named skip
        # A malformed file can make pypdf fail in many ways (KeyError, TypeError, …); each
        # is the same thing for the corpus: this file cannot be read.
        raise ValueError(f"corrupt PDF ({type(exc).__name__}: {exc})") from exc
    if not any(line.text.strip() for lines in pages for line in lines):
        raise ValueError("no text layer (a scanned PDF?); text recognition (OCR) is not done")
    body = _body_size(pages)
    parts: list[str] = []
    offsets: list[int] = []
    pos = 0
    for number, lines in enumerate(pages, start=1):
        text = _page_text(lines, body, outline.get(number, []))
        offsets.append(pos)
        if text:
            parts.append(text)
            pos += len(text) + 2  # the blank line joining pages
    return Parsed(text="\n\n".join(parts), meta=meta, pages=tuple(offsets))


def _page_lines(page) -> list[_Line]:  # type: ignore[no-untyped-def]
    """The page's lines in pypdf's reading order, each with the font size and height at
    which it was drawn when pypdf's visitor saw a fragment that starts it."""
    fragments: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font, size) -> None:  # type: ignore[no-untyped-def]
        if text.strip():
            scale = abs(tm[3] * cm[3]) or 1.0
            fragments.append((" ".join(text.split()), float(size) * scale, tm[5] * cm[3] + cm[5]))

    text = page.extract_text(visitor_text=visit) or ""
    lines: list[_Line] = []
    k = 0
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if not line:
            lines.append(_Line(""))
            continue
        found = _Line(line)
        # Fragments come in the order of the text; find the one that starts this line.
        for j in range(k, min(k + 8, len(fragments))):
            if fragments[j][0] and line.startswith(fragments[j][0][:20]):
                found = _Line(line, fragments[j][1], fragments[j][2])
                k = j + 1
                break
        lines.append(found)
    return lines


def _body_size(pages: list[list[_Line]]) -> float | None:
    """The font size most of the text is set in (weighted by characters)."""
    weights: dict[float, int] = {}
    for lines in pages:
        for line in lines:
            if line.size:
                key = round(line.size, 1)
                weights[key] = weights.get(key, 0) + len(line.text)
    return max(weights, key=lambda s: weights[s]) if weights else None


def _page_text(lines: list[_Line], body: float | None, titles: list[str]) -> str:
    """Blocks of one page: headings, paragraphs of joined lines, list items."""
    wanted = {_norm(t) for t in titles}
    blocks: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    sizes = sorted({round(ln.size, 1) for ln in lines if ln.size and body and ln.size > body})

    def flush() -> None:
        if paragraph:
            blocks.append(_join_wrapped(paragraph))
            paragraph.clear()
        if items:
            blocks.append("\n".join(items))
            items.clear()

    previous: _Line | None = None
    for line in lines:
        text = line.text
        if not text:
            flush()
            previous = None
            continue
        gap = (
            previous is not None
            and previous.y is not None
            and line.y is not None
            and line.size is not None
            and (previous.y - line.y) > 1.6 * line.size
        )
        heading = _norm(text) in wanted or (
            body is not None
            and line.size is not None
            and line.size >= HEADING_RATIO * body
            and len(text) <= MAX_HEADING_CHARS
        )
        if heading:
            flush()
            wanted.discard(_norm(text))
            blocks.append("#" * _heading_depth(sizes, line.size) + " " + text)
        elif _BULLET.match(text):
            if paragraph:
                blocks.append(_join_wrapped(paragraph))
                paragraph.clear()
            items.append("- " + _BULLET.sub("", text, count=1))
        elif items and not gap and text[:1].islower():
            items[-1] += " " + text  # a list item wrapped onto the next line
        else:
            if gap or items:
                flush()
            paragraph.append(text)
        previous = line
    flush()
    # Outline titles not found as lines still say what the page is about.
    missing = [f"## {t}" for t in titles if _norm(t) in wanted]
    return "\n\n".join([*missing, *blocks]).strip()


def _heading_depth(sizes: list[float], size: float | None) -> int:
    """Markdown depth of a heading: "##" for the largest size (or an outline title), one
    more "#" for each smaller heading size."""
    if size is None or not sizes:
        return 2
    larger = sum(1 for s in sizes if s > round(size, 1))
    return min(2 + larger, 6)


def _join_wrapped(lines: list[str]) -> str:
    """One paragraph from lines wrapped by the layout; a word hyphenated at a line end
    ("sam-" + "verkan") is joined again."""
    out = lines[0]
    for line in lines[1:]:
        if out.endswith("-") and len(out) > 1 and out[-2].isalpha() and line[:1].islower():
            out = out[:-1] + line
        else:
            out += " " + line
    return out


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _outline(reader) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
    """Outline (bookmark) titles by the page they point to, 1-based."""
    found: dict[int, list[str]] = {}

    def walk(items) -> None:  # type: ignore[no-untyped-def]
        for item in items:
            if isinstance(item, list):
                walk(item)
                continue
            try:
                number = reader.get_destination_page_number(item) + 1
            except Exception:  # noqa: BLE001 - a broken bookmark is only a missing heading
                continue
            title = " ".join(str(getattr(item, "title", "") or "").split())
            if title and number > 0:
                found.setdefault(number, []).append(title)

    try:
        walk(reader.outline)
    except Exception:  # noqa: BLE001 - a broken outline is only missing headings
        return {}
    return found


def _pdf_meta(reader) -> dict[str, object]:  # type: ignore[no-untyped-def]
    meta: dict[str, object] = {}
    info = reader.metadata
    if info is None:
        return meta
    title = " ".join(str(info.title or "").split())
    if title and not title.lower().endswith((".doc", ".docx", ".pdf")):
        meta["title"] = title
    date = info.modification_date or info.creation_date
    if date is not None:
        meta["updated"] = date.date().isoformat()
    return meta


# --------------------------------------------------------------------------------------- DOCX

_HEADING_STYLE = re.compile(r"^(?:heading|rubrik)\s*(\d)$", re.IGNORECASE)


def check_zip(path: Path) -> None:
    """Refuse a zip that would unpack to far more than it holds (a zip bomb) or is no zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValueError(f"not a Word document (not a zip file: {exc})") from exc
    if len(members) > MAX_DOCX_MEMBERS:
        raise ValueError(f"too many parts in the zip ({len(members)}; a zip bomb?)")
    total = sum(m.file_size for m in members)
    if total > MAX_DOCX_UNPACKED:
        raise ValueError(f"unpacks to {total} bytes (at most {MAX_DOCX_UNPACKED}; a zip bomb?)")
    for m in members:
        if m.file_size > 1024 * 1024 and m.file_size > MAX_DOCX_RATIO * max(m.compress_size, 1):
            raise ValueError(
                f"{m.filename} is compressed {m.file_size // max(m.compress_size, 1)}:1 (a zip bomb?)"
            )
    if "word/document.xml" not in {m.filename for m in members}:
        raise ValueError("not a Word document (no word/document.xml)")


def parse_docx(path: Path) -> Parsed:
    """Text of a Word document: headings, paragraphs, lists and table rows as blocks.

    Raises:
        ValueError: Not a readable .docx, or a zip bomb; the message says which.
    """
    check_zip(path)
    import docx
    from docx.table import Table

    try:
        document = docx.Document(str(path))
        blocks: list[str] = []
        items: list[str] = []
        for part in document.iter_inner_content():
            if isinstance(part, Table):
                rows = _table_rows(part)
                if rows:
                    blocks.extend(_flush(items))
                    blocks.append("\n".join(f"- {row}" for row in rows))
                continue
            text = " ".join(part.text.split())
            if not text:
                blocks.extend(_flush(items))
                continue
            level = _heading_level(part)
            if level:
                blocks.extend(_flush(items))
                blocks.append("#" * level + " " + text)
            elif _is_list_item(part):
                items.append("- " + _BULLET_MARK.sub("", text, count=1))
            else:
                blocks.extend(_flush(items))
                blocks.append(text)
        blocks.extend(_flush(items))
        meta = _docx_meta(document)
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is a named skip
        raise ValueError(f"unreadable Word document ({type(exc).__name__}: {exc})") from exc
    return Parsed(text="\n\n".join(blocks), meta=meta)


def _flush(items: list[str]) -> list[str]:
    if not items:
        return []
    block = "\n".join(items)
    items.clear()
    return [block]


def _heading_level(paragraph) -> int:  # type: ignore[no-untyped-def]
    style = paragraph.style
    for name in (getattr(style, "style_id", None), getattr(style, "name", None)):
        if not name:
            continue
        if name.lower() == "title":
            return 1
        match = _HEADING_STYLE.match(name.replace("Heading", "Heading ").replace("  ", " "))
        if match:
            return min(int(match.group(1)) + 1, 6)  # level 1 under the document title
    return 0


def _is_list_item(paragraph) -> bool:  # type: ignore[no-untyped-def]
    ppr = paragraph._p.pPr
    if ppr is not None and ppr.numPr is not None:
        return True
    name = (getattr(paragraph.style, "name", "") or "").lower()
    return name.startswith(("list", "liststycke")) or bool(_BULLET_MARK.match(paragraph.text))


def _table_rows(table) -> list[str]:  # type: ignore[no-untyped-def]
    """Rows as "header: value; header: value" when the first row names the columns."""
    grid = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if not cells or text != cells[-1]:  # a merged cell repeats itself
                cells.append(text)
        if any(cells):
            grid.append(cells)
    if not grid:
        return []
    header = grid[0]
    named = len(grid) > 1 and all(header) and all(len(r) == len(header) for r in grid[1:])
    if not named:
        return ["; ".join(c for c in row if c) for row in grid]
    return [
        "; ".join(f"{h}: {c}" for h, c in zip(header, row, strict=True) if c) for row in grid[1:]
    ]


def _docx_meta(document) -> dict[str, object]:  # type: ignore[no-untyped-def]
    meta: dict[str, object] = {}
    props = document.core_properties
    if props.title and props.title.strip():
        meta["title"] = " ".join(props.title.split())
    date = props.modified or props.created
    if date is not None:
        meta["updated"] = date.date().isoformat()
    if props.language:
        meta["language"] = props.language.split("-")[0]
    return meta
