"""`python -m benchmarks.ingest [--quick]`: crawling and indexing a municipal site, and again.

The bars of issue 12, measured on this machine:

* "A 100-page site plus 20 PDFs (about 200 pages) and 10 DOCX are ingested and indexed on
  this 2-core machine; report the time, the pages per second of fetching and parsing apart
  from embedding, and peak memory."
* "A re-crawl with 5 changed and 2 removed pages re-embeds only those and finishes in under
  10 % of the first crawl's time."

The site. A fictional municipality's web site is generated into a temporary folder from a
seed (`benchmarks.site_fixture`): 100 Swedish pages of a few hundred words each (headings,
paragraphs, lists; header, menu, breadcrumbs, related-pages sidebar, footer and cookie banner
around them), a home page, 20 PDFs of 10 pages and 10 Word files written with fpdf2 and
python-docx (`tests.documents`), all linked from the pages and listed in /sitemap.xml. A real
`http.server.ThreadingHTTPServer` on 127.0.0.1 serves it with ETag and Last-Modified and
answers conditional requests with 304, as a municipal CMS does; no delay between requests
(the source's `delay = 0`), so the crawl is measured, not the politeness.

The runs. Each ingest is one fresh process, as `assistant crawl` is (its peak memory is its
own): `crawl_source` into a temporary corpus, then the project's `Assistant.build` with the
default embedding model, its vectors reused from the previous build where the text embedded
is the same. The model is loaded before the build and timed apart (with one warm-up encode);
the build's stages are timed from its progress lines: parsing (`load_corpus`), chunking,
embedding chunks (and the FAISS index), embedding answer sentences (and BM25), saving. Then
5 pages are edited (lead paragraph, a new paragraph, the date) and 2 deleted, with the links
to them (in the A-Ö list and the related-pages sidebars, page chrome the index never sees),
and the site is crawled and the index rebuilt again.

Measured: the time of each stage; pages per second of fetching and of parsing, where a page
is an HTML page, a PDF page or a Word file (files per second beside it); peak resident
memory (VmHWM) after the crawl and for the whole run; how many chunk and sentence vectors
each build embedded, checked against the texts that are new to the rebuild and the pages
they come from; the re-crawl's time against the first, with and without the model load.

Examples:
    python -m benchmarks.ingest
    python -m benchmarks.ingest --quick --json-out /tmp/ingest.json
"""

from __future__ import annotations

import argparse
import contextlib
import email.utils
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from assistant.sources import Source
from benchmarks import speed
from benchmarks.site_fixture import FULL, QUICK, SiteSpec, change_site, generate_site

Say = Callable[[str], None]

ROOT = Path(__file__).resolve().parents[1]
#: The issue's bar: a re-crawl with its rebuild takes under this share of the first ingest.
BAR_RECRAWL_SHARE = 0.10
#: Pages edited and deleted between the two crawls (the issue's numbers).
CHANGED, REMOVED = 5, 2
SEED = 12  # the number; any seed gives a site of the same shape
CHILD_TIMEOUT_S = 3600.0
RESULT_PREFIX = "INGEST-RESULT "
#: Media types served, by suffix.
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
}
#: The build's stages, each with the first progress line (`Assistant.build`, `VectorIndex.build`)
#: said when it is over; the sentence stage ends at the line before the BM25 one.
STAGES = (
    ("parse", ("Loaded ",)),
    ("chunk", ("Split into ",)),
    ("open_previous", ("Reused ", "No previous build", "Previous build")),
    ("embed_chunks", ("Vector index: ",)),
    ("embed_segments", None),
    ("bm25", ("BM25 index over ",)),
    ("save", ("Index written to ",)),
)
_REUSED = re.compile(r"Reused (\d+)/(\d+) (chunk|answer segment) vectors")


# --------------------------------------------------------------------------------- the server


