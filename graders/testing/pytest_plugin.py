"""pytest plugin: collect grader test files so ``pytest`` runs every case as a test.

Collected files: ``tests.yaml`` / ``tests.yml`` and ``*.tests.yaml`` / ``*.tests.yml`` whose top
level has ``cases``. Each case is one test, identified by its name; a failing case shows what was
expected and the whole result tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from graders.core.errors import ConfigError
from graders.core.runner import Grader
from graders.testing.cases import CaseOutcome, TestCase, judge_rules, load_suite, run_case

_NAMES = ("tests.yaml", "tests.yml")
_SUFFIXES = (".tests.yaml", ".tests.yml")


def _is_suite(path: Path) -> bool:
    if path.name not in _NAMES and not path.name.endswith(_SUFFIXES):
        return False
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return True  # let collection report the broken file
    return isinstance(data, dict) and "cases" in data


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if _is_suite(file_path):
        return GraderTestFile.from_parent(parent, path=file_path)
    return None


class GraderTestFile(pytest.File):
    """One grader test file."""

    def collect(self) -> Iterator[pytest.Item]:
        try:
            suite, grader = load_suite(self.path)
        except ConfigError as exc:
            raise self.CollectError(str(exc)) from None
        rules = judge_rules(suite, self.path)
        for case in suite.cases:
            yield GraderCaseItem.from_parent(
                self, name=case.name, case=case, grader=grader, judge_server=rules
            )


class GraderCaseFailed(AssertionError):
    def __init__(self, outcome: CaseOutcome) -> None:
        super().__init__("; ".join(outcome.failures))
        self.outcome = outcome


class GraderCaseItem(pytest.Item):
    """One case of a grader test file."""

    def __init__(
        self, *, case: TestCase, grader: Grader, judge_server: Path | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.grader = grader
        self.judge_server = judge_server

    def runtest(self) -> None:
        outcome = run_case(self.grader, self.case, judge_server=self.judge_server)
        if not outcome.ok:
            raise GraderCaseFailed(outcome)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, GraderCaseFailed):
            outcome = excinfo.value.outcome
            lines = [f"grader case {self.case.name!r} failed:"]
            lines += [f"  - {f}" for f in outcome.failures]
            if outcome.result is not None:
                lines += ["result tree:", outcome.result.format_tree(indent="  ")]
            return "\n".join(lines)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"grader case: {self.case.name}"
