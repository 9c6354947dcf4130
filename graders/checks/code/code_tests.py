"""``code_tests``: run the program in a model's output against tests, in the sandbox.

The program comes from the output (the last fenced block of the language, by default), the
tests from the item (``tests: "{{ item.tests }}"``) or the config. Each test is one run in one
sandbox opened for the submission (compiled once); each gets a verdict (AC, WA, TLE, MLE, RE,
OLE, CE, SE) as a child result with its CPU and wall time, peak memory, exit status, output
excerpts and a one-line message. The reward is the fraction of tests passed, their weighted
fraction, or all-or-nothing (stopping at the first failure). A sandbox failure makes the grader
abstain (``sandbox_error``); it is never scored as a wrong answer.
"""

from __future__ import annotations

import secrets
from collections import Counter
from contextlib import aclosing
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from graders.checks.base import OUTPUT_TEXT
from graders.checks.code.cases import TestCase, parse_tests
from graders.checks.code.compare import CompareMode
from graders.checks.code.extract import CodeFrom, extract_code
from graders.checks.code.options import SandboxOptions, open_backend
from graders.checks.code.report import build_details, compile_failure, test_result
from graders.checks.code.verdicts import Judged, Verdict, judge
from graders.core.context import GradeContext
from graders.core.errors import ErrorInfo, GradeFailure
from graders.core.registry import register
from graders.core.result import Result
from graders.sandbox.languages import Language, language_names, resolve
from graders.sandbox.limits import COMPILE_LIMITS, Limits
from graders.sandbox.runs import Outcome, Program, SandboxError, Task
from graders.spec.base import GraderSpec
from graders.spec.templates import Template

__all__ = ["CodeTests"]

Scoring = Literal["fraction", "all", "weighted"]


