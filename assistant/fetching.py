"""HTTP for the crawler: politeness, redirects, capped reads, and what a response holds.

A `Fetcher` serves one source. It reads each host's robots.txt once (RFC 9309) and keeps
the delay between requests to a host, follows redirects itself so every hop is checked
against the source, streams bodies under a size cap and a deadline, and turns every failure
(type not kept, too large, timeout, DNS, TLS …) into a `Skip` with a reason for the report.
`read_content` checks a 200 response and reads what the crawl stores (HTML re-encoded as
UTF-8, with its title, date, robots directives and links); `parse_sitemap` reads sitemaps.

Example:
    >>> with httpx.Client(headers={"User-Agent": USER_AGENT}) as client:
    ...     fetcher = Fetcher(source, client)
    ...     fetcher.check_robots(url)
    ...     content = read_content(fetcher.get(url, accept=KEPT_TYPES, max_bytes=10**6))
"""

from __future__ import annotations

import codecs
import logging
import re
import socket
import ssl
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import httpx
from protego import Protego

from assistant.sources import Source, normalise_url

log = logging.getLogger(__name__)

#: How the crawler introduces itself; robots.txt rules are matched against it.
USER_AGENT = "Sodertornsassistenten/0.1 (+https://github.com/)"
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
#: A longer Crawl-delay would stall the crawl for hours; such a host is skipped instead.
MAX_CRAWL_DELAY = 60.0
#: Statuses after which a stored copy is kept: the server may answer properly tomorrow.
TEMPORARY_STATUSES = {408, 429} | set(range(500, 600))
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_MAGIC = {".pdf": (b"%PDF-", "not a PDF"), ".docx": (b"PK\x03\x04", "not a DOCX file")}


class Skip(Exception):
    """A URL not fetched or not kept; `keep` means a stored copy survives (a temporary error)."""

    def __init__(self, reason: str, *, keep: bool = False, host_down: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.keep, self.host_down = reason, keep, host_down


@dataclass(frozen=True)
class Response:
    """One HTTP answer: the status and headers, and the body of a 200 of an accepted type."""

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


class Fetcher:
    """HTTP for one source: robots.txt per host, the delay between requests, manual redirects,
    capped streamed bodies, and every failure turned into a named `Skip`."""

    def __init__(self, source: Source, client: httpx.Client) -> None:
        self.source = source
        self.client = client
        self.hosts: dict[str, _Host] = {}
        self.last: dict[str, float] = {}  # origin -> when its last response ended

    def check_robots(self, url: str) -> None:
        """Raise `Skip` if robots.txt forbids `url` or its host is unavailable."""
        host = self._host(origin_of(url))
        if host.refusal:
            raise Skip(host.refusal, keep=True, host_down=True)
        if host.rules is not None and not host.rules.can_fetch(url, USER_AGENT):
            raise Skip("forbidden by robots.txt")

    def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        accept: dict[str, str] | None = None,
        max_bytes: int,
        patterns: bool = True,
    ) -> Response:
        """GET `url`, following up to `MAX_REDIRECTS` redirects inside the source.

        The first URL must already have passed `Source.refusal` and `check_robots`.

        Args:
            url: Normalised URL.
            headers: Extra request headers (conditional ones).
            accept: Media types whose body is read; another type is skipped. None reads any.
            max_bytes: Largest body read; a larger one is skipped as "too large".
            patterns: Whether redirect targets must pass allow/deny (not for sitemaps).

        Raises:
            Skip: Why the URL could not be fetched.
        """
        chain = [url]
        for hop in range(MAX_REDIRECTS + 1):
            if hop:
                try:
                    self.check_robots(url)
                except Skip as skip:
                    raise Skip(f"redirect to {url}: {skip.reason}", keep=skip.keep) from None
            response = self._request(url, headers or {}, accept, max_bytes)
            if response.location is None:
                return response
            if not response.location.strip():
                raise Skip(f"HTTP {response.status} without a Location")
            target = normalise_url(response.location, url)
            if target is None:
                raise Skip("redirect to a bad URL")
            if target in chain:
                raise Skip("redirect loop")
            reason = self.source.refusal(target, patterns=patterns)
            if reason:
                raise Skip(f"redirect to {target}: {reason}")
            chain.append(target)
            url = target
        raise Skip("too many redirects")

    def _request(
        self, url: str, headers: dict[str, str], accept: dict[str, str] | None, max_bytes: int
    ) -> Response:
        origin = origin_of(url)
        self._wait(origin)
        deadline = time.monotonic() + self.source.timeout
        try:
            with self.client.stream("GET", url, headers=headers) as r:
                if r.status_code in REDIRECT_STATUSES:
                    return Response(
                        url, r.status_code, r.headers, location=r.headers.get("location", "")
                    )
                if r.status_code != 200:
                    return Response(url, r.status_code, r.headers)
                response = Response(url, 200, r.headers)
                if accept is not None and response.media_type not in accept:
                    raise Skip(f"type not kept ({response.media_type or 'none'})")
                body = b"".join(_read_capped(r, max_bytes, deadline))
                return replace(response, body=body)
        except httpx.TimeoutException as exc:
            raise Skip("timeout", keep=True) from exc
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise Skip("bad URL") from exc
        except (httpx.HTTPError, httpx.StreamError, OSError, UnicodeError) as exc:
            raise Skip(_transport_reason(exc), keep=True) from exc
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
        except Skip as skip:
            return _Host(None, self.source.delay, f"robots.txt unavailable ({skip.reason})")
        finally:
            self.last[origin] = time.monotonic()
        rules = Protego.parse(body.decode("utf-8", errors="replace"))
        crawl_delay = rules.crawl_delay(USER_AGENT) or 0.0
        if crawl_delay > MAX_CRAWL_DELAY:
            reason = f"Crawl-delay too long ({crawl_delay:g} s; at most {MAX_CRAWL_DELAY:g})"
            return _Host(rules, crawl_delay, reason)
        return _Host(rules, max(self.source.delay, crawl_delay))


