"""Test cases of a ``code_tests`` grader, read from the item (or written in the config).

A test is one of::

    {"stdin": "1 2\\n", "expected_stdout": "3\\n"}      # stdin/stdout
    {"fn_name": "add", "args": [1, 2], "expected": 3}  # call add (or Solution().add)
    {"assert": "assert add(1, 2) == 3"}                # asserts run by a trusted driver

each with an optional ``weight`` and ``name``. Also read as they come in common datasets: a list
of assert strings (MBPP's ``test_list``) and APPS's ``input_output`` object
``{"inputs": [...], "outputs": [...], "fn_name"?: ...}``, either as data or as a JSON string.

Assert tests are split here, in the grader, into steps: ``assert EXPR == LITERAL`` becomes "send
me EXPR's value" and the literal stays outside the sandbox (the grader compares); any other
assert runs inside with its comparisons guarded so that only built-in values compare.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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
    """One statement of an assert test: its source, and the literal the grader expects."""

    source: str
    """The statement as written in the test (shown in messages)."""
    run: dict[str, str]
    """What the driver runs: ``{"eval": expr}`` or ``{"exec": statement}``."""
    expects: bool = False
    expected: Any = None


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
    def expected_text(self) -> str:
        """The expected output as shown in results."""
        if self.kind == "stdio":
            return self.expected_stdout
        if self.kind == "call":
            return json.dumps(self.expected, ensure_ascii=False)
        return "; ".join(step.source for step in self.steps)


def _fail(message: str) -> GradeFailure:
    return GradeFailure("bad_reference", f"tests: {message}")


class _Guard(ast.NodeTransformer):
    """Wrap every comparison operand in ``__plain__`` (built-in values only)."""

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        node.left = _call("__plain__", node.left)
        node.comparators = [_call("__plain__", c) for c in node.comparators]
        return node


def _call(name: str, arg: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=[arg], keywords=[])


def _literal(node: ast.expr) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def assert_steps(source: str) -> tuple[AssertStep, ...]:
    """Split an assert test into driver steps (see the module docstring)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise _fail(f"assert test does not parse: {exc.msg} in {source!r}") from None
    steps = []
    for stmt in tree.body:
        text = ast.unparse(stmt)
        if isinstance(stmt, ast.Assert):
            test = stmt.test
            if (
                isinstance(test, ast.Compare)
                and len(test.ops) == 1
                and isinstance(test.ops[0], ast.Eq)
            ):
                right = test.comparators[0]
                for expr, lit in ((test.left, right), (right, test.left)):
                    ok, value = _literal(lit)
                    if ok:
                        run = {"eval": ast.unparse(expr)}
                        steps.append(AssertStep(text, run, expects=True, expected=value))
                        break
                else:
                    steps.append(AssertStep(text, {"exec": _guarded(stmt)}))
                continue
            steps.append(AssertStep(text, {"exec": _guarded(stmt)}))
        else:
            steps.append(AssertStep(text, {"exec": text}))
    if not any(isinstance(s, ast.Assert) for s in tree.body):
        raise _fail(f"an assert test needs an assert statement: {source!r}")
    return tuple(steps)


def _guarded(stmt: ast.Assert) -> str:
    test = _Guard().visit(stmt.test)
    guarded = ast.Assert(test=_call("__truth__", test), msg=stmt.msg)
    return ast.unparse(ast.fix_missing_locations(guarded))


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


def _one(index: int, raw: Any) -> TestCase:
    if isinstance(raw, str):
        return TestCase("assert", steps=assert_steps(raw), name=None)
    if not isinstance(raw, dict):
        raise _fail(
            f"tests[{index}] must be an object or an assert string, got {type(raw).__name__}"
        )
    try:
        if "assert" in raw:
            a = _Assert.model_validate(raw)
            return TestCase("assert", weight=a.weight, name=a.name, steps=assert_steps(a.assert_))
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


def parse_tests(value: Any) -> list[TestCase]:
    """The tests a rendered ``tests`` value describes; a ``bad_reference`` failure if malformed."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value]  # a single assert test written as text
    if isinstance(value, dict):
        tests = _apps(value) if "inputs" in value or "outputs" in value else [_one(0, value)]
    elif isinstance(value, list):
        tests = [_one(i, raw) for i, raw in enumerate(value)]
    else:
        raise _fail(f"expected a list of tests, got {type(value).__name__}")
    if not tests:
        raise _fail("no tests to run")
    return tests
