"""Per-test verdicts: how a run ended, then (if it ended cleanly) whether its answer is right.

Codes: ``AC`` accepted, ``WA`` wrong answer, ``TLE`` time limit (CPU time, or the wall-clock
deadline for programs that sleep), ``MLE`` memory limit (the cgroup's OOM kill, or the runtime's
own out-of-memory error, which each language's entry names), ``RE`` runtime error (non-zero exit
or a signal), ``OLE`` output limit (stdout, stderr, result channel or file size caps), ``CE``
compile error, ``SE`` sandbox error: the sandbox itself failed, so the test has no verdict and
the grader abstains rather than score 0.
"""

from __future__ import annotations

import json
import signal
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from graders.checks.code.cases import TestCase
from graders.checks.code.compare import CompareMode, as_json, compare_output, compare_values, short
from graders.checks.code.skeleton import Failed, Hole
from graders.sandbox.languages import LANGUAGES, Language
from graders.sandbox.limits import Limits
from graders.sandbox.payload import codec
from graders.sandbox.runs import Outcome

__all__ = ["Judged", "Verdict", "classify", "judge", "read_records"]


class Verdict(StrEnum):
    AC = "AC"
    WA = "WA"
    TLE = "TLE"
    MLE = "MLE"
    RE = "RE"
    OLE = "OLE"
    CE = "CE"
    SE = "SE"

    @property
    def meaning(self) -> str:
        return _MEANING[self]


_MEANING = {
    Verdict.AC: "accepted",
    Verdict.WA: "wrong answer",
    Verdict.TLE: "time limit exceeded",
    Verdict.MLE: "memory limit exceeded",
    Verdict.RE: "runtime error",
    Verdict.OLE: "output limit exceeded",
    Verdict.CE: "compile error",
    Verdict.SE: "sandbox error",
}


@dataclass(frozen=True)
class Judged:
    """A verdict and the one line that explains it."""

    verdict: Verdict
    message: str


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def last_line(data: bytes) -> str:
    """The last non-empty line of a stream (the error of a traceback), for messages."""
    lines = data.decode(errors="replace").strip().splitlines()
    return lines[-1].strip() if lines else ""


def classify(
    outcome: Outcome, limits: Limits, *, language: Language = LANGUAGES["python"]
) -> Judged | None:
    """The verdict decided by how the run ended, or None when it exited cleanly (``language``
    says what its runtime writes when out of memory)."""
    if outcome.error is not None:
        return Judged(Verdict.SE, outcome.error)
    limit = outcome.limit
    if limit == "compile":
        return Judged(Verdict.CE, last_line(outcome.stderr) or "the program did not compile")
    if limit == "cpu" or outcome.signal == signal.SIGXCPU:
        return Judged(Verdict.TLE, f"used {outcome.cpu_s:.2f} s of CPU (limit {limits.cpu_s:g} s)")
    if limit == "wall":
        return Judged(Verdict.TLE, f"still running after {limits.deadline_s:g} s of wall time")
    if limit == "memory":
        return Judged(Verdict.MLE, f"killed for using more than {limits.memory_mb} MB")
    if limit in ("stdout", "stderr", "result"):
        cap = {"stdout": limits.stdout_mb, "stderr": limits.stderr_mb}.get(limit, 16)
        return Judged(Verdict.OLE, f"wrote more than {cap:g} MB to {limit}")
    if outcome.signal == signal.SIGXFSZ:
        return Judged(Verdict.OLE, f"wrote a file larger than {limits.file_size_mb} MB")
    error = last_line(outcome.stderr)
    failed = outcome.exit_code not in (0, None) or outcome.signal == signal.SIGABRT
    ends = outcome.stderr[:4096] + outcome.stderr[-4096:]  # V8 says it first, then a stack
    out_of_memory = next((m for m in language.out_of_memory if m in ends), None)
    if failed and out_of_memory is not None:
        return Judged(Verdict.MLE, f"{out_of_memory.decode()} (limit {limits.memory_mb} MB)")
    if outcome.signal is not None:
        return Judged(Verdict.RE, f"killed by {_signal_name(outcome.signal)}")
    if outcome.exit_code != 0:
        detail = f": {short(error, 120)}" if error else ""
        return Judged(Verdict.RE, f"exit code {outcome.exit_code}{detail}")
    return None


def read_records(data: bytes) -> list[dict[str, Any]] | None:
    """The driver's JSON-line records, or None when the channel holds anything else."""
    records = []
    for line in data.splitlines():
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            return None
        if not isinstance(record, dict):
            return None
        records.append(record)
    return records


def _value(record: dict[str, Any]) -> tuple[bool, Any, str]:
    """(ok, decoded value, message when not ok) of a value record."""
    if "unserializable" in record:
        return False, None, f"returned {record['unserializable']}, not a built-in value"
    try:
        return True, codec.from_json(record.get("value")), ""
    except (ValueError, RecursionError):
        return False, None, "returned a value the grader could not read"


