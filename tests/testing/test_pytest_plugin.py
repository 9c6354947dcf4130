"""The pytest plugin collects grader test files and shows the result tree on failure."""

from __future__ import annotations

import pytest

GRADER = "type: numeric\nreference: '{{ item.answer }}'\nextract: [last_number]\n"


def test_cases_become_tests_with_readable_ids(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", grader=GRADER)
    pytester.makefile(
        ".yaml",
        tests=(
            "grader: grader.yaml\n"
            "cases:\n"
            "  - {name: right answer, sample: 'so 4', item: {answer: 4}, expect: {reward: 1}}\n"
            "  - {name: wrong expectation, sample: 'so 5', item: {answer: 4},\n"
            "     expect: {reward: 1}}\n"
        ),
    )
    result = pytester.runpytest("-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*tests.yaml::right answer PASSED*",
            "*tests.yaml::wrong expectation FAILED*",
            "*reward: expected 1, got 0*",
            "*result tree:*",
            "*numeric*0 (fail): 5 != 4*",
        ]
    )


def test_a_broken_test_file_is_a_collection_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", grader=GRADER)
    pytester.makefile(
        ".tests.yaml", broken="grader: grader.yaml\ncases:\n  - {name: x, sample: s}\n"
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*missing required field 'expect'*"])


def test_a_case_must_check_something(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", grader=GRADER)
    pytester.makefile(
        ".yaml", tests="grader: grader.yaml\ncases:\n  - {name: x, sample: s, expect: {}}\n"
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*expect must check something*"])
