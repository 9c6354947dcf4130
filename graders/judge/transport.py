"""The HTTP transport under the ``openai`` SDK: HTTP/1.1 on asyncio, each request sent at once.

The SDK builds every request itself (auth, headers, URL, timeouts) and turns replies and
failures into its own results and errors; only the last step, moving bytes, is its HTTP
library's pluggable *transport* (``http_client=DefaultAsyncHttpx2Client(transport=...)``, as the
SDK documents). This one exists because of how judge calls behave at concurrency 32: replies
come back in bursts, and each is handled on the one event loop. Before Python 3.12, both the
SDK's transports (aiohttp's and httpx2's own) put a request on the wire one loop turn *after*
the SDK hands it over, behind every other task ready in that turn, so each request of a burst
waited for the whole burst's work (measured at concurrency 32: 3.3-5.5 ms on average and
16-19 ms at p95 from the call to the server reading the request; 1.2 ms on Python 3.12, where
aiohttp writes eagerly, and 1.1-1.2 ms with this transport). Here the request is written to the
socket in the same step, and:

* replies are parsed by h11 (the HTTP/1.1 state machine under httpx2's own transport) and
  handed to the SDK whole (the CPU a call costs is about that of the SDK's aiohttp transport);
* connections are kept alive per origin (5 s idle at most); a reused connection that the server
  closed before answering is replaced and the request sent once more, as HTTP clients do;
* the CA bundle (about 20 ms of CPU) is loaded once per process and only for ``https``.

Failures are raised as httpx2's exceptions (``ConnectError``, ``ReadTimeout``...), which the SDK
turns into ``APIConnectionError`` and ``APITimeoutError`` as with its own transports. Proxies
from the environment are served by httpx2's transports, which the client mounts for them.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time

import h11
import httpx2

__all__ = ["Http11Transport"]

_IDLE_S = 5.0
_PORTS = {"http": 80, "https": 443}
_HTTP_1_1 = b"HTTP/1.1"

Origin = tuple[str, str, int]


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx2's default TLS context (system CAs, or ``SSL_CERT_FILE``), built once."""
    return httpx2.create_ssl_context()


