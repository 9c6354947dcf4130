"""The shared embedder: micro-batching, in-flight de-duplication, per-text cache, usage shares."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graders.core.errors import GradeFailure
from graders.judge.cache import ReplyCache
from graders.judge.calls import Usage
from graders.judge.embedder import DiskStore, Embedder, MemoryStore, Vector, split_usage


class Recorder:
    """A ``send`` that records each batch and answers after a short wait, or fails."""

    def __init__(self, fail: BaseException | None = None) -> None:
        self.batches: list[list[str]] = []
        self.fail = fail

    async def __call__(self, texts: list[str]) -> tuple[list[Vector], Usage]:
        self.batches.append(list(texts))
        await asyncio.sleep(0.01)
        if self.fail is not None:
            raise self.fail
        tokens = sum(len(t.split()) for t in texts)
        return [[float(len(t)), 1.0] for t in texts], Usage(
            calls=1, retries=2, prompt_tokens=tokens, cost_usd=tokens * 1e-6
        )


def embedder(send: Recorder, *, batch_size: int = 64, store: MemoryStore | None = None) -> Embedder:
    return Embedder(send, namespace=["test"], store=store, batch_size=batch_size)


def test_concurrent_callers_share_batched_requests_one_text_once() -> None:
    send = Recorder()

    async def run() -> list[tuple[list[Vector], Usage]]:
        emb = embedder(send, batch_size=2)
        out = await asyncio.gather(*(emb.embed(["same", f"t{i}"]) for i in range(3)))
        await emb.aclose()
        return list(out)

    results = asyncio.run(run())
    assert sorted(t for batch in send.batches for t in batch) == ["same", "t0", "t1", "t2"]
    assert len(send.batches) == 2 and all(len(batch) <= 2 for batch in send.batches)
    assert [vectors for vectors, _ in results] == [[[4.0, 1.0], [2.0, 1.0]] for _ in range(3)]
    # what the two requests spent is on the results once: 2 calls, 4 words, their retries
    total = Usage()
    for _, usage in results:
        total.add(usage)
    assert (total.calls, total.retries, total.prompt_tokens) == (2, 4, 4)
    assert total.cost_usd == pytest.approx(4e-6)


def test_a_repeated_text_in_one_call_is_sent_once_and_paid_once() -> None:
    send = Recorder()

    async def run() -> tuple[list[Vector], Usage]:
        return await embedder(send).embed(["a b", "a b", "c"])

    vectors, usage = asyncio.run(run())
    assert send.batches == [["a b", "c"]]
    assert vectors[0] == vectors[1] != vectors[2]
    assert usage.calls == 1 and usage.prompt_tokens == 3


def test_the_store_serves_later_calls_and_counts_them_cached() -> None:
    send = Recorder()
    store = MemoryStore()

    async def run() -> list[tuple[list[Vector], Usage]]:
        emb = embedder(send, store=store)
        first = await emb.embed(["x y", "z"])
        second = await emb.embed(["z", "new"])
        return [first, second]

    first, second = asyncio.run(run())
    assert send.batches == [["x y", "z"], ["new"]]
    assert second[0] == [first[0][1], [3.0, 1.0]]
    assert second[1].cached == 1 and second[1].calls == 1 and second[1].prompt_tokens == 1
    # another embedder of the same namespace over the same store sends nothing
    again = asyncio.run(embedder(send, store=store).embed(["x y"]))
    assert again == ([[3.0, 1.0]], Usage(cached=1)) and len(send.batches) == 2


def test_a_failed_request_fails_every_waiter_and_is_not_cached() -> None:
    store = MemoryStore()
    failing = Recorder(fail=GradeFailure("api_error", "HTTP 500: boom"))

    async def run() -> list[BaseException | tuple[list[Vector], Usage]]:
        emb = embedder(failing, store=store)
        return await asyncio.gather(emb.embed(["a"]), emb.embed(["a", "b"]), return_exceptions=True)

    outcomes = asyncio.run(run())
    assert len(failing.batches) == 1
    assert all(isinstance(o, GradeFailure) and o.kind == "api_error" for o in outcomes)
    working = Recorder()
    vectors, usage = asyncio.run(embedder(working, store=store).embed(["a"]))
    assert working.batches == [["a"]] and usage.calls == 1 and vectors == [[1.0, 1.0]]


def test_a_wrong_number_of_vectors_is_an_error() -> None:
    async def short(texts: list[str]) -> tuple[list[Vector], Usage]:
        return [[1.0]], Usage(calls=1)

    async def run() -> None:
        await Embedder(short, namespace=[], store=None, batch_size=8).embed(["a", "b"])

    with pytest.raises(GradeFailure, match="asked for 2 embeddings, got 1"):
        asyncio.run(run())


def test_a_caller_that_gives_up_does_not_cancel_the_request_others_await() -> None:
    send = Recorder()

    async def run() -> list[Vector]:
        emb = embedder(send)
        impatient = asyncio.ensure_future(emb.embed(["shared"]))
        patient = asyncio.ensure_future(emb.embed(["shared"]))
        await asyncio.sleep(0)
        impatient.cancel()
        vectors, _ = await patient
        return vectors

    assert asyncio.run(run()) == [[6.0, 1.0]]
    assert send.batches == [["shared"]]


def test_the_memory_store_drops_the_least_recently_used() -> None:
    store = MemoryStore(size=2)
    store.put("a", [1.0])
    store.put("b", [2.0])
    assert store.get("a") == [1.0]
    store.put("c", [3.0])
    assert store.get("b") is None and store.get("a") == [1.0] and store.get("c") == [3.0]


def test_the_disk_store_keeps_vectors_exactly_and_skips_foreign_entries(tmp_path: Path) -> None:
    cache = ReplyCache(tmp_path / "c.sqlite3")
    vector = [0.1, -1 / 3, 1e-300, 12345.678, 0.0]
    DiskStore(cache).put("k", vector)
    cache.put("json", {"vector": [1.0]})
    cache.put("bad", {"f64": "not base64!"})
    cache.close()
    reopened = DiskStore(ReplyCache(tmp_path / "c.sqlite3"))
    assert reopened.get("k") == vector
    assert reopened.get("json") is None and reopened.get("bad") is None
    assert reopened.get("absent") is None


@given(
    texts=st.lists(st.text(max_size=30), min_size=1, max_size=20),
    tokens=st.integers(0, 10_000),
    cost=st.none() | st.floats(0, 10),
)
def test_usage_shares_add_up_to_the_request(
    texts: list[str], tokens: int, cost: float | None
) -> None:
    usage = Usage(calls=1, retries=3, prompt_tokens=tokens, completion_tokens=0, cost_usd=cost)
    shares = split_usage(usage, texts)
    assert len(shares) == len(texts)
    assert sum(s.prompt_tokens for s in shares) == tokens
    assert sum(s.calls for s in shares) == 1 and sum(s.retries for s in shares) == 3
    assert all(s.prompt_tokens >= 0 for s in shares)
    if cost is None:
        assert all(s.cost_usd is None for s in shares)
    else:
        assert sum(s.cost_usd or 0.0 for s in shares) == pytest.approx(cost)
    # a longer text gets at most one token fewer than a shorter one (rounding)
    weights = (max(len(t), 1) for t in texts)
    ordered = sorted(zip(weights, (s.prompt_tokens for s in shares), strict=True))
    assert all(a[1] <= b[1] + 1 for a, b in itertools.pairwise(ordered))
