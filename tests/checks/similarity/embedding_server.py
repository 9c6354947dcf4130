"""A real HTTP server on 127.0.0.1 that speaks OpenAI's embeddings API, for tests.

``POST /v1/embeddings`` answers ``{"data": [{"index", "embedding"}], "model", "usage"}``. A text's
vector counts its letters a-z (case folded), so two texts' cosine is easy to compute in a test.
Failures can be queued (``fail_next``) to exercise retries; every request is recorded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def letter_vector(text: str) -> list[float]:
    """The server's embedding: how often each letter a-z occurs."""
    low = text.casefold()
    return [float(low.count(ch)) for ch in LETTERS]


class EmbeddingServer:
    """State shared by the handler threads: recorded requests and queued failures."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.failures: list[int] = []
        self.lock = threading.Lock()
        self.url = ""

    def fail_next(self, *statuses: int) -> None:
        with self.lock:
            self.failures.extend(statuses)

    @property
    def texts_sent(self) -> list[str]:
        return [text for req in self.requests for text in req["input"]]


def _handler(state: EmbeddingServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length))
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            with state.lock:
                state.requests.append(
                    {
                        "input": texts,
                        "model": body.get("model"),
                        "auth": self.headers.get("Authorization"),
                        "path": self.path,
                    }
                )
                status = state.failures.pop(0) if state.failures else 200
            if self.path != "/v1/embeddings":
                self._answer(404, {"error": {"message": f"no route {self.path}"}})
            elif status != 200:
                self._answer(status, {"error": {"message": "injected failure", "type": "server"}})
            elif any(not t for t in texts):
                self._answer(400, {"error": {"message": "input must not be empty"}})
            else:
                data = [
                    {"object": "embedding", "index": i, "embedding": letter_vector(t)}
                    for i, t in enumerate(texts)
                ]
                self._answer(
                    200,
                    {
                        "object": "list",
                        "data": data,
                        "model": body.get("model"),
                        "usage": {"prompt_tokens": 0, "total_tokens": 0},
                    },
                )

    return Handler


@contextmanager
def embedding_server() -> Iterator[EmbeddingServer]:
    """Run the server on a free port of 127.0.0.1 for the duration of the block."""
    state = EmbeddingServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
