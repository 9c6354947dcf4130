"""The reply cache (location, keys, TTL, --no-cache), the run budget, and the embeddings call."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import graders
from graders.cli import app
from graders.core.context import Runtime
from graders.judge.calls import CallOutcome, ChatReply, EmbedRequest, Usage
from graders.judge.endpoint import Endpoint
from graders.judge.service import CACHE_FILE, ModelService, ModelSettings, embed
from graders.testing.openai_server import OpenAIServer, Reply
from tests.judge.conftest import PROVIDERS, Script, endpoint, grade, model

ROWS = [(f"answer {i}", {"q": "capital?"}) for i in range(5)]


def config(**more: Any) -> dict[str, Any]:
    return {
        "type": "score_model",
        "model": "judge-1",
        "input": [{"role": "user", "content": "{{ item.q }} {{ sample.output_text }}"}],
        **more,
    }


def run(cfg: dict[str, Any], rows: list[Any] = ROWS, **options: Any) -> graders.BatchResult:
    grader = graders.load(cfg, **options)
    try:
        return grader.grade_batch_sync(rows)
    finally:
        grader.close()


def test_a_second_run_from_another_directory_makes_no_calls(
    server: OpenAIServer,
    script: Script,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GRADERS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    script.reply = lambda r: "Score: 0.5"
    first = run(config())
    assert len(server.chat_requests) == 5
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    second = run(config())
    assert len(server.chat_requests) == 5  # no new request
    assert second.rewards == first.rewards
    assert second.summary.usage["cached"] == 5 and second.summary.usage["calls"] == 0
    assert (tmp_path / "xdg" / "graders" / CACHE_FILE).is_file()


@pytest.mark.parametrize(
    "change",
    [
        {"model": "judge-2"},
        {"sampling_params": {"temperature": 0.5}},
        {"sampling_params": {"seed": 1}},
        {"input": [{"role": "user", "content": "Other prompt: {{ sample.output_text }}"}]},
    ],
    ids=["model", "temperature", "seed", "messages"],
)
def test_anything_that_changes_the_answer_changes_the_key(
    change: dict[str, Any], server: OpenAIServer, script: Script
) -> None:
    run(config(), ROWS[:1])
    run(config(), ROWS[:1])
    assert len(server.chat_requests) == 1
    run(config(**change), ROWS[:1])
    assert len(server.chat_requests) == 2


def test_no_cache_neither_reads_nor_writes(
    server: OpenAIServer, script: Script, tmp_path: Path
) -> None:
    off = {"models": {"cache": False, "cache_dir": str(tmp_path / "c")}}
    run(config(), ROWS[:2], settings=off)
    run(config(), ROWS[:2], settings=off)
    assert len(server.chat_requests) == 4
    assert not (tmp_path / "c").exists()


def test_cached_replies_older_than_the_ttl_are_asked_again(
    server: OpenAIServer, script: Script
) -> None:
    run(config(), ROWS[:1])
    run(config(), ROWS[:1], settings={"models": {"cache_ttl_s": 60}})
    assert len(server.chat_requests) == 1
    time.sleep(0.15)
    run(config(), ROWS[:1], settings={"models": {"cache_ttl_s": 0.1}})
    assert len(server.chat_requests) == 2


TWINS = [("Paris", {"q": "capital?"})] * 8


def test_identical_requests_in_flight_make_one_call(server: OpenAIServer) -> None:
    server.latency_s = 0.05  # all eight are in flight together
    batch = run(config(), TWINS)
    assert len(server.chat_requests) == 1
    assert batch.rewards == [1.0] * 8
    assert batch.summary.usage["calls"] == 1 and batch.summary.usage["cached"] == 7


def test_a_failed_call_in_flight_fails_its_twins_without_more_requests(
    server: OpenAIServer, script: Script
) -> None:
    server.latency_s = 0.05
    script.reply = lambda r: Reply.error(400, "bad request")
    batch = run(config(), TWINS)
    assert len(server.chat_requests) == 1
    assert batch.summary.error_kinds == {"api_error": 8}


def test_a_cancelled_first_call_leaves_its_twin_to_call_on_its_own() -> None:
    async def go() -> tuple[int, CallOutcome[ChatReply], bool]:
        models = ModelService(ModelSettings(cache=False))
        calls = 0

        async def call() -> CallOutcome[ChatReply]:
            nonlocal calls
            calls += 1
            await asyncio.sleep(0.05)
            return CallOutcome(ChatReply("ok"), Usage(calls=1))

        first = asyncio.create_task(models.single_flight("k", call))
        await asyncio.sleep(0.01)
        twin = asyncio.create_task(models.single_flight("k", call))
        await asyncio.sleep(0.01)
        first.cancel()  # e.g. its sample timed out
        outcome = await twin
        await models.aclose()
        return calls, outcome, first.cancelled()

    calls, outcome, cancelled = asyncio.run(go())
    assert cancelled and calls == 2
    assert outcome.reply.text == "ok" and outcome.usage.calls == 1


def test_without_the_cache_identical_requests_are_each_sent(server: OpenAIServer) -> None:
    server.latency_s = 0.05
    run(config(), TWINS, settings={"models": {"cache": False}})
    assert len(server.chat_requests) == 8


def test_an_unwritable_cache_dir_turns_the_cache_off_not_the_grader(
    server: OpenAIServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    batch = run(config(), ROWS[:2], settings={"models": {"cache_dir": str(blocker / "sub")}})
    assert batch.summary.scored == 2
    assert "reply cache disabled" in caplog.text


def _tokens_per_call(server: OpenAIServer) -> int:
    """What one call of ROWS costs in tokens, measured on the server's own count."""
    result = grade(config(), *ROWS[0], settings={"models": {"cache": False}})
    usage = result.details["usage"]  # type: ignore[index]
    server.requests.clear()
    return int(usage["prompt_tokens"] + usage["completion_tokens"])


