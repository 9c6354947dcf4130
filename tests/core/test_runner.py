"""The engine: on_error policies, hard timeouts, batches, the sync facade, pickling."""

from __future__ import annotations

import asyncio
import pickle
import threading
import time
from collections.abc import Iterator

import pytest

import graders
from graders import GradingError
from tests.core.fakes import Counter, fake_types


@pytest.fixture(autouse=True)
def _fakes() -> Iterator[None]:
    with fake_types():
        Counter.calls.clear()
        yield


@pytest.mark.parametrize(
    ("policy", "extra", "score", "passed"),
    [
        ("abstain", {}, None, None),
        ("zero", {}, 0.0, False),
        ("fallback", {"fallback": 0.25}, 0.25, None),
    ],
)
def test_on_error_keeps_the_error_and_applies_the_policy(policy, extra, score, passed) -> None:
    grader = graders.load({"type": "test_boom", "on_error": policy, **extra})
    result = grader.grade_sync("x")
    assert result.score == score and result.passed is passed
    assert result.error is not None and result.error.kind == "exception"
    assert result.error.message == "ZeroDivisionError: division by zero"


def test_on_error_raise_reaches_the_caller_through_parents() -> None:
    grader = graders.load(
        {
            "type": "mean",
            "graders": {
                "ok": {"type": "constant", "score": 1},
                "bad": {"type": "test_boom", "kind": "parse_error", "on_error": "raise"},
            },
        }
    )
    with pytest.raises(GradingError, match=r"\$.graders.bad \(test_boom\) parse_error"):
        grader.grade_sync("x")


def test_a_child_error_makes_the_parent_abstain_not_zero() -> None:
    result = graders.load(
        {
            "type": "weighted",
            "graders": {
                "ok": {"type": "constant", "score": 1},
                "bad": {"type": "test_boom"},
            },
        }
    ).grade_sync("x")
    assert result.score is None
    assert result.reason == "child 'bad' abstained"
    assert [e.path for e in result.errors()] == ["$.graders.bad"]


def test_node_timeout_is_hard_and_reported_as_timeout() -> None:
    grader = graders.load({"type": "test_sleepy", "seconds": 5, "timeout_s": 0.05})
    start = time.perf_counter()
    result = grader.grade_sync("x")
    assert time.perf_counter() - start < 1
    assert result.error is not None and result.error.kind == "timeout"
    assert result.score is None


def test_a_limit_inside_a_check_is_not_blamed_on_timeout_s() -> None:
    # catastrophic backtracking: the regex engine's own matching limit stops it
    grader = graders.load({"type": "regex", "pattern": "(x+x+)+y", "timeout_s": 30})
    result = grader.grade_sync("x" * 5000)
    assert result.error is not None and result.error.kind == "timeout"
    assert result.score is None
    assert "timeout_s" not in result.error.message and "regex" in result.error.message


def test_sample_timeout_covers_the_whole_tree() -> None:
    grader = graders.load(
        {"type": "mean", "graders": {"s": {"type": "test_sleepy", "seconds": 5}}},
        sample_timeout_s=0.05,
    )
    result = grader.grade_sync("x")
    assert result.error is not None and result.error.kind == "timeout"
    assert "sample_timeout_s=0.05" in result.error.message


def test_timeouts_work_from_worker_threads_and_inside_running_loops() -> None:
    grader = graders.load({"type": "test_sleepy", "seconds": 5, "timeout_s": 0.05})
    kinds: list[str] = []

    def work() -> None:
        err = grader.grade_sync("x").error
        kinds.append(err.kind if err else "none")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    async def inside_a_loop() -> str:  # as in Jupyter: a loop is already running
        err = grader.grade_sync("x").error
        return err.kind if err else "none"

    kinds.append(asyncio.run(inside_a_loop()))
    assert kinds == ["timeout"] * 5


def test_async_api_in_the_callers_own_loop() -> None:
    grader = graders.load({"type": "test_sleepy", "seconds": 0.01, "score": 0.5})

    async def main() -> list[float | None]:
        results = await asyncio.gather(*(grader.grade("x") for _ in range(5)))
        await grader.aclose()
        return [r.score for r in results]

    assert asyncio.run(main()) == [0.5] * 5


def test_batch_keeps_order_skips_bad_rows_and_counts() -> None:
    grader = graders.load({"type": "equals", "reference": "{{ item.answer }}"})
    rows = [
        {"sample": "a", "item": {"answer": "a"}},
        {"sample": "b", "item": {"answer": "a"}},
        {"sample": 42, "item": {}},
        ("c", {"answer": "c"}),
        {"sample": "d", "item": {}},
        {"oops": 1},
    ]
    batch = grader.grade_batch_sync(rows)
    assert batch.rewards == [1.0, 0.0, None, 1.0, None, None]
    summary = batch.summary
    assert (summary.total, summary.scored, summary.abstained, summary.errored, summary.skipped) == (
        6,
        3,
        1,
        1,
        2,
    )
    assert summary.mean_reward == pytest.approx(2 / 3)
    assert summary.error_kinds == {"template_error": 1}
    assert batch.results[2].error is not None and batch.results[2].error.kind == "bad_sample"


def test_concurrent_graders_run_concurrently_within_the_limit() -> None:
    grader = graders.load(
        {
            "type": "mean",
            "graders": {
                "a": {"type": "test_sleepy", "seconds": 0.1},
                "b": {"type": "test_sleepy", "seconds": 0.1},
            },
        },
        concurrency=20,
    )
    start = time.perf_counter()
    batch = grader.grade_batch_sync([("x", {})] * 40)
    elapsed = time.perf_counter() - start
    assert batch.summary.scored == 40
    # serial would take 40 * 2 * 0.1 = 8 s; concurrent rows and children take ~0.2 s
    assert elapsed < 2.0


def test_batch_progress_callback_sees_every_row() -> None:
    seen: list[int] = []
    graders.load({"type": "constant", "score": 1}).grade_batch_sync(
        [("x", {})] * 7, on_result=lambda i, r: seen.append(i)
    )
    assert sorted(seen) == list(range(7))


def test_graders_pickle_with_their_behaviour() -> None:
    grader = graders.load(
        {
            "type": "weighted",
            "graders": {
                "n": {"type": "numeric", "reference": "{{ item.a }}", "extract": ["last_number"]},
                "f": {"type": "regex", "pattern": "^ok", "flags": ["ignorecase"]},
            },
        }
    )
    clone = pickle.loads(pickle.dumps(grader))
    assert clone.grade_sync("OK it is 3", {"a": 3}).score == 2.0
    assert clone.components == ["n", "f"]


def test_result_round_trips_through_dict() -> None:
    result = graders.load(
        {
            "type": "mean",
            "graders": {"a": {"type": "constant", "score": 1}, "b": {"type": "test_boom"}},
            "on_child_abstain": "skip",
        }
    ).grade_sync("x")
    again = graders.Result.from_dict(result.to_dict())
    assert again.to_dict() == result.to_dict()
    assert again.find("b") is not None and again.find("$.graders.b").error.kind == "exception"
    assert result.components() == {"a": 1.0, "b": None}