def _judge_call(test: TestCase, records: list[dict[str, Any]], tol: float | None) -> Judged:
    values = [r for r in records if "value" in r or "unserializable" in r]
    if not values:
        return Judged(Verdict.WA, f"{test.fn_name}() returned nothing (the program exited first)")
    if len(values) > 1:
        return Judged(
            Verdict.WA, "more than one result was written: the result channel was tampered with"
        )
    ok, got, why = _value(values[0])
    if not ok:
        return Judged(Verdict.WA, why)
    got, want = as_json(got), as_json(test.expected)  # compared as JSON holds them
    equal, message = compare_values(got, want, float_tolerance=tol)
    if not equal and test.apps_unwrap and isinstance(want, list) and len(want) == 1:
        equal, _ = compare_values(got, want[0], float_tolerance=tol)
    return Judged(Verdict.AC if equal else Verdict.WA, message)


_HOLE_KEYS = ("value", "unserializable", "raised")


def _hole(record: dict[str, Any], *, nested: bool = False) -> Hole:
    """A hole's record as the skeleton reads it (its value, or why it has none, and then what its
    conversion gave instead)."""
    if "raised" in record:
        error = Failed("raised", " ".join(str(record["raised"]).split()))
        classes = record.get("classes")
        if not isinstance(classes, list) or not all(
            isinstance(c, list) and len(c) == 2 and all(isinstance(p, str) for p in c)
            for c in classes
        ):
            classes = []
        message = record.get("message")
        message = message if isinstance(message, str) else None
        return Hole(error=error, classes=tuple((m, q) for m, q in classes), message=message)
    ok, got, why = _value(record)
    if ok:
        return Hole(got)
    instead = record.get("instead")
    if nested or not isinstance(instead, dict) or sum(k in instead for k in _HOLE_KEYS) != 1:
        return Hole(error=Failed("wrong", why))
    return Hole(error=Failed("wrong", why), instead=_hole(instead, nested=True))


def _judge_assert(
    test: TestCase, records: list[dict[str, Any]], tol: float | None, marker: str | None
) -> Judged:
    """Every hole must have exactly one record; each assert's truth is the skeleton's own.

    The run's marker, written after the last step, says the program did not exit in a statement
    after the last hole (``for x in xs: assert f(x) == g(x)`` runs in its process, as it is).
    The holes need no marker, and what runs in the program's process is its word anyway: a
    program that finds the marker in its memory only forges what it could pass by lying."""
    by_step: dict[int, dict[str, Any]] = {}
    for record in records:
        step = record.get("step")
        if type(step) is int:
            if step in by_step:
                return Judged(
                    Verdict.WA, "a step reported twice: the result channel was tampered with"
                )
            by_step[step] = record
    evals = [i for i, run in enumerate(test.runs) if "eval" in run]
    if not by_step.keys() <= set(evals) or any(
        sum(key in r for key in _HOLE_KEYS) != 1 for r in by_step.values()
    ):
        return Judged(
            Verdict.WA, "a record the driver never writes: the result channel was tampered with"
        )
    done = marker is None or any(r.get("done") == marker for r in records)
    if len(by_step) != len(evals) or not done:
        return Judged(Verdict.WA, "the program exited before the test's asserts finished")
    holes = iter([_hole(by_step[i]) for i in evals])
    asserts = [step for step in test.steps if step.skeleton is not None]
    for step in asserts:
        skeleton = step.skeleton
        assert skeleton is not None
        values = [next(holes) for _ in skeleton.holes]
        where = short(step.source, 80)
        try:
            holds, message = skeleton.check(values, float_tolerance=tol)
        except Failed as exc:
            verdict = Verdict.RE if exc.kind == "raised" else Verdict.WA
            why = exc.message if len(exc.message) <= 120 else exc.message[:119] + "…"
            return Judged(verdict, f"{why} ({where})")
        if holds:
            continue
        if not message:
            detail = f" ({short(skeleton.message, 80)})" if skeleton.message else ""
            return Judged(Verdict.WA, f"assertion failed: {short(step.source, 120)}{detail}")
        return Judged(Verdict.WA, f"{message} ({where})")
    return Judged(Verdict.AC, f"{len(asserts)} assert(s) passed")


def judge(
    test: TestCase,
    outcome: Outcome,
    limits: Limits,
    *,
    compare: CompareMode = "lines",
    float_tolerance: float | None = None,
    marker: str | None = None,
    language: Language = LANGUAGES["python"],
) -> Judged:
    """The verdict of one test from its run's outcome; comparisons happen here, never inside.
    ``marker`` is the one an assert run must end with (None: not checked)."""
    ended = classify(outcome, limits, language=language)
    if ended is not None and ended.verdict != Verdict.RE:
        return ended
    if test.kind == "stdio":
        if ended is not None:
            return ended
        ok, message = compare_output(
            outcome.stdout, test.expected_stdout, mode=compare, float_tolerance=float_tolerance
        )
        return Judged(Verdict.AC if ok else Verdict.WA, message)
    records = read_records(outcome.result)
    if records is None:
        return Judged(
            Verdict.WA, "the result channel holds something other than the driver's records"
        )
    if ended is not None:
        return ended
    if test.kind == "assert":
        return _judge_assert(test, records, float_tolerance, marker)
    return _judge_call(test, records, float_tolerance)
