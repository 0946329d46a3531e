"""Crawl the municipalities' web pages into the corpus, and keep them fresh.

Sources are declared in a TOML file (`sources.toml`, one `[[source]]` table per site). A
crawl goes breadth-first from the start URLs and the sitemap, stays on the source's hosts and
inside its allow/deny patterns, and obeys robots.txt. Each kept page (HTML, PDF, DOCX) is
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

import codecs
import datetime as dt
import email.utils
import hashlib
import json
import logging
import os
import re
import socket
import ssl
import tempfile
import time
import tomllib
import unicodedata
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import httpx
from protego import Protego

from assistant.errors import AssistantError

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

#: How the crawler introduces itself; robots.txt rules are matched against it.
USER_AGENT = "Sodertornsassistenten/0.1 (+https://github.com/)"
#: Folder below the corpus that crawled sources are stored in, one subfolder per source.
WEB_DIR = "web"
#: File types kept, by media type, with the suffix the file is stored under.
KEPT_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
#: Redirect hops followed for one URL; a municipal site needs one or two (http→https, /a→/a/).
MAX_REDIRECTS = 5
#: Google reads the first 500 KiB of a robots.txt; RFC 9309 asks crawlers to read at least that.
MAX_ROBOTS_BYTES = 500 * 1024
#: The sitemap protocol's limits (sitemaps.org): 50 MB uncompressed and 50,000 URLs a file.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
MAX_SITEMAP_URLS = 50_000
#: Sitemap files read for one source (an index and the sitemaps it lists).
MAX_SITEMAPS = 100
#: A longer Crawl-delay would stall the crawl for hours; such a host is skipped instead.
MAX_CRAWL_DELAY = 60.0
#: Longest URL followed: the sitemap protocol's limit; longer ones are session or search junk.
MAX_URL_CHARS = 2048
#: Statuses after which a stored copy is kept: the server may answer properly tomorrow.
TEMPORARY_STATUSES = {408, 429} | set(range(500, 600))
REDIRECT_STATUSES = {301, 302, 303, 307, 308}

SIDECAR = ".meta.json"
STATE_FILE = ".crawl.json"
#: Names the crawler gives files: a slug, 8 hex digits of the URL's hash and the suffix.
_FILE_NAME = re.compile(r"[a-z0-9-]{1,60}-[0-9a-f]{8}\.(?:html|pdf|docx)")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_ID = re.compile(r"^[a-z0-9-]{1,40}$")  # as municipalities.toml's section ids
_HOST = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MAGIC = {".pdf": (b"%PDF-", "not a PDF"), ".docx": (b"PK\x03\x04", "not a DOCX file")}


# ------------------------------------------------------------------------------ sources


class SourcesError(AssistantError):
    """The sources file is missing or malformed; `problems` names every bad field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Source:
    """One site (or part of one) to crawl, as declared in `sources.toml`."""

    name: str
    start: tuple[str, ...] = ()
    sitemap: str | None = None
    hosts: frozenset[str] = frozenset()
    allow: tuple[re.Pattern[str], ...] = ()
    deny: tuple[re.Pattern[str], ...] = ()
    municipality: str | None = None
    max_depth: int = 3
    max_pages: int = 500
    max_bytes: int = 20 * 1024 * 1024
    delay: float = 0.5
    timeout: float = 10.0
    schedule: str | None = None
    enabled: bool = True

    def refusal(self, url: str) -> str | None:
        """Why `url` is outside this source (another host, allow/deny), or None."""
        host = urlsplit(url).hostname or ""
        if host not in self.hosts:
            return f"off host ({host})"
        if any(p.search(url) for p in self.deny):
            return "denied by pattern"
        if self.allow and not any(p.search(url) for p in self.allow):
            return "not allowed by pattern"
        return None


#: Numeric fields: the lowest value allowed, and whether a fraction is (defaults: `Source`).
_NUMBERS: dict[str, tuple[float, bool]] = {
    "max_depth": (0, False),
    "max_pages": (1, False),
    "max_bytes": (1024, False),
    "delay": (0, True),
    "timeout": (0.1, True),
}
_FIELDS = {"name", "municipality", "start", "sitemap", "hosts", "allow", "deny", "schedule"}
_FIELDS |= {"enabled"} | set(_NUMBERS)


