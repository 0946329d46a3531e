"""The HTTP connection edge: request headers must arrive quickly and stay small.

uvicorn's httptools protocol reads request headers for as long as a client keeps sending
them and holds them in memory whatever their size: 32 clients sending 8 MB of headers
each, slowly, cost 270 MB and a task each. `GuardedHttpTools` gives every request
`HEADER_TIMEOUT` seconds from its first byte to finish its headers (else 408 and the
connection is closed) and at most `MAX_HEADER_BYTES` before they end (else 431). The
body is bounded further in, by `assistant.middleware.BodySizeLimit`.
"""

from __future__ import annotations

import asyncio
from asyncio import TimerHandle

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: Seconds a request may take from its first byte to the end of its headers.
HEADER_TIMEOUT = 10.0
#: Most bytes read before the headers end; real browsers send a few kB. A packet may carry
#: the start of the body too, which the body limit (32 kB by default) bounds.
MAX_HEADER_BYTES = 96 * 1024


class GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header read timeout and a header size cap."""

    header_timeout = HEADER_TIMEOUT
    max_header_bytes = MAX_HEADER_BYTES

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_bytes = 0
        self._reading_headers = True
        self._header_timer: TimerHandle | None = self.loop.call_later(
            self.header_timeout, self._headers_too_slow
        )

    def data_received(self, data: bytes) -> None:
        if self._reading_headers:
            self._header_bytes += len(data)
            if self._header_bytes > self.max_header_bytes:
                self._refuse(431, b"Request Header Fields Too Large")
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_timer is None:  # the next request on a kept-alive connection
            self._reading_headers = True
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def on_headers_complete(self) -> None:
        self._reading_headers = False
        self._header_bytes = 0
        self._cancel_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        super().connection_lost(exc)

    def _cancel_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self._reading_headers:
            self._refuse(408, b"Request Timeout")

    def _refuse(self, status: int, reason: bytes) -> None:
        """Answer plainly and close: the request never reached the app."""
        self._cancel_timer()
        self._reading_headers = False
        if not self.transport.is_closing():
            self.transport.write(
                b"HTTP/1.1 %d %s\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                % (status, reason)
            )
            self.transport.close()
