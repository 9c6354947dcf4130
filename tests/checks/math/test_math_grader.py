"""The ``math`` grader end to end: extraction, tiers, explanations, failures as data."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import graders
from graders.checks.math.judge import judge, prepare_gold
from graders.core.result import Result


@pytest.fixture(scope="module")
def grader() -> graders.Grader:
    g = graders.load({"type": "math", "reference": "{{ item.answer }}", "deadline_s": 20})
    yield g
    g.close()


def grade(grader: graders.Grader, output: str, answer: str) -> Result:
    return grader.grade_sync(output, {"answer": answer})


def test_boxed_fraction_equals_decimal(grader: graders.Grader) -> None:
    result = grade(grader, r"So $\boxed{\frac{1}{2}}$.", "0.5")
    assert result.score == 1.0
    assert result.details is not None
    assert result.details["answer"] == r"\frac{1}{2}"
    assert result.details["reference"] == "0.5"
    assert result.details["tier"] == "exact"
    assert result.details["anchor"] == "boxed"


def test_hedge_is_wrong_and_says_so(grader: graders.Grader) -> None:
    result = grade(grader, r"It is \boxed{3} or \boxed{4}.", "3")
    assert result.score == 0.0
    assert "hedged" in result.reason


def test_no_anchor_is_no_reward(grader: graders.Grader) -> None:
    result = grade(grader, "We compute 3 + 4 and get 7, then we check it again carefully", "7")
    assert result.score == 0.0
    assert "no answer found" in result.reason


def test_interval_openness(grader: graders.Grader) -> None:
    result = grade(grader, r"\boxed{(0,1]}", "[0,1)")
    assert result.score == 0.0
    assert "open and closed" in result.reason


@pytest.mark.parametrize(
    ("answer", "gold", "equal"),
    [
        (r"\sum_{k=1}^{n} k^2", r"\frac{n(n+1)(2n+1)}{6}", True),
        (r"\sum_{k=1}^{n} k^2", r"\frac{n(n+1)(2n-1)}{6}", False),
    ],
)
def test_sympy_tier_decides_what_probing_cannot(
    grader: graders.Grader, answer: str, gold: str, equal: bool
) -> None:
    # a sum up to a variable has no value at the (non-integer) probe points
    result = grade(grader, rf"\boxed{{{answer}}}", gold)
    assert result.passed is equal
    assert result.details is not None and result.details["tier"] == "sympy"


@pytest.mark.parametrize(
    ("answer", "gold", "equal"),
    [
        (r"i\sqrt{x^2+1}", r"\sqrt{-x^2-1}", True),
        (r"-i\sqrt{x^2+1}", r"\sqrt{-x^2-1}", False),
        (r"\ln(50-x)+i\pi", r"\ln(x-50)", True),
    ],
)
def test_complex_valued_expressions_are_probed(
    grader: graders.Grader, answer: str, gold: str, equal: bool
) -> None:
    # no probe point keeps both sides real: principal values decide, in process (once SymPy)
    result = grade(grader, rf"\boxed{{{answer}}}", gold)
    assert result.passed is equal
    assert result.details is not None and result.details["tier"] == "numeric"


def test_empty_reference_is_an_error(grader: graders.Grader) -> None:
    result = grade(grader, r"\boxed{1}", "  ")
    assert result.score is None
    assert result.error is not None and result.error.kind == "bad_reference"


# probing cannot decide (both sides leave the reals where they differ); SymPy needs about 3 s
SLOW_GOLD = r"\sqrt{x-2}\sqrt{x-3}\,(x+y+z)^{12}(x-y+z)^{12}"
SLOW_ANSWER = r"\boxed{\sqrt{(x-2)(x-3)}\,((x+z)^2-y^2)^{12}}"
SUM_GOLD = r"\frac{n(n+1)(2n+1)}{6}"  # SymPy decides these quickly
SUM_RIGHT, SUM_WRONG = r"\boxed{\sum_{k=1}^{n} k^2}", r"\boxed{\sum_{k=1}^{n} k^3}"


def test_deadline_kills_the_worker_and_reports_a_timeout() -> None:
    grader = graders.load({"type": "math", "reference": "{{ item.answer }}", "deadline_s": 0.6})
    try:
        # a quick SymPy question first: waits until the worker has started (not timed)
        ready = grader.grade_sync(SUM_RIGHT, {"answer": SUM_GOLD})
        assert ready.passed is True
        start = time.perf_counter()
        result = grader.grade_sync(SLOW_ANSWER, {"answer": SLOW_GOLD})
        elapsed = time.perf_counter() - start
        assert result.error is not None and result.error.kind == "timeout", result.format_tree()
        assert result.score is None  # abstains: a timeout is not a wrong answer
        assert elapsed < 1.8
        # the killed worker is replaced: the next SymPy question is answered
        again = grader.grade_sync(SUM_WRONG, {"answer": SUM_GOLD})
        assert again.error is None and again.passed is False
    finally:
        grader.close()


def test_deadline_works_outside_the_main_thread() -> None:
    grader = graders.load({"type": "math", "reference": "{{ item.answer }}", "deadline_s": 0.3})
    try:
        with ThreadPoolExecutor(4) as pool:
            futures = [
                pool.submit(grader.grade_sync, SLOW_ANSWER, {"answer": SLOW_GOLD}),
                pool.submit(grader.grade_sync, r"\boxed{\frac12}", {"answer": "0.5"}),
            ]
            slow, fast = (f.result(timeout=30) for f in futures)
        assert slow.error is not None and slow.error.kind == "timeout"
        assert fast.passed is True
    finally:
        grader.close()


def test_identical_answers_are_judged_once(grader: graders.Grader) -> None:
    rows = [(f"Rollout {k}: so \\boxed{{x^2-1}}", {"answer": "(x-1)(x+1)"}) for k in range(16)]
    batch = grader.grade_batch_sync(rows)
    assert batch.rewards == [1.0] * 16
    assert judge.cache_info().hits >= 15


def test_gold_is_parsed_once() -> None:
    prepare_gold.cache_clear()
    grader = graders.load({"type": "math", "reference": "{{ item.answer }}"})
    try:
        for k in range(8):
            grader.grade_sync(f"\\boxed{{{k}}}", {"answer": "3"})
        info = prepare_gold.cache_info()
        assert (info.misses, info.hits) == (1, 7)
    finally:
        grader.close()


def test_without_sympy_undecided_pairs_abstain(monkeypatch: pytest.MonkeyPatch) -> None:
    from graders.checks.math import grader as math_grader
    from graders.checks.math import mpprobe, probe

    monkeypatch.setattr(math_grader, "_HAS_SYMPY", False)
    monkeypatch.setattr(mpprobe, "backend", lambda digits=60: None)  # no mpmath either
    probe.sample.cache_clear()
    judge.cache_clear()
    grader = graders.load({"type": "math", "reference": "{{ item.answer }}"})
    try:
        cheap = grader.grade_sync(r"\boxed{\sqrt{18}}", {"answer": r"3\sqrt{2}"})
        assert cheap.passed is True  # the in-process tiers need no extra
        hard = grader.grade_sync(SUM_RIGHT, {"answer": SUM_GOLD})
        assert hard.score is None
        assert hard.error is not None and hard.error.kind == "undecided"
        assert "graders[math]" in hard.error.message
    finally:
        grader.close()
        probe.sample.cache_clear()
        judge.cache_clear()


_SUM_OF_HUGE_FRACTIONS = "+".join(f"\\frac{{1}}{{7^{{40000}}+{k}}}" for k in range(1, 30))


@pytest.mark.parametrize(
    ("output", "gold"),
    [
        (r"\boxed{\sum_{k=1}^{9999}\sum_{j=1}^{9999} 1}", "2"),
        (r"\boxed{\sum_{k=1}^{9999} \sin(k x) 10^{-k}}", "2"),
        (r"\boxed{\sin(7^{40000})}", "2"),
        (r"\boxed{\tan(10^{5000})}", "2"),
        (r"\boxed{|7^{40000}+1|!}", "2"),
        (r"\boxed{\sqrt{2+10^{-3000}}}", r"\sqrt2"),
        (r"\boxed{\sqrt{2+10^{-1900}}}", r"\sqrt2"),
        (r"\boxed{\frac{7^{40000}+1}{7^{40000}+2}+\frac{7^{40000}+3}{7^{40000}+4}}", "2"),
    ],
)
def test_costly_answers_are_refused_quickly(output: str, gold: str) -> None:
    """Work the in-process tiers cannot bound (deadline_s covers only the SymPy tier) is
    refused as ``too_large`` within the deadline, never scored 0 after a long computation."""
    g = graders.load({"type": "math", "reference": "{{ item.answer }}", "deadline_s": 1})
    try:
        start = time.perf_counter()
        result = grade(g, output, gold)
        assert time.perf_counter() - start < 1.5
        assert result.score is None
        assert result.error is not None and result.error.kind == "too_large", result.reason
    finally:
        g.close()


@pytest.mark.parametrize(
    ("output", "gold", "equal"),
    [
        (f"\\boxed{{{_SUM_OF_HUGE_FRACTIONS}}}", "17", False),  # once 15 s of exact fractions
        (r"\boxed{\sqrt[3]{7^{40000}+1}}", "2", False),  # once 26 s of bisection
        (r"\boxed{\sqrt[3]{7^{39999}}}", r"7^{13333}", True),
        (r"\boxed{2^{100}}", "1267650600228229401496703205376", True),
        (r"\boxed{\sin(10^{300})}", "2", False),
    ],
)
def test_large_but_cheap_answers_are_decided_quickly(output: str, gold: str, equal: bool) -> None:
    g = graders.load({"type": "math", "reference": "{{ item.answer }}", "deadline_s": 1})
    try:
        start = time.perf_counter()
        result = grade(g, output, gold)
        assert time.perf_counter() - start < 1.5
        assert result.error is None, result.reason
        assert result.passed is equal, result.reason
    finally:
        g.close()
