"""Grader unit tests: YAML files of samples and the scores they must get.

A test file sits beside a grader::

    grader: grader.yaml            # a path relative to this file, or an inline grader
    cases:
      - name: correct answer
        sample: "So the answer is #### 42"
        item: {answer: "42"}
        expect: {reward: 1.0, passed: true}
      - name: answer in the wrong place
        sample: "42"
        item: {answer: "42"}
        expect:
          range: [0, 0.5]
          components: {answer: 0.0}
      - name: missing item field is an error, not a zero
        sample: "#### 42"
        item: {}
        expect: {reward: null, error: template_error}

``graders test FILE...`` runs them; the pytest plugin collects the same files, so ``pytest``
runs each case as a test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from graders.core.errors import ConfigError, GradersError
from graders.core.result import Result
from graders.core.runner import Grader
from graders.spec.loading import load_spec, spec_from_source
from graders.spec.problems import problems_from_validation
from graders.spec.source import Source, parse_file

__all__ = [
    "CaseOutcome",
    "Expect",
    "SuiteReport",
    "TestCase",
    "TestSuite",
    "load_suite",
    "run_suite",
]

DEFAULT_TOLERANCE = 1e-6


class Expect(BaseModel):
    """What a case must produce; every key given is checked."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    reward: float | None = None
    """The exact reward (within ``tolerance``); ``null`` expects the grader to abstain."""
    range: tuple[float, float] | None = None
    """The reward must lie in ``[low, high]``."""
    passed: bool | None = None
    """The root's pass verdict."""
    components: dict[str, float | None] = Field(default_factory=dict)
    """Scores of nodes by name, JSON path or top-level child name (``null``: abstains)."""
    error: str | None = None
    """An error kind that some node in the tree must record (``timeout``, ``template_error``)."""
    reason_contains: str | None = None
    """Text the root's reason must contain."""
    tolerance: float = Field(default=DEFAULT_TOLERANCE, ge=0)
    """How far a score may be from an expected one."""

    @model_validator(mode="after")
    def _checks_something(self) -> Expect:
        given = self.model_fields_set - {"tolerance"}
        if not given:
            raise ValueError(
                "expect must check something (reward, range, passed, components, "
                "error or reason_contains)"
            )
        return self


class TestCase(BaseModel):
    """One sample, its item, and what grading it must give."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
    __test__ = False  # not a pytest class

    name: str
    """The case's name, shown in reports and as the pytest id."""
    sample: str | dict[str, Any]
    """The sample: its output text, or a mapping of sample fields."""
    item: dict[str, Any] = Field(default_factory=dict)
    """The dataset row the sample answers."""
    expect: Expect


class TestSuite(BaseModel):
    """A grader and the cases it must pass."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
    __test__ = False

    schema_: str | None = Field(default=None, alias="$schema")
    grader: str | dict[str, Any]
    """A grader file path relative to this file, or an inline grader."""
    cases: list[TestCase] = Field(min_length=1)
    """The cases."""
    judge_server: str | None = None
    """A rules file (relative to this file) for a local scripted OpenAI-compatible server: the
    cases' judge calls go to it instead of a real provider, with the reply cache off (see
    ``graders.testing.openai_server``)."""

    @model_validator(mode="after")
    def _unique_names(self) -> TestSuite:
        seen: set[str] = set()
        for case in self.cases:
            if case.name in seen:
                raise ValueError(f"two cases are named {case.name!r}")
            seen.add(case.name)
        return self


@dataclass
class CaseOutcome:
    """How one case went."""

    name: str
    failures: list[str] = field(default_factory=list)
    result: Result | None = None

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass
class SuiteReport:
    """The outcomes of one test file."""

    path: str
    outcomes: list[CaseOutcome]

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)


def load_suite(path: str | Path) -> tuple[TestSuite, Grader]:
    """Read a test file and load its grader; raises ConfigError listing every problem."""
    source = parse_file(path)
    try:
        suite = TestSuite.model_validate(source.data)
    except ValidationError as exc:
        problems = problems_from_validation(exc, source, model=TestSuite)
        raise ConfigError(problems, what="grader test file") from None
    if isinstance(suite.grader, dict):
        spec = spec_from_source(
            Source(
                data=suite.grader,
                file=source.file,
                values=_sub(source.values),
                keys=_sub(source.keys),
            )
        )
        grader = Grader(spec, source=str(path), settings=_settings(suite))
    else:
        grader_path = Path(path).parent / suite.grader
        if not grader_path.is_file():
            raise ConfigError(
                [source.problem(("grader",), f"grader file not found: {grader_path}")],
                what="grader test file",
            )
        grader = Grader(load_spec(grader_path), source=str(grader_path), settings=_settings(suite))
    rules = judge_rules(suite, path)
    if rules is not None and not rules.is_file():
        problem = source.problem(("judge_server",), f"rules file not found: {rules}")
        raise ConfigError([problem], what="grader test file")
    return suite, grader


def _settings(suite: TestSuite) -> dict[str, Any]:
    return {"models": {"cache": False}} if suite.judge_server is not None else {}


def judge_rules(suite: TestSuite, path: str | Path) -> Path | None:
    """The suite's scripted-judge rules file, resolved beside the test file."""
    return None if suite.judge_server is None else Path(path).parent / suite.judge_server


