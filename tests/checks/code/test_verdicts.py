"""Verdicts from outcomes, without a sandbox: how a run ended, then its answer."""

from __future__ import annotations

import json
import signal

import pytest

from graders.checks.code.cases import parse_tests
from graders.checks.code.verdicts import Verdict, classify, judge
from graders.sandbox.languages import LANGUAGES
from graders.sandbox.limits import Limits
from graders.sandbox.runs import Outcome

LIMITS = Limits(cpu_s=2, memory_mb=256)


@pytest.mark.parametrize(
    ("outcome", "verdict", "message"),
    [
        (Outcome(error="worker died"), Verdict.SE, "worker died"),
        (Outcome(limit="cpu", cpu_s=2.1), Verdict.TLE, "used 2.10 s of CPU (limit 2 s)"),
        (Outcome(signal=signal.SIGXCPU), Verdict.TLE, "of CPU"),
        (Outcome(limit="wall"), Verdict.TLE, "still running after 5 s of wall time"),
        (Outcome(limit="memory", signal=9), Verdict.MLE, "more than 256 MB"),
        (Outcome(exit_code=1, stderr=b"Traceback...\nMemoryError\n"), Verdict.MLE, "MemoryError"),
        (Outcome(limit="stdout"), Verdict.OLE, "more than 16 MB to stdout"),
        (Outcome(signal=signal.SIGXFSZ), Verdict.OLE, "a file larger than 64 MB"),
        (Outcome(signal=signal.SIGSEGV), Verdict.RE, "killed by SIGSEGV"),
        (
            Outcome(exit_code=3, stderr=b"x\nValueError: bad\n"),
            Verdict.RE,
            "exit code 3: 'ValueError: bad'",
        ),
        (Outcome(limit="compile", stderr=b"a.cpp:1: error: x\n"), Verdict.CE, "error: x"),
    ],
)
def test_how_a_run_ended(outcome: Outcome, verdict: Verdict, message: str) -> None:
    judged = classify(outcome, LIMITS)
    assert judged is not None and judged.verdict == verdict and message in judged.message


@pytest.mark.parametrize(
    ("language", "stderr", "verdict"),
    [
        ("cpp", b"terminate called after throwing an instance of 'std::bad_alloc'\n", Verdict.MLE),
        ("javascript", b"FATAL ERROR: ... JavaScript heap out of memory\n", Verdict.MLE),
        ("python", b"MemoryError\n", Verdict.MLE),
        # another runtime's words are only text this one printed before failing
        ("python", b"std::bad_alloc\n", Verdict.RE),
        ("bash", b"MemoryError\n", Verdict.RE),
    ],
)
def test_out_of_memory_words_are_each_languages_own(
    language: str, stderr: bytes, verdict: Verdict
) -> None:
    outcome = Outcome(exit_code=1, stderr=stderr, signal=None)
    judged = classify(outcome, LIMITS, language=LANGUAGES[language])
    assert judged is not None and judged.verdict == verdict


def test_a_clean_exit_leaves_the_verdict_to_the_answer() -> None:
    assert classify(Outcome(exit_code=0), LIMITS) is None


def _records(*records: object) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def test_call_results_are_compared_here() -> None:
    (test,) = parse_tests([{"fn_name": "f", "args": [], "expected": [1, 2]}])
    ok = Outcome(exit_code=0, result=_records({"value": {"$tuple": [1, 2]}}))
    assert judge(test, ok, LIMITS).verdict == Verdict.AC
    twice = Outcome(exit_code=0, result=_records({"value": [1, 2]}, {"value": [1, 2]}))
    assert "tampered" in judge(test, twice, LIMITS).message
    none = Outcome(exit_code=0)
    assert judge(test, none, LIMITS).message == "f() returned nothing (the program exited first)"
    junk = Outcome(exit_code=0, result=b"AC\n")
    assert judge(test, junk, LIMITS).verdict == Verdict.WA


def test_apps_single_element_outputs_also_accept_the_bare_value() -> None:
    (test,) = parse_tests({"fn_name": "f", "inputs": [[1]], "outputs": [[5]]})
    assert (
        judge(test, Outcome(exit_code=0, result=_records({"value": 5})), LIMITS).verdict
        == Verdict.AC
    )