class _SiteHandler(BaseHTTPRequestHandler):
    """GET of the files below `root`, with ETag (a content hash) and Last-Modified (the file's
    mtime); If-None-Match, else If-Modified-Since, answered with 304 (RFC 9110, 13.1)."""

    root: Path
    protocol_version = "HTTP/1.1"  # keep-alive, as a real site; httpx reuses the connection
    # Headers and body go out in two writes; with Nagle's algorithm on, the body then waits
    # for the client's delayed ACK (40 ms on Linux) on every response. Web servers set
    # TCP_NODELAY (nginx's tcp_nodelay is on by default), and so does this one.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:  # noqa: N802  (the name http.server calls)
        path = self._file()
        if path is None:
            self._send(404, {"Content-Type": MEDIA_TYPES[".txt"]}, b"Sidan finns inte.")
            return
        data = path.read_bytes()
        mtime = int(path.stat().st_mtime)
        headers = {
            "ETag": '"' + hashlib.sha256(data).hexdigest()[:20] + '"',
            "Last-Modified": email.utils.formatdate(mtime, usegmt=True),
        }
        if self._not_modified(headers["ETag"], mtime):
            self._send(304, headers, b"")
            return
        headers["Content-Type"] = MEDIA_TYPES.get(path.suffix, "application/octet-stream")
        self._send(200, headers, data)

    def _file(self) -> Path | None:
        relative = unquote(urlsplit(self.path).path).lstrip("/")
        if relative == "" or relative.endswith("/"):
            relative += "index.html"
        path = (self.root / relative).resolve()
        inside = path.is_relative_to(self.root.resolve())
        return path if inside and path.is_file() else None

    def _not_modified(self, etag: str, mtime: int) -> bool:
        if (tags := self.headers.get("If-None-Match")) is not None:
            return tags.strip() == "*" or etag in [t.strip() for t in tags.split(",")]
        if since := self.headers.get("If-Modified-Since"):
            with contextlib.suppress(TypeError, ValueError, IndexError, OverflowError):
                return mtime <= email.utils.parsedate_to_datetime(since).timestamp()
        return False

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # one line per request would swamp the benchmark's output


@contextlib.contextmanager
def serving(root: Path) -> Iterator[str]:
    """Serve `root` on a free port of 127.0.0.1 in a thread; yields the base URL."""
    handler = type("Handler", (_SiteHandler,), {"root": root})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --------------------------------------------------------------------------------- one ingest


def site_source(base_url: str) -> Source:
    """The source a municipality would declare for the site: start page and sitemap."""
    return Source(
        name="testby",
        start=(base_url + "/",),
        sitemap=base_url + "/sitemap.xml",
        hosts=frozenset({"127.0.0.1"}),
        max_pages=10_000,
        delay=0.0,
    )


def stage_seconds(started: float, stamps: list[tuple[float, str]]) -> dict[str, float | None]:
    """Seconds of each of `STAGES`, from when the build said each was over (None: unsaid)."""
    ends: dict[str, float | None] = {}
    for name, prefixes in STAGES:
        if prefixes is None:  # ends where the next stage's closing line comes, less one
            continue
        ends[name] = next((t for t, m in stamps if m.startswith(prefixes)), None)
    bm25 = next((i for i, (_, m) in enumerate(stamps) if m.startswith("BM25 index over ")), 0)
    ends["embed_segments"] = stamps[bm25 - 1][0] if bm25 > 0 else None
    out: dict[str, float | None] = {}
    previous: float | None = started
    for name, _ in STAGES:
        end = ends[name]
        out[name] = end - previous if end is not None and previous is not None else None
        previous = end if end is not None else previous
    return out


def embedded_counts(messages: list[str], n_chunks: int, n_segments: int) -> dict[str, int]:
    """Vectors the build embedded (not reused), from its "Reused X/Y … vectors" lines;
    everything when it had no previous build to reuse from."""
    embedded = {"chunks": n_chunks, "segments": n_segments}
    for message in messages:
        if match := _REUSED.search(message):
            reused, total, what = int(match[1]), int(match[2]), match[3]
            embedded["chunks" if what == "chunk" else "segments"] = total - reused
    return embedded