def load_sources(path: Path) -> list[Source]:
    """Read and check a sources file.

    Args:
        path: The TOML file, with one `[[source]]` table per source.

    Returns:
        The sources in file order (disabled ones included).

    Raises:
        SourcesError: The file is unreadable or has bad fields; every problem is named.
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        msg = f"{path} finns inte (se sources.toml i projektets rot för ett exempel)."
        raise SourcesError([msg]) from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SourcesError([f"{path} går inte att läsa: {exc}"]) from exc
    problems = [
        f"{path}: okänd nyckel {key!r} (källor skrivs [[source]])" for key in raw if key != "source"
    ]
    entries = raw.get("source", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SourcesError([*problems, f"{path}: källor skrivs som tabeller, [[source]]"])
    sources = []
    for n, entry in enumerate(entries, 1):
        source, bad = _read_source(entry, f"{path}: källa {n}")
        problems += bad
        if source is not None:
            sources.append(source)
    names = [s.name for s in sources]
    problems += [
        f"{path}: namnet {name!r} används av flera källor"
        for name in sorted({n for n in names if names.count(n) > 1})
    ]
    if problems:
        raise SourcesError(problems)
    return sources


def pick_sources(sources: list[Source], name: str | None) -> list[Source]:
    """The enabled sources, or the one named (which must exist and be enabled).

    Raises:
        SourcesError: No source has that name, or it is disabled.
    """
    if name is None:
        return [s for s in sources if s.enabled]
    for source in sources:
        if source.name == name:
            if not source.enabled:
                raise SourcesError([f"Källan {name!r} är avstängd (enabled = false)."])
            return [source]
    known = ", ".join(s.name for s in sources) or "inga"
    raise SourcesError([f"Ingen källa heter {name!r} (finns: {known})."])


def _read_source(entry: dict, where: str) -> tuple[Source | None, list[str]]:
    """One `[[source]]` table as a Source, or None and one line per bad field."""
    problems: list[str] = []
    name = entry.get("name")
    if isinstance(name, str) and _NAME.match(name):
        where = f"{where} ({name})"

    def bad(key: str, message: str) -> None:
        problems.append(f"{where}: {key}: {message}")

    for key in sorted(set(entry) - _FIELDS):
        bad(key, "okänt fält (stavfel?)")
    if not (isinstance(name, str) and _NAME.match(name)):
        bad("name", 'krävs, med a–z, 0–9 och bindestreck (t.ex. "huddinge")')
    municipality = entry.get("municipality")
    if municipality is not None and not (isinstance(municipality, str) and _ID.match(municipality)):
        bad("municipality", 'ett kommun-id med a–z, 0–9 och bindestreck (t.ex. "huddinge")')
        municipality = None
    start = _urls(entry.get("start", []), "start", bad)
    sitemap = entry.get("sitemap")
    if sitemap is not None:
        if not isinstance(sitemap, str) or normalise_url(sitemap) is None:
            bad("sitemap", f"{sitemap!r} är ingen http(s)-URL")
        sitemap = normalise_url(sitemap) if isinstance(sitemap, str) else None
    if not entry.get("start") and "sitemap" not in entry:
        bad("start", "ange start-URL:er, en sitemap eller båda")
    hosts = _strings(entry.get("hosts"), "hosts", bad)
    for host in hosts or []:
        if not _HOST.match(host.lower()):
            bad("hosts", f"{host!r} är inget värdnamn (skriv t.ex. www.huddinge.se)")
    if hosts is None:
        hosts = [
            h for u in [*start, *([sitemap] if sitemap else [])] if (h := urlsplit(u).hostname)
        ]
    patterns = {key: _patterns(entry.get(key), key, bad) for key in ("allow", "deny")}
    numbers = {
        key: _number(entry[key], key, spec, bad) for key, spec in _NUMBERS.items() if key in entry
    }
    schedule = entry.get("schedule")
    if schedule is not None and not isinstance(schedule, str):
        bad("schedule", 'en text, t.ex. "daily"')
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        bad("enabled", "true eller false")
    if problems:
        return None, problems
    source = Source(
        name=name,  # type: ignore[arg-type]  # checked above
        start=tuple(start),
        sitemap=sitemap,
        hosts=frozenset(h.lower() for h in hosts),
        allow=patterns["allow"],
        deny=patterns["deny"],
        municipality=municipality,
        schedule=schedule,
        enabled=enabled,
        **numbers,  # type: ignore[arg-type]
    )
    for url in source.start:
        if reason := source.refusal(url):
            why = "värden finns inte i hosts" if reason.startswith("off host") else "allow/deny"
            bad("start", f"{url} utesluts av källans egna regler ({why})")
    return (None, problems) if problems else (source, [])


def _strings(value: object, key: str, bad: Callable[[str, str], None]) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        bad(key, 'en lista av texter, t.ex. ["…"]')
        return []
    return value


def _urls(value: object, key: str, bad: Callable[[str, str], None]) -> list[str]:
    urls = []
    for raw in _strings(value, key, bad) or []:
        url = normalise_url(raw)
        if url is None:
            bad(key, f"{raw!r} är ingen http(s)-URL")
        else:
            urls.append(url)
    return urls


def _patterns(
    value: object, key: str, bad: Callable[[str, str], None]
) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in _strings(value, key, bad) or []:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            bad(key, f"ogiltigt reguljärt uttryck {pattern!r}: {exc}")
    return tuple(compiled)


def _number(
    value: object, key: str, spec: tuple[float, bool], bad: Callable[[str, str], None]
) -> float:
    lowest, fraction = spec
    kinds = (int, float) if fraction else (int,)
    if isinstance(value, bool) or not isinstance(value, kinds) or value < lowest:
        kind = "ett tal" if fraction else "ett heltal"
        bad(key, f"{kind} ≥ {lowest:g} (är {value!r})")
        return lowest
    return value


# ------------------------------------------------------------------------------ URLs and pages


def normalise_url(url: str, base: str | None = None) -> str | None:
    """An absolute http(s) URL without fragment, scheme and host lowercased, default port
    dropped; None for anything else (mailto:, javascript:, malformed, too long)."""
    try:
        parts = urlsplit(urljoin(base, url.strip()) if base else url.strip())
        scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    netloc = f"[{host}]" if ":" in host else host  # hostname is lowercased and unbracketed
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    normal = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    return normal if len(normal) <= MAX_URL_CHARS else None


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


@dataclass(frozen=True)
class HtmlPage:
    """What the crawler reads from an HTML page: metadata, robots directives and links."""

    title: str | None
    modified: str | None  # article:modified_time, as written
    noindex: bool
    nofollow: bool
    links: tuple[str, ...]


def read_html(text: str, url: str) -> HtmlPage:
    """Title, `article:modified_time`, meta robots and the followable `<a href>` links.

    Links are normalised against `<base href>` or `url`; `rel="nofollow"` links are left out.
    """
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(text)
    title_node = tree.css_first("title")
    title = " ".join(title_node.text().split()) if title_node is not None else ""
    modified = tree.css_first('meta[property="article:modified_time"]')
    robots = " ".join(
        (node.attributes.get("content") or "").lower()
        for node in tree.css("meta[name]")
        if (node.attributes.get("name") or "").lower() == "robots"
    )
    directives = set(re.split(r"[\s,]+", robots))
    base_node = tree.css_first("base[href]")
    base = normalise_url(base_node.attributes.get("href") or "", url) if base_node else None
    links: dict[str, None] = {}  # ordered and unique
    for node in tree.css("a[href]"):
        if "nofollow" in (node.attributes.get("rel") or "").lower().split():
            continue
        link = normalise_url(node.attributes.get("href") or "", base or url)
        if link is not None:
            links[link] = None
    return HtmlPage(
        title=title or None,
        modified=(modified.attributes.get("content") or None) if modified is not None else None,
        noindex=bool(directives & {"noindex", "none"}),
        nofollow=bool(directives & {"nofollow", "none"}),
        links=tuple(links),
    )


def parse_sitemap(data: bytes) -> tuple[bool, list[str]]:
    """The `<loc>` URLs of a sitemap or sitemap index, and whether it is an index.

    The stdlib XML parser is safe here only because a document type declaration (and with
    it every entity definition) is refused first, on text that is known to be UTF-8.

    Raises:
        ValueError: Not a sitemap, not UTF-8, too large, or it declares a DOCTYPE/ENTITY.
    """
    import xml.etree.ElementTree as ET

    if data[:2] == b"\x1f\x8b":  # a .xml.gz sitemap
        try:
            data = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS).decompress(
                data, MAX_SITEMAP_BYTES + 1
            )
        except zlib.error as exc:
            raise ValueError(f"not valid gzip ({exc})") from exc
    if len(data) > MAX_SITEMAP_BYTES:
        raise ValueError("too large")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError("not UTF-8") from exc
    if re.search(r"<!\s*(?:DOCTYPE|ENTITY)", text, flags=re.IGNORECASE):
        raise ValueError("DOCTYPE or ENTITY declared (refused)")
    # The declaration could name another encoding; the text is already decoded.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ValueError(f"not valid XML ({exc})") from exc
    kind = root.tag.rsplit("}", 1)[-1]
    if kind not in {"urlset", "sitemapindex"}:
        raise ValueError(f"not a sitemap (<{kind[:40]}>)")
    locs = [
        node.text.strip()
        for node in root.iter()
        if node.tag.rsplit("}", 1)[-1] == "loc" and node.text and node.text.strip()
    ]
    return kind == "sitemapindex", locs[:MAX_SITEMAP_URLS]


def _decode_html(body: bytes, content_type: str) -> str:
    """The page as text, in the charset the header or a `<meta>` declares (else UTF-8).

    As in browsers (WHATWG encoding sniffing), a BOM wins, and a `<meta>` naming UTF-16 or
    UTF-32 means UTF-8: a page that could be read to find it is not in either.
    """
    header = re.search(r"charset=[\"']?([\w.:-]+)", content_type, flags=re.IGNORECASE)
    meta = re.search(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", body[:4096], flags=re.IGNORECASE)
    charset = header.group(1) if header else meta.group(1).decode() if meta else "utf-8"
    try:
        codec = codecs.lookup(charset)
    except LookupError:
        codec = codecs.lookup("utf-8")
    if not header and codec.name.startswith(("utf-16", "utf-32")):
        codec = codecs.lookup("utf-8")
    if body.startswith(codecs.BOM_UTF8):
        codec = codecs.lookup("utf-8-sig")
    try:
        try:
            text = body.decode(codec.name)
        except LookupError:  # "rot13", "base64": codecs that are no text encoding
            text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Skip("not text") from exc
    if "\x00" in text:
        raise _Skip("not text")
    return text


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


@dataclass(frozen=True)
class _Content:
    """A fetched page as it is stored: bytes, suffix, what it says of itself, validators."""

    url: str  # after redirects
    data: bytes
    suffix: str
    html: HtmlPage  # empty apart from HTML
    noindex: bool
    nofollow: bool
    etag: str | None
    last_modified: str | None


def _read_content(response: _Response) -> _Content:
    """Check and read a 200 response of a kept type (HTML is re-encoded as UTF-8).

    Raises:
        _Skip: HTML that is not text, or a PDF/DOCX that is not one.
    """
    suffix = KEPT_TYPES[response.media_type]
    data = response.body
    html = HtmlPage(None, None, False, False, ())
    if suffix == ".html":
        text = _decode_html(data, response.headers.get("content-type", ""))
        html = read_html(text, response.url)
        data = text.encode("utf-8")  # the corpus loader reads HTML as UTF-8
    elif not data.startswith(_MAGIC[suffix][0]):
        raise _Skip(_MAGIC[suffix][1])
    header = set(re.split(r"[\s,:]+", response.headers.get("x-robots-tag", "").lower()))
    return _Content(
        url=response.url,
        data=data,
        suffix=suffix,
        html=html,
        noindex=html.noindex or bool(header & {"noindex", "none"}),
        nofollow=html.nofollow or bool(header & {"nofollow", "none"}),
        etag=_validator(response.headers.get("etag")),
        last_modified=_validator(response.headers.get("last-modified")),
    )


def _validator(value: str | None) -> str | None:
    """An ETag or Last-Modified worth sending back: short, printable ASCII (else None)."""
    ok = value and len(value) <= 256 and value.isascii() and value.isprintable()
    return value if ok else None


# ------------------------------------------------------------------------------ fetching


class _Skip(Exception):
    """A URL not fetched or not kept; `keep` means a stored copy survives (a temporary error)."""

    def __init__(self, reason: str, *, keep: bool = False, host_down: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.keep, self.host_down = reason, keep, host_down


@dataclass(frozen=True)
class _Response:
    url: str  # after redirects
    status: int
    headers: httpx.Headers
    body: bytes = b""  # read for a 200 only
    location: str | None = None  # for a redirect

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class _Host:
    """A host's robots.txt rules and delay, or why the whole host is skipped."""

    rules: Protego | None  # None allows everything
    delay: float
    refusal: str | None = None


