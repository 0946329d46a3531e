"""Crawl the municipalities' web pages into the corpus, and keep them fresh.

A crawl of one source (see `assistant.sources`) goes breadth-first from the start URLs and
the sitemap, stays on the source's hosts and inside its allow/deny patterns, and obeys
robots.txt (the HTTP side is `assistant.fetching`). Each kept page (HTML, PDF, DOCX) is
stored under `<corpus>/web/<source>/` with a sidecar `<file>.meta.json` ({"url", "title",
"updated", "municipality", "source", "fetched"}) that the corpus loader reads.
`<corpus>/web/<source>/.crawl.json` keeps what the next crawl needs: per URL the file, ETag,
Last-Modified, content hash and fetch time. A re-crawl asks conditionally, leaves unchanged
files untouched (so the index build reuses their vectors) and removes pages that are gone;
a temporary error (5xx, timeout) never removes a stored page.

Everything that goes wrong with one URL ends as a named skip in the report; nothing outside
`<corpus>/web/<source>/` is ever written or deleted.

Example:
    >>> sources = load_sources(Path("sources.toml"))
    >>> report = crawl_source(sources[0], Path("corpus"))
    >>> print(format_report(report))
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import logging
import os
import re
import tempfile
import time
import unicodedata
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from assistant.fetching import (
    KEPT_TYPES,
    MAX_SITEMAP_BYTES,
    TEMPORARY_STATUSES,
    USER_AGENT,
    Content,
    Fetcher,
    Response,
    Skip,
    origin_of,
    parse_sitemap,
    read_content,
    read_html,
)
from assistant.sources import Source, normalise_url

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

#: Folder below the corpus that crawled sources are stored in, one subfolder per source.
WEB_DIR = "web"
#: Sitemap files read for one source (an index and the sitemaps it lists).
MAX_SITEMAPS = 100
SIDECAR = ".meta.json"
STATE_FILE = ".crawl.json"
#: Names the crawler gives files: a slug, 8 hex digits of the URL's hash and the suffix.
_FILE_NAME = re.compile(r"[a-z0-9-]{1,60}-[0-9a-f]{8}\.(?:html|pdf|docx)")


@dataclass
class CrawlReport:
    """What one crawl of a source did; every URL list holds the URLs as requested."""

    source: str
    fetched: int = 0  # page requests made
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # 304, or the same content again
    removed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # url -> reason
    cut_short: str | None = None  # why the crawl is incomplete (nothing unreached is removed)
    seconds: float = 0.0

    @property
    def pages_per_second(self) -> float:
        return self.fetched / self.seconds if self.seconds > 0 else 0.0

    @property
    def touched(self) -> bool:
        """Whether the stored pages changed (new, changed or removed files)."""
        return bool(self.new or self.changed or self.removed)

    def as_dict(self) -> dict[str, object]:
        return {
            **asdict(self),
            "complete": self.cut_short is None,
            "pages_per_second": round(self.pages_per_second, 2),
        }


@dataclass(frozen=True)
class _Entry:
    """The crawl state of one URL: where it is stored and what makes the next request cheap."""

    file: str
    url: str  # final URL after redirects
    hash: str
    fetched: str
    etag: str | None = None
    last_modified: str | None = None


def crawl_source(
    source: Source, corpus_dir: Path, *, progress: Progress | None = None
) -> CrawlReport:
    """Crawl one source into `<corpus_dir>/web/<source.name>/` and report what changed.

    Args:
        source: What to crawl (from `load_sources`).
        corpus_dir: The corpus folder; only its `web/<source.name>/` subfolder is touched.
        progress: Called with a line now and then (start, every 100 pages).

    Returns:
        The counts and URLs: fetched, new, changed, unchanged, removed, skipped with reasons.
    """
    folder = corpus_dir / WEB_DIR / source.name
    folder.mkdir(parents=True, exist_ok=True)
    say = progress or log.info
    say(f"Crawling {source.name} into {folder}")
    started = time.monotonic()
    # Accept-Encoding without br/zstd: gzip and deflate expand a chunk at most ~1000-fold,
    # which keeps the streamed body's memory bounded before the size cap is checked.
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
    with httpx.Client(headers=headers, timeout=source.timeout, follow_redirects=False) as client:
        crawl = _Crawl(source, folder, Fetcher(source, client), say)
        crawl.run()
    crawl.report.seconds = time.monotonic() - started
    return crawl.report


class _Crawl:
    """One breadth-first crawl of a source: the queue, the old and new state, the report."""

    def __init__(self, source: Source, folder: Path, fetcher: Fetcher, say: Progress) -> None:
        self.source, self.folder, self.fetcher, self.say = source, folder, fetcher, say
        self.old = _load_state(folder)
        self.new: dict[str, _Entry] = {}
        self.report = CrawlReport(source.name)
        self.queue: deque[tuple[str, int]] = deque()
        self.seen: set[str] = set()  # every URL queued or refused
        self.visited: set[str] = set()
        self.stored: set[str] = set()  # final URLs stored in this crawl
        self.announced = 0  # pages fetched at the last progress line
        self.now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

    def run(self) -> None:
        for url in self.source.start:
            self.enqueue(url, 0)
        if self.source.sitemap:
            for url in self.sitemap_urls(self.source.sitemap):
                self.enqueue(url, 0)
        while self.queue:
            if self.report.fetched >= self.source.max_pages:
                self.report.cut_short = f"max_pages ({self.source.max_pages}) reached"
                break
            url, depth = self.queue.popleft()
            links = self.visit(url)
            if depth < self.source.max_depth:
                for link in links:
                    self.enqueue(link, depth + 1)
            if self.report.fetched >= self.announced + 100:
                self.announced = self.report.fetched
                self.say(f"{self.source.name}: {self.report.fetched} pages fetched")
        self.finish()

    def enqueue(self, url: str, depth: int) -> None:
        if url in self.seen:
            return
        self.seen.add(url)
        if reason := self.source.refusal(url):
            self.report.skipped[url] = reason
        else:
            self.queue.append((url, depth))

    def sitemap_urls(self, first: str) -> list[str]:
        """The page URLs a sitemap (or a sitemap index, followed) lists."""
        todo, done, urls = deque([first]), set[str](), list[str]()
        while todo and len(done) < MAX_SITEMAPS:
            url = todo.popleft()
            if url in done:
                continue
            done.add(url)
            try:
                if reason := self.source.refusal(url, patterns=False):
                    raise Skip(reason)
                self.fetcher.check_robots(url)
                max_bytes = min(self.source.max_bytes, MAX_SITEMAP_BYTES)
                response = self.fetcher.get(url, max_bytes=max_bytes, patterns=False)
                if response.status != 200:
                    raise Skip(f"HTTP {response.status}")
                is_index, locs = parse_sitemap(response.body)
            except (Skip, ValueError) as exc:
                # Pages only the sitemap lists would look gone: nothing unreached is removed.
                self.report.skipped[url] = f"sitemap: {exc}"
                self.report.cut_short = f"sitemap {url} unreadable"
                continue
            found = [u for loc in locs if (u := normalise_url(loc)) is not None]
            (todo if is_index else urls).extend(found)
        return urls

    def visit(self, url: str) -> list[str]:
        """Fetch one page, store it if kept, and return the links to follow from it."""
        self.visited.add(url)
        if url in self.stored:  # reached before, through a redirect
            return []
        old = self.old.get(url)
        try:
            self.fetcher.check_robots(url)
            self.report.fetched += 1
            response = self.fetcher.get(
                url,
                headers=self.conditional(old),
                accept=KEPT_TYPES,
                max_bytes=self.source.max_bytes,
            )
            return self.take(url, old, response)
        except Skip as skip:
            log.info("Skipped %s: %s", url, skip.reason)
            self.report.skipped[url] = skip.reason
            if skip.host_down:
                self.report.cut_short = f"{skip.reason} on {origin_of(url)}"
            if skip.keep and old is not None:
                # A temporary error: the stored copy stays, and so do the links it had.
                self.new[url] = old
                return self.stored_links(old)
            return []

    def conditional(self, old: _Entry | None) -> dict[str, str]:
        if old is None or not (self.folder / old.file).is_file():
            return {}
        headers = {"If-None-Match": old.etag} if old.etag else {}
        if old.last_modified:
            headers["If-Modified-Since"] = old.last_modified
        return headers

    def take(self, url: str, old: _Entry | None, response: Response) -> list[str]:
        """Keep what a response brought; return the links to follow from it."""
        status = response.status
        if status == 304 and old is not None:
            self.new[url] = replace(old, fetched=self.now)
            self.report.unchanged.append(url)
            self.stored.add(old.url)
            return self.stored_links(old)
        if status in (404, 410):
            raise Skip(f"not found ({status})")
        if status != 200:
            raise Skip(f"HTTP {status}", keep=status in TEMPORARY_STATUSES)
        self.seen.add(response.url)
        if response.url in self.stored:  # another URL redirected here before
            return []
        page = read_content(response)
        links = [] if page.nofollow else list(page.html.links)
        if page.noindex:
            self.report.skipped[url] = "noindex"
        else:
            self.store(url, old, page)
        return links

    def store(self, url: str, old: _Entry | None, page: Content) -> None:
        """Write the page and its sidecar, unless the same bytes are stored already."""
        name = file_name(page.url, page.suffix)
        path = self.folder / name
        digest = "sha256:" + hashlib.sha256(page.data).hexdigest()
        meta = {
            "url": page.url,
            "title": page.html.title,
            "updated": _updated(page.last_modified, page.html.modified),
            "municipality": self.source.municipality,
            "source": self.source.name,
            "fetched": self.now,
        }
        existed = path.is_file()
        try:
            if existed and _file_digest(path) == digest:
                self.report.unchanged.append(url)
                _write_sidecar(path, meta, only_if_changed=True)
            else:
                _write_atomic(path, page.data)
                _write_sidecar(path, meta)
                (self.report.changed if old or existed else self.report.new).append(url)
        except OSError as exc:
            raise Skip(f"not written ({exc.strerror or exc})", keep=True) from exc
        self.new[url] = _Entry(
            file=name,
            url=page.url,
            hash=digest,
            fetched=self.now,
            etag=page.etag,
            last_modified=page.last_modified,
        )
        self.stored.add(page.url)

    def stored_links(self, entry: _Entry) -> list[str]:
        """The links of a stored HTML page (after a 304, or a temporary error)."""
        path = self.folder / entry.file
        if path.suffix != ".html" or not path.is_file():
            return []
        try:
            page = read_html(path.read_bytes().decode("utf-8", errors="replace"), entry.url)
        except OSError:
            return []
        return [] if page.nofollow else list(page.links)

    def finish(self) -> None:
        """Remove what is gone, and save the state for the next crawl."""
        if self.report.cut_short:
            for url, entry in self.old.items():
                if url not in self.visited:
                    self.new.setdefault(url, entry)
        keep = {entry.file for entry in self.new.values()}
        gone = set()
        for url, entry in self.old.items():
            if entry.file not in keep:
                gone.add(entry.file)
                self.report.removed.append(url)
        if self.report.cut_short is None:
            gone |= _strays(self.folder, keep)
        for name in sorted(gone):
            _remove(self.folder, name)
        state = {
            "version": 1,
            "source": self.source.name,
            "crawled": self.now,
            "complete": self.report.cut_short is None,
            "pages": {url: asdict(entry) for url, entry in sorted(self.new.items())},
        }
        _write_atomic(self.folder / STATE_FILE, json.dumps(state, indent=1).encode("utf-8"))


# ------------------------------------------------------------------------------ storage


def _load_state(folder: Path) -> dict[str, _Entry]:
    """The previous crawl's entries; an unreadable state file starts afresh (logged)."""
    path = folder / STATE_FILE
    if not path.is_file():
        return {}
    try:
        pages = json.loads(path.read_text(encoding="utf-8"))["pages"]
        entries = {url: _Entry(**entry) for url, entry in pages.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("Ignoring the crawl state %s: %s", path, exc)
        return {}
    # A name that is not one the crawler gives could point anywhere: never trust it.
    return {url: e for url, e in entries.items() if _FILE_NAME.fullmatch(e.file)}


def _strays(folder: Path, keep: set[str]) -> set[str]:
    """Files the crawler wrote that no entry holds (a lost state file, an aborted write)."""
    strays = set()
    for path in folder.iterdir():
        name = path.name.removesuffix(SIDECAR)
        if path.is_file() and _FILE_NAME.fullmatch(name) and name not in keep:
            strays.add(name)
        elif path.is_file() and path.name.startswith(".tmp-"):
            path.unlink(missing_ok=True)
    return strays


def _remove(folder: Path, name: str) -> None:
    """Delete a stored file and its sidecar; only names the crawler gives, only in `folder`."""
    if not _FILE_NAME.fullmatch(name):
        return
    for path in (folder / name, folder / (name + SIDECAR)):
        path.unlink(missing_ok=True)


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def _write_sidecar(path: Path, meta: dict, *, only_if_changed: bool = False) -> None:
    sidecar = path.with_name(path.name + SIDECAR)
    if only_if_changed:
        try:
            current = json.loads(sidecar.read_text(encoding="utf-8"))
            if {**current, "fetched": None} == {**meta, "fetched": None}:
                return
        except (OSError, ValueError, TypeError):
            pass
    data = json.dumps(meta, ensure_ascii=False, indent=1) + "\n"
    _write_atomic(sidecar, data.encode("utf-8"))


def _write_atomic(path: Path, data: bytes) -> None:
    """Write through a dot-named temp file and a rename: readers see the old or the new file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_name(url: str, suffix: str) -> str:
    """A readable, stable file name for a URL: a slug of its path and 8 hex digits of its hash.

    Example:
        >>> file_name("https://www.huddinge.se/bygga-bo/Bygglov/", ".html")
        'bygga-bo-bygglov-a4a985c8.html'
    """
    path = re.sub(r"\.(?:html?|pdf|docx|aspx?|php)$", "", unquote(urlsplit(url).path).lower())
    ascii_path = unicodedata.normalize("NFKD", path).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_path).strip("-")[:60].strip("-") or "index"
    return f"{slug}-{hashlib.sha256(url.encode()).hexdigest()[:8]}{suffix}"


def _updated(last_modified: str | None, meta_modified: str | None) -> str | None:
    """An ISO date: from Last-Modified, else from `article:modified_time`, else None."""
    if last_modified:
        try:
            return email.utils.parsedate_to_datetime(last_modified).date().isoformat()
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
    match = re.match(r"\s*(\d{4}-\d{2}-\d{2})", meta_modified or "")
    if match:
        try:
            return dt.date.fromisoformat(match.group(1)).isoformat()
        except ValueError:
            pass
    return None


# ------------------------------------------------------------------------------ report


def format_report(report: CrawlReport, *, urls_per_reason: int = 20) -> str:
    """A summary for a terminal: counts, then the skipped URLs grouped by reason."""
    r = report
    lines = [
        f"{r.source}: {r.fetched} fetched, {len(r.unchanged)} unchanged, {len(r.new)} new, "
        f"{len(r.changed)} changed, {len(r.removed)} removed, {len(r.skipped)} skipped "
        f"in {r.seconds:.1f} s ({r.pages_per_second:.1f} pages/s)"
    ]
    if r.cut_short:
        lines.append(f"  cut short: {r.cut_short}; pages not reached are kept")
    for url in r.removed:
        lines.append(f"  removed {url}")
    by_reason: dict[str, list[str]] = {}
    for url, reason in r.skipped.items():
        by_reason.setdefault(reason, []).append(url)
    for reason, urls in sorted(by_reason.items()):
        lines.append(f"  skipped, {reason}: {len(urls)}")
        lines += [f"    {url}" for url in urls[:urls_per_reason]]
        if len(urls) > urls_per_reason:
            lines.append(f"    … and {len(urls) - urls_per_reason} more (all with --json)")
    return "\n".join(lines)
