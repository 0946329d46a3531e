from pathlib import Path

import pytest

from assistant.corpus import clean_text, load_corpus

ROOT = Path(__file__).resolve().parents[1]

HTML = """<!doctype html><html lang="sv"><head><title>Avfall i Testby</title>
<link rel="canonical" href="https://example.invalid/avfall"></head>
<body><header><nav><a href="/">Start</a> <a href="/om">Om oss</a></nav></header>
<main><h1>Avfall</h1><p>Sopor hämtas varannan vecka.</p>
<h2>Återvinning</h2><p>Återvinningscentralen tar emot</p><ul><li>metall</li><li>papper</li></ul>
<script>alert('x')</script></main>
<footer>Kontakta oss</footer></body></html>"""


def test_bundled_corpus_keeps_metadata_apart_from_text() -> None:
    report = load_corpus(ROOT / "corpus")
    assert not report.skipped
    [doc] = report.documents
    assert doc.title == "Södertörnssamarbetet"
    assert doc.url == "https://sodertornskommunerna.se/sodertornssamarbetet.html"
    assert doc.updated == "2024-07-09"
    assert doc.language == "sv"
    assert "Botkyrka, Haninge, Huddinge" in doc.text
    # Page chrome and metadata are not indexed text.
    for chrome in ("Skriv ut", "Senast uppdaterad", "Sidan publicerad", "title:"):
        assert chrome not in doc.text


def test_html_keeps_main_content_only(tmp_path: Path) -> None:
    (tmp_path / "avfall.html").write_text(HTML, encoding="utf-8")
    [doc] = load_corpus(tmp_path).documents
    assert doc.title == "Avfall i Testby"
    assert doc.url == "https://example.invalid/avfall"
    assert "Sopor hämtas varannan vecka." in doc.text
    assert "## Återvinning" in doc.text
    assert "- metall\n- papper" in doc.text
    for chrome in ("Start", "Om oss", "Kontakta oss", "alert"):
        assert chrome not in doc.text


def test_markdown_inline_markup_is_not_quoted(tmp_path: Path) -> None:
    """A resident reads the quoted sentence as text: no asterisks, no link syntax."""
    page = (
        "# Parkering\n\n"
        "- **Zon 1:** måndag–fredag 08–19.\n"
        "* Du kan **inte** få tillstånd för en *tillfällig* skada.\n\n"
        "Skicka `STOPP` till 72 919. Läs mer på sidan [Avgifter](04-avgifter.md) eller i\n"
        "[e-tjänsten](https://example.invalid/e). Mejla anna_berg@example.invalid; 2*3 = 6.\n"
        "[Mejla oss](mailto:info@example.invalid), se https://example.invalid/_layouts_/p och "
        "`__init__`.\n"
    )
    (tmp_path / "parkering.md").write_text(page, encoding="utf-8")
    [doc] = load_corpus(tmp_path).documents
    assert "- Zon 1: måndag–fredag 08–19." in doc.text
    assert "* Du kan inte få tillstånd för en tillfällig skada." in doc.text
    assert "Skicka STOPP till 72 919. Läs mer på sidan Avgifter eller i" in doc.text
    assert "e-tjänsten (https://example.invalid/e)" in doc.text
    assert "anna_berg@example.invalid; 2*3 = 6." in doc.text
    # An address stays whole: an e-mail link keeps it, and emphasis is never read into one.
    assert "Mejla oss (info@example.invalid), se https://example.invalid/_layouts_/p och" in (
        doc.text
    )
    assert "__init__." in doc.text


def test_plain_text_title_falls_back_to_file_name(tmp_path: Path) -> None:
    (tmp_path / "parkering.txt").write_text("Parkering är gratis på helger.\n", encoding="utf-8")
    [doc] = load_corpus(tmp_path).documents
    assert doc.doc_id == "parkering"
    assert doc.title == "parkering"
    assert doc.text == "Parkering är gratis på helger.\n"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("tom.md", b"", "no text"),
        ("blank.txt", b"   \n\n  ", "no text"),
        ("latin1.txt", "Skärgården".encode("latin-1"), "not UTF-8"),
        ("binär.html", b"<html>\x00\x01\x02<p>ok</p>", "control bytes"),
        ("trasig.md", b"---\ntitle: [oavslutad\n---\nText", "front matter"),
        ("bara-meta.md", b"---\ntitle: Rubrik\n---\n", "no text"),
    ],
)
def test_bad_file_is_reported_by_name_and_skipped(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    (tmp_path / "bra.txt").write_text("En fungerande text.", encoding="utf-8")
    (tmp_path / name).write_bytes(content)
    report = load_corpus(tmp_path)
    assert [d.doc_id for d in report.documents] == ["bra"]
    assert reason in report.skipped[name]


def test_unsupported_and_hidden_files_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "bild.png").write_bytes(b"\x89PNG")
    (tmp_path / ".utkast.md").write_text("hemligt", encoding="utf-8")
    assert load_corpus(tmp_path).documents == []
    assert load_corpus(tmp_path / "finns-inte").documents == []


def test_clean_text_removes_invisible_characters() -> None:
    text = clean_text("Sö\u200bdertörn\u00a0är\r\nstort\ufeff")
    assert text == "Södertörn är\nstort\n"


def test_oversized_file_is_skipped_without_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.corpus as corpus

    monkeypatch.setattr(corpus, "MAX_FILE_BYTES", 1000)
    (tmp_path / "stor.txt").write_text("ord " * 1000, encoding="utf-8")
    (tmp_path / "liten.txt").write_text("Ett kort dokument.", encoding="utf-8")
    report = load_corpus(tmp_path)
    assert [d.doc_id for d in report.documents] == ["liten"]
    assert "too large" in report.skipped["stor.txt"]
