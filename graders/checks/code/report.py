"""Per-test results on the Result tree: verdict, times, memory, exit status, excerpts, message."""

from __future__ import annotations

import signal
from typing import Any

from graders.checks.code.cases import TestCase
from graders.checks.code.verdicts import Judged, Verdict, last_line
from graders.core.errors import ErrorInfo
from graders.core.result import Result
from graders.sandbox.languages import Language
from graders.sandbox.runs import Outcome

__all__ = ["EXCERPT", "build_details", "compile_failure", "excerpt", "run_details", "test_result"]

EXCERPT = 200
"""Characters of stdout, stderr and expected output kept on a result."""


def excerpt(data: bytes | str, *, tail: bool = False) -> str:
    """At most EXCERPT characters of a stream (its end for stderr, where the error is)."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    if len(text) <= EXCERPT:
        return text
    return "…" + text[-EXCERPT:] if tail else text[:EXCERPT] + "…"


def run_details(outcome: Outcome) -> dict[str, Any]:
    """What a run did, for a result's details."""
    details: dict[str, Any] = {
        "cpu_ms": round(outcome.cpu_s * 1000, 2),
        "wall_ms": round(outcome.wall_s * 1000, 2),
        "peak_kb": outcome.peak_kb,
    }
    if outcome.signal is not None:
        try:
            details["signal"] = signal.Signals(outcome.signal).name
        except ValueError:
            details["signal"] = outcome.signal
    else:
        details["exit_code"] = outcome.exit_code
    if outcome.stdout:
        details["stdout"] = excerpt(outcome.stdout)
    if outcome.stderr:
        details["stderr"] = excerpt(outcome.stderr, tail=True)
    return details


def build_details(outcome: Outcome) -> dict[str, Any]:
    """A successful compilation, for the root result's details."""
    return {
        "cpu_ms": round(outcome.cpu_s * 1000, 2),
        "wall_ms": round(outcome.wall_s * 1000, 2),
        "cached": outcome.cached,
    }


def test_result(test: TestCase, judged: Judged, outcome: Outcome, *, path: str) -> Result:
    """One test's child result."""
    details = {"verdict": str(judged.verdict), **run_details(outcome)}
    details["expected"] = excerpt(test.expected_text)
    if test.weight != 1.0:
        details["weight"] = test.weight
    ok = judged.verdict == Verdict.AC
    result = Result(
        score=1.0 if ok else 0.0,
        passed=ok,
        reason=f"{judged.verdict} ({judged.verdict.meaning}): {judged.message}",
        type="code_test",
        name=test.name,
        path=path,
        elapsed_s=outcome.wall_s,
        details=details,
    )
    if judged.verdict == Verdict.SE:
        result.score, result.passed = None, None
        result.error = ErrorInfo("sandbox_error", judged.message)
    return result


def compile_failure(outcome: Outcome, language: Language, isolation: str) -> Result:
    """The result of a submission that did not compile: CE scores 0 (SE abstains)."""
    details = {"language": language.name, "isolation": isolation, **run_details(outcome)}
    if outcome.error is not None:
        return Result(details=details, error=ErrorInfo("sandbox_error", outcome.error))
    if outcome.limit is not None:
        message = f"compilation stopped by the {outcome.limit} limit"
    else:
        message = last_line(outcome.stderr) or f"compiler exit code {outcome.exit_code}"
        first = next(
            (
                line
                for line in outcome.stderr.decode(errors="replace").splitlines()
                if "error" in line
            ),
            "",
        )
        message = first.strip() or message
    details["verdict"] = str(Verdict.CE)
    return Result(
        score=0.0, passed=False, reason=f"CE (compile error): {excerpt(message)}", details=details
    )
