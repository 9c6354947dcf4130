"""The ``math`` grader end to end: extraction, tiers, explanations, failures as data."""

from __future__ import annotations

import pytest

import graders
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


def test_sympy_tier_decides_what_probing_cannot(grader: graders.Grader) -> None:
    result = grade(grader, r"\boxed{f(x)}", "f(y)")
    assert result.score == 0.0
    assert result.details is not None and result.details["tier"] == "sympy"


def test_empty_reference_is_an_error(grader: graders.Grader) -> None:
    result = grade(grader, r"\boxed{1}", "  ")
    assert result.score is None
    assert result.error is not None and result.error.kind == "bad_reference"