def origin_of(url: str) -> str:
    """Scheme and host (with port) of a URL: the unit robots.txt and the delay apply to."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _read_capped(
    response: httpx.Response, max_bytes: int, deadline: float, *, truncate: bool = False
) -> Iterator[bytes]:
    """The body in chunks, stopped at `max_bytes` (skip, or cut when `truncate`) and at the
    deadline (a server that drips bytes would otherwise hold the crawl forever)."""
    declared = response.headers.get("content-length", "")
    if not truncate and declared.isdigit() and int(declared) > max_bytes:
        raise Skip("too large")
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            if truncate:
                yield chunk[: len(chunk) - (size - max_bytes)]
                return
            raise Skip("too large")
        if time.monotonic() > deadline:
            raise Skip("timeout", keep=True)
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


# ------------------------------------------------------------------------------ content


@dataclass(frozen=True)
class Content:
    """A fetched page as it is stored: bytes, suffix, what it says of itself, validators."""

    url: str  # after redirects
    data: bytes
    suffix: str
    html: HtmlPage  # empty apart from HTML
    noindex: bool
    nofollow: bool
    etag: str | None
    last_modified: str | None


def read_content(response: Response) -> Content:
    """Check and read a 200 response of a kept type (HTML is re-encoded as UTF-8).

    Raises:
        Skip: HTML that is not text, or a PDF/DOCX that is not one.
    """
    suffix = KEPT_TYPES[response.media_type]
    data = response.body
    html = HtmlPage(None, None, False, False, ())
    if suffix == ".html":
        text = _decode_html(data, response.headers.get("content-type", ""))
        html = read_html(text, response.url)
        data = text.encode("utf-8")  # the corpus loader reads HTML as UTF-8
    elif not data.startswith(_MAGIC[suffix][0]):
        raise Skip(_MAGIC[suffix][1])
    header = set(re.split(r"[\s,:]+", response.headers.get("x-robots-tag", "").lower()))
    return Content(
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
        raise Skip("not text") from exc
    if "\x00" in text:
        raise Skip("not text")
    return text
