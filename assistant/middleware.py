"""HTTP protections: body cap, rate limit, concurrency cap, security headers, access log.

All are plain ASGI middleware, so they also hold for streamed responses. Error
bodies are JSON `{"detail": "<Swedish message>"}` like every other error.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import math
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from assistant import messages, metrics

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("assistant.access")

#: Paths whose requests cost model time; limits apply to these.
LIMITED_PREFIXES = ("/api/", "/v1/")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


async def send_json(
    send: Send, status: int, detail: str, headers: Iterable[tuple[str, str]] = ()
) -> None:
    """Send a complete JSON error response."""
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.encode(), v.encode()) for k, v in headers),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def _limited(scope: Scope) -> bool:
    return scope["type"] == "http" and scope["path"].startswith(LIMITED_PREFIXES)


class BodySizeLimit:
    """Reads a request's whole body at the edge, before anything else sees the request.

    A body over `max_bytes` gets 413, whether its length is declared or streamed; one that
    has not fully arrived within `timeout` seconds gets 408. Only a complete body is handed
    on, so a client that sends headers and then trickles (or never sends) its body holds no
    rate-limit token and no concurrency slot, and cannot starve the others.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float = 10.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await send_json(send, 400, messages.BAD_CONTENT_LENGTH)
                    return
                if declared > self.max_bytes:
                    await send_json(send, 413, self._message())
                    return
        try:
            body = await asyncio.wait_for(self._read(receive), self.timeout)
        except TimeoutError:
            await send_json(send, 408, messages.BODY_TIMEOUT)
            return
        except _Disconnected:
            return
        if body is None:
            await send_json(send, 413, self._message())
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: only a disconnect can come

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body; None when it grows past `max_bytes`."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _message(self) -> str:
        return messages.body_too_large(self.max_bytes)


class _Disconnected(Exception):
    """The client went away before its body arrived."""


def _has_body(scope: Scope) -> bool:
    """Whether a request declares a body (a length or chunked encoding)."""
    return any(name in (b"content-length", b"transfer-encoding") for name, _ in scope["headers"])


