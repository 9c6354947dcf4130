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


def _runs(source: str) -> list[dict[str, str]]:
    return [run for step in assert_steps(source) for run in step.runs]


@pytest.mark.parametrize(
    ("source", "runs"),
    [
        # a loop over the test's own data: one assert per value, the values written in
        (
            "for x in range(3):\n    assert f(x) == 2 * x",
            [{"eval": "f(0)"}, {"eval": "f(1)"}, {"eval": "f(2)"}, {"exec": "x = 2"}],
        ),
        # over a top-level name bound once; if, continue, break and else as Python runs them
        (
            "cases = [(1, 2), (0, 0), (3, 6), (4, 8)]\nfor a, b in cases:\n"
            "    if a == 0:\n        continue\n    if a > 3:\n        break\n    assert f(a) == b\n"
            "else:\n    assert g() == 1",
            [
                {"exec": "cases = [(1, 2), (0, 0), (3, 6), (4, 8)]"},
                {"eval": "f(1)"},
                {"eval": "f(3)"},
                {"exec": "a, b = (4, 8)"},
            ],
        ),
        # HumanEval's helper, its parameter replaced by the argument
        (
            "def check(candidate):\n    assert candidate([1, 2]) == 3\ncheck(total)",
            [{"eval": "total([1, 2])"}],
        ),
        # an argument that is not a name is evaluated once, in the sandbox
        (
            "def check(c, n=2):\n    for i in range(n):\n        assert c(i) == i\n"
            "check(Solution().f)",
            [
                {"exec": "_graders_arg1 = Solution().f"},
                {"eval": "_graders_arg1(0)"},
                {"eval": "_graders_arg1(1)"},
                {"exec": "i = 1"},
            ],
        ),
        # a function of its own inside a helper may return (and, a predicate, is written in)
        (
            "def check(c):\n    def near(a, b):\n        return abs(a - b) < 0.1\n"
            "    assert near(c(1), 2)\ncheck(f)",
            [{"exec": "def near(a, b):\n    return abs(a - b) < 0.1"}, {"eval": "f(1)"}],
        ),
        # the test's one-line predicates are written into the asserts that call them
        (
            "def close(a, b, tol=0.1):\n    return abs(a - b) < tol\nassert close(f(1), 2)",
            [{"exec": "def close(a, b, tol=0.1):\n    return abs(a - b) < tol"}, {"eval": "f(1)"}],
        ),
        # a parameter used twice: its argument is computed once, first, as Python would,
        # also where the call is not the whole assert
        (
            "def near(a, b):\n    return abs(a - b) < 0.1 * abs(a)\n"
            "assert f(0) == 0 and not near(f(1), 2)",
            [
                {"exec": "def near(a, b):\n    return abs(a - b) < 0.1 * abs(a)"},
                {"eval": "f(0)"},
                {"eval": "(_graders_value1 := f(1))"},
                {"eval": "_graders_value1"},
                {"eval": "_graders_value1", "else": "abs(_graders_value1)"},
            ],
        ),
        # a predicate of assignments, ifs and returns over what the skeleton computes
        (
            "def close(a, b):\n    d = abs(a - b)\n    if d == 0:\n        return True\n"
            "    return d < 1e-6\nassert close(f(1), 2.5)",
            [
                {
                    "exec": "def close(a, b):\n    d = abs(a - b)\n    if d == 0:\n"
                    "        return True\n    return d < 1e-06"
                },
                {"eval": "(_graders_value1 := f(1))"},
                {"eval": "_graders_value1"},
                {"eval": "_graders_value1"},
            ],
        ),
        # an argument whose parameter is never used still runs
        (
            "def p(a, b):\n    return b > 0\nassert p(f(1), 2)",
            [{"exec": "def p(a, b):\n    return b > 0"}, {"eval": "f(1)"}],
        ),
        # `if COND: raise` is the assert it means
        ("if f(1) != 2:\n    raise AssertionError('no')", [{"eval": "f(1)"}]),
        ("if f(1) != 2:\n    print(f(1))\n    raise ValueError", [{"eval": "f(1)"}]),
        # statements without asserts run in the sandbox; a loop variable they bind is bound first
        (
            "for _ in range(1):\n    xs = []\n    for _ in range(n):\n        xs.append(1)\n"
            "    assert f(xs) == len(xs)",
            [
                {"exec": "xs = []"},
                {"exec": "_ = 0"},
                {"exec": "for _ in range(n):\n    xs.append(1)"},
                {"eval": "f(xs)"},
                {"eval": "xs", "else": "len(xs)"},
                {"exec": "_ = 0"},
            ],
        ),
    ],
)
def test_blocks_holding_asserts_are_written_out_in_the_grader(
    source: str, runs: list[dict[str, str]]
) -> None:
    assert _runs(source) == runs


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("for x in f():\n    assert x > 0", "a loop over 'f()', which only the program"),
        ("if f(1) == 2:\n    assert g(1) == 3", "a condition over 'f(1) == 2'"),
        ("for x in range(3):\n    if f(x):\n        break\n    assert g(x)", "a condition over"),
        ("while True:\n    assert f(1)\n    break", "asserts inside a while block"),
        ("with open('x') as fh:\n    assert f(fh)", "asserts inside a with block"),
        ("try:\n    assert f(1) == 2\nexcept ValueError:\n    pass", "asserts inside a try"),
        ("class T:\n    def test(self):\n        assert f(1)", "asserts inside a class block"),
        ("def check(c):\n    assert c(1) == 1\nfor g in [f]:\n    check(g)", "only be called as"),
        ("def check(c):\n    assert c(1) == 1\nrun(check)", "only be called as a statement"),
        ("def check(c):\n    assert c(1) == 1\n    return 1\ncheck(f)", "a return"),
        ("def check(c):\n    c = c or f\n    assert c(1)\ncheck(f)", "binds its parameter 'c'"),
        ("def check(*cs):\n    assert cs[0](1)\ncheck(f)", "plain parameters"),
        ("for a in [[3, 1]]:\n    sort(a)\n    assert a == [1, 3]", "passes 'a' to sort()"),
        ("for x in range(2000):\n    assert f(x) == x", "more than 1000 values"),
        ("for x in range(999):\n    for y in range(999):\n        assert f(x, y)", "more than"),
    ],
)
def test_asserts_in_blocks_the_grader_cannot_write_out_are_refused(
    source: str, message: str
) -> None:
    with pytest.raises(GradeFailure) as exc:
        parse_tests([source])
    assert exc.value.kind == "bad_reference"
    assert message in exc.value.message


