"""code_tests end to end in the real sandbox, with well-behaved programs.

Hostile programs are in test_adversarial.py, which runs them in a fresh PID namespace.
"""

from __future__ import annotations

from typing import Any

import pytest

import graders
from tests.checks.code.conftest import Grade, fenced

ADD = fenced("a, b = map(int, input().split())\nprint(a + b)")
STDIO = [
    {"stdin": "1 2\n", "expected_stdout": "3\n"},
    {"stdin": "2 2\n", "expected_stdout": "4"},
    {"stdin": "5 5\n", "expected_stdout": "11", "weight": 2},
]


def test_stdio_tests_get_verdicts_with_times_memory_and_excerpts(grade: Grade) -> None:
    result = grade(ADD, STDIO)
    assert result.score == pytest.approx(2 / 3) and result.passed is False
    assert result.reason == "2/3 tests passed; test 2: WA line 1: got '10', expected '11'"
    details = result.details or {}
    assert details["verdicts"] == {"AC": 2, "WA": 1} and details["language"] == "python"
    assert details["isolation"].startswith("bwrap+") and details["mode"] == "warm"
    wrong = result.children[2]
    assert (wrong.type, wrong.path, wrong.score, wrong.passed) == (
        "code_test",
        "$.tests[2]",
        0.0,
        False,
    )
    assert wrong.reason == "WA (wrong answer): line 1: got '10', expected '11'"
    info = wrong.details or {}
    assert info["verdict"] == "WA" and info["exit_code"] == 0 and info["weight"] == 2
    assert info["stdout"] == "10\n" and info["expected"] == "11"
    assert info["cpu_ms"] > 0 and info["wall_ms"] > 0 and info["peak_kb"] > 1000


@pytest.mark.parametrize(
    ("scoring", "score", "run"),
    [("fraction", 2 / 3, 3), ("weighted", 2 / 4, 3), ("all", 0.0, 3)],
)
def test_scoring(grade: Grade, scoring: str, score: float, run: int) -> None:
    result = grade(ADD, STDIO, scoring=scoring)
    assert result.score == pytest.approx(score) and len(result.children) == run


def test_all_or_nothing_stops_at_the_first_failure(grade: Grade) -> None:
    tests = [STDIO[2], STDIO[0], STDIO[1]]
    result = grade(ADD, tests, scoring="all")
    assert result.score == 0.0 and len(result.children) == 1
    assert (result.details or {})["not_run"] == 2


def test_runtime_errors_say_what_went_wrong(grade: Grade) -> None:
    result = grade(
        fenced("x = int(input())\nprint(10 // x)"), [{"stdin": "0", "expected_stdout": "1"}]
    )
    child = result.children[0]
    assert child.reason == (
        "RE (runtime error): exit code 1: 'ZeroDivisionError: integer division or modulo by zero'"
    )
    assert (child.details or {})["stderr"].startswith(
        'Traceback (most recent call last):\n  File "/work/solution.py"'
    )


CALLS = [
    {"fn_name": "pair", "args": [2], "expected": [2, 4]},
    {"fn_name": "pair", "args": [3], "expected": [3, 6]},
]


def test_call_tests_compare_returned_values_in_the_grader(grade: Grade) -> None:
    result = grade(fenced("def pair(x):\n    return (x, x * 2)"), CALLS)
    assert result.score == 1.0, result.format_tree()
    assert result.children[0].reason == "AC (accepted): returned [2, 4]"


def test_call_tests_find_solution_methods(grade: Grade) -> None:
    code = "class Solution:\n    def pair(self, x):\n        return [x, x * 2 + (x == 3)]"
    result = grade(fenced(code), CALLS)
    assert result.score == 0.5
    assert result.children[1].reason == "WA (wrong answer): got [3, 7], expected [3, 6]"


def test_a_missing_function_is_a_runtime_error(grade: Grade) -> None:
    result = grade(fenced("def other(x):\n    return x"), CALLS[:1])
    assert "NameError: the program defines no function 'pair'" in result.children[0].reason


def test_mbpp_asserts_with_setup_code(grade: Grade, open_grader: Any) -> None:
    grader = open_grader(
        {
            "type": "code_tests",
            "tests": "{{ item.test_list }}",
            "setup_code": "{{ item.test_setup_code }}",
        }
    )
    item = {
        "test_list": ["assert square(K) == 9", "assert square(2) == 4.0", "assert square(-1) == 2"],
        "test_setup_code": "K = 3",
    }
    result = grader.grade_sync(fenced("def square(x):\n    return x * x"), item)
    assert [c.score for c in result.children] == [1.0, 1.0, 0.0]
    assert (
        result.children[2].reason
        == "WA (wrong answer): got 1, expected 2 ('assert square(-1) == 2')"
    )


