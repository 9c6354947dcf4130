"""Embeddings for many samples at once: micro-batching, in-flight de-duplication, a text cache.

A training step grades hundreds of samples concurrently, each asking for the vectors of its
output and of its reference. An :class:`Embedder` (one per model and event loop) turns that into
few requests:

* texts asked for in the same event-loop turn go out together, at most ``batch_size`` a request;
* a text already in flight is awaited, not sent again (a GRPO group shares its reference);
* each vector is cached under its own text, whatever batch brought it, so a later sample (or,
  with the run's disk cache, a later run) asking for it sends nothing. On disk a vector is its
  float64 bytes in base64: exact, half the size of a JSON list, and 20 times faster to write and
  read (1.5 ms and 1 ms for a JSON list of text-embedding-3-large's 3,072 numbers).

What a request spent is split over the texts it carried, so the usage on each sample's result
adds up to what the run spent: the request itself (``calls``, ``retries``) counts on its first
text, tokens and cost on every text in proportion to its length. A text served by another
caller's request counts nothing; a text served by the cache counts as ``cached``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import sys
from array import array
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from graders.core.errors import GradeFailure
from graders.judge.cache import ReplyCache
from graders.judge.calls import Usage, digest

__all__ = ["DiskStore", "Embedder", "MemoryStore", "Send", "Store", "Vector", "split_usage"]

Vector = list[float]
Send = Callable[[list[str]], Awaitable[tuple[list[Vector], Usage]]]
"""Embeds a batch of texts with one request: the vectors, in order, and what it spent."""

_Entry = tuple[Vector, Usage]


class Store(Protocol):
    """Where vectors are cached by key."""

    def get(self, key: str) -> Vector | None: ...

    def put(self, key: str, vector: Vector) -> None: ...


class DiskStore:
    """Vectors in the run's reply cache, as little-endian float64 bytes in base64."""

    def __init__(self, cache: ReplyCache) -> None:
        self._cache = cache

    def get(self, key: str) -> Vector | None:
        hit = self._cache.get(key)
        data = hit.get("f64") if hit is not None else None
        if not isinstance(data, str):
            return None
        numbers = array("d")
        try:
            numbers.frombytes(base64.b64decode(data, validate=True))
        except (ValueError, binascii.Error):
            return None  # an entry of another shape: embed the text again
        if sys.byteorder == "big":
            numbers.byteswap()
        return numbers.tolist()

    def put(self, key: str, vector: Vector) -> None:
        numbers = array("d", vector)
        if sys.byteorder == "big":
            numbers.byteswap()
        self._cache.put(key, {"f64": base64.b64encode(numbers.tobytes()).decode("ascii")})


class MemoryStore:
    """Vectors in memory, at most ``size`` of them, the least recently used dropped first."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._vectors: OrderedDict[str, Vector] = OrderedDict()

    def get(self, key: str) -> Vector | None:
        vector = self._vectors.get(key)
        if vector is not None:
            self._vectors.move_to_end(key)
        return vector

    def put(self, key: str, vector: Vector) -> None:
        self._vectors[key] = vector
        if len(self._vectors) > self.size:
            self._vectors.popitem(last=False)


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
        vector = self._store.get(self._key(text)) if self._store is not None else None
        if vector is not None:
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
                self._store.put(self._key(text), vector)
            future = self._inflight.pop(text, None)
            if future is not None and not future.done():
                future.set_result((vector, share))

    async def aclose(self) -> None:
        """Wait for the requests in flight."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
