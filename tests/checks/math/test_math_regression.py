"""Every labelled pair of the regression set gets the label's verdict from the ``math`` grader."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import graders
from tests.checks.math.math_cases import Case, load_cases

CASES = load_cases()
_GRADERS: dict[tuple[tuple[str, Any], ...], graders.Grader] = {}


def _grader(options: dict[str, Any]) -> graders.Grader:
    key = tuple(sorted(options.items()))
    if key not in _GRADERS:
        config = {"type": "math", "reference": "{{ item.answer }}", "deadline_s": 30, **options}
        _GRADERS[key] = graders.load(config)
    return _GRADERS[key]


@pytest.fixture(scope="module", autouse=True)
def _close_graders() -> Iterator[None]:
    yield
    for grader in _GRADERS.values():
        grader.close()


def test_set_is_large_and_labelled() -> None:
    assert len(CASES) >= 600
    assert len({c.category for c in CASES}) >= 8
    assert {c.ok for c in CASES} == {True, False}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    result = _grader(case.options).grade_sync(case.output, {"answer": case.gold})
    assert result.error is None, f"{case.why}: {result.format_tree()}"
    assert result.passed is case.ok, f"{case.why}: {result.format_tree()}"
