"""Model calls for every family: cache, budget, per-endpoint limits, retries, usage and cost.

Graders call :func:`chat` (judges) or :func:`embed` (embedding similarity) with an
:class:`~graders.judge.endpoint.Endpoint` and a request. One :class:`ModelService` per run
(per ``Runtime``) holds the clients, the reply cache, the embedders and the budget; it is
created on first use and closed with the grader. A call:

1. returns the cached reply when there is one (no request, no spending), or, with the cache on,
   waits for an identical request already in flight and shares its reply (counted as cached);
   embeddings are cached per text and batched across concurrent callers
   (:mod:`graders.judge.embedder`);
2. waits for a slot under the endpoint's ``concurrency`` (``ctx.runtime.limit``);
3. refuses to start once the run's budget (tokens or dollars) is spent;
4. retries 429s, 5xx, timeouts, dropped connections and malformed responses with exponential
   backoff and jitter, obeying ``Retry-After``;
5. records tokens and cost, and stores the reply in the cache.

Per-run options come from ``Grader(settings={"models": {...}})`` (see :class:`ModelSettings`);
the CLI's ``--no-cache``, ``--cache-ttl``, ``--budget-usd`` and ``--budget-tokens`` set them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from pathlib import Path

from graders.core.context import Runtime
from graders.core.errors import GradeFailure
from graders.judge.backends import Backend, make_backend
from graders.judge.cache import ReplyCache, default_cache_dir
from graders.judge.calls import (
    CACHE_VERSION,
    CallError,
    CallOutcome,
    ChatReply,
    ChatRequest,
    EmbedReply,
    EmbedRequest,
    R,
    Usage,
)
from graders.judge.embedder import DiskStore, Embedder, Vector
from graders.judge.endpoint import Endpoint
from graders.judge.retry import backoff_delay

__all__ = ["DEFAULT_BATCH_SIZE", "ModelService", "ModelSettings", "chat", "embed", "service"]

log = logging.getLogger("graders.judge")

SETTINGS_KEY = "models"
CACHE_FILE = "model-calls.sqlite3"
DEFAULT_BATCH_SIZE = 64
"""Texts per embeddings request, unless the caller asks for another size."""


@dataclass(frozen=True)
class ModelSettings:
    """Per-run options of model calls (``Grader(settings={"models": {...}})``)."""

    cache: bool = True
    """Read and write the reply cache."""
    cache_dir: str | None = None
    """Where the cache lives; default: ``GRADERS_CACHE_DIR`` or the user cache dir."""
    cache_ttl_s: float | None = None
    """Ignore cached replies older than this."""
    budget_usd: float | None = None
    """Stop making calls once this many dollars are spent in the run."""
    budget_tokens: int | None = None
    """Stop making calls once this many tokens (prompt + completion) are spent in the run."""

    @classmethod
    def from_runtime(cls, runtime: Runtime) -> ModelSettings:
        raw = runtime.settings.get(SETTINGS_KEY) or {}
        if isinstance(raw, ModelSettings):
            return raw
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise GradeFailure(
                "config_error",
                f"unknown settings['{SETTINGS_KEY}'] key {unknown[0]!r}; "
                f"known: {', '.join(sorted(known))}",
            )
        return cls(**raw)


class ModelService:
    """The clients, reply cache, embedders and budget of one run."""

    def __init__(self, settings: ModelSettings) -> None:
        self.settings = settings
        self.spent = Usage()
        self._backends: dict[str, Backend] = {}
        self._embedders: dict[tuple[Endpoint, str, int | None, int], Embedder] = {}
        self._no_schema: set[tuple[str, str]] = set()
        self._in_flight: dict[str, asyncio.Future[CallOutcome[ChatReply] | GradeFailure]] = {}
        self._cache: ReplyCache | None = None
        if settings.cache:
            root = Path(settings.cache_dir) if settings.cache_dir else default_cache_dir()
            self._cache = ReplyCache(root / CACHE_FILE, ttl_s=settings.cache_ttl_s)

    @property
    def cache(self) -> ReplyCache | None:
        return self._cache

    def _backend(self, endpoint: Endpoint) -> Backend:
        key = endpoint.key()
        backend = self._backends.get(key)
        if backend is None:
            try:
                backend = self._backends[key] = make_backend(endpoint)
            except CallError as exc:
                raise GradeFailure(exc.kind, exc.message) from None
        return backend

    def _check_budget(self, endpoint: Endpoint, backend: Backend, model: str) -> None:
        s, spent = self.settings, self.spent
        tokens = spent.prompt_tokens + spent.completion_tokens
        if s.budget_tokens is not None and tokens >= s.budget_tokens:
            raise GradeFailure(
                "budget_exhausted",
                f"budget_tokens={s.budget_tokens} reached ({tokens} tokens spent); no more calls",
            )
        if s.budget_usd is None:
            return
        # checked before the first call: a reply of unknown cost would leave the budget unknown
        if endpoint.price is None and not backend.knows_price(model):
            raise GradeFailure(
                "budget_error",
                f"budget_usd={s.budget_usd} needs each call's price: set endpoint.price "
                f"(no price is known for model={model!r} with provider={endpoint.provider!r})",
            )
        if spent.cost_usd is None:
            raise GradeFailure(
                "budget_error",
                f"budget_usd={s.budget_usd} needs each call's price: a reply came without its "
                "cost; set endpoint.price",
            )
        if spent.cost_usd >= s.budget_usd:
            raise GradeFailure(
                "budget_exhausted",
                f"budget_usd={s.budget_usd} reached (${spent.cost_usd:.4f} spent); no more calls",
            )

    async def call(
        self,
        runtime: Runtime,
        endpoint: Endpoint,
        send: Callable[[Backend, bool], Awaitable[R]],
        model: str,
    ) -> CallOutcome[R]:
        """``send`` under the endpoint's limit and the budget, retried, its usage counted
        (the callers cache: :func:`chat` by request, embedders by text)."""
        backend = self._backend(endpoint)
        limit = runtime.limit(f"models:{endpoint.key()}", endpoint.concurrency)
        schema_key = (endpoint.key(), model)
        retries = 0
        while True:
            use_schema = endpoint.structured_output and schema_key not in self._no_schema
            try:
                async with limit:
                    # checked in the slot: at most `concurrency` calls overshoot the budget
                    self._check_budget(endpoint, backend, model)
                    reply = await self._guarded(send(backend, use_schema), endpoint)
                break
            except CallError as exc:
                if exc.unsupported_schema and use_schema:
                    self._no_schema.add(schema_key)  # ask again without response_format
                    continue
                wait = exc.retry_after_s
                if not exc.retryable or retries >= endpoint.max_retries:
                    tries = f" (after {retries + 1} attempts)" if retries else ""
                    raise GradeFailure(exc.kind, exc.message + tries) from None
                if wait is not None and wait > endpoint.max_backoff_s:
                    raise GradeFailure(
                        exc.kind,
                        f"{exc.message}; the server asks to retry after {wait:g}s, more than "
                        f"max_backoff_s={endpoint.max_backoff_s:g}",
                    ) from None
                retries += 1
                delay = backoff_delay(
                    retries, base_s=endpoint.backoff_s, cap_s=endpoint.max_backoff_s, server_s=wait
                )
                log.info("retry %d in %.2fs: %s", retries, delay, exc.message)
                await asyncio.sleep(delay)
        usage = self._usage(endpoint, reply, retries)
        self.spent.add(usage)
        return CallOutcome(reply, usage)

    async def single_flight(
        self, key: str, call: Callable[[], Awaitable[CallOutcome[ChatReply]]]
    ) -> CallOutcome[ChatReply]:
        """``call()``, unless a call under the same cache key is in flight: then its reply
        (counted as cached) or a copy of its failure, without a request of its own."""
        while (pending := self._in_flight.get(key)) is not None:
            try:
                shared = await asyncio.shield(pending)
            except asyncio.CancelledError:
                if pending.cancelled():
                    continue  # the first caller was cancelled, not this one: call again
                raise
            if isinstance(shared, GradeFailure):
                raise GradeFailure(shared.kind, shared.message)
            return CallOutcome(shared.reply, Usage(cached=1, cost_usd=0.0))
        future: asyncio.Future[CallOutcome[ChatReply] | GradeFailure]
        future = self._in_flight[key] = asyncio.get_running_loop().create_future()
        try:
            outcome = await call()
        except GradeFailure as exc:
            future.set_result(GradeFailure(exc.kind, exc.message))
            raise
        except BaseException:
            future.cancel()
            raise
        finally:
            del self._in_flight[key]
        future.set_result(outcome)
        return outcome

    def embedder(
        self, runtime: Runtime, endpoint: Endpoint, model: str, dimensions: int | None, size: int
    ) -> Embedder:
        """The run's embedder of ``model`` at ``endpoint`` (requests of ``size`` texts at most),
        its vectors cached per text in the reply cache."""
        key = (endpoint, model, dimensions, size)
        embedder = self._embedders.get(key)
        if embedder is None:

            async def send(texts: list[str]) -> tuple[list[Vector], Usage]:
                request = EmbedRequest(model=model, texts=texts, dimensions=dimensions)

                async def once(backend: Backend, schema: bool) -> EmbedReply:
                    return await backend.embed(request, timeout_s=endpoint.request_timeout_s)

                outcome = await self.call(runtime, endpoint, once, model)
                return outcome.reply.vectors, outcome.usage

            namespace = ["embedding", CACHE_VERSION, endpoint.cache_id(), model, dimensions]
            store = DiskStore(self._cache) if self._cache is not None else None
            embedder = self._embedders[key] = Embedder(
                send, namespace=namespace, store=store, batch_size=size
            )
        return embedder

    @staticmethod
    async def _guarded(request: Awaitable[R], endpoint: Endpoint) -> R:
        # the SDKs enforce request_timeout_s; this backstop also bounds a stuck connection pool
        try:
            async with asyncio.timeout(endpoint.request_timeout_s * 1.5 + 1):
                return await request
        except TimeoutError:
            raise CallError(
                f"request timed out after {endpoint.request_timeout_s:g}s",
                kind="timeout",
                retryable=True,
            ) from None

    @staticmethod
    def _usage(endpoint: Endpoint, reply: ChatReply | EmbedReply, retries: int) -> Usage:
        completion = reply.completion_tokens if isinstance(reply, ChatReply) else 0
        cost = reply.cost_usd
        if cost is None and endpoint.price is not None:
            cost = endpoint.price.cost(reply.prompt_tokens, completion)
        return Usage(
            calls=1,
            retries=retries,
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=completion,
            cost_usd=cost,
        )

    async def aclose(self) -> None:
        embedders = list(self._embedders.values())
        self._embedders.clear()
        for embedder in embedders:
            await embedder.aclose()
        backends = list(self._backends.values())
        self._backends.clear()
        for backend in backends:
            await backend.aclose()
        if self._cache is not None:
            self._cache.close()


def service(runtime: Runtime) -> ModelService:
    """The run's model service, created on first use and closed with the grader."""
    return runtime.resource(
        "models:service", lambda: ModelService(ModelSettings.from_runtime(runtime))
    )