def test_asserts_that_are_not_literal_comparisons_are_evaluated_here(grade: Grade) -> None:
    tests = ["assert abs(root(2) - 1.41421356) < 1e-6", "assert root(4) > 3"]
    result = grade(fenced("def root(x):\n    return x ** 0.5"), tests)
    assert [c.score for c in result.children] == [1.0, 0.0]
    assert result.children[1].reason == "WA (wrong answer): assertion failed: 'assert root(4) > 3'"


STACK = """
class Stack:
    def __init__(self):
        self.items = []
    def push(self, x):
        self.items.append(x)
    def pop(self):
        return self.items.pop()
    def __len__(self):
        return len(self.items)
    def __iter__(self):
        return iter(self.items)
    def __str__(self):
        return f"Stack({self.items})"
"""


def test_asserts_over_the_programs_objects(grade: Grade) -> None:
    tests = [
        "s = Stack()\ns.push(1)\ns.push(2)\nassert len(s) == 2 and str(s) == 'Stack([1, 2])'\n"
        "assert s.pop() == 2\nassert list(s) == [1] and sorted(s) == [1]",
        "s = Stack()\nassert s.pop() == 1",
        "s = Stack()\nassert s is None or s.pop() == 1",  # an object is never None
        "import math\nassert all(math.isclose(sq(x), x * x) for x in range(1, 5))",
        "assert [sq(x) for x in range(3)] == [0, 1, 4] and sum(sq(x) for x in [1, 2]) == 5",
    ]
    code = STACK + "def sq(x):\n    return x * x\n"
    result = grade(fenced(code), tests)
    verdicts = [(c.details or {})["verdict"] for c in result.children]
    assert verdicts == ["AC", "RE", "RE", "AC", "AC"], result.format_tree()
    assert result.children[1].reason == (
        "RE (runtime error): IndexError: pop from empty list ('assert s.pop() == 1')"
    )


def test_statements_after_the_last_hole_must_finish(grade: Grade) -> None:
    tests = ["assert f(0) == 0\nfor x in range(3):\n    assert f(x) == 2 * x"]
    right = grade(fenced("def f(x):\n    return 2 * x"), tests)
    assert right.score == 1.0, right.format_tree()
    code = "import os\ndef f(x):\n    if x == 2:\n        os._exit(0)\n    return 2 * x"
    leaves = grade(fenced(code), tests)
    assert leaves.children[0].reason == (
        "WA (wrong answer): the program exited before the test's asserts finished"
    )


HUMANEVAL_STYLE = """
import random
rng = random.Random(7)

def check(candidate):
    assert candidate([]) == 0, "empty"
    for _ in range(3):
        xs = [rng.randint(-9, 9) for _ in range(rng.randint(1, 5))]
        assert candidate(xs) == sum(abs(x) for x in xs)
    for xs, want in [([1, -2], 3), ([0], 0)]:
        assert candidate(xs) == want
"""


def test_a_humaneval_check_with_loops_is_graded_here(grade: Grade) -> None:
    tests = [HUMANEVAL_STYLE + "check(total)"]
    right = grade(fenced("def total(xs):\n    return sum(map(abs, xs))"), tests)
    assert right.score == 1.0, right.format_tree()
    wrong = grade(fenced("def total(xs):\n    return sum(xs)"), tests)
    assert wrong.score == 0.0 and "got" in wrong.children[0].reason, wrong.format_tree()


def test_asserts_in_blocks_only_the_program_decides_are_a_load_error(open_grader: Any) -> None:
    with pytest.raises(graders.ConfigError) as exc:
        open_grader({"type": "code_tests", "tests": ["for x in f():\n    assert x > 0"]})
    assert "only the program can compute" in str(exc.value)