def test_the_token_budget_stops_spending(server: OpenAIServer, script: Script) -> None:
    per_call = _tokens_per_call(server)
    grader = graders.load(config(), settings={"models": {"budget_tokens": per_call + 1}})
    results = [grader.grade_sync(text, item) for text, item in ROWS]  # one at a time
    grader.close()
    kinds = [r.error.kind if r.error else None for r in results]
    assert kinds == [None, None, *["budget_exhausted"] * 3]  # the 2nd call crosses the budget
    assert len(server.chat_requests) == 2


def test_the_dollar_budget_stops_spending(server: OpenAIServer, script: Script) -> None:
    per_call = _tokens_per_call(server)
    priced = config(endpoint={"price": {"input": 1e6, "output": 1e6}})  # $1 a token
    grader = graders.load(priced, settings={"models": {"budget_usd": per_call * 2.5}})
    results = [grader.grade_sync(text, item) for text, item in ROWS]
    grader.close()
    kinds = [r.error.kind if r.error else None for r in results]
    assert kinds == [None, None, None, *["budget_exhausted"] * 2]
    assert results[0].details["usage"]["cost_usd"] == pytest.approx(per_call)  # type: ignore[index]
    assert len(server.chat_requests) == 3


def test_a_concurrent_batch_overshoots_the_budget_by_at_most_the_endpoint_concurrency(
    server: OpenAIServer,
) -> None:
    per_call = _tokens_per_call(server)
    server.latency_s = 0.02
    limited = config(endpoint={"concurrency": 2})
    data = [(f"answer {i}", {"q": "capital?"}) for i in range(20)]
    batch = run(limited, data, settings={"models": {"budget_tokens": per_call * 3}})
    calls = len(server.chat_requests)
    assert 3 <= calls <= 3 + 2  # the budget is checked inside the endpoint's slot
    assert batch.summary.error_kinds == {"budget_exhausted": 20 - calls}


@PROVIDERS
def test_a_dollar_budget_without_a_price_is_an_error_before_any_call(
    provider: str, server: OpenAIServer
) -> None:
    # litellm has no price for this model: like the openai provider, no call is let through
    # (it used to send the first, whose unknown cost then failed every later call)
    unpriced = config(model=model(provider), endpoint=endpoint(provider, server))
    grader = graders.load(unpriced, settings={"models": {"budget_usd": 1.0}})
    results = [grader.grade_sync(text, item) for text, item in ROWS[:3]]  # one at a time
    grader.close()
    for result in results:
        assert result.error is not None and result.error.kind == "budget_error"
        assert "set endpoint.price" in result.error.message
        assert f"model={model(provider)!r} with provider={provider!r}" in result.error.message
    assert server.chat_requests == []


