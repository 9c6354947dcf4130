"""The grader unit-test harness: YAML cases, a runner, and a pytest plugin."""

from graders.testing.cases import (
    CaseOutcome,
    Expect,
    SuiteReport,
    TestCase,
    TestSuite,
    load_suite,
    run_suite,
)

__all__ = [
    "CaseOutcome",
    "Expect",
    "SuiteReport",
    "TestCase",
    "TestSuite",
    "load_suite",
    "run_suite",
]