def ingest_child(base_url: str, work: Path, texts_out: Path) -> dict[str, Any]:
    """One ingest in this process: crawl the site into `work/corpus`, build `work/index`.

    Writes the digest and page URL of every text embedded for the index to `texts_out`, so
    the parent can tell which texts a rebuild found new.
    """
    from assistant.config import Settings
    from assistant.crawl import crawl_source
    from assistant.index import passage_text, segment_texts
    from assistant.pipeline import Assistant

    started = time.perf_counter()
    report = crawl_source(site_source(base_url), work / "corpus", progress=lambda _m: None)
    crawl_s = time.perf_counter() - started
    peak_after_crawl = speed.peak_rss_mib()["peak_rss_mib"]

    settings = Settings(
        corpus_dir=work / "corpus", index_dir=work / "index", model_cache_dir=ROOT / "models"
    )
    bot = Assistant(settings)
    start = time.perf_counter()
    bot.load_embedder().embed_passages(["Uppvärmning."])
    model_s = time.perf_counter() - start

    stamps: list[tuple[float, str]] = []
    start = time.perf_counter()
    index = bot.build(progress=lambda message: stamps.append((time.perf_counter(), message)))
    build_s = time.perf_counter() - start
    memory = speed.peak_rss_mib()

    chunk_urls = [c.url or c.doc_id for c in index.chunks]
    segment_urls = [chunk_urls[s.chunk_id] for s in index.segments]
    texts = {
        "chunks": [
            [u, _digest(passage_text(c))] for u, c in zip(chunk_urls, index.chunks, strict=True)
        ],
        "segments": [
            [u, _digest(t)]
            for u, t in zip(segment_urls, segment_texts(index.chunks, index.segments), strict=True)
        ],
    }
    texts_out.write_text(json.dumps(texts), encoding="utf-8")
    documents: dict[str, dict[str, Any]] = {}
    for chunk in index.chunks:
        doc = documents.setdefault(chunk.url or chunk.doc_id, {"kind": chunk.kind, "chunks": 0})
        doc["chunks"] += 1
    return {
        "crawl": {**report.as_dict(), "seconds": crawl_s},
        "model_s": model_s,
        "build_s": build_s,
        "stages": stage_seconds(start, stamps),
        "index": {
            "chunks": len(index.chunks),
            "segments": len(index.segments),
            "documents": len(documents),
            "kinds": dict(sorted(Counter(d["kind"] for d in documents.values()).items())),
            "urls": sorted(documents),
        },
        "embedded": embedded_counts([m for _, m in stamps], len(index.chunks), len(index.segments)),
        "build_messages": [m for _, m in stamps if not m.startswith("Embedded ")],
        "peak_rss_after_crawl_mib": peak_after_crawl,
        **memory,
    }


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def run_child(base_url: str, work: Path, texts_out: Path) -> dict[str, Any]:
    """`ingest_child` in a fresh interpreter; its result, with the process's wall time."""
    start = time.perf_counter()
    args = ["--child", base_url, "--work", str(work), "--texts-out", str(texts_out)]
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.ingest", *args],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        env=speed.child_env(),
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
    if proc.returncode != 0 or not lines:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"the ingest process failed (exit code {proc.returncode}):\n{tail}")
    data = json.loads(lines[-1][len(RESULT_PREFIX) :])
    data["process_s"] = time.perf_counter() - start
    return data


# --------------------------------------------------------------------------------- the run


def new_texts(old_file: Path, new_file: Path) -> dict[str, Any]:
    """The rebuild's texts whose digest the first build did not have: counts and pages."""
    old, new = (json.loads(p.read_text(encoding="utf-8")) for p in (old_file, new_file))
    out: dict[str, Any] = {}
    urls: set[str] = set()
    for kind in ("chunks", "segments"):
        known = {digest for _, digest in old[kind]}
        fresh = [(url, digest) for url, digest in new[kind] if digest not in known]
        out[f"expected_{kind}"] = len(fresh)
        urls |= {url for url, _ in fresh}
    out["urls_with_new_texts"] = sorted(urls)
    return out