@register
class CodeTests(GraderSpec):
    """Runs the program in the output against tests in the sandbox; rewards the tests it passes.

    Tests are stdin/stdout (``stdin``, ``expected_stdout``), call-based (``fn_name``, ``args``,
    ``expected``: the return value is compared in the grader, never inside the program's
    process) or assert-based (``assert``: the program computes only the values the asserts ask
    of it, and the asserts themselves are evaluated in the grader); MBPP's assert lists and
    APPS's ``input_output`` objects are read as they are.
    """

    type: Literal["code_tests"] = "code_tests"
    input: Template = OUTPUT_TEXT
    """The text holding the program; by default the sample's output."""
    language: Template = Template("python")
    """The program's language: python, cpp, javascript or bash (or an alias such as ``c++``,
    ``js``, ``sh``); may be a template reading the item."""
    tests: Template | list[Any] | dict[str, Any]
    """The tests: a template such as ``{{ item.tests }}`` rendering them from the item, or the
    tests themselves (a list, or an APPS ``input_output`` object)."""
    scoring: Scoring = "fraction"
    """``fraction`` of tests passed, ``weighted`` by each test's weight, or ``all`` (1 only if
    every test passes; stops at the first failure)."""
    code_from: CodeFrom = "last_block"
    """Where the program is: the ``last_block`` or ``first_block`` fenced in the language (an
    untagged block when none is tagged), or the ``whole_output``."""
    compare: CompareMode = "lines"
    """How stdout is compared: ``lines`` (trailing spaces and ``\\r\\n`` ignored), ``tokens``
    (whitespace-separated) or ``exact`` (byte for byte)."""
    float_tolerance: float | None = Field(default=None, ge=0)
    """When set, numbers in outputs and return values may differ by this much (absolute, or
    relative for magnitudes over 1)."""
    setup_code: Template | None = None
    """Python run after the program and before each assert test (MBPP's ``test_setup_code``)."""
    limits: Limits = Limits()
    """CPU, wall-clock, memory, process, file and output limits of each test run."""
    compile_limits: Limits = COMPILE_LIMITS
    """Limits of the compilation (compiled languages; exceeding them is a compile error)."""
    sandbox: SandboxOptions = SandboxOptions()
    """Where and how the program runs."""

    concurrent: ClassVar[bool] = True
    example: ClassVar[dict[str, Any]] = {
        "type": "code_tests",
        "name": "tests",
        "input": "{{ sample.output_text }}",
        "language": "python",
        "tests": [{"stdin": "", "expected_stdout": "42"}],
        "code_from": "whole_output",
    }

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: Template) -> Template:
        if value.is_constant and resolve(value.source) is None:
            raise ValueError(
                f"unknown language {value.source!r}; known: {', '.join(language_names())}"
            )
        return value

    @field_validator("tests")
    @classmethod
    def _literal_tests_parse(
        cls, value: Template | list[Any] | dict[str, Any]
    ) -> Template | list[Any] | dict[str, Any]:
        if not isinstance(value, Template):
            try:
                parse_tests(value)
            except GradeFailure as exc:
                raise ValueError(exc.message) from None
        return value

    def environment_problems(self) -> list[str]:
        lang = resolve(self.language.source) if self.language.is_constant else None
        return self.sandbox.problems(lang.tools if lang is not None else ())

    def _language(self, ctx: GradeContext) -> Language:
        name = self.language.render_text(ctx)
        lang = resolve(name)
        if lang is None:
            raise GradeFailure(
                "bad_reference", f"unknown language {name!r}; known: {', '.join(language_names())}"
            )
        return lang

    def _task(self, test: TestCase, setup: str, marker: str) -> Task:
        if test.kind == "stdio":
            return Task("script", stdin=test.stdin.encode())
        if test.kind == "call":
            return Task("call", data={"fn_name": test.fn_name, "args": list(test.args)})
        return Task("assert", data={"steps": test.runs, "setup": setup, "marker": marker})

    async def grade(self, ctx: GradeContext) -> Result:
        lang = self._language(ctx)
        raw = self.tests.render_value(ctx) if isinstance(self.tests, Template) else self.tests
        setup = self.setup_code.render_text(ctx) if self.setup_code is not None else ""
        tests = parse_tests(raw, setup)
        if not lang.drivers and any(t.kind != "stdio" for t in tests):
            raise GradeFailure(
                "bad_reference", f"call and assert tests need language python, not {lang.name}"
            )
        code = extract_code(self.input.render_text(ctx), lang, self.code_from)
        if code is None:
            return Result(score=0.0, passed=False, reason=f"no ```{lang.name} block in the output")
        backend = open_backend(ctx, self.sandbox, self.limits)
        runs: list[tuple[TestCase, Judged, Outcome]] = []
        try:
            program = Program(lang, code, self.limits, self.sandbox.mode, self.compile_limits)
            async with backend.session(program) as session:
                isolation = session.isolation
                built = await session.compile()
                if built is not None and not built.clean_exit:
                    return compile_failure(built, lang, isolation)
                build = None if built is None else build_details(built)
                markers = [secrets.token_hex(16) for _ in tests]
                tasks = [self._task(t, setup, m) for t, m in zip(tests, markers, strict=True)]
                # every test is sent at once and judged as its run ends, so the sandbox goes from
                # run to run; with scoring "all" a failure stops the tests, so one at a time
                ahead = 0 if self.scoring == "all" else len(tasks)
                async with aclosing(session.runs(tasks, ahead=ahead)) as outcomes:
                    async for outcome in outcomes:
                        test, marker = tests[len(runs)], markers[len(runs)]
                        verdict = judge(
                            test,
                            outcome,
                            self.limits,
                            compare=self.compare,
                            float_tolerance=self.float_tolerance,
                            marker=marker,
                            language=lang,
                        )
                        runs.append((test, verdict, outcome))
                        if verdict.verdict != Verdict.AC and self.scoring == "all":
                            break
        except SandboxError as exc:
            raise GradeFailure("sandbox_error", str(exc)) from None
        result = self._summarize(runs, tests, lang, isolation)
        if build is not None and result.details is not None:
            result.details["compile"] = build
        return result

    def _summarize(
        self,
        runs: list[tuple[TestCase, Judged, Outcome]],
        tests: list[TestCase],
        lang: Language,
        isolation: str,
    ) -> Result:
        children = [
            test_result(test, judged, outcome, path=f"{self.path}.tests[{index}]")
            for index, (test, judged, outcome) in enumerate(runs)
        ]
        counts = Counter(str(judged.verdict) for _, judged, _ in runs)
        passed = [test for test, judged, _ in runs if judged.verdict == Verdict.AC]
        details: dict[str, Any] = {
            "language": lang.name,
            "isolation": isolation,
            "mode": self.sandbox.mode if lang.warm else "exec",
            "verdicts": dict(counts),
            "passed": len(passed),
            "tests": len(tests),
        }
        if len(runs) < len(tests):
            details["not_run"] = len(tests) - len(runs)
        first_bad = next(
            ((i, j) for i, (_, j, _) in enumerate(runs) if j.verdict != Verdict.AC), None
        )
        reason = f"{len(passed)}/{len(tests)} tests passed"
        if first_bad is not None:
            index, judged = first_bad
            reason += f"; test {index}: {judged.verdict} {judged.message}"
        if counts.get(Verdict.SE):
            message = next(j.message for _, j, _ in runs if j.verdict == Verdict.SE)
            return Result(
                reason=reason,
                children=children,
                details=details,
                error=ErrorInfo("sandbox_error", message),
            )
        if self.scoring == "weighted":
            total = sum(t.weight for t in tests)
            if total <= 0:
                raise GradeFailure("bad_reference", "tests: the weights add up to 0")
            score = sum(t.weight for t in passed) / total
        elif self.scoring == "all":
            score = 1.0 if len(passed) == len(tests) else 0.0
        else:
            score = len(passed) / len(tests)
        return Result(
            score=score,
            passed=len(passed) == len(tests),
            reason=reason,
            children=children,
            details=details,
        )
