"""A local HTTP server that speaks OpenAI's chat-completions and embeddings API, for tests.

Judge graders are tested against it instead of a real provider: it listens on 127.0.0.1, answers
deterministically, and can be told to be slow, to rate-limit (429 with ``Retry-After``), to fail
(500) or to send malformed bodies. It is a real server on a real socket, so the ``openai`` SDK and
``litellm`` are exercised exactly as in production, connection pooling and timeouts included.

What it replies comes from a *responder*: a function of the request, or the default one, which
applies :class:`Rule` s (a regex over the prompt's text -> a reply) and falls back to a fixed
text. Run it from the command line to try a grader without a provider::

    python -m graders.testing.openai_server --rules rules.yaml -- graders grade g.yaml s.jsonl

which starts the server, runs the command with ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY``
pointing at it, and stops the server when the command exits.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["OpenAIServer", "Reply", "Request", "Rule", "load_rules", "main", "scripted_judge"]

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass
class Request:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def messages(self) -> list[dict[str, Any]]:
        msgs = self.body.get("messages") if isinstance(self.body, dict) else None
        return msgs if isinstance(msgs, list) else []

    @property
    def text(self) -> str:
        """Every message's text content, joined by newlines (what rules match against)."""
        parts: list[str] = []
        for msg in self.messages:
            content = msg.get("content")
            if isinstance(content, str):
                parts.append(content)
            elif isinstance(content, list):
                parts.extend(str(c.get("text", "")) for c in content if isinstance(c, dict))
        return "\n".join(parts)


@dataclass
class Reply:
    """What to answer: an assistant message, or an HTTP error, or a raw (malformed) body."""

    content: str | None = None
    status: int = 200
    body: bytes | dict[str, Any] | None = None
    """Sent instead of a chat completion (an error object, or bytes that are not JSON)."""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    """Extra latency for this reply (a slow server)."""

    @classmethod
    def error(cls, status: int, message: str = "error", **headers: str) -> Reply:
        """An OpenAI-style error body (``Reply.error(429, retry_after="1")``)."""
        hdrs = {k.replace("_", "-"): v for k, v in headers.items()}
        body = {"error": {"message": message, "type": "server_error", "code": status}}
        return cls(status=status, body=body, headers=hdrs)


@dataclass
class Rule:
    """When ``pattern`` is found in the prompt's text, answer ``reply`` (text or a JSON object)."""

    pattern: str
    reply: str | dict[str, Any]
    status: int = 200
    delay_s: float = 0.0

    def answer(self) -> Reply:
        if self.status != 200:
            return Reply.error(self.status, str(self.reply))
        text = self.reply if isinstance(self.reply, str) else json.dumps(self.reply)
        return Reply(content=text, delay_s=self.delay_s)


Responder = Callable[[Request], "Reply | str"]


def _words(text: str) -> int:
    return len(text.split())


def _embedding(text: str, dims: int) -> list[float]:
    """A deterministic bag-of-words vector: texts sharing words point the same way."""
    vec = [0.0] * dims
    for word in re.findall(r"\w+", text.lower()):
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        vec[int.from_bytes(digest[:4], "little") % dims] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