def _measured(name: str, fn: Callable[[], dict[str, Any]], say: Say) -> dict[str, Any]:
    """`fn()` with the load average and the cores other processes used while it ran."""
    say(f"{name} …")
    before, cpu = speed.loadavg(), speed.cpu_snapshot()
    data = fn()
    data["loadavg_before"], data["loadavg_after"] = before, speed.loadavg()
    data["other_cpu_cores"] = speed.other_cores(cpu, speed.cpu_snapshot())
    crawl = data["crawl"]
    say(
        f"{name}: crawl {crawl['seconds']:.1f} s ({crawl['fetched']} requests), "
        f"model {data['model_s']:.1f} s, build {data['build_s']:.1f} s, "
        f"peak RSS {data['peak_rss_mib']:.0f} MiB"
    )
    return data


def run(spec: SiteSpec = FULL, *, say: Say = print, work_dir: Path | None = None) -> dict[str, Any]:
    """Generate and serve the site, ingest it, change it, ingest it again.

    Returns a JSON-serialisable dict; `format_table` prints it. Everything is written below
    a temporary folder (in `work_dir` when given), removed at the end.
    """
    started = time.perf_counter()
    result: dict[str, Any] = {
        "profile": spec.name,
        "spec": asdict(spec),
        "machine": speed.machine(),
    }
    with tempfile.TemporaryDirectory(prefix="ingest-", dir=work_dir) as tmp:
        work = Path(tmp)
        with serving(work / "site") as base_url:
            start = time.perf_counter()
            site = generate_site(work / "site", spec, base_url=base_url, seed=SEED)
            result["site"] = site.summary()
            say(
                f"site: {site.html_pages} HTML pages, {len(site.pdfs)} PDFs "
                f"({site.pdf_pages} pages), {len(site.docx)} Word files, generated in "
                f"{time.perf_counter() - start:.1f} s"
            )
            runs = {
                "first": _measured(
                    "first crawl and build",
                    lambda: run_child(base_url, work, work / "texts-first.json"),
                    say,
                ),
            }
            changes = change_site(site, changed=CHANGED, removed=REMOVED, seed=SEED)
            say(f"changed {len(changes.changed)} pages, removed {len(changes.removed)}")
            runs["again"] = _measured(
                "re-crawl and rebuild",
                lambda: run_child(base_url, work, work / "texts-again.json"),
                say,
            )
            runs["first"]["site"], runs["again"]["site"] = result["site"], site.summary()
        result["changes"] = {
            "changed_urls": sorted(base_url + p for p in changes.changed),
            "removed_urls": sorted(base_url + p for p in changes.removed),
            "rewritten_urls": sorted(base_url + p for p in changes.rewritten),
        }
        result["runs"] = runs
        result["reuse"] = new_texts(work / "texts-first.json", work / "texts-again.json")
    result["bars"] = bars(result)
    result["machine"]["loadavg_end"] = speed.loadavg()
    result["wall_s"] = time.perf_counter() - started
    return result


# --------------------------------------------------------------------------------- summaries


def ingest_seconds(data: dict[str, Any], *, model: bool = True) -> float:
    """Crawl, model load (unless `model` is false) and build: the ingest's own work."""
    return data["crawl"]["seconds"] + (data["model_s"] if model else 0.0) + data["build_s"]


def rates(data: dict[str, Any]) -> dict[str, float | None]:
    """Pages and files per second of fetching, of parsing, and of both (embedding apart)."""
    crawl_s, parse_s = data["crawl"]["seconds"], data["stages"]["parse"]
    pages, files = data["site"]["pages"], data["site"]["files"]

    def per(n: int, seconds: float | None) -> float | None:
        return n / seconds if seconds else None

    return {
        "fetch_pages_per_s": per(pages, crawl_s),
        "fetch_files_per_s": per(files, crawl_s),
        "parse_pages_per_s": per(pages, parse_s),
        "parse_files_per_s": per(files, parse_s),
        "fetch_parse_pages_per_s": per(pages, crawl_s + (parse_s or 0.0)),
    }


def _bar(name: str, value: float | None, unit: str, bar: str, met: bool | None) -> dict:
    return {"name": name, "value": value, "unit": unit, "bar": bar, "met": met}


