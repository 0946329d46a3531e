"""Load source documents: Markdown with front matter, plain text and HTML."""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from assistant.types import Document

log = logging.getLogger(__name__)

SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm"}
#: Largest source file read: a municipal page is kilobytes; this bounds time and memory.
MAX_FILE_BYTES = 10 * 1024 * 1024

#: Elements that are page chrome rather than content.
_CHROME = "script, style, noscript, nav, header, footer, aside, form, template, svg, iframe"
#: Zero-width and bidi control characters: invisible text has no place in an index.
_INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u061c\u180e\ufeff\u00ad]"
)


@dataclass
class LoadReport:
    """What `load_corpus` found: the documents and the files it had to skip."""

    documents: list[Document] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # path -> reason


def load_corpus(root: Path) -> LoadReport:
    """Read every supported file below `root`, in a stable order.

    A file that cannot be read, parsed, or holds no text is logged and listed in
    `LoadReport.skipped`; it never stops the others from loading.

    Args:
        root: Folder of source documents.

    Returns:
        The loaded documents and the skipped files with reasons.
    """
    report = LoadReport()
    if not root.is_dir():
        return report
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix.lower() not in SUFFIXES or path.name.startswith("."):
            continue
        rel = path.relative_to(root).as_posix()
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            reason = f"too large ({size} bytes; at most {MAX_FILE_BYTES})"
            log.warning("Skipping %s: %s", rel, reason)
            report.skipped[rel] = reason
            continue
        try:
            doc = load_document(path, doc_id=_doc_id(rel))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            log.warning("Skipping %s: %s", rel, reason)
            report.skipped[rel] = reason
            continue
        if not doc.text.strip():
            log.warning("Skipping %s: no text", rel)
            report.skipped[rel] = "no text"
            continue
        report.documents.append(doc)
    return report


def load_document(path: Path, *, doc_id: str) -> Document:
    """Parse one file into a `Document` (metadata apart from the text)."""
    raw = path.read_bytes().decode("utf-8-sig")  # a BOM would hide the front matter
    suffix = path.suffix.lower()
    meta: dict[str, object] = {}
    if suffix in {".md", ".markdown"}:
        meta, text = _parse_markdown(raw)
    elif suffix in {".html", ".htm"}:
        meta, text = _parse_html(raw)
    else:
        text = raw
    text = clean_text(text)
    title = str(meta.get("title") or _first_heading(text) or path.stem)
    return Document(
        doc_id=doc_id,
        title=clean_text(title).strip(),
        text=text,
        url=_str_or_none(meta.get("url")),
        updated=_str_or_none(meta.get("updated") or meta.get("date")),
        language=str(meta.get("language") or meta.get("lang") or "sv"),
        path=str(path),
    )


def clean_text(text: str) -> str:
    """Normalise a text for indexing: NFC, no invisible characters, unified newlines."""
    # Invisible characters go first: one between a letter and its accent blocks NFC.
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00a0", " ").replace("\t", " ")
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _doc_id(rel: str) -> str:
    return rel.rsplit(".", 1)[0]


def _str_or_none(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _first_heading(text: str) -> str | None:
    match = re.search(r"^#{1,6}\s+(.+)$", text, flags=re.MULTILINE)
    return match.group(1).strip() if match else None


def _parse_markdown(raw: str) -> tuple[dict[str, object], str]:
    import frontmatter  # python-frontmatter; a YAML error surfaces as ValueError below
    import yaml

    try:
        # Not `frontmatter.loads`: its Post(**metadata) fails on keys such as 1 or "content".
        metadata, content = frontmatter.parse(raw)
    except yaml.YAMLError as exc:
        raise ValueError(f"invalid front matter: {exc}") from exc
    if not isinstance(metadata, dict):
        raise ValueError("front matter is not a mapping")
    return dict(metadata), content


def _parse_html(raw: str) -> tuple[dict[str, object], str]:
    """Keep the main content as Markdown-like text: headings, paragraphs, list items."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(raw)
    meta: dict[str, object] = {}
    title_node = tree.css_first("title")
    if title_node is not None and title_node.text(strip=True):
        meta["title"] = title_node.text(strip=True)
    for name, key in (("og:url", "url"), ("article:modified_time", "updated")):
        node = tree.css_first(f'meta[property="{name}"]')
        if node is not None and node.attributes.get("content"):
            meta[key] = node.attributes["content"]
    canonical = tree.css_first('link[rel="canonical"]')
    if canonical is not None and canonical.attributes.get("href"):
        meta.setdefault("url", canonical.attributes["href"])
    html = tree.css_first("html")
    if html is not None and html.attributes.get("lang"):
        meta["language"] = (html.attributes["lang"] or "sv").split("-")[0]
    for node in tree.css(_CHROME):
        node.decompose()
    root = tree.css_first("main") or tree.css_first("article") or tree.body
    if root is None:
        return meta, ""
    blocks: list[str] = []
    for node in root.css("h1, h2, h3, h4, h5, h6, p, li, td, blockquote, pre"):
        text = " ".join(node.text(separator=" ").split())
        if not text:
            continue
        if node.tag[0] == "h" and node.tag[1:].isdigit():
            blocks.append("#" * int(node.tag[1:]) + " " + text)
        elif node.tag == "li":
            blocks.append("- " + text)
        else:
            blocks.append(text)
    # A list's items become one block so the chunker keeps the list together.
    out: list[str] = []
    for block in blocks:
        if block.startswith("- ") and out and out[-1].split("\n")[-1].startswith("- "):
            out[-1] += "\n" + block
        else:
            out.append(block)
    if "title" not in meta:
        h1 = root.css_first("h1")
        if h1 is not None:
            meta["title"] = h1.text(strip=True)
    return meta, "\n\n".join(out)
