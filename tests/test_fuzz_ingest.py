"""Property tests of ingestion: the corpus loader and the chunker on random, malformed input.

The loader must never crash and never lose a document: every supported file is either
loaded or listed as skipped. The chunker must never crash, never lose text, keep exact
offsets, respect its size limit and never cut a list item in half.
"""

from __future__ import annotations

import html
import re
import shutil
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from assistant.chunking import chunk_documents, split_blocks, split_segments
from assistant.corpus import load_corpus
from assistant.types import Document

SUPPORTED = [".md", ".markdown", ".txt", ".html", ".htm", ".MD", ".Html", ".TXT", ".pdf", ".docx"]
UNSUPPORTED = [".png", ".json", ".md~", ".doc", ""]

#: Zero-width characters and every Unicode Bidi_Control character.
INVISIBLE = (
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u180e"  # zero width
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # bidi
)
#: What the chunker counts as one list item line (a bullet or a number, then a space).
LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
BLANK_LINE = re.compile(r"\n[ \t]*\n")
SCRIPT_MARK = "SKRIPTMARKÖR"
HANDLER_MARK = "HANDLARMARKÖR"

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- strategies: words, lines and text --------------------------------------------

WORDS = st.sampled_from(
    [
        "kommunen",
        "Södertörn",
        "återvinning",
        "bygglov",
        "skolskjuts",
        "Ärende",
        "ÖPPET",
        "e-tjänst",
        "2024-07-09",
        "§ 12",
        "t.ex.",
        "ca.",
        "dvs.",
        "kl. 08.00",
        "🙂",
        "naïve",
        "e\u0301",  # decomposed: NFC turns it into é
        "A.",
    ]
)
INVISIBLES = st.sampled_from(list(INVISIBLE) + ["\u00ad", "\u00a0", "\t", "\r", "\r\n"])
WORD = st.one_of(
    WORDS,
    WORDS.map(lambda w: w + "."),
    st.text(min_size=1, max_size=12),
    st.builds(lambda w, c: w[: len(w) // 2] + c + w[len(w) // 2 :], WORDS, INVISIBLES),
    st.integers(200, 4000).map(lambda n: "ord" * (n // 3)),  # a very long word
)
SENTENCE = st.builds(
    lambda words, end: " ".join(words) + end,
    st.lists(WORD, min_size=1, max_size=12),
    st.sampled_from([".", "!", "?", ":", "", ";", " ."]),
)
PARAGRAPH = st.builds(
    lambda sentences, sep: sep.join(sentences),
    st.lists(SENTENCE, min_size=1, max_size=8),
    st.sampled_from([" ", "\n", "  "]),
)
HEADING = st.builds(
    lambda level, words, closing: "#" * level + " " + " ".join(words) + closing,
    st.integers(1, 7),
    st.lists(WORD, min_size=1, max_size=5),
    st.sampled_from(["", " #", " ##"]),
)
BULLET = st.sampled_from(["- ", "* ", "+ ", "• ", "  - ", "1. ", "2) ", "10. ", "999) "])
LIST = st.builds(
    lambda items: "\n".join(bullet + text for bullet, text in items),
    st.lists(st.tuples(BULLET, SENTENCE), min_size=1, max_size=12),
)
BLOCK = st.one_of(
    HEADING,
    PARAGRAPH,
    LIST,
    st.builds(lambda p, lst: p + "\n" + lst, PARAGRAPH, LIST),  # a "tight" list
    st.text(max_size=40),
)
SEPARATOR = st.sampled_from(["\n\n", "\n", "\n \n", "\n\n\n\n", "\n\t\n", " "])
MARKDOWN_BODY = st.builds(
    lambda blocks, sep: sep.join(blocks),
    st.lists(BLOCK, max_size=15),
    SEPARATOR,
)


def huge_line(draw_n: int) -> str:
    return "Ett mycket långt stycke utan radbrytning. " * draw_n


# --- strategies: front matter -------------------------------------------------------

YAML_KEY = st.one_of(
    st.sampled_from(
        [
            "title",
            "url",
            "updated",
            "date",
            "language",
            "lang",
            "tags",
            "content",
            "handler",
            "metadata",
        ]
    ),
    st.integers(-5, 5),
    st.booleans(),
    st.none(),
    st.text(max_size=10),
)
YAML_VALUE = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=30),
        st.dates(),
        st.datetimes(),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=12,
)
YAML_TEXT = st.one_of(
    st.dictionaries(YAML_KEY, YAML_VALUE, max_size=6).map(
        lambda d: yaml.safe_dump(d, allow_unicode=True)
    ),
    YAML_VALUE.map(lambda v: yaml.safe_dump(v, allow_unicode=True)),  # a list or a scalar
    st.sampled_from(
        [
            "",
            "title: [oavslutad",
            "title: {a: [1, {b: 2}]}",
            "- en\n- lista",
            "bara en rad",
            "title: Rubrik\n  felindrag: x",
            'title: "\\ud800 ensam surrogat"',
            'url: "\\udfff"',
            'title: "osynlig\\u2066text\\u2069"',
            "date: 2024-13-45",
            "a: &a [x]\nb: *a\ntitle: *a",
            "title: !!python/object:os.system x",
            "title: !!binary ===",
            "? [a, b]\n: c",
            "<<: 1",
            "title: " + "[" * 60 + "]" * 60,
            "1: ett\n2: två",
            "content: innehåll\nhandler: hanterare",
        ]
    ),
    st.text(max_size=80),
)
FRONT_MATTER = st.builds(
    lambda opening, fm, closing, body: opening + fm + closing + body,
    st.sampled_from(["---\n", "---\r\n", "----\n", "--- \n", "\ufeff---\n", "+++\n", ""]),
    YAML_TEXT,
    st.sampled_from(["\n---\n", "\r\n---\r\n", "\n---", "\n", "", "\n...\n", "\n---\n---\n"]),
    MARKDOWN_BODY,
)

# --- strategies: HTML ---------------------------------------------------------------

TAGS = [
    "div",
    "span",
    "p",
    "ul",
    "ol",
    "li",
    "table",
    "tr",
    "td",
    "h1",
    "h2",
    "h6",
    "main",
    "article",
    "section",
    "blockquote",
    "pre",
    "b",
    "a",
    "nav",
    "footer",
    "form",
]
SCRIPTS = st.sampled_from(
    [
        f"<script>alert('{SCRIPT_MARK}')</script>",
        f"<SCRIPT type='text/javascript'>var x = '<p>{SCRIPT_MARK}</p>';</SCRIPT>",
        f"<script>document.write('</p><li>{SCRIPT_MARK}')</script>",
        f"<img src=x onerror=\"alert('{HANDLER_MARK}')\">",
        f"<style>p::after {{ content: '{SCRIPT_MARK}' }}</style>",
        f"<noscript>{SCRIPT_MARK}</noscript>",
        f'<svg onload="{HANDLER_MARK}"><script>{SCRIPT_MARK}</script></svg>',
        f"<template><p>{SCRIPT_MARK}</p></template>",
    ]
)
HTML_TEXT = st.one_of(SENTENCE, st.text(max_size=20)).map(
    lambda t: html.escape(t.replace(SCRIPT_MARK, "").replace(HANDLER_MARK, ""))
)
HTML_TREE = st.recursive(
    st.one_of(HTML_TEXT, SCRIPTS),
    lambda children: st.builds(
        lambda tag, kids, closed: f"<{tag}>" + "".join(kids) + (f"</{tag}>" if closed else ""),
        st.sampled_from(TAGS),
        st.lists(children, max_size=4),
        st.booleans(),
    ),
    max_leaves=25,
)
DEEP_HTML = st.builds(
    lambda depth, tag, inner: f"<{tag}>" * depth + inner + f"</{tag}>" * depth,
    st.integers(50, 3000),
    st.sampled_from(["div", "span", "li", "p", "b", "blockquote", "table"]),
    HTML_TREE,
)
HTML_DOC = st.builds(
    lambda head, body, wrap, newline: (
        (
            f"<!doctype html><html lang='sv'><head>{head}</head><body>{body}</body></html>"
            if wrap == "full"
            else f"<html><head>{head}</head>{body}"  # no body element
            if wrap == "no-body"
            else body  # a bare fragment
        ).replace("\n", newline)
    ),
    st.one_of(
        st.just(""),
        SCRIPTS,
        st.builds(lambda t: f"<title>{t}</title>", HTML_TEXT),
        st.just('<meta property="og:url" content="">'),
    ),
    st.one_of(st.lists(HTML_TREE, max_size=6).map("".join), DEEP_HTML),
    st.sampled_from(["full", "no-body", "fragment"]),
    st.sampled_from(["\n", "\r\n"]),
)

# --- strategies: files --------------------------------------------------------------

CONTENT = st.one_of(
    st.binary(max_size=300),  # invalid UTF-8, NUL bytes, encoded surrogates ...
    st.text(max_size=300).map(lambda t: t.encode("utf-8")),
    MARKDOWN_BODY.map(lambda t: t.encode("utf-8")),
    MARKDOWN_BODY.map(lambda t: t.replace("\n", "\r\n").encode("utf-8")),
    FRONT_MATTER.map(lambda t: t.encode("utf-8")),
    HTML_DOC.map(lambda t: t.encode("utf-8")),
    st.integers(1, 3000).map(lambda n: huge_line(n).encode("utf-8")),
    st.sampled_from([b"", b"\x00", b"\xef\xbb\xbf", b"\xed\xa0\x80", b"   \r\n\t ", b"---"]),
    st.text(alphabet=st.sampled_from(INVISIBLE + " \n"), max_size=20).map(str.encode),
)
STEM = st.text(alphabet="abcåäöXYZ019-_ .", min_size=1, max_size=8).filter(
    lambda s: s.strip(" .") == s and s not in {".", ".."}
)
FILE = st.tuples(
    st.sampled_from(["", "sub/", "sub/djup/", "Å ä/"]),
    STEM,
    st.sampled_from(SUPPORTED + UNSUPPORTED),
    st.booleans(),  # hidden
    CONTENT,
)


def _write(root: Path, files: list[tuple[str, str, str, bool, bytes]]) -> dict[str, bytes]:
    """Write the files; return the supported, visible ones by relative path."""
    expected: dict[str, bytes] = {}
    for folder, stem, suffix, hidden, content in files:
        rel = f"{folder}{'.' if hidden else ''}{stem}{suffix}"
        path = root / rel
        if path.exists() or any(p.is_file() for p in path.parents if p != root):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        if suffix.lower() in {s.lower() for s in SUPPORTED} and not hidden:
            expected[rel] = content
    return expected


@settings(FUZZ, max_examples=80)
@given(files=st.lists(FILE, max_size=8))
def test_loader_never_crashes_and_never_loses_a_document(files) -> None:
    root = Path(tempfile.mkdtemp(prefix="fuzz-corpus-"))
    try:
        expected = _write(root, files)
        report = load_corpus(root)
    finally:
        shutil.rmtree(root)

    # No lost document: every supported, visible file is loaded or skipped, exactly once.
    loaded = Counter(Path(doc.path).relative_to(root).as_posix() for doc in report.documents)
    assert all(n == 1 for n in loaded.values()), loaded
    assert set(loaded).isdisjoint(report.skipped)
    assert set(loaded) | set(report.skipped) == set(expected)
    for doc in report.documents:
        rel = Path(doc.path).relative_to(root).as_posix()
        assert doc.doc_id == rel.rsplit(".", 1)[0]
    assert all(reason for reason in report.skipped.values())

    for doc in report.documents:
        raw = expected[Path(doc.path).relative_to(root).as_posix()]
        assert doc.text.strip(), doc
        assert unicodedata.is_normalized("NFC", doc.text), doc
        for field in (doc.text, doc.title, doc.url, doc.updated, doc.language):
            if field is None:
                continue
            assert not set(field) & set(INVISIBLE), (field, doc)
            field.encode("utf-8")  # valid Unicode: the index writes it as UTF-8 JSON
        if doc.path.lower().endswith((".html", ".htm")):
            assert SCRIPT_MARK not in doc.text and HANDLER_MARK not in doc.text, doc
            if b"&lt;script" not in raw.lower():
                assert "<script" not in doc.text.lower(), doc


@settings(FUZZ, max_examples=100)
@given(
    title=st.text(alphabet="abcåäö ABC019-", min_size=1, max_size=20).filter(str.strip),
    extra=st.dictionaries(YAML_KEY, YAML_VALUE, max_size=4),
    body=st.lists(SENTENCE, min_size=1, max_size=4).map(" ".join).filter(str.strip),
    bom=st.booleans(),
    crlf=st.booleans(),
)
def test_front_matter_is_metadata_not_text(title, extra, body, bom, crlf) -> None:
    """A valid front matter mapping is read as metadata, whatever the line endings or BOM."""
    extra.pop("title", None)
    assume(all(not isinstance(k, str) or not k.startswith("title") for k in extra))
    fm = yaml.safe_dump({"title": title.strip(), **extra}, allow_unicode=True)
    raw = f"---\n{fm}---\n\nUNIKTORD {body}\n"
    if crlf:
        raw = raw.replace("\n", "\r\n")
    if bom:
        raw = "\ufeff" + raw
    root = Path(tempfile.mkdtemp(prefix="fuzz-fm-"))
    try:
        (root / "sida.md").write_text(raw, encoding="utf-8", newline="")
        report = load_corpus(root)
    finally:
        shutil.rmtree(root)
    [doc] = report.documents
    assert doc.title == title.strip()
    assert doc.text.startswith("UNIKTORD")
    assert "title:" not in doc.text


# --- chunker ------------------------------------------------------------------------

SIZES = st.integers(100, 3000).flatmap(
    lambda size: st.tuples(st.just(size), st.integers(0, size // 2))
)
DOC_TEXT = st.one_of(
    MARKDOWN_BODY,
    MARKDOWN_BODY.map(lambda t: t + "\n"),
    st.text(max_size=500),
    st.lists(st.sampled_from(["a", " ", "\n", "- ", "# ", ".", "1. ", "x. Y"]), max_size=200).map(
        "".join
    ),
)


def _heading_mask(text: str) -> list[bool]:
    mask = [False] * len(text)
    for block in split_blocks(text):
        if block.kind == "heading":
            for i in range(block.start, block.end):
                mask[i] = True
    return mask


def _item_lines(text: str) -> list[tuple[int, int]]:
    """Spans of the item lines of the lists the chunker sees.

    `split_blocks` splits on blank lines, and a list is a block of item lines only: the
    item lines of a "tight" list (a paragraph line, then items, no blank line between)
    are paragraph lines to it, and a paragraph longer than `size` is split anywhere.
    """
    spans = []
    for block in split_blocks(text):
        if block.kind != "list":
            continue
        pos = block.start
        for line in text[block.start : block.end].split("\n"):
            if line.strip():
                assert LIST_ITEM.match(line), line
                spans.append((pos, pos + len(line.rstrip())))
            pos += len(line) + 1
    return spans


@settings(FUZZ, max_examples=150)
@given(text=DOC_TEXT, sizes=SIZES, title=st.sampled_from(["Test", "Rubrik", ""]))
def test_chunker_keeps_offsets_text_and_lists(text, sizes, title) -> None:
    size, overlap = sizes
    doc = Document(doc_id="d", title=title, text=text)
    other = Document(doc_id="e", title="Annan", text="En annan text.\n")
    chunks = chunk_documents([doc, other], size=size, overlap=overlap)

    assert [c.chunk_id for c in chunks] == list(range(len(chunks)))
    assert chunks and chunks[-1].doc_id == "e"
    chunks = [c for c in chunks if c.doc_id == "d"]
    for chunk in chunks:
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip()

    # No lost text: every visible character outside a heading is in some chunk.
    covered = [False] * len(text)
    for chunk in chunks:
        for i in range(chunk.start, chunk.end):
            covered[i] = True
    heading = _heading_mask(text)
    lost = [
        i for i, ch in enumerate(text) if not ch.isspace() and not heading[i] and not covered[i]
    ]
    assert not lost, (lost[:10], [text[i] for i in lost[:10]])

    # A chunk exceeds `size` only to hold one whole list item, with its lead-in if it has one.
    for chunk in chunks:
        if len(chunk.text) <= size:
            continue
        parts = [part for part in BLANK_LINE.split(chunk.text) if part.strip()]
        assert len(parts) in (1, 2), chunk
        item = parts[-1].strip()
        assert "\n" not in item and LIST_ITEM.match(item), chunk
        if len(parts) == 2:
            assert len(parts[0]) <= size, chunk

    # A list item line is never split between two chunks.
    for start, end in _item_lines(text):
        for chunk in chunks:
            inside = chunk.start <= start and end <= chunk.end
            apart = chunk.end <= start or end <= chunk.start
            assert inside or apart, (text[start:end], chunk)


@settings(FUZZ, max_examples=150)
@given(text=DOC_TEXT)
def test_split_segments_offsets_slice_back(text) -> None:
    for segment in split_segments(text):
        assert 0 <= segment.start <= segment.end <= len(text)
        assert text[segment.start : segment.end] == segment.text
