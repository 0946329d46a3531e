"""The crawler against a real HTTP server on loopback serving a generated site."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from assistant.cli import main
from assistant.crawl import SIDECAR, STATE_FILE, crawl_source, file_name, format_report
from assistant.fetching import parse_sitemap
from assistant.sources import Source, SourcesError, load_sources, normalise_url

ROOT = Path(__file__).resolve().parents[1]
#: Generated pages /sida/1 … /sida/120: page n links to 10n … 10n+9, so depth grows by tens.
PAGES = 120
LAST_MODIFIED = "Wed, 15 Jan 2025 10:00:00 GMT"
CHANGED = "Thu, 16 Jan 2025 09:30:00 GMT"
#: Pages the home page links to besides /sida/1 … /sida/9, in this order.
SPECIAL = [
    "/privat/hemlig",
    "/gammal",
    "/ny",
    "/loop-a",
    "/hopp/0",
    "/ut",
    "/saknas",
    "/trasig",
    "/seg",
    "/binar",
    "/bild.png",
    "/stor",
    "/stor-utan-langd",
    "/dokument/plan.pdf",
    "/dokument/rutiner.docx",
    "/noindex",
    "/latin1",
    "/utan-validering",
]


def _pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Översiktsplan för Testby kommun")
    return bytes(pdf.output())


def _docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Rutiner för snöröjning", level=1)
    document.add_paragraph("Gång- och cykelvägar plogas först.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _html(title: str, body: str, head: str = "") -> str:
    return (
        f'<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>{title}</title>'
        f"{head}</head><body><main>{body}</main></body></html>"
    )


class Site:
    """The served site. Tests change pages (`change`), `gone`, `broken` and `robots` between
    crawls; `hits` counts requests per path and `not_modified` the 304 answers. Generated
    pages answer conditional requests: /sida/7, /sida/17, … by Last-Modified only, the others
    by ETag."""

    def __init__(self, pdf: bytes, docx: bytes) -> None:
        self.port = 0
        self.lock = threading.Lock()
        self.hits: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.gone: set[str] = set()
        self.broken: set[str] = set()
        self.robots = "User-agent: *\nDisallow: /privat/\n"
        self.robots_status = 200
        self.sitemap_body: bytes | None = None  # replaces the generated sitemap when set
        self.in_sitemap = [f"/sida/{n}" for n in range(1, PAGES + 1)] + ["/bara-i-sitemap"]
        self.pdf, self.docx = pdf, docx
        self.pages: dict[str, str] = {}
        self.modified: dict[str, str] = {}  # Last-Modified of a changed page
        for n in range(1, PAGES + 1):
            self.pages[f"/sida/{n}"] = self.page_text(n, "Här står det om skärgården och älgar.")
        self.pages["/bara-i-sitemap"] = _html("Bara i sitemap", "<p>Hittas via sitemap.</p>")
        self.pages["/ny"] = _html("Ny adress", "<p>Sidan har flyttat hit.</p>")
        self.pages["/via-noindex"] = _html("Via noindex", "<p>Länkad från en noindex-sida.</p>")

    def change(self, n: int, text: str) -> None:
        self.pages[f"/sida/{n}"] = self.page_text(n, text)
        self.modified[f"/sida/{n}"] = CHANGED

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def page_text(self, n: int, text: str) -> str:
        children = "".join(
            f'<li><a href="/sida/{c}">Sida {c}</a></li>'
            for c in range(10 * n, 10 * n + 10)
            if 1 <= c <= PAGES
        )
        body = (
            f"<h1>Sida {n}</h1><p>{text}</p><ul>{children}</ul>"
            f'<a href="/">Start</a> <a href="/sida/{n % PAGES + 1}#mitten">Nästa</a>'
        )
        return _html(f"Sida {n} – Testkommun", body)

    def home(self) -> str:
        links = [f"/sida/{n}" for n in range(1, 10)] + SPECIAL
        items = "".join(f'<a href="{href}">{href}</a> ' for href in links)
        items += (
            f'<a href="{self.url("/extern", host="localhost")}">Extern</a>'
            '<a href="/nofollow-mal" rel="nofollow">Nej</a>'
            '<a href="mailto:info@testby.invalid">E-post</a>'
            '<a href="#topp">Upp</a><a href="javascript:void(0)">Skript</a>'
        )
        return _html("Testby kommun", f"<p>Välkommen till Testby.</p>{items}")

    def sitemaps(self, path: str) -> bytes | None:
        ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        if path == "/sitemap.xml":
            if self.sitemap_body is not None:
                return self.sitemap_body
            loc = self.url("/sitemap-sidor.xml.gz")
            return f"<sitemapindex {ns}><sitemap><loc>{loc}</loc></sitemap></sitemapindex>".encode()
        if path == "/sitemap-sidor.xml.gz":
            locs = "".join(f"<url><loc>{self.url(p)}</loc></url>" for p in self.in_sitemap)
            text = f'<?xml version="1.0" encoding="UTF-8"?><urlset {ns}>{locs}</urlset>'
            return gzip.compress(text.encode())
        return None

    def respond(self, path: str, headers) -> tuple[int, dict[str, str], bytes]:  # type: ignore[no-untyped-def]
        html = {"Content-Type": "text/html; charset=utf-8"}
        redirects = {
            "/gammal": (301, "/gammal2"),
            "/gammal2": (302, self.url("/ny")),
            "/loop-a": (301, "/loop-b"),
            "/loop-b": (307, "/loop-a"),
            "/ut": (302, self.url("/extern", host="localhost")),
            **{f"/hopp/{n}": (301, f"/hopp/{n + 1}") for n in range(20)},
        }
        if path == "/robots.txt":
            return self.robots_status, {"Content-Type": "text/plain"}, self.robots.encode()
        if path in self.gone or path == "/saknas":
            return 404, html, b"<p>Finns inte</p>"
        if path in self.broken or path == "/trasig":
            return 500, html, b"<p>Serverfel</p>"
        if path in redirects:
            status, location = redirects[path]
            return status, {"Location": location}, b""
        if (sitemap := self.sitemaps(path)) is not None:
            return 200, {"Content-Type": "application/xml"}, sitemap
        if path == "/":
            return 200, html, self.home().encode()
        if path == "/seg":
            time.sleep(4.0)  # far longer than the source's timeout, even on a loaded machine
            return 200, html, b"<p>Sent omsider</p>"
        if path == "/binar":
            return 200, html, bytes(range(256)) * 4
        if path == "/bild.png":
            return 200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + bytes(100)
        if path in ("/stor", "/stor-utan-langd"):
            body = _html("Stor", "<p>" + "Lång text. " * 30_000 + "</p>").encode()
            return 200, {**html, "X-No-Length": "1" if "utan" in path else ""}, body
        if path == "/dokument/plan.pdf":
            return 200, {"Content-Type": "application/pdf"}, self.pdf
        if path == "/dokument/rutiner.docx":
            kind = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            return 200, {"Content-Type": kind}, self.docx
        if path == "/noindex":
            head = '<meta name="ROBOTS" content="NOINDEX, follow">'
            body = _html("Intern", '<a href="/via-noindex">Vidare</a>', head).encode()
            return 200, html, body
        if path == "/latin1":
            body = _html("Skärgården", "<p>Båtar i skärgården.</p>").replace("utf-8", "iso-8859-1")
            return 200, {"Content-Type": "text/html; charset=iso-8859-1"}, body.encode("latin-1")
        if path == "/utan-validering":
            head = '<meta property="article:modified_time" content="2024-05-01T08:00:00+02:00">'
            return 200, html, _html("Utan validering", "<p>Ingen ETag.</p>", head).encode()
        if path in self.pages:
            body = self.pages[path].encode()
            validators = {"Last-Modified": self.modified.get(path, LAST_MODIFIED)}
            if not path.endswith("7"):
                validators["ETag"] = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if headers.get("If-None-Match", "-") == validators.get("ETag") or (
                "ETag" not in validators
                and headers.get("If-Modified-Since") == validators["Last-Modified"]
            ):
                with self.lock:
                    self.not_modified[path] += 1
                return 304, validators, b""
            return 200, {**html, **validators}, body
        return 404, html, b"<p>Finns inte</p>"


class Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def do_GET(self) -> None:
        site: Site = self.server.site  # type: ignore[attr-defined]
        with site.lock:
            site.hits[self.path] += 1
        status, headers, body = site.respond(self.path, self.headers)
        try:
            self.send_response(status)
            no_length = headers.pop("X-No-Length", "")
            for key, value in headers.items():
                self.send_header(key, value)
            if not no_length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up on this one (a timeout, a size cap)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def documents() -> tuple[bytes, bytes]:
    return _pdf(), _docx()


@pytest.fixture
def site(documents: tuple[bytes, bytes]) -> Iterator[Site]:
    site = Site(*documents)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.site = site  # type: ignore[attr-defined]
    site.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def _source(site: Site, **changes: object) -> Source:
    source = Source(
        name="testby",
        municipality="huddinge",
        start=(site.url("/"),),
        sitemap=site.url("/sitemap.xml"),
        hosts=frozenset({"127.0.0.1"}),
        max_bytes=200_000,
        delay=0.0,
        timeout=1.0,
    )
    return replace(source, **changes)  # type: ignore[arg-type]


def _stored(corpus: Path, source: str = "testby") -> dict[str, Path]:
    """Stored files by their URL (from the sidecars)."""
    folder = corpus / "web" / source
    return {
        json.loads(p.read_text(encoding="utf-8"))["url"]: p.with_name(p.name.removesuffix(SIDECAR))
        for p in folder.glob("*" + SIDECAR)
    }


def _page_paths(site: Site) -> set[str]:
    return {p for p in site.hits if p != "/robots.txt" and not p.startswith("/sitemap")}


def test_first_crawl_stores_pages_with_sidecars_and_names_every_skip(
    site: Site, tmp_path: Path
) -> None:
    report = crawl_source(_source(site), tmp_path)
    folder = tmp_path / "web" / "testby"
    stored = _stored(tmp_path)

    html = {f"/sida/{n}" for n in range(1, PAGES + 1)}
    html |= {"/", "/ny", "/via-noindex", "/latin1", "/utan-validering", "/bara-i-sitemap"}
    documents = {"/dokument/plan.pdf", "/dokument/rutiner.docx"}
    assert set(stored) == {site.url(p) for p in html | documents}
    assert len(report.new) == len(stored) and not report.changed and not report.removed
    assert report.cut_short is None

    page = stored[site.url("/sida/5")]
    assert page.suffix == ".html" and page.name == file_name(site.url("/sida/5"), ".html")
    meta = json.loads((folder / (page.name + SIDECAR)).read_text(encoding="utf-8"))
    assert meta == {
        "url": site.url("/sida/5"),
        "title": "Sida 5 – Testkommun",
        "updated": "2025-01-15",  # from Last-Modified
        "municipality": "huddinge",
        "source": "testby",
        "fetched": meta["fetched"],
    }
    assert dt.datetime.fromisoformat(meta["fetched"]).tzinfo is not None
    pdf = stored[site.url("/dokument/plan.pdf")]
    assert pdf.suffix == ".pdf" and pdf.read_bytes() == site.pdf
    assert stored[site.url("/dokument/rutiner.docx")].read_bytes() == site.docx
    pdf_meta = json.loads(pdf.with_name(pdf.name + SIDECAR).read_text(encoding="utf-8"))
    assert pdf_meta["title"] is None and pdf_meta["updated"] is None
    # A Latin-1 page is stored as UTF-8, as the corpus loader reads it.
    assert "Båtar i skärgården" in stored[site.url("/latin1")].read_text(encoding="utf-8")
    updated = stored[site.url("/utan-validering")].name + SIDECAR
    assert json.loads((folder / updated).read_text())["updated"] == "2024-05-01"
    # A redirect chain is stored under its final URL, and that page is fetched once.
    assert report.new.count(site.url("/gammal")) == 1 and site.hits["/ny"] == 1

    extern = site.url("/extern", host="localhost")
    assert report.skipped == {
        site.url("/privat/hemlig"): "forbidden by robots.txt",
        extern: "off host (localhost)",
        site.url("/loop-a"): "redirect loop",
        site.url("/hopp/0"): "too many redirects",
        site.url("/ut"): f"redirect to {extern}: off host (localhost)",
        site.url("/saknas"): "not found (404)",
        site.url("/trasig"): "HTTP 500",
        site.url("/seg"): "timeout",
        site.url("/binar"): "not text",
        site.url("/bild.png"): "type not kept (image/png)",
        site.url("/stor"): "too large",
        site.url("/stor-utan-langd"): "too large",
        site.url("/noindex"): "noindex",
    }
    for never in ("/privat/hemlig", "/extern", "/nofollow-mal"):
        assert site.hits[never] == 0
    assert site.hits["/hopp/5"] == 1 and site.hits["/hopp/6"] == 0  # five redirects followed
    assert all(count == 1 for path, count in site.hits.items()), site.hits.most_common(3)
    # A redirect hop is no page of its own; /ny is reached only through /gammal.
    hops = {"/gammal2", "/ny", "/loop-b", *(f"/hopp/{n}" for n in range(1, 6))}
    assert report.fetched == len(_page_paths(site) - hops)

    state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))["pages"]
    entry = state[site.url("/sida/5")]
    assert entry["file"] == page.name and entry["etag"] and entry["hash"].startswith("sha256:")
    assert entry["last_modified"] == LAST_MODIFIED
    assert state[site.url("/sida/7")]["etag"] is None  # a page validated by date only
    assert not list(folder.glob(".tmp-*"))
    text = format_report(report)
    assert "skipped, redirect loop: 1" in text and "pages/s" in text


def test_recrawl_is_conditional_and_rewrites_only_what_changed(site: Site, tmp_path: Path) -> None:
    crawl_source(_source(site), tmp_path)
    folder = tmp_path / "web" / "testby"
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()}
    changed = {site.url(f"/sida/{n}") for n in (20, 21, 22, 27, 28)}
    for n in (20, 21, 22, 27, 28):  # 27 answers by Last-Modified only
        site.change(n, "Ny text om badplatser.")
    site.gone |= {"/sida/30", "/sida/31"}
    site.broken.add("/sida/40")  # a temporary error keeps the stored copy
    site.hits.clear()
    stored_before = _stored(tmp_path)

    report = crawl_source(_source(site), tmp_path)

    assert set(report.changed) == changed and not report.new
    assert set(report.removed) == {site.url("/sida/30"), site.url("/sida/31")}
    for url in report.removed:
        path = stored_before[url]
        assert not path.exists() and not path.with_name(path.name + SIDECAR).exists()
    assert report.skipped[site.url("/sida/40")] == "HTTP 500"
    assert stored_before[site.url("/sida/40")].is_file()
    assert site.url("/sida/40") in json.loads((folder / STATE_FILE).read_text())["pages"]
    # Every page that did not change answered 304 to the conditional request.
    untouched = {f"/sida/{n}" for n in range(1, PAGES + 1)} - {urlsplit(u).path for u in changed}
    untouched -= {"/sida/30", "/sida/31", "/sida/40"}
    assert {p for p in untouched if site.not_modified[p] == 1} == untouched
    assert site.not_modified["/sida/17"] == 1  # by If-Modified-Since
    # The page without validators came back identical: unchanged, not rewritten.
    assert site.url("/utan-validering") in report.unchanged
    rewritten = {stored_before[url].name for url in changed}
    rewritten |= {name + SIDECAR for name in rewritten}
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()}
    for name, stamp in after.items():
        if name == STATE_FILE:
            continue
        assert (stamp != before[name]) == (name in rewritten), name
    page = stored_before[site.url("/sida/27")]
    assert "Ny text om badplatser" in page.read_text(encoding="utf-8")
    assert json.loads(page.with_name(page.name + SIDECAR).read_text())["updated"] == "2025-01-16"


def test_pages_not_reached_are_removed_only_after_a_complete_crawl(
    site: Site, tmp_path: Path
) -> None:
    crawl_source(_source(site), tmp_path)
    only_listed = _stored(tmp_path)[site.url("/bara-i-sitemap")]
    site.in_sitemap.remove("/bara-i-sitemap")

    short = crawl_source(_source(site, max_pages=10), tmp_path)
    assert short.cut_short == "max_pages (10) reached" and short.fetched == 10
    assert not short.removed and only_listed.is_file()
    state = json.loads((only_listed.parent / STATE_FILE).read_text(encoding="utf-8"))
    assert len(state["pages"]) == len(_stored(tmp_path))  # pages not reached stay listed

    full = crawl_source(_source(site), tmp_path)
    assert full.cut_short is None and full.removed == [site.url("/bara-i-sitemap")]
    assert not only_listed.exists()
    assert not only_listed.with_name(only_listed.name + SIDECAR).exists()


def test_max_depth_and_max_pages_are_honoured(site: Site, tmp_path: Path) -> None:
    report = crawl_source(_source(site, sitemap=None, max_depth=1), tmp_path / "a")
    depth_one = {"/", *(f"/sida/{n}" for n in range(1, 10)), *SPECIAL, "/gammal2", "/loop-b"}
    depth_one |= {f"/hopp/{n}" for n in range(1, 6)}
    assert _page_paths(site) <= depth_one
    assert site.hits["/sida/10"] == 0 and site.hits["/via-noindex"] == 0
    assert site.url("/sida/9") in report.new

    site.hits.clear()
    report = crawl_source(_source(site, sitemap=None, max_pages=5), tmp_path / "b")
    assert report.fetched == 5 and report.cut_short == "max_pages (5) reached"
    assert _page_paths(site) == {"/", "/sida/1", "/sida/2", "/sida/3", "/sida/4"}


def test_unavailable_robots_txt_skips_the_host_and_removes_nothing(
    site: Site, tmp_path: Path
) -> None:
    crawl_source(_source(site, sitemap=None, max_depth=1), tmp_path)
    stored = _stored(tmp_path)
    site.robots_status = 503
    site.hits.clear()
    report = crawl_source(_source(site, sitemap=None, max_depth=1), tmp_path)
    # The stored home page's links are still followed, to the same answer.
    assert site.url("/") in report.skipped and site.url("/sida/1") in report.skipped
    reasons = {"robots.txt unavailable (HTTP 503)", "off host (localhost)"}
    assert set(report.skipped.values()) == reasons
    assert report.fetched == 0 and _page_paths(site) == set()
    assert report.cut_short and not report.removed and _stored(tmp_path) == stored
    assert all(path.is_file() for path in stored.values())


def test_missing_robots_txt_allows_everything(site: Site, tmp_path: Path) -> None:
    site.robots_status = 404
    report = crawl_source(_source(site, sitemap=None, max_depth=1), tmp_path)
    assert site.url("/privat/hemlig") in report.skipped  # not there: a 404 in this site
    assert site.hits["/privat/hemlig"] == 1


def test_a_crawl_delay_too_long_skips_the_host(site: Site, tmp_path: Path) -> None:
    site.robots = "User-agent: *\nCrawl-delay: 120\n"
    report = crawl_source(_source(site, sitemap=None), tmp_path)
    assert report.skipped == {site.url("/"): "Crawl-delay too long (120 s; at most 60)"}
    assert _page_paths(site) == set()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"this is not xml <<<", "not valid XML"),
        (b"<html><body>Hej</body></html>", "not a sitemap (<html>)"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
            b"<urlset><url><loc>&lol;</loc></url></urlset>",
            "DOCTYPE or ENTITY declared",
        ),
        ("<urlset><url><loc>Å</loc></url></urlset>".encode("utf-16"), "not UTF-8"),
        (b"\x1f\x8bskr\xe4p", "not valid gzip"),
    ],
)
def test_a_bad_sitemap_is_a_named_skip(
    site: Site, tmp_path: Path, body: bytes, reason: str
) -> None:
    site.sitemap_body = body
    report = crawl_source(_source(site, max_depth=0), tmp_path)
    assert report.skipped[site.url("/sitemap.xml")].startswith("sitemap: ")
    assert reason in report.skipped[site.url("/sitemap.xml")]
    assert site.url("/") in report.new  # the start URL is still crawled
    assert report.cut_short == f"sitemap {site.url('/sitemap.xml')} unreadable"


def test_parse_sitemap_reads_urlsets_and_indexes() -> None:
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    urlset = f"<urlset {ns}><url><loc> https://a.se/1 </loc></url><url><loc>https://a.se/2</loc></url></urlset>"
    assert parse_sitemap(urlset.encode()) == (False, ["https://a.se/1", "https://a.se/2"])
    index = f"<sitemapindex {ns}><sitemap><loc>https://a.se/s.xml</loc></sitemap></sitemapindex>"
    assert parse_sitemap(gzip.compress(index.encode())) == (True, ["https://a.se/s.xml"])
    with pytest.raises(ValueError, match="too large"):
        parse_sitemap(gzip.compress(b" " * (51 * 1024 * 1024)))


def test_network_failures_end_as_named_skips(site: Site, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]  # nothing listens here once the socket is closed
    refused = f"http://127.0.0.1:{closed}/"
    tls = f"https://127.0.0.1:{site.port}/"  # TLS spoken to a plain-HTTP server
    report = crawl_source(_source(site, start=(refused, tls), sitemap=None), tmp_path)
    assert report.skipped == {
        refused: "robots.txt unavailable (connection refused)",
        tls: "robots.txt unavailable (SSL error)",
    }
    assert not report.new and report.cut_short


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("HTTPS://WWW.Huddinge.SE:443/Bygga#del", None, "https://www.huddinge.se/Bygga"),
        ("http://a.se", None, "http://a.se/"),
        ("http://a.se:8080/x?b=1&a=2", None, "http://a.se:8080/x?b=1&a=2"),
        ("../andra?q=1#x", "https://a.se/en/sida/", "https://a.se/en/andra?q=1"),
        ("//b.se/x", "https://a.se/", "https://b.se/x"),
        ("http://user:lösen@a.se/", None, "http://a.se/"),
        ("mailto:info@a.se", None, None),
        ("javascript:alert(1)", "https://a.se/", None),
        ("ftp://a.se/fil", None, None),
        ("http://[::1", None, None),
        ("http://a.se:99999/", None, None),
        ("https://a.se/" + "x" * 3000, None, None),
        ("", None, None),
    ],
)
def test_normalise_url(url: str, base: str | None, expected: str | None) -> None:
    assert normalise_url(url, base) == expected


def test_file_names_are_readable_and_stable() -> None:
    name = file_name("https://www.huddinge.se/Bygga-bo/Bygglov för altan/", ".html")
    assert name.startswith("bygga-bo-bygglov-for-altan-") and name.endswith(".html")
    assert name == file_name("https://www.huddinge.se/Bygga-bo/Bygglov för altan/", ".html")
    assert file_name("https://a.se/", ".html").startswith("index-")
    assert file_name("https://a.se/x?id=1", ".pdf") != file_name("https://a.se/x?id=2", ".pdf")
    assert len(file_name("https://a.se/" + "lång-" * 100, ".docx")) < 80


def test_state_cannot_point_outside_the_source_folder(site: Site, tmp_path: Path) -> None:
    folder = tmp_path / "web" / "testby"
    folder.mkdir(parents=True)
    outside = tmp_path / "viktig.md"
    outside.write_text("# Behålls\n", encoding="utf-8")
    entry = {"url": "x", "hash": "sha256:0", "fetched": "2025-01-01T00:00:00+00:00"}
    pages = {
        site.url("/a"): {**entry, "file": "../../viktig.md"},
        site.url("/b"): {**entry, "file": "/etc/hostname"},
    }
    (folder / STATE_FILE).write_text(json.dumps({"pages": pages}), encoding="utf-8")
    crawl_source(_source(site, sitemap=None, max_depth=0), tmp_path)
    assert outside.read_text(encoding="utf-8") == "# Behålls\n"


def test_a_corrupt_state_file_starts_afresh(site: Site, tmp_path: Path) -> None:
    folder = tmp_path / "web" / "testby"
    folder.mkdir(parents=True)
    (folder / STATE_FILE).write_text("{not json", encoding="utf-8")
    report = crawl_source(_source(site, sitemap=None, max_depth=0), tmp_path)
    assert report.new == [site.url("/")]


def _write_sources(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_sources_file_is_read_with_defaults(tmp_path: Path) -> None:
    path = _write_sources(
        tmp_path / "sources.toml",
        '[[source]]\nname = "botkyrka"\nstart = ["https://WWW.Botkyrka.se/"]\n'
        'deny = ["\\\\?"]\n\n'
        '[[source]]\nname = "haninge-pdf"\nsitemap = "https://www.haninge.se/sitemap.xml"\n'
        'hosts = ["www.haninge.se", "dokument.haninge.se"]\nenabled = false\n',
    )
    botkyrka, haninge = load_sources(path)
    assert botkyrka.start == ("https://www.botkyrka.se/",)
    assert botkyrka.hosts == {"www.botkyrka.se"} and botkyrka.max_depth == 3
    assert botkyrka.max_pages == 500 and botkyrka.max_bytes == 20 * 1024 * 1024
    assert botkyrka.delay == 0.5 and botkyrka.timeout == 10 and botkyrka.enabled
    assert botkyrka.refusal("https://www.botkyrka.se/sok?q=1") == "denied by pattern"
    assert haninge.hosts == {"www.haninge.se", "dokument.haninge.se"} and not haninge.enabled


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('name = "Huddinge kommun"', "name: krävs"),
        ('start = ["ftp://a.se/"]', "start: 'ftp://a.se/' är ingen http(s)-URL"),
        ('start = "https://a.se/"', "start: en lista av texter"),
        ('allow = ["[oavslutad"]', "allow: ogiltigt reguljärt uttryck"),
        ('deny = ["a.se"]', "start: https://a.se/ utesluts av källans egna regler (allow/deny)"),
        ('hosts = ["b.se"]', "start: https://a.se/ utesluts av källans egna regler (värden"),
        ("max_depth = -1", "max_depth: ett heltal ≥ 0 (är -1)"),
        ("max_pages = 2.5", "max_pages: ett heltal ≥ 1"),
        ('timeout = "snabbt"', "timeout: ett tal ≥ 0.1"),
        ("delay = true", "delay: ett tal ≥ 0"),
        ('municipality = "Södertälje"', "municipality: ett kommun-id"),
        ("enabled = 1", "enabled: true eller false"),
        ("maxdepth = 2", "maxdepth: okänt fält"),
    ],
)
def test_a_bad_field_is_named(tmp_path: Path, line: str, message: str) -> None:
    key = line.split(" =")[0]
    base = {"name": '"a"', "start": '["https://a.se/"]'}
    base.pop(key, None)
    body = "[[source]]\n" + "".join(f"{k} = {v}\n" for k, v in base.items()) + line + "\n"
    path = _write_sources(tmp_path / "sources.toml", body)
    with pytest.raises(SourcesError, match="källa 1.*" + re.escape(message)):
        load_sources(path)


def test_every_bad_field_is_reported_at_once(tmp_path: Path) -> None:
    path = _write_sources(
        tmp_path / "sources.toml",
        'crawl = 1\n[[source]]\nname = "a"\nmax_pages = 0\ndelay = -1\n'
        '[[source]]\nname = "c"\nstart = ["https://a.se/"]\n'
        '[[source]]\nname = "c"\nstart = ["https://b.se/"]\n',
    )
    with pytest.raises(SourcesError) as caught:
        load_sources(path)
    problems = caught.value.problems
    assert len(problems) == 5, problems
    assert "namnet 'c' används av flera källor" in problems[-1]
    assert "okänd nyckel 'crawl'" in problems[0]
    assert any("källa 1 (a): start: ange start-URL:er" in p for p in problems)
    assert any("max_pages: ett heltal ≥ 1 (är 0)" in p for p in problems)
    assert any("delay: ett tal ≥ 0 (är -1)" in p for p in problems)


@pytest.mark.parametrize(
    "text", ["[[source]\nname = ", '[[source]]\nname = "a"\nname = "b"\n', "source = 1\n"]
)
def test_an_unreadable_sources_file_is_reported(tmp_path: Path, text: str) -> None:
    with pytest.raises(SourcesError, match="sources.toml"):
        load_sources(_write_sources(tmp_path / "sources.toml", text))


def test_the_example_sources_file_crawls_nothing(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    sources = load_sources(ROOT / "sources.toml")
    assert sources and not any(source.enabled for source in sources)
    corpus = tmp_path / "corpus"
    args = ["--corpus-dir", str(corpus), "crawl", "--sources", str(ROOT / "sources.toml")]
    assert main(args) == 0
    assert not corpus.exists()
    assert "nothing to crawl" in capsys.readouterr().err


def test_cli_crawls_reports_and_exits_2_on_a_bad_sources_file(  # type: ignore[no-untyped-def]
    site: Site, tmp_path: Path, capsys
) -> None:
    corpus = tmp_path / "corpus"
    sources = _write_sources(
        tmp_path / "sources.toml",
        f'[[source]]\nname = "testby"\nmunicipality = "huddinge"\nstart = ["{site.url("/")}"]\n'
        "max_depth = 1\ndelay = 0\ntimeout = 1.0\nmax_bytes = 200000\n"
        '[[source]]\nname = "annan"\nstart = ["https://annan.invalid/"]\nenabled = false\n',
    )
    args = ["--corpus-dir", str(corpus), "crawl", "--sources", str(sources), "--no-build"]
    assert main([*args, "--json"]) == 0
    [report] = json.loads(capsys.readouterr().out)["sources"]
    assert report["source"] == "testby" and report["complete"] is True
    assert site.url("/sida/1") in report["new"] and report["fetched"] > 10
    assert report["skipped"][site.url("/seg")] == "timeout"
    assert (corpus / "web" / "testby" / file_name(site.url("/sida/1"), ".html")).is_file()

    assert main([*args, "--source", "testby"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("testby: ") and " 0 new, 0 changed, 0 removed" in out
    assert "skipped, timeout: 1" in out

    assert main([*args, "--source", "annan"]) == 2
    assert "avstängd" in capsys.readouterr().err
    bad = _write_sources(tmp_path / "bad.toml", '[[source]]\nname = "x"\nmax_depth = "tre"\n')
    assert main(["--corpus-dir", str(corpus), "crawl", "--sources", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Fel i källfilen:" in err and "max_depth: ett heltal ≥ 0 (är 'tre')" in err
    assert "start: ange start-URL:er" in err and "Traceback" not in err
