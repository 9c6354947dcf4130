"""Test cases of a ``code_tests`` grader, read from the item (or written in the config).

A test is one of::

    {"stdin": "1 2\\n", "expected_stdout": "3\\n"}      # stdin/stdout
    {"fn_name": "add", "args": [1, 2], "expected": 3}  # call add (or Solution().add)
    {"assert": "assert add(1, 2) == 3"}                # asserts run by a trusted driver

each with an optional ``weight`` and ``name``. Also read as they come in common datasets: a list
of assert strings (MBPP's ``test_list``) and APPS's ``input_output`` object
``{"inputs": [...], "outputs": [...], "fn_name"?: ...}``, either as data or as a JSON string.

Assert tests are split here, in the grader: blocks holding asserts are first written out so that
every assert is a top-level statement (``unroll.py``: ``for`` and ``if`` over the test's own data,
helpers such as HumanEval's ``check(candidate)``; a ``try`` that expects an exception is
decided over the call's exception, ``raises.py``; other blocks with asserts are refused) and
the test's predicates written into the asserts that call them (``predicates.py``), then
each ``assert`` becomes a skeleton the grader evaluates and holes, the expressions only the
program can compute, whose values the sandbox sends back (``skeleton.py``), the names the test
binds to its own data being skeleton values (``bindings.py``); the test's other statements
(``s = Stack()``) run in the sandbox as they are.
Expected values never enter the sandbox, and no comparison happens there.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from graders.checks.code.bindings import Bindings
from graders.checks.code.compare import short
from graders.checks.code.helpers import expects_raise
from graders.checks.code.predicates import inline_predicates
from graders.checks.code.raises import expected_raise, without_pytest
from graders.checks.code.skeleton import Skeleton
from graders.checks.code.syntax import constant_text
from graders.checks.code.unroll import Unsupported, flatten
from graders.core.errors import GradeFailure

__all__ = ["AssertStep", "TestCase", "parse_tests"]


class _Base(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    weight: float = Field(default=1.0, ge=0)
    name: str | None = None


class _Stdio(_Base):
    stdin: str = ""
    expected_stdout: str


class _Call(_Base):
    fn_name: str
    args: list[Any] = Field(default_factory=list)
    expected: Any


class _Assert(_Base):
    assert_: str = Field(alias="assert")


@dataclass(frozen=True)
class AssertStep:
    """One statement of an assert test: run in the sandbox, or an assert split in two."""

    source: str
    """The statement as written in the test (shown in messages)."""
    runs: tuple[dict[str, str], ...]
    """What the driver runs for it: ``{"exec": statement}``, or ``{"eval": hole}`` per hole (with
    ``"else": conversion`` to compute when the hole's value is not a built-in one)."""
    skeleton: Skeleton | None = None
    """An assert's skeleton, evaluated in the grader over its holes' values."""


@dataclass(frozen=True)
class TestCase:
    """One test, ready to run."""

    __test__ = False  # not a pytest class

    kind: Literal["stdio", "call", "assert"]
    weight: float = 1.0
    name: str | None = None
    stdin: str = ""
    expected_stdout: str = ""
    fn_name: str = ""
    args: tuple[Any, ...] = ()
    expected: Any = None
    apps_unwrap: bool = False
    """APPS convention: an expected ``[x]`` also accepts ``x``."""
    steps: tuple[AssertStep, ...] = field(default=())

    @property
    def runs(self) -> list[dict[str, str]]:
        """The driver's steps for an assert test, in order."""
        return [run for step in self.steps for run in step.runs]

    @property
    def expected_text(self) -> str:
        """The expected output as shown in results."""
        if self.kind == "stdio":
            return self.expected_stdout
        if self.kind == "call":
            return json.dumps(self.expected, ensure_ascii=False)
        return "; ".join(step.source for step in self.steps)


def _fail(message: str) -> GradeFailure:
    return GradeFailure("bad_reference", f"tests: {message}")


def assert_steps(source: str, setup: str = "") -> tuple[AssertStep, ...]:
    """Split an assert test into driver steps and skeletons (see the module docstring); the
    names ``setup`` (run before it) binds to the test's own data are known in it too."""
    try:
        tree = ast.parse(source)
        steps = _split_statements(inline_predicates(flatten(tree)), _setup(setup))
    except SyntaxError as exc:
        raise _fail(f"assert test does not parse: {exc.msg} in {source!r}") from None
    except Unsupported as exc:
        raise _fail(f"{exc} (in {short(source, 80)})") from None
    except (RecursionError, MemoryError):
        raise _fail(f"assert test nests too deeply: {short(source, 80)}") from None
    if not any(step.skeleton is not None for step in steps):
        raise _fail(f"an assert test needs an assert statement: {source!r}")
    return steps


def _setup(setup: str) -> list[ast.stmt]:
    """The setup code's statements (none when it does not parse: the sandbox says why)."""
    try:
        return ast.parse(setup).body if setup.strip() else []
    except (SyntaxError, RecursionError, MemoryError):
        return []


def _split_statements(statements: list[ast.stmt], setup: list[ast.stmt]) -> tuple[AssertStep, ...]:
    known = Bindings([*setup, *statements])
    for stmt in setup:
        if isinstance(stmt, ast.Assert):
            known.split(stmt.test)
        known.ran(stmt)
    steps = []
    for stmt in without_pytest(statements):
        text = ast.unparse(stmt)
        if expects_raise(stmt):
            raises = expected_raise(stmt, known)
            steps.append(AssertStep(text, ({"eval": raises.holes[0], "expect": "raise"},), raises))
            known.ran(stmt)
            continue
        if not isinstance(stmt, ast.Assert):
            steps.append(AssertStep(text, ({"exec": text},)))
            known.ran(stmt)
            continue
        test, holes, fallbacks = known.split(stmt.test)
        known.ran(stmt)
        skeleton = Skeleton(test, holes, fallbacks, constant_text(stmt.msg))
        runs = tuple(
            {"eval": hole} if fallback is None else {"eval": hole, "else": fallback}
            for hole, fallback in zip(holes, fallbacks, strict=True)
        )
        steps.append(AssertStep(text, runs, skeleton))
    return tuple(steps)


def _apps(data: dict[str, Any]) -> list[TestCase]:
    inputs, outputs = data.get("inputs"), data.get("outputs")
    if not isinstance(inputs, list) or not isinstance(outputs, list) or len(inputs) != len(outputs):
        raise _fail("an APPS input_output object needs 'inputs' and 'outputs' lists of one length")
    fn_name = data.get("fn_name")
    out = []
    for args, expected in zip(inputs, outputs, strict=True):
        if fn_name:
            if not isinstance(args, list):
                raise _fail(f"APPS call inputs must be argument lists, got {args!r}")
            out.append(
                TestCase(
                    "call", fn_name=fn_name, args=tuple(args), expected=expected, apps_unwrap=True
                )
            )
        else:
            out.append(TestCase("stdio", stdin=_text(args), expected_stdout=_text(expected)))
    return out


def _text(value: Any) -> str:
    if isinstance(value, list):  # some APPS rows split input into lines
        return "\n".join(str(v) for v in value)
    return value if isinstance(value, str) else str(value)


def _one(index: int, raw: Any, setup: str) -> TestCase:
    if isinstance(raw, str):
        return TestCase("assert", steps=assert_steps(raw, setup), name=None)
    if not isinstance(raw, dict):
        raise _fail(
            f"tests[{index}] must be an object or an assert string, got {type(raw).__name__}"
        )
    try:
        if "assert" in raw:
            a = _Assert.model_validate(raw)
            return TestCase(
                "assert", weight=a.weight, name=a.name, steps=assert_steps(a.assert_, setup)
            )
        if "fn_name" in raw:
            c = _Call.model_validate(raw)
            return TestCase(
                "call",
                weight=c.weight,
                name=c.name,
                fn_name=c.fn_name,
                args=tuple(c.args),
                expected=c.expected,
            )
        s = _Stdio.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"])
        raise _fail(f"tests[{index}].{where}: {err['msg']}") from None
    return TestCase(
        "stdio", weight=s.weight, name=s.name, stdin=s.stdin, expected_stdout=s.expected_stdout
    )


def parse_tests(value: Any, setup: str = "") -> list[TestCase]:
    """The tests a rendered ``tests`` value describes; a ``bad_reference`` failure if malformed.
    ``setup`` is the code run before each assert test (MBPP's ``test_setup_code``)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value]  # a single assert test written as text
    if isinstance(value, dict):
        tests = _apps(value) if "inputs" in value or "outputs" in value else [_one(0, value, setup)]
    elif isinstance(value, list):
        tests = [_one(i, raw, setup) for i, raw in enumerate(value)]
    else:
        raise _fail(f"expected a list of tests, got {type(value).__name__}")
    if not tests:
        raise _fail("no tests to run")
    return tests
