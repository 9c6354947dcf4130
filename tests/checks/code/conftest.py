"""Fixtures for code grader tests: load a grader, grade, and always close its sandboxes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import graders
from graders import Grader, Result

Grade = Callable[..., Result]


@pytest.fixture
def open_grader() -> Iterator[Callable[[dict[str, Any]], Grader]]:
    """Load graders that are closed (their sandboxes stopped) when the test ends."""
    opened: list[Grader] = []

    def load(config: dict[str, Any]) -> Grader:
        grader = graders.load(config)
        opened.append(grader)
        return grader

    yield load
    for grader in opened:
        grader.close()


@pytest.fixture
def grade(open_grader: Callable[[dict[str, Any]], Grader]) -> Grade:
    """Grade one output against tests with a code_tests grader (extra keys go to the config)."""

    def run(output: str, tests: Any, **config: Any) -> Result:
        grader = open_grader({"type": "code_tests", "tests": "{{ item.tests }}", **config})
        return grader.grade_sync(output, {"tests": tests})

    return run


def fenced(code: str, language: str = "python") -> str:
    return f"Here is my solution.\n```{language}\n{code}\n```\n"
