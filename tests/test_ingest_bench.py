"""The ingest benchmark (benchmarks/ingest.py): its generated site and server, and a quick
real run — crawl, build with the real model, edit and delete pages, crawl and build again.
No timing is asserted."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from assistant.corpus import load_corpus
from benchmarks import ingest
from benchmarks.site_fixture import QUICK, SiteSpec, change_site, generate_site

BASE = "http://127.0.0.1:8000"
SMALL = SiteSpec("test", pages=12, pdfs=1, pdf_pages=2, docx=1)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _texts(root: Path) -> dict[str, str]:
    """Each document's text, by URL path, as the corpus loader reads it (chrome dropped)."""
    documents = [d for d in load_corpus(root).documents if d.kind != "text"]  # robots.txt
    return {"/" + Path(d.path or "").relative_to(root).as_posix(): d.text for d in documents}


def test_the_site_is_the_same_for_a_seed_and_every_page_differs(tmp_path: Path) -> None:
    site = generate_site(tmp_path / "a", SMALL, base_url=BASE, seed=3)
    generate_site(tmp_path / "b", SMALL, base_url=BASE, seed=3)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    texts = _texts(tmp_path / "a")
    assert len(texts) == site.html_pages + len(site.pdfs) + len(site.docx)
    assert len(set(texts.values())) == len(texts)
    assert site.pdf_pages == 2 and site.summary()["pages"] == site.html_pages + 2 + 1
    sitemap = (tmp_path / "a" / "sitemap.xml").read_text(encoding="utf-8")
    pages = (tmp_path / "a").rglob("*.html")
    links = " ".join(p.read_text(encoding="utf-8") for p in pages)
    for path, _ in site.pdfs + site.docx:
        assert f"<loc>{BASE}{path}</loc>" in sitemap and f'href="{path}"' in links
    assert sitemap.count("<loc>") == site.summary()["files"]


def test_an_edit_changes_only_the_edited_pages_text(tmp_path: Path) -> None:
    root = tmp_path / "site"
    site = generate_site(root, SMALL, base_url=BASE, seed=3)
    before = _texts(root)
    changes = change_site(site, changed=3, removed=2, seed=3)
    after = _texts(root)
    for path in changes.removed:
        assert not (root / path.lstrip("/")).exists()
        assert all(f'"{path}"' not in p.read_text(encoding="utf-8") for p in root.rglob("*.html"))
        assert path not in (root / "sitemap.xml").read_text(encoding="utf-8")
    assert set(before) - set(after) == set(changes.removed)
    edited = {path for path in after if after[path] != before[path]}
    assert edited == set(changes.changed)
    # The pages that linked a deleted one changed around their text, not in it.
    assert changes.rewritten and not set(changes.rewritten) & edited


def test_the_server_answers_conditional_requests(tmp_path: Path) -> None:
    root = tmp_path / "site"
    with ingest.serving(root) as base, httpx.Client(base_url=base) as client:
        site = generate_site(root, SMALL, base_url=base, seed=3)
        path = site.pages[0].path
        first = client.get(path)
        assert first.status_code == 200 and first.headers["content-type"].startswith("text/html")
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
        (root / path.lstrip("/")).write_text("<p>Ny text</p>", encoding="utf-8")
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 200 and again.headers["etag"] != etag
        pdf = client.get(site.pdfs[0][0])
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
        assert client.get("/").text.count("<li>") > len(site.pages)  # menu and A-Ö list
        assert client.get("/saknas.html").status_code == 404
        assert client.get("/../../etc/passwd").status_code == 404


def test_build_stages_and_reuse_are_read_from_the_progress_lines() -> None:
    lines = [
        (1.0, "Loaded 14 document(s) from corpus"),
        (1.5, "Split into 120 chunks"),
        (2.0, "Reused 100/120 chunk vectors from the previous build"),
        (3.0, "Embedded 20/20 chunks"),
        (3.5, "Vector index: IndexFlatIP"),
        (4.0, "Reused 480/500 answer segment vectors from the previous build"),
        (6.0, "Embedded 20/20 answer segments"),
        (6.5, "BM25 index over 120 chunks"),
        (7.0, "Index written to index/builds/x"),
    ]
    stages = ingest.stage_seconds(0.0, lines)
    assert stages == {
        "parse": 1.0,
        "chunk": 0.5,
        "open_previous": 0.5,
        "embed_chunks": 1.5,
        "embed_segments": 2.5,
        "bm25": 0.5,
        "save": 0.5,
    }
    messages = [m for _, m in lines]
    assert ingest.embedded_counts(messages, 120, 500) == {"chunks": 20, "segments": 20}
    assert ingest.embedded_counts(messages[:2], 120, 500) == {"chunks": 120, "segments": 500}


@pytest.mark.slow
def test_quick_run_reembeds_only_edited_pages_and_forgets_deleted_ones(tmp_path: Path) -> None:
    result = ingest.run(QUICK, say=lambda _m: None, work_dir=tmp_path)
    first, again = result["runs"]["first"], result["runs"]["again"]
    changes, reuse = result["changes"], result["reuse"]
    site = result["site"]
    assert (site["html_pages"], site["pdfs"], site["docx"]) == (QUICK.pages + 1, 2, 1)

    # The first crawl stores every page and document; the build embeds everything.
    assert len(first["crawl"]["new"]) == first["crawl"]["fetched"] == site["files"]
    assert not first["crawl"]["skipped"] and first["crawl"]["complete"]
    assert first["index"]["documents"] == site["files"]
    assert first["index"]["kinds"] == {"docx": 1, "html": QUICK.pages + 1, "pdf": 2}
    assert first["embedded"] == {
        "chunks": first["index"]["chunks"],
        "segments": first["index"]["segments"],
    }

    # The re-crawl: edited pages changed, deleted ones removed, the rest unchanged (304).
    assert len(changes["changed_urls"]) == ingest.CHANGED
    assert len(changes["removed_urls"]) == ingest.REMOVED
    crawl = again["crawl"]
    assert sorted(crawl["changed"]) == sorted(changes["changed_urls"] + changes["rewritten_urls"])
    assert sorted(crawl["removed"]) == changes["removed_urls"] and not crawl["new"]
    assert len(crawl["unchanged"]) == site["files"] - ingest.REMOVED - len(crawl["changed"])
    assert not set(changes["removed_urls"]) & set(again["index"]["urls"])
    assert again["index"]["documents"] == site["files"] - ingest.REMOVED

    # Only texts of the edited pages are embedded again, and all of those are.
    assert reuse["urls_with_new_texts"] == changes["changed_urls"]
    assert again["embedded"]["chunks"] == reuse["expected_chunks"] > 0
    assert again["embedded"]["segments"] == reuse["expected_segments"] > 0
    assert again["embedded"]["chunks"] < again["index"]["chunks"] / 2
    bars = {bar["name"]: bar["met"] for bar in result["bars"]}
    assert bars["re-crawl re-embeds only the edited pages' texts"] is True
    assert bars["deleted pages gone from the corpus and index"] is True
    assert bars["re-crawl + rebuild / first ingest"] is None  # judged on the full site only

    for run in (first, again):
        assert all(run["stages"][name] is not None for name, _ in ingest.STAGES)
        assert 0 < run["peak_rss_after_crawl_mib"] <= run["peak_rss_mib"]
    table = ingest.format_table(result)
    assert re.search(r"chunk vectors embedded \(per s\) +\d+/\d+ \(\d+\) +\d+/\d+", table)
    assert "re-crawl + rebuild / first ingest" in table
    assert not list(tmp_path.iterdir())  # the temporary site, corpus and index are removed