FORMS_PROGRAM = """
import math
def rev(x): return x[::-1]
def trip(n): return tuple(range(1, n + 1))
def inv(d): return {v: k for k, v in d.items()}
def yes(x): return True
def no(x): return False
def dbl(x): return x * 2
def root(x): return math.sqrt(x)
def pair(x): return [x, x + 1]
def words(s): return s.split()
def inf(x): return float("inf")
def none(x): return None
def nested(x): return [[1], [2, 3]]
def pairs(x): return [("a", 1)]
def cols(x): return [[1, 2], [3, 4]]
def kw(x=0): return x * 2
def add(a, b): return a + b
"""
FORMS = [
    "assert math.isclose(root(2), 1.41421356, rel_tol=1e-6)",
    "assert rev('abc') == 'cba'",
    "assert rev([1, 2, 3]) == [3, 2, 1]",
    "assert trip(3) == (1, 2, 3)",
    "assert inv({1: 2}) == {2: 1}",
    "assert yes(2) is True",
    "assert not no(3)",
    "assert dbl(1.5) == 3.0",
    "assert round(root(2), 3) == 1.414",
    "assert sorted(rev([3, 1])) == [1, 3]",
    "assert dbl(5) in [10, 6]",
    "assert len(trip(3)) == 3",
    "assert kw(x=2) == 4",
    "assert add(*[1, 2]) == 3",
    "assert dbl(1) == 2, 'message'",
    "assert (dbl(1) == 2) == True",
    "assert isinstance(pair(1), list)",
    "assert type(pair(1)) == list",
    "assert inf(0) == float('inf')",
    "assert root(2) == 2 ** 0.5",
    "assert str(pair(1)) == '[1, 2]'",
    "assert dbl(1) != None",
    "assert all(isinstance(x, int) for x in trip(3))",
    "assert sum(trip(3)) == 6",
    "assert words('a b') == ['a', 'b']",
    "assert dbl(b'x') == b'xx'",
    "assert dbl(1 + 2j) == 2 + 4j",
    "assert -dbl(1) == -2",
    "assert trip(3)[0] == 1 and trip(3)[-1] == 3",
    "assert nested(3) == [[1], [2, 3]]",
    "assert none(None) is None",
    "assert max(trip(3)) == 3",
    "assert dbl(1) >= 0.5 >= dbl(0)",
    "assert dbl(10) % 2 == 0",
    "assert dbl(1) // 2 == 1",
    "assert abs(root(9) - 3) <= 1e-5",
    "assert rev('x') + 'y' == 'xy'",
    "assert {*pair(1)} == {1, 2}",
    "assert tuple(pair(1)) == (1, 2)",
    "assert dict(pairs(1)) == {'a': 1}",
    "assert list(zip(*cols(1))) == [(1, 3), (2, 4)]",
    "assert rev('a').upper() == 'A'",
    "assert [x * 2 for x in pair(1)] == [2, 4]",
    "assert trip(3) == tuple(i for i in range(1, 4))",
    "assert list(trip(3)) == list(range(1, 4))",
    "x = dbl(2)\nassert x == 4\ny = [x, dbl(x)]\nassert y == [4, 8]",
    "from math import sqrt\nassert sqrt(dbl(2)) == 2",
    "assert dbl(2) if True else False",
    "assert math.floor(root(10)) == 3 and math.ceil(root(10)) == 4",
    "assert (lambda v: v * 2)(dbl(1)) == 4",
    "assert set(pair(1)) - {1} == {2}",
    "assert 'b' in words('a b') and 'c' not in words('a b')",
]
"""Assert forms seen in MBPP-style tests, each passed by FORMS_PROGRAM (the old in-sandbox guard
failed the type(...) == list one)."""


def test_common_assert_forms_pass_a_right_program(grade: Grade) -> None:
    result = grade(fenced(FORMS_PROGRAM), FORMS)
    failed = [(t, c.reason) for t, c in zip(FORMS, result.children, strict=True) if c.score != 1]
    assert not failed


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("cpp", '#include <cstdio>\nint main(){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);}'),
        (
            "javascript",
            "const [a, b] = require('fs').readFileSync(0, 'utf8').split(/\\s+/).map(Number);\n"
            "console.log(a + b);",
        ),
        ("bash", "read a b\necho $((a + b))"),
    ],
)
def test_other_languages(grade: Grade, language: str, code: str) -> None:
    result = grade(fenced(code, language), STDIO[:2], language=language)
    assert result.score == 1.0, result.format_tree()
    assert (result.details or {})["mode"] == "exec"


def test_cpp_compiles_once_per_submission_and_is_cached_by_hash(open_grader: Any) -> None:
    grader = open_grader({"type": "code_tests", "tests": "{{ item.tests }}", "language": "c++"})
    code = fenced(
        '#include <cstdio>\nint main(){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);}', "cpp"
    )
    first = grader.grade_sync(code, {"tests": STDIO})
    second = grader.grade_sync(code, {"tests": STDIO[:1]})
    assert (first.details or {})["compile"]["cached"] is False
    assert (second.details or {})["compile"]["cached"] is True
    assert second.score == 1.0