def _sub(positions: dict[Any, Any]) -> dict[Any, Any]:
    return {k[1:]: v for k, v in positions.items() if k[:1] == ("grader",)}


def _close(actual: float | None, expected: float | None, tolerance: float) -> bool:
    if expected is None or actual is None:
        return actual is expected
    return abs(actual - expected) <= tolerance


def _show(score: float | None) -> str:
    return "abstain" if score is None else f"{score:.6g}"


def check_case(case: TestCase, result: Result) -> list[str]:
    """The ways ``result`` fails ``case.expect`` (empty when it passes)."""
    exp = case.expect
    given = exp.model_fields_set
    out: list[str] = []
    if "reward" in given and not _close(result.score, exp.reward, exp.tolerance):
        out.append(f"reward: expected {_show(exp.reward)}, got {_show(result.score)}")
    if exp.range is not None:
        low, high = exp.range
        if result.score is None or not low - exp.tolerance <= result.score <= high + exp.tolerance:
            out.append(f"reward: expected within [{low:g}, {high:g}], got {_show(result.score)}")
    if exp.passed is not None and result.passed is not exp.passed:
        out.append(f"passed: expected {exp.passed}, got {result.passed}")
    for key, expected in exp.components.items():
        node = result.find(key)
        if node is None:
            out.append(f"component {key!r}: no such node in the result")
        elif not _close(node.score, expected, exp.tolerance):
            out.append(f"component {key!r}: expected {_show(expected)}, got {_show(node.score)}")
    if exp.error is not None:
        kinds = [n.error.kind for n in result.walk() if n.error is not None]
        if exp.error not in kinds:
            found = ", ".join(kinds) or "none"
            out.append(f"error: expected a {exp.error!r} error, found {found}")
    if exp.reason_contains is not None and exp.reason_contains not in result.reason:
        out.append(f"reason: expected it to contain {exp.reason_contains!r}, got {result.reason!r}")
    return out


def run_case(grader: Grader, case: TestCase, *, judge_server: Path | None = None) -> CaseOutcome:
    """Grade one case and compare; a grading exception is a failure, not a crash.

    With ``judge_server`` (a rules file), judge calls go to a local scripted server."""
    try:
        if judge_server is None:
            result = grader.grade_sync(case.sample, case.item)
        else:
            from graders.testing.openai_server import scripted_judge

            with scripted_judge(judge_server):
                result = grader.grade_sync(case.sample, case.item)
    except GradersError as exc:
        return CaseOutcome(case.name, [f"grading raised {type(exc).__name__}: {exc}"])
    return CaseOutcome(case.name, check_case(case, result), result)


def run_suite(path: str | Path) -> SuiteReport:
    """Run every case of a test file."""
    suite, grader = load_suite(path)
    rules = judge_rules(suite, path)
    try:
        outcomes = [run_case(grader, case, judge_server=rules) for case in suite.cases]
    finally:
        grader.close()
    return SuiteReport(str(path), outcomes)