def client_address(
    scope: Scope, trusted: list[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> str:
    """The client's address: the peer, or through trusted proxies the first untrusted hop.

    `X-Forwarded-For` is read right to left and only while each hop is a trusted
    proxy, so a client cannot choose its own address by sending the header.
    """
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not trusted or not _is_trusted(peer, trusted):
        return str(peer)
    forwarded: list[str] = []
    for name, value in scope["headers"]:
        if name == b"x-forwarded-for":
            forwarded.extend(part.strip() for part in value.decode("latin-1").split(","))
    address = peer
    for hop in reversed([h for h in forwarded if h]):
        address = hop
        if not _is_trusted(hop, trusted):
            break
    return address


def _is_trusted(address: str, trusted: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def parse_networks(items: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Networks from addresses or CIDRs ("10.0.0.0/8", "127.0.0.1")."""
    return [ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip()]


class RateLimiter:
    """A token bucket per client: `per_minute` requests, refilled continuously.

    A bucket is forgotten a minute after its client's last request (it is full again by
    then), and at most `max_clients` are kept, so memory stays bounded whatever addresses
    arrive.
    """

    def __init__(
        self,
        per_minute: int,
        *,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one token; returns 0 when allowed, else seconds until one is free."""
        now = self.clock()
        with self._lock:
            # A bucket untouched for a minute is full again: forget it (oldest first).
            while self._buckets:
                oldest = next(iter(self._buckets))
                if now - self._buckets[oldest][1] < 60.0:
                    break
                del self._buckets[oldest]
            tokens, last = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                wait, tokens = 0.0, tokens - 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait


class FailureLimit:
    """Blocks a client after `per_minute` failures (wrong admin tokens) within a minute.

    Only failures count, so a right token is never slowed; at most `max_clients` clients
    are remembered, and a client's failures expire after the minute.
    """

    WINDOW = 60.0  # seconds

    def __init__(
        self,
        per_minute: int,
        *,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.max_clients = max_clients
        self.clock = clock
        self._failures: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        times = [t for t in self._failures.pop(key, []) if now - t < self.WINDOW]
        if times:
            self._failures[key] = times
        return times

    def blocked(self, key: str) -> bool:
        """Whether the client has failed `per_minute` times within the last minute."""
        with self._lock:
            return len(self._recent(key, self.clock())) >= self.per_minute

    def fail(self, key: str) -> None:
        """Count one failure of the client."""
        now = self.clock()
        with self._lock:
            self._failures[key] = [*self._recent(key, now), now]
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)


class RateLimit:
    """429 with `Retry-After` when a client exceeds its rate on the limited paths."""

    def __init__(self, app: ASGIApp, per_minute: int, trusted_proxies: list[str]) -> None:
        self.app = app
        self.limiter = RateLimiter(per_minute) if per_minute > 0 else None
        self.trusted = parse_networks(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.limiter is not None and _limited(scope) and scope.get("method") != "OPTIONS":
            wait = self.limiter.take(client_address(scope, self.trusted))
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                message = messages.too_many_questions(seconds)
                await send_json(send, 429, message, [("retry-after", str(seconds))])
                return
        await self.app(scope, receive, send)


class ConcurrencyLimit:
    """A quick 503 when `limit` limited requests are already in progress (no queue)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _limited(scope):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:  # one event loop: no lock needed
            await send_json(send, 503, messages.BUSY, [("retry-after", "1")])
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


#: Pages get a strict policy: no inline script, nothing from other origins.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
)
#: FastAPI's /docs page loads Swagger UI from its CDN with one inline script.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "object-src 'none'; base-uri 'none'"
)
API_CSP = "default-src 'none'"


class SecurityHeaders:
    """nosniff, Referrer-Policy, CSP with frame-ancestors, and no-store on API answers."""

    def __init__(self, app: ASGIApp, allowed_origins: list[str]) -> None:
        self.app = app
        ancestors = " ".join(["'self'", *allowed_origins])
        self.frame_ancestors = f"frame-ancestors {ancestors}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith(("/docs", "/redoc")):
            csp = DOCS_CSP
        elif path.startswith(("/api/", "/healthz", "/admin/", "/openapi")):
            csp = API_CSP
        else:
            csp = PAGE_CSP
        extra = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"content-security-policy", f"{csp}; {self.frame_ancestors}".encode()),
        ]
        if not path.startswith(("/docs", "/redoc")) and not _is_static(path):
            extra.append((b"cache-control", b"no-store"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((k, v) for k, v in extra if k not in names),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _printable(text: str) -> str:
    """The text with control characters escaped ("\\x0a"): a decoded %0a in a path must not
    start a forged log line."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _is_static(path: str) -> bool:
    return path.endswith((".js", ".css", ".png", ".svg", ".ico", ".woff2"))


class AccessLog:
    """One log line per request: id, method, path, status, latency, index version; and the
    request counted and timed in the metrics.

    No client address and no query string or body: questions and IP addresses
    are personal data and stay out of logs (see the README's privacy section).
    """

    def __init__(self, app: ASGIApp, index_version: Callable[[], str]) -> None:
        self.app = app
        self.index_version = index_version

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id" and _REQUEST_ID.match(value.decode("latin-1")):
                request_id = value.decode("latin-1")
        request_id = request_id or uuid.uuid4().hex
        start = time.perf_counter()
        status = 500

        async def tagged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            seconds = time.perf_counter() - start
            metrics.observe_request(scope, status, seconds)
            fields = {
                "request_id": request_id,
                "method": scope.get("method", ""),
                "path": _printable(scope["path"]),
                "status": status,
                "ms": round(seconds * 1000, 1),
                "index": self.index_version(),
            }
            access_log.info(
                "request id=%(request_id)s method=%(method)s path=%(path)s status=%(status)d"
                " ms=%(ms).1f index=%(index)s",
                fields,
                extra={"fields": fields},
            )
