"""Load source documents: Markdown with front matter, plain text, HTML, PDF and Word (.docx).

Metadata the file itself does not carry (the URL a crawled page came from, its municipality)
can sit beside it in a sidecar `<file name>.meta.json`: {"url", "title", "updated",
"municipality", "source"}; `assistant crawl` writes one for every page it stores.
Text a reader would not see is never indexed: HTML comments, `hidden`, `aria-hidden="true"`,
`display:none` and `<template>` content, cookie banners and navigation.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from assistant.formats import Parsed, parse_docx, parse_pdf
from assistant.privacy import EMAIL
from assistant.types import Document

log = logging.getLogger(__name__)

#: File types read, by suffix, with the `Document.kind` they get.
KINDS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
SUFFIXES = set(KINDS)
#: Largest text file read: a municipal page is kilobytes; this bounds time and memory.
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Largest PDF or Word file read: a programme with images is megabytes.
MAX_BINARY_BYTES = 50 * 1024 * 1024
#: The sidecar of metadata beside a source file, and the keys taken from it.
SIDECAR = ".meta.json"
_SIDECAR_KEYS = ("url", "title", "updated", "municipality", "source", "language")

#: Elements that are page chrome rather than content, or that a reader does not see.
_CHROME = (
    "script, style, noscript, nav, header, footer, aside, form, template, svg, iframe, dialog,"
    " [hidden], [aria-hidden=true], [role=navigation], [role=banner], [role=contentinfo],"
    " [role=search], [role=dialog], [id*=cookie], [class*=cookie], [id*=consent],"
    " [class*=consent], [class*=breadcrumb], [class*=skip-link]"
)
_PAGE = {"html", "body", "main", "article"}
_INVISIBLE_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
#: Markdown: HTML comments, and raw HTML elements hidden from the reader.
_MD_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_MD_HIDDEN = re.compile(
    r"<(\w+)\b[^>]*?(?:\bhidden\b|aria-hidden\s*=\s*[\"']?true|display\s*:\s*none)[^>]*>"
    r".*?</\1\s*>",
    re.DOTALL | re.IGNORECASE,
)
# Inline Markdown a resident should not see in a quoted sentence: emphasis, inline code and
# link syntax. Block structure (headings, list items, tables) stays for the chunker. Every
# pattern stops at the next opening delimiter, so a hostile line costs linear time.
_MD_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\(\s*<?([^()\[\s<>]*)>?(?:\s+\"[^\"\n]*\")?\s*\)")
_MD_CODE = re.compile(r"`([^`\n]+)`")
#: What emphasis is never stripped from: code, web and e-mail addresses ("/_layouts_/").
_MD_VERBATIM = re.compile(rf"(`[^`\n]+`|\b(?:https?://|www\.)\S+|{EMAIL.pattern})")
_MD_STRONG = re.compile(
    r"\*\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*\*|__(?=[^\s_])([^_\n]+?)(?<=[^\s_])__"
)
_MD_EMPHASIS = re.compile(
    r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])"
    r"|(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![\w_])"
)
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
        limit = (
            MAX_BINARY_BYTES if KINDS[path.suffix.lower()] in {"pdf", "docx"} else MAX_FILE_BYTES
        )
        if size > limit:
            reason = f"too large ({size} bytes; at most {limit})"
            log.warning("Skipping %s: %s", rel, reason)
            report.skipped[rel] = reason
            continue
        try:
            extra = read_sidecar(path)
        except ValueError as exc:
            extra = {}
            report.skipped[rel + SIDECAR] = str(exc)
            log.warning("Ignoring the metadata of %s: %s", rel, exc)
        try:
            doc = load_document(path, doc_id=_doc_id(rel), extra=extra)
        except UnicodeDecodeError:
            reason = "not text (not UTF-8; a binary file?)"
            log.warning("Skipping %s: %s", rel, reason)
            report.skipped[rel] = reason
            continue
        except (OSError, ValueError) as exc:
            reason = f"{type(exc).__name__}: {exc}" if isinstance(exc, OSError) else str(exc)
            log.warning("Skipping %s: %s", rel, reason)
            report.skipped[rel] = reason
            continue
        if not doc.text.strip():
            log.warning("Skipping %s: no text", rel)
            report.skipped[rel] = "no text"
            continue
        report.documents.append(doc)
    return report


def load_document(path: Path, *, doc_id: str, extra: dict[str, object] | None = None) -> Document:
    """Parse one file into a `Document` (metadata apart from the text).

    Args:
        path: The file; its suffix says how to read it (`KINDS`).
        doc_id: The document's id in the index.
        extra: Metadata from a sidecar; it wins over what the file says about itself.

    Raises:
        ValueError: The file cannot be read as its type (the message says why).
        UnicodeDecodeError: A text file is not UTF-8.
    """
    kind = KINDS[path.suffix.lower()]
    pages: tuple[int, ...] = ()
    if kind == "pdf":
        parsed = parse_pdf(path)
        meta, text, pages = parsed.meta, *_clean_pages(parsed)
    elif kind == "docx":
        parsed = parse_docx(path)
        meta, text = parsed.meta, clean_text(parsed.text)
    else:
        raw = path.read_bytes().decode("utf-8-sig")  # a BOM would hide the front matter
        if _looks_binary(raw):
            raise ValueError("not text (control bytes; a binary file?)")
        meta = {}
        if kind == "markdown":
            meta, raw = _parse_markdown(raw)
            raw = plain_inline(_MD_HIDDEN.sub("", _MD_COMMENT.sub("", raw)))
        elif kind == "html":
            meta, raw = _parse_html(raw)
        text = clean_text(raw)
    meta = {**meta, **{k: v for k, v in (extra or {}).items() if v not in (None, "")}}
    title = str(meta.get("title") or _first_heading(text) or path.stem)
    return Document(
        doc_id=doc_id,
        title=clean_text(title).strip(),
        text=text,
        url=_str_or_none(meta.get("url")),
        updated=_str_or_none(meta.get("updated") or meta.get("date")),
        language=str(meta.get("language") or meta.get("lang") or "sv"),
        path=str(path),
        municipality=_str_or_none(meta.get("municipality")),
        kind=kind,
        source=_str_or_none(meta.get("source")),
        pages=pages,
    )


def plain_inline(markdown: str) -> str:
    """Markdown text without its inline markup: "**inte**" -> "inte", "[Kontakt](kontakt.md)"
    -> "Kontakt". A link to a web or e-mail address or a phone number keeps the address after
    its text, as a resident could follow it; a link inside the site keeps its text only. Code
    and addresses keep their underscores and asterisks."""

    def link(match: re.Match[str]) -> str:
        label, target = match.group(1).strip(), match.group(2)
        if target.startswith(("mailto:", "tel:")):
            target = target.split(":", 1)[1]
        elif not target.startswith(("http://", "https://", "www.")):
            return label
        if not target or target in label:
            return label
        return f"{label} ({target})" if label else target

    pieces = _MD_VERBATIM.split(_MD_LINK.sub(link, markdown))
    for i in range(0, len(pieces), 2):  # the text between code and addresses
        text = _MD_STRONG.sub(lambda m: m.group(1) or m.group(2), pieces[i])
        pieces[i] = _MD_EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
    return _MD_CODE.sub(r"\1", "".join(pieces))


def _looks_binary(raw: str) -> bool:
    """Whether a decoded file is mostly control characters, as a binary file is."""
    sample = raw[:8192]
    controls = sum(1 for c in sample if c < " " and c not in "\t\n\r\f")
    return controls > 0.1 * len(sample)


def read_sidecar(path: Path) -> dict[str, object]:
    """The metadata in `<path>.meta.json`, if there is one.

    Raises:
        ValueError: The sidecar is not a JSON object of strings (named in the message).
    """
    sidecar = path.with_name(path.name + SIDECAR)
    if not sidecar.is_file():
        return {}
    try:
        data = json.loads(sidecar.read_bytes()[:65536].decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"unreadable metadata ({type(exc).__name__}: {exc})") from exc
    if not isinstance(data, dict):
        raise ValueError("metadata is not a JSON object")
    return {key: data[key] for key in _SIDECAR_KEYS if isinstance(data.get(key), str) and data[key]}


def _clean_pages(parsed: Parsed) -> tuple[str, tuple[int, ...]]:
    """Clean a paged text page by page, keeping where each page starts."""
    bounds = [*parsed.pages, len(parsed.text)]
    pages = [clean_text(parsed.text[a:b]).strip() for a, b in zip(bounds, bounds[1:], strict=False)]
    offsets, pos = [], 0
    for page in pages:
        offsets.append(pos)
        if page:
            pos += len(page) + 2
    return "\n\n".join(p for p in pages if p) + "\n", tuple(offsets)


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
        # A class such as "has-cookie-banner" on the page itself does not make it chrome.
        if node.tag not in _PAGE or "hidden" in node.attributes:
            node.decompose()
    for node in tree.css("[style]"):
        if _INVISIBLE_STYLE.search(node.attributes.get("style") or ""):
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