class _Fetcher:
    """HTTP for one source: robots.txt per host, the delay between requests, manual redirects,
    capped streamed bodies, and every failure turned into a named `_Skip`."""

    def __init__(self, source: Source, client: httpx.Client) -> None:
        self.source = source
        self.client = client
        self.hosts: dict[str, _Host] = {}
        self.last: dict[str, float] = {}  # origin -> when its last response ended

    def check_robots(self, url: str) -> None:
        """Raise `_Skip` if robots.txt forbids `url` or its host is unavailable."""
        host = self._host(_origin(url))
        if host.refusal:
            raise _Skip(host.refusal, keep=True, host_down=True)
        if host.rules is not None and not host.rules.can_fetch(url, USER_AGENT):
            raise _Skip("forbidden by robots.txt")

    def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        accept: dict[str, str] | None = None,
        max_bytes: int,
        patterns: bool = True,
    ) -> _Response:
        """GET `url`, following up to `MAX_REDIRECTS` redirects inside the source.

        The first URL must already have passed `Source.refusal` and `check_robots`.

        Args:
            url: Normalised URL.
            headers: Extra request headers (conditional ones).
            accept: Media types whose body is read; another type is skipped. None reads any.
            max_bytes: Largest body read; a larger one is skipped as "too large".
            patterns: Whether redirect targets must pass allow/deny (not for sitemaps).

        Raises:
            _Skip: Why the URL could not be fetched.
        """
        chain = [url]
        for hop in range(MAX_REDIRECTS + 1):
            if hop:
                try:
                    self.check_robots(url)
                except _Skip as skip:
                    raise _Skip(f"redirect to {url}: {skip.reason}", keep=skip.keep) from None
            response = self._request(url, headers or {}, accept, max_bytes)
            if response.location is None:
                return response
            if not response.location.strip():
                raise _Skip(f"HTTP {response.status} without a Location")
            target = normalise_url(response.location, url)
            if target is None:
                raise _Skip("redirect to a bad URL")
            if target in chain:
                raise _Skip("redirect loop")
            reason = self.source.refusal(target) if patterns else _host_refusal(self.source, target)
            if reason:
                raise _Skip(f"redirect to {target}: {reason}")
            chain.append(target)
            url = target
        raise _Skip("too many redirects")

    def _request(
        self, url: str, headers: dict[str, str], accept: dict[str, str] | None, max_bytes: int
    ) -> _Response:
        origin = _origin(url)
        self._wait(origin)
        deadline = time.monotonic() + self.source.timeout
        try:
            with self.client.stream("GET", url, headers=headers) as r:
                if r.status_code in REDIRECT_STATUSES:
                    return _Response(
                        url, r.status_code, r.headers, location=r.headers.get("location", "")
                    )
                if r.status_code != 200:
                    return _Response(url, r.status_code, r.headers)
                response = _Response(url, 200, r.headers)
                if accept is not None and response.media_type not in accept:
                    raise _Skip(f"type not kept ({response.media_type or 'none'})")
                body = b"".join(_read_capped(r, max_bytes, deadline))
                return replace(response, body=body)
        except httpx.TimeoutException as exc:
            raise _Skip("timeout", keep=True) from exc
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise _Skip("bad URL") from exc
        except (httpx.HTTPError, httpx.StreamError, OSError, UnicodeError) as exc:
            raise _Skip(_transport_reason(exc), keep=True) from exc
        finally:
            self.last[origin] = time.monotonic()

    def _wait(self, origin: str) -> None:
        delay = self.hosts[origin].delay if origin in self.hosts else self.source.delay
        wait = self.last.get(origin, -delay) + delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    def _host(self, origin: str) -> _Host:
        if origin not in self.hosts:
            self.hosts[origin] = self._read_robots(origin)
            log.info("robots.txt of %s: %s", origin, self.hosts[origin].refusal or "read")
        return self.hosts[origin]

    def _read_robots(self, origin: str) -> _Host:
        """RFC 9309: a 4xx allows everything; a 5xx (or no answer) means the host is unavailable."""
        self._wait(origin)
        deadline = time.monotonic() + self.source.timeout
        try:
            # httpx follows robots.txt redirects itself (http→https is common), capped at 20.
            with self.client.stream("GET", origin + "/robots.txt", follow_redirects=True) as r:
                status = r.status_code
                if status in TEMPORARY_STATUSES:
                    return _Host(None, self.source.delay, f"robots.txt unavailable (HTTP {status})")
                if status != 200:
                    return _Host(None, self.source.delay)
                body = b"".join(_read_capped(r, MAX_ROBOTS_BYTES, deadline, truncate=True))
        except httpx.TimeoutException:
            return _Host(None, self.source.delay, "robots.txt unavailable (timeout)")
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, OSError, UnicodeError) as exc:
            reason = f"robots.txt unavailable ({_transport_reason(exc)})"
            return _Host(None, self.source.delay, reason)
        except _Skip as skip:
            return _Host(None, self.source.delay, f"robots.txt unavailable ({skip.reason})")
        finally:
            self.last[origin] = time.monotonic()
        rules = Protego.parse(body.decode("utf-8", errors="replace"))
        crawl_delay = rules.crawl_delay(USER_AGENT) or 0.0
        if crawl_delay > MAX_CRAWL_DELAY:
            reason = f"Crawl-delay too long ({crawl_delay:g} s; at most {MAX_CRAWL_DELAY:g})"
            return _Host(rules, crawl_delay, reason)
        return _Host(rules, max(self.source.delay, crawl_delay))