def test_compile_errors_score_zero_with_the_compilers_message(grade: Grade) -> None:
    result = grade(fenced("int main() { return x; }", "cpp"), STDIO, language="cpp")
    assert result.score == 0.0 and result.passed is False and not result.children
    assert result.reason.startswith("CE (compile error): solution.cpp:1:21: error: ")
    assert "was not declared in this scope" in result.reason


def test_the_language_may_come_from_the_item(open_grader: Any) -> None:
    grader = open_grader(
        {"type": "code_tests", "tests": "{{ item.tests }}", "language": "{{ item.language }}"}
    )
    result = grader.grade_sync(
        fenced("read a b\necho $((a + b))", "sh"), {"tests": STDIO[:1], "language": "sh"}
    )
    assert result.score == 1.0
    bad = grader.grade_sync("x", {"tests": STDIO[:1], "language": "cobol"})
    assert bad.score is None and bad.error is not None and bad.error.kind == "bad_reference"


def test_call_tests_need_python(grade: Grade) -> None:
    result = grade(fenced("int main(){}", "cpp"), CALLS, language="cpp")
    assert result.error is not None and "need language python" in result.error.message


def test_an_output_without_a_program_scores_zero(grade: Grade) -> None:
    result = grade("I think the answer is 3.", STDIO)
    assert result.score == 0.0 and result.reason == "no ```python block in the output"


def test_cold_mode_gives_the_same_verdicts(grade: Grade) -> None:
    tests = [*STDIO, *CALLS, "assert pair(1) == (1, 2)"]
    code = fenced(
        "def pair(x):\n    return (x, x * 2)\nif __name__ == '__main__':\n"
        "    a, b = map(int, input().split())\n    print(a + b)"
    )
    warm = grade(code, tests)
    cold = grade(code, tests, sandbox={"mode": "cold"})
    assert [c.details["verdict"] for c in warm.children] == ["AC", "AC", "WA", "AC", "AC", "AC"]  # type: ignore[index]
    assert [c.details["verdict"] for c in cold.children] == ["AC", "AC", "WA", "AC", "AC", "AC"]  # type: ignore[index]
    assert (cold.details or {})["mode"] == "cold"


def test_output_over_the_cap_is_an_output_limit_even_when_written_just_before_exit(
    grade: Grade,
) -> None:
    code = fenced("import sys\nsys.stdout.write('x' * 20000)")
    result = grade(code, [{"stdin": "", "expected_stdout": "x"}] * 3, limits={"stdout_mb": 0.01})
    assert [(c.details or {})["verdict"] for c in result.children] == ["OLE"] * 3


FINISHING = """
import atexit, random, sys, threading, time
atexit.register(lambda: print("atexit ran"))
def late():
    time.sleep(0.05)
    print("thread joined")
threading.Thread(target=late).start()
print(random.getrandbits(64))
"""


@pytest.mark.parametrize("mode", ["warm", "cold"])
def test_runs_finish_like_a_fresh_interpreter(grade: Grade, mode: str) -> None:
    """Threads are joined and atexit hooks run before exit; every run gets fresh random numbers."""
    result = grade(
        fenced(FINISHING), [{"stdin": "", "expected_stdout": ""}] * 2, sandbox={"mode": mode}
    )
    outputs = [(c.details or {})["stdout"].splitlines() for c in result.children]
    assert [lines[1:] for lines in outputs] == [["thread joined", "atexit ran"]] * 2
    assert outputs[0][0] != outputs[1][0]


def test_batches_run_concurrently_in_the_slots(open_grader: Any) -> None:
    grader = open_grader(
        {"type": "code_tests", "tests": "{{ item.tests }}", "sandbox": {"slots": 2}}
    )
    rows = [(ADD, {"tests": STDIO[:2]}) for _ in range(6)] + [("no code", {"tests": STDIO})]
    batch = grader.grade_batch_sync(rows)
    assert batch.rewards == [1.0] * 6 + [0.0]
    assert batch.summary.scored == 7


def test_unknown_languages_fail_at_load() -> None:
    with pytest.raises(graders.ConfigError, match="unknown language 'rust'; known: "):
        graders.load({"type": "code_tests", "tests": [], "language": "rust"})
