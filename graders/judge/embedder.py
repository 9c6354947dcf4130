"""Embeddings for many samples at once: micro-batching, in-flight de-duplication, a text cache.

A training step grades hundreds of samples concurrently, each asking for the vectors of its
output and of its reference. An :class:`Embedder` (one per model and event loop) turns that into
few requests:

* texts asked for in the same event-loop turn go out together, at most ``batch_size`` a request;
* a text already in flight is awaited, not sent again (a GRPO group shares its reference);
* each vector is cached under its own text, whatever batch brought it, so a later sample (or,
  with the run's disk cache, a later run) asking for it sends nothing.

What a request spent is split over the texts it carried, so the usage on each sample's result
adds up to what the run spent: the request itself (``calls``, ``retries``) counts on its first
text, tokens and cost on every text in proportion to its length. A text served by another
caller's request counts nothing; a text served by the cache counts as ``cached``.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from graders.core.errors import GradeFailure
from graders.judge.calls import Usage, digest

__all__ = ["Embedder", "MemoryStore", "Send", "Store", "Vector", "split_usage"]

Vector = list[float]
Send = Callable[[list[str]], Awaitable[tuple[list[Vector], Usage]]]
"""Embeds a batch of texts with one request: the vectors, in order, and what it spent."""

_Entry = tuple[Vector, Usage]


class Store(Protocol):
    """Where vectors are cached by key (the run's :class:`~graders.judge.cache.ReplyCache`)."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, value: dict[str, Any]) -> None: ...


class MemoryStore:
    """A store in memory of at most ``size`` entries, the least recently used dropped first."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._entries: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def get(self, key: str) -> dict[str, Any] | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: str, value: dict[str, Any]) -> None:
        self._entries[key] = value
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)


def _apportion(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights``, in integers that add up to ``total``
    (largest remainders get the units left over)."""
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    left = total - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: -(total * weights[i] % whole))
    for i in by_remainder[:left]:
        parts[i] += 1
    return parts


def split_usage(usage: Usage, texts: Sequence[str]) -> list[Usage]:
    """One request's usage as one share per text, the shares adding up to the whole."""
    weights = [max(len(text), 1) for text in texts]
    whole = sum(weights)
    prompt = _apportion(usage.prompt_tokens, weights)
    completion = _apportion(usage.completion_tokens, weights)
    cost = usage.cost_usd
    return [
        Usage(
            calls=usage.calls if i == 0 else 0,
            retries=usage.retries if i == 0 else 0,
            prompt_tokens=prompt[i],
            completion_tokens=completion[i],
            cost_usd=None if cost is None else cost * weight / whole,
        )
        for i, weight in enumerate(weights)
    ]


class Embedder:
    """Micro-batched, de-duplicated, cached embeddings of one model (one event loop).

    ``send`` makes one request (limits, retries and budget are its business); ``namespace``
    (model, endpoint, dimensions, ...) prefixes every text's cache key; ``store`` may be None
    (no cache: only requests in flight are shared).
    """

    def __init__(
        self,
        send: Send,
        *,
        namespace: list[Any],
        store: Store | None,
        batch_size: int,
    ) -> None:
        self._send = send
        self._namespace = namespace
        self._store = store
        self.batch_size = batch_size
        self._inflight: dict[str, asyncio.Future[_Entry]] = {}
        self._pending: list[str] = []
        self._flush_scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()

    async def embed(self, texts: Sequence[str]) -> tuple[list[Vector], Usage]:
        """The vectors of ``texts``, in order, and this call's share of what they cost."""
        lookups = [self._lookup(text) for text in texts]
        # shielded: a caller that times out must not cancel a request other callers await
        entries = await asyncio.gather(*(asyncio.shield(future) for future, _ in lookups))
        usage = Usage()
        for (_, owner), (_, share) in zip(lookups, entries, strict=True):
            if owner:
                usage.add(share)
        return [vector for vector, _ in entries], usage

    def _key(self, text: str) -> str:
        return digest([*self._namespace, text])

    def _lookup(self, text: str) -> tuple[asyncio.Future[_Entry], bool]:
        """The future of ``text``'s vector, and whether this caller pays for it."""
        inflight = self._inflight.get(text)
        if inflight is not None:
            return inflight, False
        future: asyncio.Future[_Entry] = asyncio.get_running_loop().create_future()
        hit = self._store.get(self._key(text)) if self._store is not None else None
        vector = hit.get("vector") if hit is not None else None
        if isinstance(vector, list):
            future.set_result((vector, Usage(cached=1)))
            return future, True
        self._inflight[text] = future
        self._pending.append(text)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)
        return future, True

    def _flush(self) -> None:
        self._flush_scheduled = False
        pending, self._pending = self._pending, []
        for start in range(0, len(pending), self.batch_size):
            task = asyncio.ensure_future(self._request(pending[start : start + self.batch_size]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _request(self, batch: list[str]) -> None:
        try:
            vectors, usage = await self._send(batch)
            if len(vectors) != len(batch):
                raise GradeFailure(
                    "embedding_error", f"asked for {len(batch)} embeddings, got {len(vectors)}"
                )
        except BaseException as exc:  # every waiter on this batch sees the failure
            for text in batch:
                future = self._inflight.pop(text, None)
                if future is None or future.done():
                    continue
                if isinstance(exc, asyncio.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for text, vector, share in zip(batch, vectors, split_usage(usage, batch), strict=True):
            if self._store is not None:
                self._store.put(self._key(text), {"vector": vector})
            future = self._inflight.pop(text, None)
            if future is not None and not future.done():
                future.set_result((vector, share))

    async def aclose(self) -> None:
        """Wait for the requests in flight."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