def test_asserts_need_every_hole_once_and_are_evaluated_here() -> None:
    (test,) = parse_tests(["assert f(1) == 2\nassert g()"])
    good = _records({"step": 0, "value": 2}, {"step": 1, "value": True})
    assert judge(test, Outcome(exit_code=0, result=good), LIMITS).verdict == Verdict.AC
    early = judge(test, Outcome(exit_code=0, result=_records({"step": 0, "value": 2})), LIMITS)
    assert early.message == "the program exited before the test's asserts finished"
    forged = _records({"step": 0, "ok": True}, {"step": 1, "ok": True}, {"marker": "m1"})
    assert judge(test, Outcome(exit_code=0, result=forged), LIMITS).verdict == Verdict.WA
    twice = _records({"step": 0, "value": 2}, {"step": 0, "value": 2}, {"step": 1, "value": 1})
    assert "tampered" in judge(test, Outcome(exit_code=0, result=twice), LIMITS).message
    stray = _records({"step": 0, "value": 2}, {"step": 1, "value": 1}, {"step": 7, "value": 1})
    assert "tampered" in judge(test, Outcome(exit_code=0, result=stray), LIMITS).message
    ok = _records({"step": 0, "ok": True}, {"step": 1, "value": True})
    assert "tampered" in judge(test, Outcome(exit_code=0, result=ok), LIMITS).message
    wrong = _records({"step": 0, "value": 3}, {"step": 1, "value": True})
    assert judge(test, Outcome(exit_code=0, result=wrong), LIMITS).message == (
        "got 3, expected 2 ('assert f(1) == 2')"
    )
    false = _records({"step": 0, "value": 2}, {"step": 1, "value": []})
    assert judge(test, Outcome(exit_code=0, result=false), LIMITS).message == (
        "assertion failed: 'assert g()'"
    )
    custom = _records({"step": 0, "value": 2}, {"step": 1, "unserializable": "a m.X object"})
    assert judge(test, Outcome(exit_code=0, result=custom), LIMITS).message == (
        "returned a m.X object, not a built-in value ('assert g()')"
    )


def test_an_assert_run_ends_with_its_marker() -> None:
    (test,) = parse_tests(["assert f(1) == 2\nsetup = f(2)"])  # a statement after the last hole
    holes = {"step": 0, "value": 2}
    done = Outcome(exit_code=0, result=_records(holes, {"done": "m1"}))
    assert judge(test, done, LIMITS, marker="m1").verdict == Verdict.AC
    for result in (_records(holes), _records(holes, {"done": "other"})):
        early = judge(test, Outcome(exit_code=0, result=result), LIMITS, marker="m1")
        assert early.message == "the program exited before the test's asserts finished"


def test_a_conversion_stands_in_for_an_object_that_is_not_a_built_in_value() -> None:
    (test,) = parse_tests(["assert len(s) == 2"])
    assert test.runs == [{"eval": "s", "else": "len(s)"}]
    record = {"step": 0, "unserializable": "a solution.Stack object", "instead": {"value": 2}}
    assert judge(test, Outcome(exit_code=0, result=_records(record)), LIMITS).verdict == Verdict.AC
    record["instead"] = {"unserializable": "a solution.Liar object"}
    wrong = judge(test, Outcome(exit_code=0, result=_records(record)), LIMITS)
    assert wrong.message == (
        "returned a solution.Liar object, not a built-in value ('assert len(s) == 2')"
    )


def test_a_hole_that_raised_counts_only_where_the_assert_needs_it() -> None:
    (test,) = parse_tests(["assert x is None or f(x)[0] == 1"])
    raised = {"step": 1, "raised": "TypeError: 'NoneType' object is not subscriptable"}
    skipped = _records({"step": 0, "value": None}, raised)
    assert judge(test, Outcome(exit_code=0, result=skipped), LIMITS).verdict == Verdict.AC
    needed = judge(
        test, Outcome(exit_code=0, result=_records({"step": 0, "value": 3}, raised)), LIMITS
    )
    assert needed.verdict == Verdict.RE
    assert needed.message == (
        "TypeError: 'NoneType' object is not subscriptable ('assert x is None or f(x)[0] == 1')"
    )


def test_call_results_compare_as_their_json_serialisation() -> None:
    # call tests' expected values are JSON: a returned {1: 'a'} serialises as {"1": "a"}
    (test,) = parse_tests([{"fn_name": "f", "args": [], "expected": {"1": "a", "null": [1]}}])
    value = {"$dict": [[1, "a"], [None, {"$tuple": [1]}]]}
    ok = Outcome(exit_code=0, result=_records({"value": value}))
    assert judge(test, ok, LIMITS).verdict == Verdict.AC
    other = Outcome(exit_code=0, result=_records({"value": {"$dict": [[2, "a"], [None, [1]]]}}))
    assert judge(test, other, LIMITS).verdict == Verdict.WA