def test_litellm_spends_a_dollar_budget_on_the_prices_it_knows(server: OpenAIServer) -> None:
    known = config(model="openai/gpt-4o-mini", endpoint=endpoint("litellm", server))
    priced = config(
        model=model("litellm"),
        endpoint=endpoint("litellm", server, price={"input": 1, "output": 1}),
    )
    for cfg in (known, priced):
        result = grade(
            cfg, "x", {"q": "?"}, settings={"models": {"budget_usd": 1.0, "cache": False}}
        )
        assert result.error is None and result.details["usage"]["cost_usd"] > 0  # type: ignore[index]
    assert len(server.chat_requests) == 2


def test_cached_replies_are_served_after_the_budget_is_spent(
    server: OpenAIServer, script: Script
) -> None:
    run(config(), ROWS[:1])
    batch = run(config(), ROWS[:1], settings={"models": {"budget_tokens": 0}})
    assert batch.summary.scored == 1 and batch.summary.usage["cached"] == 1


def test_unknown_settings_are_reported(server: OpenAIServer) -> None:
    result = grade(config(), "x", {"q": "?"}, settings={"models": {"budget": 3}})
    assert (
        result.error is not None
        and "unknown settings['models'] key 'budget'" in result.error.message
    )


@PROVIDERS
def test_the_embeddings_call_is_cached_limited_and_counted(
    provider: str, server: OpenAIServer
) -> None:
    ep = Endpoint.model_validate(endpoint(provider, server))
    request = EmbedRequest(
        model=model(provider, "embed-1"), texts=["a cat sat", "a cat sat", "dogs run"]
    )

    async def go(calls: int) -> list[Any]:
        runtime = Runtime()
        try:
            return [await embed(runtime, ep, request) for _ in range(calls)]
        finally:
            await runtime.aclose()

    first, second = asyncio.run(go(2))
    vectors = first.reply.vectors
    assert len(vectors) == 3 and len(vectors[0]) == 64
    assert vectors[0] == vectors[1] != vectors[2]
    sent = [r for r in server.requests if r.path.endswith("/embeddings")]
    # the repeated text is sent once: 3 + 2 words, which the test server counts as tokens
    assert len(sent) == 1 and sent[0].body["input"] == ["a cat sat", "dogs run"]
    assert first.usage.calls == 1 and first.usage.prompt_tokens == 5
    # every vector of the second call comes from the cache, one text at a time
    assert second.usage.cached == 3 and second.usage.calls == 0
    assert second.reply.vectors == vectors
    (again,) = asyncio.run(go(1))  # a new run reads the vectors from the disk cache
    assert again.usage.cached == 3 and again.reply.vectors == vectors
    assert len([r for r in server.requests if r.path.endswith("/embeddings")]) == 1


def test_cli_grade_reports_usage_and_honours_no_cache(
    server: OpenAIServer, script: Script, tmp_path: Path
) -> None:
    import json

    grader = tmp_path / "g.json"
    grader.write_text(json.dumps(config()))
    samples = tmp_path / "s.jsonl"
    samples.write_text("\n".join(json.dumps({"sample": t, "item": i}) for t, i in ROWS[:3]))
    cli = CliRunner(env={"COLUMNS": "200"})
    for _ in range(2):
        out = cli.invoke(app, ["grade", str(grader), str(samples), "--no-cache"])
        assert out.exit_code == 0, out.output
        assert "model calls (cached)" in out.output and "3 (0)" in out.output
    assert len(server.chat_requests) == 6
    out = cli.invoke(
        app, ["grade", str(grader), str(samples), "--budget-tokens", "0", "--no-cache"]
    )
    assert "errors: budget_exhausted" in out.output


def test_replies_of_a_grader_never_closed_reach_the_disk(tmp_path: Path) -> None:
    import sqlite3
    import subprocess
    import sys

    code = (
        "import pathlib\n"
        "from graders.judge.cache import ReplyCache\n"
        f"cache = ReplyCache(pathlib.Path({str(tmp_path / 'c.sqlite3')!r}))\n"
        "for i in range(10):\n"
        "    cache.put(f'k{i}', {'v': i})\n"  # fewer than a batch, and no close()
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    count = sqlite3.connect(tmp_path / "c.sqlite3").execute("SELECT count(*) FROM replies")
    assert count.fetchone() == (10,)