@pytest.mark.parametrize(
    ("source", "setup", "skeletons"),
    [
        # a name bound to the test's own data is the grader's value, never the sandbox's
        ("expected = [1, 2, 3]\nassert f(1) == expected", "", ["0 == [1, 2, 3]"]),
        (
            "data = {'a': 1, 'b': [2]}\nassert solve(data['a']) == data['b']",
            "",
            ["0 == {'a': 1, 'b': [2]}['b']"],
        ),
        ("want = sorted(DATA)\nassert f(DATA[0]) == want", "DATA = (3, 1)", ["0 == [1, 3]"]),
        # bound in order: the value of the latest assignment, the program's after `x = g()`
        ("x = 1\nx = x + 1\nassert f() == x\nx = g()\nassert f() == x", "", ["0 == 2", "0 == 1"]),
        # a list program code may have changed is read back from the sandbox
        ("a = [3, 1]\nsort_in_place(a)\nassert a == [1, 3]", "", ["0 == [1, 3]"]),
        ("a = [3, 1]\nassert f(a) == a\nassert a == [3, 1]", "", ["0 == 1", "0 == [3, 1]"]),
        ("a = [3, 1]\nb = a\nc = sorted(a)\na.sort()\nassert b == c", "", ["0 == [1, 3]"]),
        # immutable values are the test's, whatever the program is passed
        ("t = (1, 2)\nassert f(t) == t", "", ["0 == (1, 2)"]),
        # the test's own functions may change what they read
        ("def reset():\n    xs.append(1)\nxs = [1]\nreset()\nassert f() == xs", "", ["0 == 1"]),
        ("r = f(2)\nassert r == 4", "", ["0 == 4"]),
    ],
)
def test_the_tests_own_values_are_skeleton_values(
    source: str, setup: str, skeletons: list[str]
) -> None:
    steps = assert_steps(source, setup)
    assert [ast.unparse(s.skeleton.test) for s in steps if s.skeleton is not None] == skeletons