async def chat(
    runtime: Runtime, endpoint: Endpoint, request: ChatRequest
) -> CallOutcome[ChatReply]:
    """One chat completion through the run's service (cached, limited, retried, counted)."""
    models = service(runtime)
    key = request.cache_key(endpoint.cache_id())
    hit = models.cache.get(key) if models.cache is not None else None
    if hit is not None:
        try:
            return CallOutcome(ChatReply.from_dict(hit), Usage(cached=1, cost_usd=0.0))
        except TypeError:
            pass  # an entry of another shape: call again and overwrite it

    async def send(backend: Backend, schema: bool) -> ChatReply:
        return await backend.chat(request, schema=schema, timeout_s=endpoint.request_timeout_s)

    cache = models.cache
    if cache is None:
        return await models.call(runtime, endpoint, send, request.model)

    async def call_and_store() -> CallOutcome[ChatReply]:
        outcome = await models.call(runtime, endpoint, send, request.model)
        cache.put(key, outcome.reply.to_dict())
        return outcome

    return await models.single_flight(key, call_and_store)


async def embed(
    runtime: Runtime,
    endpoint: Endpoint,
    request: EmbedRequest,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> CallOutcome[EmbedReply]:
    """Embeddings of ``request.texts`` through the run's service (cached, limited, retried).

    Concurrent callers share requests: texts asked for in the same event-loop turn go out
    together, ``batch_size`` at most a request, each distinct text once; each vector is cached
    under its own text. The usage is this call's share (see :mod:`graders.judge.embedder`).
    """
    embedder = service(runtime).embedder(
        runtime, endpoint, request.model, request.dimensions, batch_size
    )
    vectors, usage = await embedder.embed(request.texts)
    reply = EmbedReply(vectors, usage.prompt_tokens, request.model, usage.cost_usd)
    return CallOutcome(reply, usage)
