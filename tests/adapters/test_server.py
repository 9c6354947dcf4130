"""The HTTP reward server on 127.0.0.1: endpoints, limits, clear 4xx, and a bounded load test."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

import graders
from graders.adapters.openrlhf import OpenRLHFOptions
from graders.adapters.server import ServerOptions, make_app

from .conftest import ANSWER_SHORT_GRADER as GRADER


@asynccontextmanager
async def running(grader: graders.Grader, **options: Any) -> AsyncIterator[str]:
    """The server on a free loopback port, stopped on exit."""
    runner = web.AppRunner(make_app(grader, ServerOptions(**options)), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def post(session: aiohttp.ClientSession, url: str, body: Any) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with session.post(url, data=data) as reply:
        return reply.status, await reply.json()


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout=60))


def test_grade_endpoint_returns_rewards_components_and_errors_in_place() -> None:
    grader = graders.loads(GRADER)
    body = {
        "rows": [
            {"sample": "so 42", "item": {"answer": "42"}},
            {"sample": "41", "item": {"answer": "42"}},
            {"sample": "7", "item": {"answer": "forty"}},
            {"item": {"answer": "1"}},
        ]
    }

    async def go() -> None:
        async with running(grader) as url, aiohttp.ClientSession() as s:
            status, reply = await post(s, url + "/v1/grade", body)
            assert status == 200
            assert reply["rewards"] == [1.5, 0.5, None, None]
            assert reply["components"][0] == {"answer": 1.0, "short": 1.0}
            assert reply["errors"][3]["kind"] == "bad_sample"
            assert reply["summary"]["total"] == 4 and reply["summary"]["skipped"] == 1
            assert "results" not in reply
            status, reply = await post(s, url + "/v1/grade", {**body, "explain": True})
            assert reply["results"][1]["children"][0]["reason"]

    run(go())


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/v1/grade", b"{not json", 400, "not valid JSON"),
        ("/v1/grade", [1, 2], 422, "must be a JSON object"),
        ("/v1/grade", {"rows": "x"}, 422, "'rows' must be a list"),
        ("/v1/grade", {}, 422, "'rows' must be a list"),
        ("/v1/grade", {"rows": [], "extra": 1}, 422, "unknown keys extra"),
        ("/v1/grade", {"rows": [], "explain": "yes"}, 422, "'explain' must be"),
        ("/v1/grade", {"rows": [{"sample": "1"}] * 9}, 413, "9 rows over max_rows=8"),
        ("/v1/grade", {"rows": ["x" * 5000]}, 413, "over max_body_bytes=4096"),
        ("/get_reward", {"query": ["a"], "labels": ["1", "2"]}, 422, "2 labels for 1 queries"),
        ("/get_reward", {"query": [1]}, 422, "query[0] must be a string"),
        ("/get_reward", {"prompts": ["a"]}, 422, "'query' must be a list"),
        ("/nowhere", {}, 404, "Not Found"),
    ],
)
def test_malformed_requests_get_a_clear_4xx(
    path: str, body: Any, status: int, message: str
) -> None:
    grader = graders.loads(GRADER)

    async def go() -> None:
        limits = {"max_rows": 8, "max_body_bytes": 4096}
        async with running(grader, **limits) as url, aiohttp.ClientSession() as s:
            got, reply = await post(s, url + path, body)
            assert got == status
            assert message in reply["error"]
            async with s.get(url + "/v1/grade") as wrong_method:
                assert wrong_method.status == 405
                assert "error" in await wrong_method.json()

    run(go())


def test_get_reward_speaks_openrlhf() -> None:
    grader = graders.loads(GRADER)
    options = OpenRLHFOptions(eos_tokens=["<eos>", "<pad>"], abstain_reward=-1.0)
    body = {
        "query": [
            "Q: 6*7? A: 42<eos><pad><pad>",  # stopped, padding after the stop token
            "Q: 6*7? A: 42 42 42 42 42 42",  # cut off at the length limit: no <eos>
            "Q: 2+2? A: 4<eos>",
            "Q: 1+1? A: 2<eos>",
        ],
        "prompts": ["Q: 6*7? A:", "Q: 6*7? A:", "Q: 2+2? A:", "Q: 1+1? A:"],
        "labels": ["42", "42", {"answer": "4"}, "two"],
    }

    async def go() -> None:
        async with running(grader, openrlhf=options) as url, aiohttp.ClientSession() as s:
            status, reply = await post(s, url + "/get_reward", body)
            assert status == 200
            assert reply["rewards"] == [1.5, 1.0, 1.5, -1.0]
            assert reply["scores"] == [1.0, 0.0, 1.0, -1.0]
            logs = reply["extra_logs"]
            assert logs["graders/short"] == [1.0, 0.0, 1.0, 1.0]
            assert logs["graders/abstained"] == [0.0, 0.0, 0.0, 1.0]
            assert logs["graders/errored"] == [0.0, 0.0, 0.0, 1.0]

    run(go())


def test_health_and_metrics() -> None:
    grader = graders.loads(GRADER)

    async def go() -> None:
        async with running(grader) as url, aiohttp.ClientSession() as s:
            async with s.get(url + "/health") as reply:
                health = await reply.json()
            assert health["status"] == "ok" and health["components"] == ["answer", "short"]
            await post(s, url + "/v1/grade", {"rows": [{"sample": "1", "item": {"answer": "1"}}]})
            await post(s, url + "/v1/grade", {"rows": "bad"})
            async with s.get(url + "/metrics") as reply:
                text = await reply.text()
            assert 'graders_requests_total{endpoint="/v1/grade",status="200"} 1' in text
            assert 'graders_requests_total{endpoint="/v1/grade",status="422"} 1' in text
            assert "graders_rows_total 1" in text

    run(go())


def slow(grader: graders.Grader, seconds: float, peak: list[int]) -> None:
    """Make every batch take ``seconds`` and record the most batches in flight at once."""
    original = grader.grade_batch
    active = [0]

    async def grade_batch(rows: Any, **kw: Any) -> Any:
        active[0] += 1
        peak[0] = max(peak[0], active[0])
        try:
            await asyncio.sleep(seconds)
            return await original(rows, **kw)
        finally:
            active[0] -= 1

    grader.grade_batch = grade_batch  # type: ignore[method-assign]


def test_concurrency_is_bounded_and_overflow_gets_503() -> None:
    grader = graders.loads(GRADER)
    peak = [0]
    slow(grader, 0.2, peak)
    body = {"rows": [{"sample": "1", "item": {"answer": "1"}}]}

    async def go() -> None:
        bounded = running(grader, max_concurrency=2, max_queue=10)
        async with bounded as url, aiohttp.ClientSession() as s:
            replies = await asyncio.gather(*(post(s, url + "/v1/grade", body) for _ in range(6)))
        assert [status for status, _ in replies] == [200] * 6
        assert peak[0] == 2
        tight = running(grader, max_concurrency=1, max_queue=1)
        async with tight as url, aiohttp.ClientSession() as s:
            replies = await asyncio.gather(*(post(s, url + "/v1/grade", body) for _ in range(4)))
        statuses = sorted(status for status, _ in replies)
        assert statuses == [200, 200, 503, 503]
        assert all("max_queue" in r["error"] for status, r in replies if status == 503)

    run(go())


def test_loopback_load_loses_no_request() -> None:
    """400 requests of 32 rows from 16 concurrent clients; every answer checked."""
    grader = graders.loads(GRADER)
    requests, size, clients = 400, 32, 16
    bodies = [
        {
            "rows": [
                {"sample": f"= {i * size + j}", "item": {"answer": str(i * size + j + j % 2)}}
                for j in range(size)
            ]
        }
        for i in range(requests)
    ]
    expected = [[1.5 if j % 2 == 0 else 0.5 for j in range(size)] for _ in range(requests)]
    replies: list[Any] = [None] * requests

    async def go() -> str:
        async with running(grader, max_concurrency=4) as url:
            queue = iter(range(requests))

            async def client(session: aiohttp.ClientSession) -> None:
                for i in queue:
                    replies[i] = await post(session, url + "/v1/grade", bodies[i])

            async with aiohttp.ClientSession() as s:
                await asyncio.gather(*(client(s) for _ in range(clients)))
                async with s.get(url + "/metrics") as reply:
                    return await reply.text()

    metrics = run(go())
    assert all(r is not None and r[0] == 200 for r in replies)
    assert [r[1]["rewards"] for r in replies] == expected
    assert f"graders_rows_total {requests * size}" in metrics
    assert "graders_requests_in_flight 0" in metrics


def test_graders_serve_command(grader_file: Path) -> None:
    command = [sys.executable, "-m", "graders.cli", "serve", str(grader_file), "--port", "0"]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert " at http://127.0.0.1:" in line, line
        url = line.split(" at ", 1)[1].split()[0]

        async def go() -> Any:
            async with aiohttp.ClientSession() as s:
                return await post(s, url + "/get_reward", {"query": ["7"], "labels": ["7"]})

        assert run(go()) == (
            200,
            {
                "rewards": [1.5],
                "scores": [1.0],
                "extra_logs": {
                    "graders/abstained": [0.0],
                    "graders/errored": [0.0],
                    "graders/answer": [1.0],
                    "graders/short": [1.0],
                },
            },
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
