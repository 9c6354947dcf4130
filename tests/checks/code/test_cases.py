"""Reading tests from items: the three kinds, MBPP and APPS shapes, and malformed data."""

from __future__ import annotations

import ast
import json

import pytest

from graders.checks.code.cases import assert_steps, parse_tests
from graders.core.errors import GradeFailure


def test_the_three_kinds_with_weights_and_names() -> None:
    tests = parse_tests(
        [
            {"stdin": "1 2", "expected_stdout": "3", "weight": 2, "name": "sum"},
            {"fn_name": "add", "args": [1, 2], "expected": 3},
            {"assert": "assert add(1, 2) == 3"},
        ]
    )
    assert [t.kind for t in tests] == ["stdio", "call", "assert"]
    assert (tests[0].weight, tests[0].name, tests[0].stdin) == (2.0, "sum", "1 2")
    assert (tests[1].fn_name, tests[1].args, tests[1].expected) == ("add", (1, 2), 3)


def test_mbpp_assert_lists_and_json_strings() -> None:
    tests = parse_tests(json.dumps(["assert f(1) == 2", "assert f(2) == 4"]))
    assert [t.kind for t in tests] == ["assert", "assert"]
    assert parse_tests("assert f(1) == 2")[0].runs == [{"eval": "f(1)"}]


def test_apps_input_output_objects() -> None:
    stdio = parse_tests({"inputs": ["1 2\n", ["3", "4"]], "outputs": ["3\n", "7"]})
    assert [(t.kind, t.stdin, t.expected_stdout) for t in stdio] == [
        ("stdio", "1 2\n", "3\n"),
        ("stdio", "3\n4", "7"),
    ]
    calls = parse_tests(json.dumps({"fn_name": "f", "inputs": [[1, 2]], "outputs": [[3]]}))
    assert calls[0].kind == "call" and calls[0].apps_unwrap and calls[0].args == (1, 2)


def test_literal_comparisons_keep_the_expected_value_outside() -> None:
    (step,) = assert_steps("assert candidate([1, 2]) == (3, 'x')")
    assert step.runs == ({"eval": "candidate([1, 2])"},)
    assert step.skeleton is not None and ast.unparse(step.skeleton.test) == "0 == (3, 'x')"
    (flipped,) = assert_steps("assert 4 == f(2)")
    assert flipped.runs == ({"eval": "f(2)"},)


def test_other_asserts_send_only_their_holes_and_statements_run_as_they_are() -> None:
    steps = assert_steps("x = f(1)\nassert abs(x - 1.5) < 1e-6, 'close'\nassert f(1) == f(2)")
    assert steps[0].runs == ({"exec": "x = f(1)"},) and steps[0].skeleton is None
    assert steps[1].runs == ({"eval": "x"},)
    assert steps[1].skeleton is not None and steps[1].skeleton.message == "close"
    assert steps[2].runs == ({"eval": "f(1)"}, {"eval": "f(2)"})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "no tests"),
        (42, "expected a list of tests"),
        ([{"stdin": "1"}], "tests[0].expected_stdout: Field required"),
        ([{"fn_name": "f", "args": 3, "expected": 1}], "tests[0].args"),
        ([{"stdin": "", "expected_stdout": "", "wieght": 2}], "tests[0].wieght: Extra inputs"),
        (["assert f(1) =="], "does not parse"),
        (["f(1)"], "needs an assert statement"),
        (["assert " + "-" * 500 + "f(1)"], "nests too deeply"),
        (["assert " + "-" * 100_000 + "f(1)"], "nests too deeply"),
        ({"inputs": [1], "outputs": []}, "one length"),
        ([3], "must be an object or an assert string"),
    ],
)
def test_malformed_tests_are_data_errors(value: object, message: str) -> None:
    with pytest.raises(GradeFailure) as exc:
        parse_tests(value)
    assert exc.value.kind == "bad_reference"
    assert message in exc.value.message
