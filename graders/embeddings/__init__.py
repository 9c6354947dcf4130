"""Text embeddings for graders: one :class:`Embedder` per endpoint, shared by every sample.

The embedder sits in front of a backend (OpenAI-compatible HTTP, LiteLLM, or a local
sentence-transformers model) and adds what a training loop needs:

* **cache**: a text embedded once is not embedded again (a GRPO group shares its reference);
* **micro-batching**: texts asked for in the same event-loop turn go out in one request of at
  most ``batch_size`` texts, and a text already in flight is awaited, not re-sent;
* **concurrency**: at most ``max_concurrency`` requests at once per embedder;
* **retries and timeouts**: the backend's client (the ``openai`` SDK retries 429/5xx with
  backoff); a request that still fails fails every text in it, as data for the grader.

The judge family's client layer can absorb this module: the backends are the only
provider-specific part.
"""

from __future__ import annotations

import asyncio
import math
from collections import OrderedDict
from collections.abc import Sequence

from graders.embeddings.backends import Backend, Vector

__all__ = ["Embedder", "cosine"]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """The cosine of the angle between two vectors (0 when either is all zeros)."""
    if len(a) != len(b):
        raise ValueError(f"vectors of different lengths: {len(a)} and {len(b)}")
    dot = math.fsum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(math.fsum(x * x for x in a)) * math.sqrt(math.fsum(y * y for y in b))
    return dot / norm if norm else 0.0


class Embedder:
    """Cached, micro-batched, concurrency-bounded embeddings over one backend (one event loop)."""

    def __init__(
        self,
        backend: Backend,
        *,
        batch_size: int = 64,
        max_concurrency: int = 8,
        cache_size: int = 10_000,
    ) -> None:
        self.backend = backend
        self.batch_size = batch_size
        self.cache_size = cache_size
        self.requests = 0
        """How many requests went to the backend (for tests and logs)."""
        self._cache: OrderedDict[str, Vector] = OrderedDict()
        self._inflight: dict[str, asyncio.Future[Vector]] = {}
        self._pending: list[str] = []
        self._flush_scheduled = False
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._tasks: set[asyncio.Task[None]] = set()

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        """The vectors of ``texts``, in order."""
        # shielded: a caller that times out must not cancel a request other callers await
        futures = [asyncio.shield(self._future(text)) for text in texts]
        return list(await asyncio.gather(*futures))

    def _future(self, text: str) -> asyncio.Future[Vector]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Vector] = loop.create_future()
        cached = self._cache.get(text)
        if cached is not None:
            self._cache.move_to_end(text)
            future.set_result(cached)
            return future
        inflight = self._inflight.get(text)
        if inflight is not None:
            return inflight
        self._inflight[text] = future
        self._pending.append(text)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        self._flush_scheduled = False
        pending, self._pending = self._pending, []
        for start in range(0, len(pending), self.batch_size):
            task = asyncio.ensure_future(self._send(pending[start : start + self.batch_size]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self, batch: list[str]) -> None:
        try:
            async with self._semaphore:
                self.requests += 1
                vectors = await self.backend.embed(batch)
            if len(vectors) != len(batch):
                raise ValueError(f"asked for {len(batch)} embeddings, got {len(vectors)}")
        except BaseException as exc:  # every waiter on this batch sees the failure
            for text in batch:
                future = self._inflight.pop(text, None)
                if future is not None and not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for text, vector in zip(batch, vectors, strict=True):
            self._remember(text, vector)
            future = self._inflight.pop(text, None)
            if future is not None and not future.done():
                future.set_result(vector)

    def _remember(self, text: str, vector: Vector) -> None:
        self._cache[text] = vector
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    async def aclose(self) -> None:
        """Wait for requests in flight, then close the backend's client."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.backend.aclose()