def _host_refusal(source: Source, url: str) -> str | None:
    host = urlsplit(url).hostname or ""
    return None if host in source.hosts else f"off host ({host})"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _read_capped(
    response: httpx.Response, max_bytes: int, deadline: float, *, truncate: bool = False
) -> Iterator[bytes]:
    """The body in chunks, stopped at `max_bytes` (skip, or cut when `truncate`) and at the
    deadline (a server that drips bytes would otherwise hold the crawl forever)."""
    declared = response.headers.get("content-length", "")
    if not truncate and declared.isdigit() and int(declared) > max_bytes:
        raise _Skip("too large")
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            if truncate:
                yield chunk[: len(chunk) - (size - max_bytes)]
                return
            raise _Skip("too large")
        if time.monotonic() > deadline:
            raise _Skip("timeout", keep=True)
        yield chunk


def _transport_reason(exc: BaseException) -> str:
    """Name a network failure: DNS, refused connection, TLS, or the exception's type."""
    seen: list[BaseException] = []
    while exc is not None and exc not in seen and len(seen) < 10:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = " ".join(str(e) for e in seen)
    if any(isinstance(e, ssl.SSLError) for e in seen) or "SSL" in text:
        return "SSL error"
    if any(isinstance(e, socket.gaierror) for e in seen) or "Name or service not known" in text:
        return "DNS lookup failed"
    if any(isinstance(e, ConnectionRefusedError) for e in seen) or "Connection refused" in text:
        return "connection refused"
    if isinstance(seen[0], httpx.DecodingError):
        return "bad content encoding"
    if isinstance(seen[0], httpx.ConnectError):
        return "connection failed"
    return f"connection failed ({type(seen[0]).__name__})"


