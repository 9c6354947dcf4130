"""The call plumbing against a real local server: retries, Retry-After, timeouts, malformed
replies, concurrency limits, credentials, both client paths."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

import graders
from graders.testing.openai_server import OpenAIServer, Reply, Request
from tests.judge.conftest import PROVIDERS, Script, endpoint, grade, model

SECRET = "sk-test-0123456789abcdef"


def config(provider: str, server: OpenAIServer, **more: Any) -> dict[str, Any]:
    return {
        "type": "score_model",
        "model": model(provider),
        "input": [{"role": "user", "content": "Rate: {{ sample.output_text }}"}],
        "endpoint": endpoint(provider, server, **more),
    }


def failing_first(n: int, failure: Reply, then: str = "Score: 0.5") -> Any:
    count = {"n": 0}

    def reply(request: Request) -> Reply | str:
        count["n"] += 1
        return failure if count["n"] <= n else then

    return reply


@PROVIDERS
def test_a_429_is_retried_after_the_servers_retry_after(
    provider: str, server: OpenAIServer, script: Script
) -> None:
    script.reply = failing_first(1, Reply.error(429, "slow down", retry_after="0.4"))
    start = time.perf_counter()
    result = grade(config(provider, server), "x")
    waited = time.perf_counter() - start
    assert result.score == 0.5 and (result.details or {})["usage"]["retries"] == 1
    assert waited >= 0.4  # backoff_s is 0.01: only Retry-After explains the wait
    assert len(server.chat_requests) == 2


def test_retry_after_ms_is_read_too(server: OpenAIServer, script: Script) -> None:
    script.reply = failing_first(
        1, Reply(status=429, body={"error": {}}, headers={"retry-after-ms": "300"})
    )
    start = time.perf_counter()
    assert grade(config("openai", server), "x").score == 0.5
    assert time.perf_counter() - start >= 0.3


@PROVIDERS
def test_5xx_are_retried_until_max_retries_then_an_api_error(
    provider: str, server: OpenAIServer, script: Script
) -> None:
    script.reply = lambda r: Reply.error(500, "boom")
    result = grade(config(provider, server, max_retries=2), "x")
    assert result.score is None and result.error is not None
    assert result.error.kind == "api_error"
    assert "HTTP 500" in result.error.message and "after 3 attempts" in result.error.message
    assert len(server.chat_requests) == 3


def test_a_retry_after_longer_than_max_backoff_fails_at_once(
    server: OpenAIServer, script: Script
) -> None:
    script.reply = lambda r: Reply.error(429, "come back tomorrow", retry_after="86400")
    result = grade(config("openai", server), "x")
    assert result.error is not None and "retry after 86400s" in result.error.message
    assert len(server.chat_requests) == 1


@PROVIDERS
def test_a_slow_reply_times_out_and_is_retried(
    provider: str, server: OpenAIServer, script: Script
) -> None:
    script.reply = failing_first(1, Reply(content="Score: 1", delay_s=2.0), then="Score: 0.25")
    result = grade(config(provider, server, request_timeout_s=0.3), "x")
    assert result.score == 0.25 and (result.details or {})["usage"]["retries"] == 1


def test_a_reply_that_never_comes_in_time_is_a_timeout_error(
    server: OpenAIServer, script: Script
) -> None:
    script.reply = lambda r: Reply(content="Score: 1", delay_s=2.0)
    result = grade(config("openai", server, request_timeout_s=0.2, max_retries=1), "x")
    assert result.error is not None and result.error.kind == "timeout"
    assert result.score is None


@PROVIDERS
@pytest.mark.parametrize(
    ("body", "litellm_says"),
    [(b"{not json", "Expecting property name"), (b'{"id": "x"}', "no 'choices'")],
    ids=["not-json", "no-choices"],
)
def test_a_malformed_body_is_retried_then_reported(
    provider: str, body: bytes, litellm_says: str, server: OpenAIServer, script: Script
) -> None:
    script.reply = failing_first(1, Reply(body=body))
    assert grade(config(provider, server), "x").score == 0.5
    script.reply = lambda r: Reply(body=body)
    result = grade(config(provider, server, max_retries=1), "y")
    assert result.error is not None and result.error.kind == "api_error"
    assert len(server.chat_requests) == 4  # one failure, one success, two failures
    if provider == "openai":
        assert "malformed response" in result.error.message
    else:  # litellm reports a malformed body as its own synthetic HTTP 500, naming the problem
        assert litellm_says in result.error.message


@PROVIDERS
def test_credentials_never_reach_results_errors_or_logs(
    provider: str, server: OpenAIServer, script: Script, caplog: pytest.LogCaptureFixture
) -> None:
    def echo(request: Request) -> Reply:  # a server that quotes the key back, as some do
        return Reply.error(401, f"Incorrect API key provided: {request.headers['authorization']}")

    script.reply = echo
    with caplog.at_level(logging.DEBUG):
        result = grade(config(provider, server), "x")
    assert server.chat_requests[0].headers["authorization"] == f"Bearer {SECRET}"
    assert result.error is not None and "HTTP 401" in result.error.message
    assert len(server.chat_requests) == 1  # 401 is not retried
    shown = json.dumps(result.to_dict()) + caplog.text + result.format_tree()
    assert SECRET not in shown and SECRET[:12] not in shown


def test_a_key_written_in_the_grader_file_is_refused_without_echoing_it() -> None:
    bad = {
        "type": "score_model",
        "model": "m",
        "input": [{"role": "user", "content": "x"}],
        "endpoint": {"api_key": "sk-live-verysecret"},
    }
    with pytest.raises(graders.ConfigError) as exc:
        graders.load(bad)
    assert "credentials do not belong in a grader file" in str(exc.value)
    assert "verysecret" not in str(exc.value)


def test_api_key_env_names_the_variable(
    server: OpenAIServer, script: Script, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_JUDGE_KEY", "sk-other-key-999999")
    grade(config("openai", server, api_key_env="MY_JUDGE_KEY", base_url=server.base_url), "x")
    assert server.chat_requests[0].headers["authorization"] == "Bearer sk-other-key-999999"


@PROVIDERS
def test_the_endpoint_concurrency_bounds_requests_in_flight(
    provider: str, server: OpenAIServer, script: Script
) -> None:
    server.latency_s = 0.05
    script.reply = lambda r: "Score: 1"
    grader = graders.load(config(provider, server, concurrency=3))
    batch = grader.grade_batch_sync([(f"sample {i}", {}) for i in range(12)], concurrency=12)
    grader.close()
    assert batch.summary.scored == 12
    assert server.max_in_flight == 3


def test_the_batch_summary_adds_up_usage_and_cost(server: OpenAIServer, script: Script) -> None:
    script.reply = lambda r: "Score: 1"  # 2 completion tokens; the prompt "Rate: sample N" is 3
    priced = config("openai", server, price={"input": 1.0, "output": 2.0})
    grader = graders.load(priced)
    batch = grader.grade_batch_sync([(f"sample {i}", {}) for i in range(4)])
    grader.close()
    usage = batch.summary.usage
    prompt = sum(len(r.text.split()) for r in server.chat_requests)
    assert usage["calls"] == 4 and usage["prompt_tokens"] == prompt
    assert usage["completion_tokens"] == 8
    assert usage["cost_usd"] == pytest.approx((prompt * 1.0 + 8 * 2.0) / 1e6)
    assert batch.summary.to_dict()["usage"] == usage