def bars(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's two bars: the figures the first asks for, and the second's checks."""
    first, again = result["runs"]["first"], result["runs"]["again"]
    reuse, changes = result["reuse"], result["changes"]
    share = ingest_seconds(again) / ingest_seconds(first)
    share_no_model = ingest_seconds(again, model=False) / ingest_seconds(first, model=False)
    only_changed = (
        reuse["urls_with_new_texts"] == changes["changed_urls"]
        and again["embedded"]["chunks"] == reuse["expected_chunks"]
        and again["embedded"]["segments"] == reuse["expected_segments"]
    )
    removed = set(changes["removed_urls"])
    gone = set(again["crawl"]["removed"]) == removed and not removed & set(again["index"]["urls"])
    fetch_parse = rates(first)["fetch_parse_pages_per_s"]
    # The share depends on the site's size (fixed costs weigh more on a small one): the bar
    # is judged on the site only.
    full = result["spec"] == asdict(FULL)
    under = f"< {100 * BAR_RECRAWL_SHARE:g} %" + ("" if full else " (full site)")

    def within(value: float) -> bool | None:
        return value < BAR_RECRAWL_SHARE if full else None

    return [
        _bar("first ingest: crawl + model load + build", ingest_seconds(first), " s", "", None),
        _bar("first ingest: fetch + parse, embedding apart", fetch_parse, " pages/s", "", None),
        _bar("first ingest: peak RSS", first["peak_rss_mib"], " MiB", "", None),
        _bar("re-crawl re-embeds only the edited pages' texts", None, "", "", only_changed),
        _bar("deleted pages gone from the corpus and index", None, "", "", gone),
        _bar("re-crawl + rebuild / first ingest", 100 * share, " %", under, within(share)),
        _bar(
            "  the same, model load left out of both",
            100 * share_no_model,
            " %",
            under,
            within(share_no_model),
        ),
    ]


def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def format_table(result: dict[str, Any]) -> str:
    """The two ingests side by side, then the bars, as plain aligned text."""
    m, site = result["machine"], result["site"]
    first, again = result["runs"]["first"], result["runs"]["again"]
    lines = [
        f"Ingest benchmark, {result['profile']} profile - {m.get('cpu_model', '?')}, "
        f"{m.get('cpu_count', '?')} CPUs",
        f"Site: {site['html_pages']} HTML pages (home page included), {site['pdfs']} PDFs "
        f"({site['pdf_pages']} pages), {site['docx']} Word files = {site['pages']} pages in "
        f"{site['files']} files, {site['bytes'] / 2**20:.1f} MiB; served on loopback, delay 0",
        f"Change: {len(result['changes']['changed_urls'])} pages edited, "
        f"{len(result['changes']['removed_urls'])} deleted with the links to them "
        f"({len(result['changes']['rewritten_urls'])} more pages rewritten: A-Ö list and "
        "related-pages sidebars, page chrome)",
        "",
    ]
    rows: list[tuple[str, str, str]] = []

    def row(label: str, pick: Callable[[dict[str, Any]], str]) -> None:
        rows.append((label, pick(first), pick(again)))

    def crawl_counts(d: dict[str, Any]) -> str:
        c = d["crawl"]
        return (
            f"{len(c['new'])}/{len(c['changed'])}/{len(c['unchanged'])}/"
            f"{len(c['removed'])}/{len(c['skipped'])}"
        )

    row("crawl (fetch, store) s", lambda d: _f(d["crawl"]["seconds"], 2))
    row("  requests", lambda d: str(d["crawl"]["fetched"]))
    row("  new/changed/unchanged/removed/skipped", crawl_counts)
    row("  fetch pages/s (files/s)", lambda d: _rate_pair(d, "fetch"))
    row("parse (load_corpus) s", lambda d: _f(d["stages"]["parse"], 2))
    row("  documents", lambda d: str(d["index"]["documents"]))
    row("  parse pages/s (files/s)", lambda d: _rate_pair(d, "parse"))
    row("  fetch + parse pages/s", lambda d: _f(rates(d)["fetch_parse_pages_per_s"]))
    row("chunk s", lambda d: _f(d["stages"]["chunk"], 2))
    row("model load s (+ 1 warm-up encode)", lambda d: _f(d["model_s"], 2))
    row("open the previous build s", lambda d: _f(d["stages"]["open_previous"], 2))
    row("embed chunks + FAISS s", lambda d: _f(d["stages"]["embed_chunks"], 2))
    row("  chunk vectors embedded (per s)", lambda d: _embedded(d, "chunks", "embed_chunks"))
    row("embed answer sentences s", lambda d: _f(d["stages"]["embed_segments"], 2))
    row("  sentence vectors embedded (per s)", lambda d: _embedded(d, "segments", "embed_segments"))
    row("BM25 s", lambda d: _f(d["stages"]["bm25"], 2))
    row("save s", lambda d: _f(d["stages"]["save"], 2))
    row("total: crawl + model + build s", lambda d: _f(ingest_seconds(d), 2))
    row("  without the model load s", lambda d: _f(ingest_seconds(d, model=False), 2))
    row("process wall s (interpreter, imports)", lambda d: _f(d["process_s"], 2))
    row("peak RSS MiB after crawl / whole run", lambda d: _peaks(d))
    row("load average before/after, other cores", lambda d: _load(d))
    header = ("", "first ingest", "re-crawl")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for r in [header, *rows]:
        lines.append(f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}".rstrip())
        if r is header:
            lines.append("-" * (sum(widths) + 4))
    reuse = result["reuse"]
    lines += [
        "",
        f"Texts new to the rebuild: {reuse['expected_chunks']} chunks, "
        f"{reuse['expected_segments']} sentences, from "
        f"{len(reuse['urls_with_new_texts'])} pages (the edited ones: "
        f"{'yes' if reuse['urls_with_new_texts'] == result['changes']['changed_urls'] else 'no'})",
        "",
    ]
    name_width = max(len(b["name"]) for b in result["bars"])
    for bar in result["bars"]:
        met = {True: "met", False: "MISSED", None: "measured"}[bar["met"]]
        value = "" if bar["value"] is None else f"{_f(bar['value'])}{bar['unit']}"
        lines.append(f"{bar['name']:<{name_width}}  {value:>16}  {bar['bar']:>18}  {met}")
    lines += [
        "",
        "pages = HTML pages + PDF pages + Word files. crawl = the requests (conditional on",
        "the re-crawl: 304 when unchanged) and storing files and sidecars. parse ... save are",
        "the stages of `Assistant.build`, timed by its progress lines. A vector is embedded",
        "unless the previous build embedded the same text. Peak RSS: the ingest process's",
        "VmHWM. Other cores: cores kept busy by other processes during the run.",
        f"The whole run took {result['wall_s']:.0f} s.",
    ]
    return "\n".join(lines)


def _rate_pair(data: dict[str, Any], stage: str) -> str:
    r = rates(data)
    return f"{_f(r[f'{stage}_pages_per_s'])} ({_f(r[f'{stage}_files_per_s'])})"


def _embedded(data: dict[str, Any], what: str, stage: str) -> str:
    n, seconds = data["embedded"][what], data["stages"][stage]
    rate = f" ({n / seconds:.0f})" if n and seconds else ""
    return f"{n}/{data['index'][what]}{rate}"


def _peaks(data: dict[str, Any]) -> str:
    return f"{_f(data['peak_rss_after_crawl_mib'], 0)} / {_f(data['peak_rss_mib'], 0)}"


def _load(data: dict[str, Any]) -> str:
    before, after = data.get("loadavg_before"), data.get("loadavg_after")
    loads = f"{before[0]:.2f}/{after[0]:.2f}" if before and after else "-"
    return f"{loads}, {_f(data.get('other_cpu_cores'), 2)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ingest",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
        epilog=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick", action="store_true", help="a small site: 10 pages, 2 PDFs, 1 Word file"
    )
    parser.add_argument("--json-out", type=Path, default=ROOT / "benchmarks/results/ingest.json")
    parser.add_argument("--work-dir", type=Path, help="where the temporary site and index go")
    # Internal: the fresh process of one ingest.
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--texts-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        data = ingest_child(args.child, args.work, args.texts_out)
        print(RESULT_PREFIX + json.dumps(data), flush=True)
        return 0

    def say(message: str) -> None:
        print(f"· {message}", file=sys.stderr, flush=True)

    result = run(QUICK if args.quick else FULL, say=say, work_dir=args.work_dir)
    print(format_table(result))
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    say(f"results written to {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