# ------------------------------------------------------------------------------ crawling


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
        crawl = _Crawl(source, folder, _Fetcher(source, client), say)
        crawl.run()
    crawl.report.seconds = time.monotonic() - started
    return crawl.report


class _Crawl:
    """One breadth-first crawl of a source: the queue, the old and new state, the report."""

    def __init__(self, source: Source, folder: Path, fetcher: _Fetcher, say: Progress) -> None:
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
                if reason := _host_refusal(self.source, url):
                    raise _Skip(reason)
                self.fetcher.check_robots(url)
                max_bytes = min(self.source.max_bytes, MAX_SITEMAP_BYTES)
                response = self.fetcher.get(url, max_bytes=max_bytes, patterns=False)
                if response.status != 200:
                    raise _Skip(f"HTTP {response.status}")
                is_index, locs = parse_sitemap(response.body)
            except (_Skip, ValueError) as exc:
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
        except _Skip as skip:
            log.info("Skipped %s: %s", url, skip.reason)
            self.report.skipped[url] = skip.reason
            if skip.host_down:
                self.report.cut_short = f"{skip.reason} on {_origin(url)}"
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

    def take(self, url: str, old: _Entry | None, response: _Response) -> list[str]:
        """Keep what a response brought; return the links to follow from it."""
        status = response.status
        if status == 304 and old is not None:
            self.new[url] = replace(old, fetched=self.now)
            self.report.unchanged.append(url)
            self.stored.add(old.url)
            return self.stored_links(old)
        if status in (404, 410):
            raise _Skip(f"not found ({status})")
        if status != 200:
            raise _Skip(f"HTTP {status}", keep=status in TEMPORARY_STATUSES)
        self.seen.add(response.url)
        if response.url in self.stored:  # another URL redirected here before
            return []
        page = _read_content(response)
        links = [] if page.nofollow else list(page.html.links)
        if page.noindex:
            self.report.skipped[url] = "noindex"
        else:
            self.store(url, old, page)
        return links

    def store(self, url: str, old: _Entry | None, page: _Content) -> None:
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
            raise _Skip(f"not written ({exc.strerror or exc})", keep=True) from exc
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
