"""The HTTP reward server behind ``graders serve``: one grader, graded for remote trainers.

Endpoints (JSON in and out; every error is ``{"error": "..."}`` with a 4xx or 503 status):

- ``POST /v1/grade``: ``{"rows": [{"sample": ..., "item": ...}, ...], "explain": false}`` ->
  ``{"rewards": [...], "passed": [...], "components": [{name: score}], "errors": [...],
  "summary": {...}}`` plus ``"results"`` (each row's Result tree) when ``explain`` is true. A
  bad row becomes an error in its place; it never fails the request.
- ``POST /get_reward``: OpenRLHF's remote reward protocol (see :mod:`graders.adapters.openrlhf`).
- ``GET /health``: the grader's type and components, and the requests in flight.
- ``GET /metrics``: Prometheus text counters (requests, rows, errors, abstentions, latency).

At most ``max_concurrency`` requests are graded at once; up to ``max_queue`` more wait, and the
next one gets 503 with ``Retry-After``. Bodies over ``max_body_bytes`` get 413, requests with
more than ``max_rows`` rows 413, malformed JSON 400 and well-formed JSON of the wrong shape 422.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from graders.adapters.openrlhf import OpenRLHFOptions, response, rows
from graders.core.errors import MissingDependencyError
from graders.core.result import Result
from graders.core.runner import Grader
from graders.core.summary import BatchSummary

try:
    from aiohttp import web
except ImportError as exc:
    raise MissingDependencyError(
        "the reward server needs aiohttp: pip install 'graders[server]'"
    ) from exc

__all__ = ["ServerOptions", "make_app", "serve"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class ServerOptions:
    """Limits and protocol settings of the reward server."""

    max_concurrency: int = 4
    """Requests graded at once (rows within a request follow the grader's own concurrency)."""
    max_queue: int = 256
    """Requests allowed to wait for a grading slot; beyond that, 503."""
    max_body_bytes: int = 64 * 1024 * 1024
    """The largest request body accepted (413 beyond)."""
    max_rows: int = 65536
    """The most rows (or queries) one request may carry (413 beyond)."""
    openrlhf: OpenRLHFOptions = field(default_factory=OpenRLHFOptions)
    """How ``/get_reward`` reads OpenRLHF's fields."""

    def __post_init__(self) -> None:
        for name in ("max_concurrency", "max_body_bytes", "max_rows"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)} must be at least 1")
        if self.max_queue < 0:
            raise ValueError(f"max_queue={self.max_queue} must not be negative")


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class _Metrics:
    requests: dict[tuple[str, int], int] = field(default_factory=dict)
    rows: int = 0
    errored: int = 0
    abstained: int = 0
    grading_seconds: float = 0.0
    in_flight: int = 0
    waiting: int = 0

    def count(self, results: list[Result], seconds: float) -> None:
        self.rows += len(results)
        self.errored += sum(1 for r in results if r.errors())
        self.abstained += sum(1 for r in results if r.score is None)
        self.grading_seconds += seconds

    def render(self) -> str:
        lines = [
            "# TYPE graders_requests_total counter",
            *(
                f'graders_requests_total{{endpoint="{endpoint}",status="{status}"}} {n}'
                for (endpoint, status), n in sorted(self.requests.items())
            ),
            "# TYPE graders_rows_total counter",
            f"graders_rows_total {self.rows}",
            "# TYPE graders_rows_errored_total counter",
            f"graders_rows_errored_total {self.errored}",
            "# TYPE graders_rows_abstained_total counter",
            f"graders_rows_abstained_total {self.abstained}",
            "# TYPE graders_grading_seconds_total counter",
            f"graders_grading_seconds_total {self.grading_seconds:.6f}",
            "# TYPE graders_requests_in_flight gauge",
            f"graders_requests_in_flight {self.in_flight}",
            "# TYPE graders_requests_waiting gauge",
            f"graders_requests_waiting {self.waiting}",
        ]
        return "\n".join(lines) + "\n"


def _error(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers or None)