class OpenAIServer:
    """The server; use as a context manager, or ``start()`` / ``stop()``."""

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        rules: list[Rule] | None = None,
        default: str = "Score: 1",
        latency_s: float = 0.0,
        port: int = 0,
    ) -> None:
        self.responder = responder
        self.rules = list(rules or [])
        self.default = default
        self.latency_s = latency_s
        self.port = port
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        """The most requests the server was answering at once (to check concurrency limits)."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._conns: set[asyncio.Task[None]] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def chat_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # -- replies ----------------------------------------------------------------------------------

    def respond(self, request: Request) -> Reply:
        if self.responder is not None:
            out = self.responder(request)
            return Reply(content=out) if isinstance(out, str) else out
        text = request.text
        for rule in self.rules:
            if re.search(rule.pattern, text):
                return rule.answer()
        return Reply(content=self.default)

    def _render(self, request: Request, reply: Reply) -> tuple[int, bytes, dict[str, str]]:
        if reply.body is not None:
            raw = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            return reply.status, raw, reply.headers
        body = request.body if isinstance(request.body, dict) else {}
        model = str(body.get("model", "test-model"))
        if request.path.endswith("/embeddings"):
            texts = body.get("input", [])
            texts = [texts] if isinstance(texts, str) else list(texts)
            dims = int(body.get("dimensions") or 64)
            data = [
                {"object": "embedding", "index": i, "embedding": _embedding(str(t), dims)}
                for i, t in enumerate(texts)
            ]
            tokens = sum(_words(str(t)) for t in texts)
            payload: dict[str, Any] = {
                "object": "list",
                "data": data,
                "model": model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        else:
            content = reply.content or ""
            prompt, completion = _words(request.text), _words(content)
            payload = {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": content},
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                },
            }
        return reply.status, json.dumps(payload).encode(), reply.headers

    # -- HTTP/1.1 ---------------------------------------------------------------------------------

    async def _read_request(self, reader: asyncio.StreamReader) -> Request | None:
        line = await reader.readline()
        if not line.strip():
            return None
        method, target, _ = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while True:
            raw = await reader.readline()
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        size = int(headers.get("content-length", "0") or 0)
        data = await reader.readexactly(size) if size else b""
        try:
            body = json.loads(data) if data else None
        except ValueError:
            body = None
        return Request(method, target.split("?", 1)[0], headers, body)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    break
                self.requests.append(request)
                if request.path.endswith(("/chat/completions", "/embeddings")):
                    reply = self.respond(request)
                else:
                    reply = Reply.error(404, f"no route {request.path}")
                delay = self.latency_s + reply.delay_s
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                try:
                    if delay:
                        await asyncio.sleep(delay)
                finally:
                    self.in_flight -= 1
                status, payload, headers = self._render(request, reply)
                head = [
                    f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}",
                    "Content-Type: application/json",
                    f"Content-Length: {len(payload)}",
                ]
                head += [f"{k}: {v}" for k, v in headers.items()]
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
                await writer.drain()
                if request.headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    def _track(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.ensure_future(self._handle(reader, writer))
        self._conns.add(task)
        task.add_done_callback(self._conns.discard)

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> OpenAIServer:
        loop = self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name="openai-server", daemon=True)
        self._thread.start()

        async def listen() -> asyncio.Server:
            return await asyncio.start_server(self._track, "127.0.0.1", self.port, backlog=512)

        self._server = asyncio.run_coroutine_threadsafe(listen(), loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None:
            return

        async def shutdown() -> None:
            server.close()
            for task in list(self._conns):
                task.cancel()
            await asyncio.gather(*self._conns, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        assert self._thread is not None
        self._thread.join(10)
        loop.close()
        self._loop = self._server = None

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def load_rules(path: str | Path) -> tuple[list[Rule], str | None]:
    """Rules (and an optional default reply) from a YAML file::

    default: "Score: 0"
    rules:
      - {pattern: "Paris", reply: {"result": 1.0}}
      - {pattern: "overloaded", status: 503, reply: "try later"}
    """
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    rules = [Rule(**r) for r in data.get("rules", [])]
    return rules, data.get("default")


@contextmanager
def scripted_judge(rules_file: str | Path) -> Iterator[OpenAIServer]:
    """A server answering by the rules in ``rules_file``, with ``OPENAI_BASE_URL`` and
    ``OPENAI_API_KEY`` pointing at it while the block runs (grader test files use this)."""
    rules, default = load_rules(rules_file)
    names = ("OPENAI_BASE_URL", "OPENAI_API_KEY")
    saved = {name: os.environ.get(name) for name in names}
    with OpenAIServer(rules=rules, default=default or "Score: 1") as server:
        os.environ.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="test-key")
        try:
            yield server
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m graders.testing.openai_server",
        description="A local OpenAI-compatible test server; runs COMMAND against it if given.",
    )
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rules", help="a YAML file of rules (see load_rules)")
    parser.add_argument("--default", default=None, help="the reply when no rule matches")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND ARGS...")
    args = parser.parse_args(argv)
    rules, default = load_rules(args.rules) if args.rules else ([], None)
    server = OpenAIServer(
        rules=rules,
        default=args.default or default or "Score: 1",
        latency_s=args.latency_ms / 1000,
        port=args.port,
    )
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    with server:
        if not command:
            print(f"listening on {server.base_url}", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return 0
        env = os.environ | {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "test-key"}
        return subprocess.call(command, env=env)


if __name__ == "__main__":
    sys.exit(main())