class _Stale(Exception):
    """A reused connection was closed before any byte of the reply: safe to send again."""


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: asyncio moves the bytes, h11 keeps the protocol's state."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.http = h11.Connection(h11.CLIENT)
        self.transport: asyncio.Transport | None = None
        self.received = False
        """Whether any byte arrived since the request was sent (or since it went idle)."""
        self.closed = False
        self.idle_since = 0.0
        self._loop = loop
        self._eof = False
        self._wake: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.received = True
        self.http.receive_data(data)
        self._notify()

    def eof_received(self) -> None:
        self._end()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._end()

    def _end(self) -> None:
        if not self._eof:
            self._eof = True
            self.http.receive_data(b"")  # h11 reads the end of the stream as such
        self._notify()

    def _notify(self) -> None:
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    def usable(self, now: float) -> bool:
        return (
            not self.closed
            and not self._eof
            and self.transport is not None
            and not self.transport.is_closing()
            and not self.received  # nothing unasked-for arrived while idle
            and self.http.our_state is h11.IDLE
            and now - self.idle_since < _IDLE_S
        )

    def send(self, request: httpx2.Request, body: bytes) -> None:
        """Write the whole request now (no loop turn between the SDK's call and the socket)."""
        assert self.transport is not None
        head = h11.Request(
            method=request.method, target=request.url.raw_path, headers=request.headers.raw
        )
        data = self.http.send(head) or b""
        if body:
            data += self.http.send(h11.Data(data=body)) or b""
        data += self.http.send(h11.EndOfMessage()) or b""
        self.received = False
        self.transport.write(data)

    async def _event(self, timeout: float | None) -> h11.Event:
        while True:
            event = self.http.next_event()
            if isinstance(event, h11.Event):
                return event
            if event is h11.PAUSED:  # bytes beyond the reply: not HTTP/1.1 as we speak it
                raise h11.RemoteProtocolError("data after the end of the reply")
            self._wake = self._loop.create_future()
            try:
                async with asyncio.timeout(timeout):
                    await self._wake
            finally:
                self._wake = None

    async def reply(self, timeout: float | None) -> tuple[h11.Response, bytes]:
        """The reply's head and whole body; ``timeout`` bounds each wait for more bytes."""
        head = await self._event(timeout)
        while isinstance(head, h11.InformationalResponse):  # 100 Continue and the like
            head = await self._event(timeout)
        if not isinstance(head, h11.Response):
            raise h11.RemoteProtocolError("the connection closed before a reply")
        chunks = []
        while not isinstance(event := await self._event(timeout), h11.EndOfMessage):
            if not isinstance(event, h11.Data):
                raise h11.RemoteProtocolError("the connection closed in the middle of a reply")
            chunks.append(event.data)
        return head, b"".join(chunks)

    def reusable(self) -> bool:
        """After a reply: true (and ready for the next request) if the connection stays open."""
        if self.closed or self.http.their_state is not h11.DONE:
            return False
        if self.http.our_state is not h11.DONE:
            return False
        self.http.start_next_cycle()
        self.received = False
        self.idle_since = time.monotonic()
        return True

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class Http11Transport(httpx2.AsyncBaseTransport):
    """Sends the SDK's requests over kept-alive HTTP/1.1 connections, one request at a time
    on each; how many are open at once is bounded by the callers (the call service's limit
    per endpoint)."""

    def __init__(self) -> None:
        self._idle: dict[Origin, list[_Connection]] = {}
        self._open: set[_Connection] = set()

    def _reuse(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            conn = idle.pop()  # the most recently used: the least likely to have timed out
            if conn.usable(now):
                return conn
            self._discard(conn)
        return None

    def _discard(self, conn: _Connection) -> None:
        conn.close()
        self._open.discard(conn)

    async def _connect(self, origin: Origin, timeout: float | None) -> _Connection:
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        tls = _tls_context() if scheme == "https" else None
        try:
            async with asyncio.timeout(timeout):
                _, conn = await loop.create_connection(
                    lambda: _Connection(loop),
                    host,
                    port,
                    ssl=tls,
                    server_hostname=host if tls is not None else None,
                )
        except TimeoutError:
            raise httpx2.ConnectTimeout(f"connecting to {host}:{port} timed out") from None
        except OSError as exc:
            raise httpx2.ConnectError(f"cannot connect to {host}:{port}: {exc}") from exc
        self._open.add(conn)
        return conn

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        url = request.url
        if url.scheme not in _PORTS:
            raise httpx2.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}")
        origin = (url.scheme, url.host, url.port or _PORTS[url.scheme])
        timeouts = request.extensions.get("timeout") or {}
        body = await request.aread()
        conn = self._reuse(origin)
        while True:
            reused = conn is not None
            if conn is None:
                conn = await self._connect(origin, timeouts.get("connect"))
            try:
                try:
                    conn.send(request, body)
                    head, content = await conn.reply(timeouts.get("read"))
                except h11.RemoteProtocolError as exc:
                    if reused and not conn.received:
                        raise _Stale from exc
                    raise httpx2.RemoteProtocolError(str(exc)) from exc
                except TimeoutError:
                    raise httpx2.ReadTimeout("no reply within the read timeout") from None
                except h11.LocalProtocolError as exc:
                    raise httpx2.LocalProtocolError(str(exc)) from exc
            except _Stale:
                self._discard(conn)
                conn = None  # a fresh connection, once
                continue
            except BaseException:  # failed or cancelled mid-request: the connection is unusable
                self._discard(conn)
                raise
            break
        if conn.reusable():
            self._idle.setdefault(origin, []).append(conn)
        else:
            self._discard(conn)
        extensions = {"http_version": _HTTP_1_1, "reason_phrase": head.reason}
        return httpx2.Response(
            head.status_code,
            headers=head.headers.raw_items(),
            content=content,
            request=request,
            extensions=extensions,
        )

    async def aclose(self) -> None:
        for conn in list(self._open):
            self._discard(conn)
        self._idle.clear()
