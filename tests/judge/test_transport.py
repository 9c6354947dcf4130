"""The HTTP/1.1 transport under the openai SDK, against scripted servers on 127.0.0.1: keep-alive,
stale connections, framing, TLS, timeouts and failures, directly and through a grader."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from graders.judge import transport
from graders.judge.transport import Http11Transport
from tests.judge.conftest import grade

Answer = Callable[[int, int, bytes], "bytes | None"]
"""(connection number, request number on it, request body) -> the raw reply to send (closing
the connection after it when it says ``Connection: close``); None closes at once, unanswered."""

BODY = json.dumps({"ok": True}).encode()


def reply(body: bytes = BODY, *headers: str, status: str = "200 OK") -> bytes:
    head = [f"HTTP/1.1 {status}", "Content-Type: application/json", *headers]
    if not any(h.lower().startswith("transfer-encoding") for h in headers):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class RawServer:
    """An HTTP/1.1 server whose every reply is scripted byte for byte, on its own thread."""

    def __init__(self, answer: Answer, tls: ssl.SSLContext | None = None) -> None:
        self.answer = answer
        self.connections = 0
        self._writers: set[asyncio.StreamWriter] = set()
        self.requests: list[tuple[int, int, bytes]] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        start = asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=tls)
        self._server = asyncio.run_coroutine_threadsafe(start, self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn, self.connections = self.connections, self.connections + 1
        self._writers.add(writer)
        try:
            for n in range(1000):
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                body = await reader.readexactly(length)
                self.requests.append((conn, n, body))
                out = self.answer(conn, n, body)
                if out is None:
                    break
                writer.write(out)
                await writer.drain()
                if b"\r\nconnection: close\r\n" in out.split(b"\r\n\r\n")[0].lower() + b"\r\n":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def close(self) -> None:
        async def stop() -> None:
            self._server.close()
            for writer in self._writers:
                writer.close()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., RawServer]]:
    started: list[RawServer] = []

    def start(answer: Answer, tls: ssl.SSLContext | None = None) -> RawServer:
        started.append(RawServer(answer, tls))
        return started[-1]

    yield start
    for srv in started:
        srv.close()


def fetch(url: str, count: int = 1, timeout: float = 5.0) -> list[httpx2.Response]:
    """``count`` POSTs one after another through one client on our transport."""

    async def go() -> list[httpx2.Response]:
        async with httpx2.AsyncClient(transport=Http11Transport(), timeout=timeout) as client:
            return [await client.post(url, content=b'{"n": %d}' % i) for i in range(count)]

    return asyncio.run(go())


def test_connections_are_kept_alive_and_reused(serve: Callable[..., RawServer]) -> None:
    srv = serve(lambda conn, n, body: reply())
    out = fetch(f"http://127.0.0.1:{srv.port}/v1/x", count=5)
    assert [r.json() for r in out] == [{"ok": True}] * 5
    assert srv.connections == 1 and len(srv.requests) == 5


def test_a_connection_idle_too_long_is_not_reused(
    serve: Callable[..., RawServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport, "_IDLE_S", 0.0)
    srv = serve(lambda conn, n, body: reply())
    assert len(fetch(f"http://127.0.0.1:{srv.port}/", count=2)) == 2
    assert srv.connections == 2


def test_a_reused_connection_closed_before_the_reply_is_replaced_and_the_request_resent(
    serve: Callable[..., RawServer],
) -> None:
    # the server closes its kept-alive connection on the second request, unanswered (a race
    # every keep-alive client meets when the server times the connection out)
    srv = serve(lambda conn, n, body: None if (conn, n) == (0, 1) else reply(body))
    out = fetch(f"http://127.0.0.1:{srv.port}/", count=2)
    assert [r.json() for r in out] == [{"n": 0}, {"n": 1}]
    assert srv.requests == [(0, 0, b'{"n": 0}'), (0, 1, b'{"n": 1}'), (1, 0, b'{"n": 1}')]


def test_a_reply_cut_off_midway_is_an_error_and_not_sent_again(
    serve: Callable[..., RawServer],
) -> None:
    cut = b'HTTP/1.1 200 OK\r\nContent-Length: 20\r\nConnection: close\r\n\r\n{"ok": tr'
    srv = serve(lambda conn, n, body: cut)
    with pytest.raises(httpx2.RemoteProtocolError):
        fetch(f"http://127.0.0.1:{srv.port}/")
    assert len(srv.requests) == 1


def test_chunked_gzipped_replies_are_read_whole_and_decoded(
    serve: Callable[..., RawServer],
) -> None:
    packed = gzip.compress(json.dumps({"text": "x" * 5000}).encode())
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (packed[:100], packed[100:]))
    srv = serve(
        lambda conn, n, body: reply(
            chunks + b"0\r\n\r\n", "Transfer-Encoding: chunked", "Content-Encoding: gzip"
        )
    )
    (out,) = fetch(f"http://127.0.0.1:{srv.port}/")
    assert out.json() == {"text": "x" * 5000}


def test_connection_close_is_honoured(serve: Callable[..., RawServer]) -> None:
    srv = serve(lambda conn, n, body: reply(BODY, "Connection: close"))
    assert len(fetch(f"http://127.0.0.1:{srv.port}/", count=2)) == 2
    assert srv.connections == 2


def test_a_reply_that_never_comes_is_a_read_timeout(serve: Callable[..., RawServer]) -> None:
    srv = serve(lambda conn, n, body: b"")  # reads the request, never answers
    with pytest.raises(httpx2.ReadTimeout):
        fetch(f"http://127.0.0.1:{srv.port}/", timeout=0.2)


def test_a_closed_port_is_a_connect_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        with pytest.raises(httpx2.ConnectError):
            fetch(f"http://127.0.0.1:{port}/")


def test_a_cancelled_request_leaves_no_half_used_connection(
    serve: Callable[..., RawServer],
) -> None:
    # the first connection never answers; were it reused, the second request would hang too
    srv = serve(lambda conn, n, body: reply(body) if conn else b"")

    async def go() -> Any:
        async with httpx2.AsyncClient(transport=Http11Transport(), timeout=5) as client:
            url = f"http://127.0.0.1:{srv.port}/"
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.2):
                    await client.post(url, content=b"first")
            return (await client.post(url, content=b"second")).content

    assert asyncio.run(go()) == b"second"
    assert srv.connections == 2


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    """A self-signed certificate (and its key) for 127.0.0.1."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    return tmp_path


def test_https_is_verified_against_the_trusted_certificates(
    serve: Callable[..., RawServer], certificate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(certificate / "cert.pem", certificate / "key.pem")
    srv = serve(lambda conn, n, body: reply(), tls)
    url = f"https://127.0.0.1:{srv.port}/"
    monkeypatch.setattr(transport, "_tls_context", transport._tls_context.__wrapped__)
    with pytest.raises(httpx2.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        fetch(url)  # not trusted yet
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate / "cert.pem"))
    assert fetch(url, count=2)[1].json() == {"ok": True}


def test_an_unreachable_endpoint_is_retried_then_reported_through_a_grader() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        endpoint = {
            "base_url": f"http://127.0.0.1:{sock.getsockname()[1]}/v1",
            "api_key_env": "NO_SUCH_KEY_VARIABLE",
            "max_retries": 1,
            "backoff_s": 0.01,
        }
        config = {
            "type": "score_model",
            "model": "judge-1",
            "input": [{"role": "user", "content": "Rate: {{ sample.output_text }}"}],
            "endpoint": endpoint,
        }
        result = grade(config, "x")
    assert result.error is not None and result.error.kind == "api_error"
    assert "connection failed" in result.error.message
    assert "after 2 attempts" in result.error.message
