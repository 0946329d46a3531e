"""The web sources to crawl, as declared in `sources.toml`, checked once when read.

One `[[source]]` table per site names its start URLs and/or sitemap, the hosts it may
visit, allow/deny patterns and its limits (depth, pages, bytes, delay, timeout). Every bad
field is named at once, in Swedish, so an editor can fix the file in one go. URLs are read
in one normal form (`normalise_url`), the form every later comparison uses.

Example:
    >>> sources = pick_sources(load_sources(Path("sources.toml")), None)
    >>> sources[0].refusal("https://www.huddinge.se/bygga-bo/")  # None: inside the source
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

from assistant.errors import AssistantError

#: Longest URL followed: the sitemap protocol's limit; longer ones are session or search junk.
MAX_URL_CHARS = 2048
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_ID = re.compile(r"^[a-z0-9-]{1,40}$")  # as municipalities.toml's section ids
_HOST = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


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

    def refusal(self, url: str, *, patterns: bool = True) -> str | None:
        """Why `url` is outside this source (another host, allow/deny), or None.

        Args:
            url: A normalised URL.
            patterns: Whether allow/deny apply too (not to sitemaps, which may live elsewhere
                on the host); the host always does.
        """
        host = urlsplit(url).hostname or ""
        if host not in self.hosts:
            return f"off host ({host})"
        if not patterns:
            return None
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