class _Server:
    def __init__(self, grader: Grader, options: ServerOptions) -> None:
        self.grader = grader
        self.options = options
        self.metrics = _Metrics()
        self.slots = asyncio.Semaphore(options.max_concurrency)

    @web.middleware
    async def errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every failure answers JSON, and every answer is counted by endpoint and status."""
        try:
            reply = await handler(request)
        except _BadRequest as exc:
            retry = {"Retry-After": "1"} if exc.status == 503 else {}
            reply = _error(exc.status, exc.message, **retry)
        except web.HTTPRequestEntityTooLarge:
            limit = self.options.max_body_bytes
            reply = _error(413, f"request body over max_body_bytes={limit}")
        except web.HTTPException as exc:
            reply = _error(exc.status, exc.reason)
        key = (request.path if request.match_info.route.resource else "other", reply.status)
        self.metrics.requests[key] = self.metrics.requests.get(key, 0) + 1
        return reply

    async def _json(self, request: web.Request) -> dict[str, Any]:
        body = await request.read()
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise _BadRequest(400, f"the body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise _BadRequest(422, f"the body must be a JSON object, got {type(data).__name__}")
        return data

    def _list(self, data: dict[str, Any], key: str, *, required: bool) -> list[Any] | None:
        value = data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, list):
            raise _BadRequest(422, f"{key!r} must be a list, got {type(value).__name__}")
        if len(value) > self.options.max_rows:
            raise _BadRequest(413, f"{len(value)} {key} over max_rows={self.options.max_rows}")
        return value

    async def _grade(self, batch: list[Any]) -> list[Result]:
        """Grade under the concurrency bound, or refuse with 503 when too many wait."""
        if self.slots.locked() and self.metrics.waiting >= self.options.max_queue:
            raise _BadRequest(503, "the server is at max_queue; retry shortly")
        self.metrics.waiting += 1
        try:
            await self.slots.acquire()
        finally:
            self.metrics.waiting -= 1
        self.metrics.in_flight += 1
        start = perf_counter()
        try:
            results = (await self.grader.grade_batch(batch)).results
        finally:
            self.metrics.in_flight -= 1
            self.slots.release()
        self.metrics.count(results, perf_counter() - start)
        return results

    async def grade(self, request: web.Request) -> web.Response:
        data = await self._json(request)
        unknown = sorted(set(data) - {"rows", "explain"})
        if unknown:
            raise _BadRequest(422, f"unknown keys {', '.join(unknown)} (expected rows, explain)")
        batch = self._list(data, "rows", required=True)
        assert batch is not None
        explain = data.get("explain", False)
        if not isinstance(explain, bool):
            raise _BadRequest(422, "'explain' must be true or false")
        start = perf_counter()
        results = await self._grade(batch)
        reply: dict[str, Any] = {
            "rewards": [r.score for r in results],
            "passed": [r.passed for r in results],
            "components": [r.components() for r in results],
            "errors": [r.error.to_dict() if r.error else None for r in results],
            "summary": BatchSummary.from_results(
                results, elapsed_s=perf_counter() - start
            ).to_dict(),
        }
        if explain:
            reply["results"] = [r.to_dict() for r in results]
        return web.json_response(reply)

    async def get_reward(self, request: web.Request) -> web.Response:
        data = await self._json(request)
        queries = self._list(data, "query", required=True)
        assert queries is not None
        prompts = self._list(data, "prompts", required=False)
        labels = self._list(data, "labels", required=False)
        try:
            batch = rows(queries, prompts, labels, self.options.openrlhf)
        except ValueError as exc:
            raise _BadRequest(422, str(exc)) from None
        results = await self._grade(list(batch))
        return web.json_response(response(results, self.grader.components, self.options.openrlhf))

    async def health(self, request: web.Request) -> web.Response:
        spec = self.grader.spec
        return web.json_response(
            {
                "status": "ok",
                "grader": {"type": spec.type, "name": spec.name, "source": self.grader.source},
                "components": self.grader.components,
                "in_flight": self.metrics.in_flight,
                "waiting": self.metrics.waiting,
            }
        )

    async def metrics_text(self, request: web.Request) -> web.Response:
        return web.Response(text=self.metrics.render(), content_type="text/plain")


def make_app(grader: Grader, options: ServerOptions | None = None) -> web.Application:
    """The aiohttp application serving ``grader``; close it to release the grader's resources."""
    server = _Server(grader, options or ServerOptions())
    app = web.Application(
        client_max_size=server.options.max_body_bytes, middlewares=[server.errors]
    )
    app.router.add_post("/v1/grade", server.grade)
    app.router.add_post("/get_reward", server.get_reward)
    app.router.add_get("/health", server.health)
    app.router.add_get("/metrics", server.metrics_text)

    async def close(app: web.Application) -> None:
        await grader.aclose()

    app.on_cleanup.append(close)
    return app


async def serve(
    grader: Grader,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    options: ServerOptions | None = None,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until cancelled; ``ready(url)`` is called once the socket listens."""
    runner = web.AppRunner(make_app(grader, options), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        if ready is not None:
            bound = runner.addresses[0]
            ready(f"http://{host}:{bound[1]}")
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
