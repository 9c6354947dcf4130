"""Tests that expect the program to raise: the rewrite, the refused forms, and the real sandbox.

Hostile programs (forged records, exits, fake built-in classes) are in hostile_cases.yaml.
"""

from __future__ import annotations

from typing import Any

import pytest

from graders.checks.code.cases import assert_steps, parse_tests
from graders.checks.code.guarded import Failed
from graders.checks.code.interpret import Hole
from graders.checks.code.raises import Raises
from graders.core.errors import GradeFailure
from tests.checks.code.conftest import Grade, fenced

CALL = "try:\n    f(-1)\n"
"""The start of most tests here: the call that should raise."""
FAIL = CALL + "    assert False\n"
TRY = FAIL + "except ValueError:\n    pass"
ELSE = CALL + "except (ValueError, TypeError):\n    pass\nelse:\n    raise AssertionError('no')"
MESSAGE = (
    "try:\n    r = f(-1)\nexcept ValueError as e:\n    assert 'negative' in str(e)\n"
    "else:\n    assert False, 'f(-1) must raise'"
)
WITH = "with pytest.raises(ValueError):\n    f(-1)"
VALUE_ERROR = (("builtins", "ValueError"), ("builtins", "Exception"), ("builtins", "object"))


def _raises(source: str) -> Raises:
    (step,) = assert_steps(source)
    assert isinstance(step.skeleton, Raises)
    return step.skeleton


def _raised(classes: tuple[tuple[str, str], ...], message: str | None = "negative x") -> Hole:
    return Hole(error=Failed("raised", "ValueError: negative x"), classes=classes, message=message)


@pytest.mark.parametrize("source", [TRY, ELSE, MESSAGE, WITH])
def test_the_call_is_one_hole_that_should_raise(source: str) -> None:
    (step,) = assert_steps(source)
    assert step.runs == ({"eval": "f(-1)", "expect": "raise"},)


def test_loops_and_helpers_write_out_a_try_per_value() -> None:
    loop = "for x in [-1, -2]:\n" + _indent(TRY.replace("f(-1)", "f(x)"))
    assert [s.runs for s in assert_steps(loop)][:2] == [
        ({"eval": "f(-1)", "expect": "raise"},),
        ({"eval": "f(-2)", "expect": "raise"},),
    ]
    helper = f"def check(f):\n{_indent(TRY)}\ncheck(g)"
    assert [s.runs for s in assert_steps(helper)] == [({"eval": "g(-1)", "expect": "raise"},)]


def _indent(source: str) -> str:
    return "\n".join("    " + line for line in source.splitlines())


@pytest.mark.parametrize(
    ("source", "hole", "holds"),
    [
        (TRY, _raised(VALUE_ERROR), True),
        (TRY, _raised((("solution", "Negative"), *VALUE_ERROR)), True),  # a subclass
        (TRY, _raised((("builtins", "TypeError"), ("builtins", "Exception"))), False),
        (TRY, _raised((("builtins?", "ValueError"), ("builtins", "Exception"))), False),
        (TRY, _raised(()), False),  # the driver could not read its classes
        (TRY, Hole(0), False),  # it returned
        (TRY, Hole(error=Failed("wrong", "returned an object")), False),
        (ELSE, _raised((("builtins", "TypeError"), ("builtins", "Exception"))), True),
        (ELSE, Hole(None), False),
        (MESSAGE, _raised(VALUE_ERROR), True),
        (MESSAGE, _raised(VALUE_ERROR, "positive"), False),
        (MESSAGE, _raised(VALUE_ERROR, None), False),
        (MESSAGE, Hole(1), False),
        (WITH, _raised(VALUE_ERROR), True),
        (WITH, Hole(1), False),
        (CALL + "except mod.Negative:\n    pass\nelse:\n    assert 0", _raised(
            (("solution", "Negative"), ("builtins", "Exception"))), True),
        (CALL + "except IOError:\n    pass\nelse:\n    assert 0", _raised(
            (("builtins", "FileNotFoundError"), ("builtins", "OSError"))), True),
        (CALL + "except ValueError as e:\n    assert str(e) == 'neg'", Hole(1), True),
        (CALL + "except ValueError:\n    raise\nexcept TypeError:\n    pass\n"
         "else:\n    assert False", _raised(VALUE_ERROR), False),
    ],
)  # fmt: skip
def test_the_grader_follows_the_try_over_what_the_call_did(
    source: str, hole: Hole, holds: bool
) -> None:
    assert _raises(source).check([hole], float_tolerance=None)[0] is holds


def test_failures_say_what_the_call_did_and_what_was_expected() -> None:
    wrong = _raised((("builtins", "TypeError"),))
    assert _raises(TRY).check([wrong], float_tolerance=None) == (
        False, "f(-1) raised ValueError: negative x, expected ValueError"
    )  # fmt: skip
    assert _raises(MESSAGE).check([Hole(1)], float_tolerance=None) == (
        False, "f(-1) raised no exception, expected ValueError: 'f(-1) must raise'"
    )  # fmt: skip
    _, why = _raises(MESSAGE).check([_raised(VALUE_ERROR, "big")], float_tolerance=None)
    assert why.endswith("assertion failed: assert 'negative' in str(e)")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (FAIL + "except:\n    pass", "line 4: a bare except"),
        (FAIL + "except Exception:\n    pass", "line 3: except Exception"),
        (CALL + "    assert 0\nexcept AssertionError:\n    pass", "except AssertionError"),
        (CALL + "except ValueError:\n    pass\nfinally:\n    assert g()", "line 6: a finally"),
        ("try:\n    assert f(-1) == 1\nexcept ValueError:\n    pass", "line 2: asserts inside"),
        (CALL + "    g(-1)\n    assert False\nexcept ValueError:\n    pass", "line 2: a try"),
        (CALL + "except ValueError:\n    pass\nelse:\n    g()\n    assert 0", "line 2: a try"),
        (FAIL + "except ValueError as e:\n    assert e.args[0] == 'x'",
         "line 5: an assert in an except clause may only compare str(e)"),
        (FAIL + "except ValueError as e:\n    assert str(e).startswith('x')",
         "may only compare str(e)"),
        (FAIL + "except ValueError:\n    assert g(1) == 2",
         "may only compare str(e)"),
        (FAIL + "except ValueError:\n    log('x')", "line 5: an except"),
        (FAIL + "except errors[0]:\n    pass", "must name its exceptions"),
        ("try:\n    r = f(-1)\nexcept ValueError as e:\n    assert 'n' in str(e)", "binds a name"),
        (FAIL + "except* ValueError:\n    pass", "line 1: except*"),
        ("with pytest.raises(ValueError, match='neg'):\n    f(-1)", "line 1: only `with pytest"),
        ("with pytest.raises(ValueError) as info:\n    f(-1)", "without match= or as"),
        ("with pytest.raises(ValueError):\n    f(-1)\n    f(-2)", "line 2: a try block"),
    ],
)  # fmt: skip
def test_forms_that_cannot_be_made_sound_are_refused(source: str, message: str) -> None:
    with pytest.raises(GradeFailure) as exc:
        parse_tests([source])
    assert exc.value.kind == "bad_reference"
    assert message in exc.value.message


def test_a_try_that_only_guards_setup_still_runs_in_the_sandbox() -> None:
    steps = assert_steps(
        "try:\n    import numpy\nexcept ImportError:\n    numpy = None\nassert f(1)"
    )
    assert steps[0].runs == (
        {"exec": "try:\n    import numpy\nexcept ImportError:\n    numpy = None"},
    )


@pytest.mark.parametrize(
    ("source", "runs"),
    [
        (f"import pytest\n{WITH}", [({"eval": "f(-1)", "expect": "raise"},)]),
        (f"from pytest import raises\n{WITH}", [({"eval": "f(-1)", "expect": "raise"},)]),
        (  # pytest used where the sandbox runs it: the import stays
            f"import pytest\n{WITH}\nassert f(1) == pytest.approx(1)",
            [({"exec": "import pytest"},), ({"eval": "f(-1)", "expect": "raise"},),
             ({"eval": "f(1)"}, {"eval": "pytest.approx(1)"})],
        ),
    ],
)  # fmt: skip
def test_imports_of_pytest_only_for_the_graders_forms_are_dropped(
    source: str, runs: list[tuple[dict[str, str], ...]]
) -> None:
    assert [step.runs for step in assert_steps(source)] == runs


PROGRAMS = {
    "raises": "def f(x):\n    if x < 0:\n        raise ValueError('negative input')\n    return x",
    "returns": "def f(x):\n    return -x",
    "wrong type": "def f(x):\n    if x < 0:\n        raise TypeError('negative')\n    return x",
    "subclass": "class Negative(ValueError):\n    pass\ndef f(x):\n"
    "    if x < 0:\n        raise Negative('negative input')\n    return x",
    "other message": "def f(x):\n    if x < 0:\n        raise ValueError('bad')\n    return x",
}
TESTS: list[Any] = [
    TRY,
    ELSE,
    MESSAGE,
    f"import pytest\n{WITH}",
    "assert f(2) == 2",
    "assert f(-2) == 2",
]


@pytest.mark.parametrize("mode", ["warm", "cold"])
@pytest.mark.parametrize(
    ("program", "verdicts"),
    [
        ("raises", ["AC", "AC", "AC", "AC", "AC", "RE"]),  # raising where a value is wanted: RE
        ("returns", ["WA", "WA", "WA", "WA", "WA", "AC"]),
        ("wrong type", ["WA", "AC", "WA", "WA", "AC", "RE"]),  # ELSE catches TypeError too
        ("subclass", ["AC", "AC", "AC", "AC", "AC", "RE"]),
        ("other message", ["AC", "AC", "WA", "AC", "AC", "RE"]),
    ],
)
def test_expected_exceptions_in_the_real_sandbox(
    grade: Grade, mode: str, program: str, verdicts: list[str]
) -> None:
    result = grade(fenced(PROGRAMS[program]), TESTS, sandbox={"mode": mode})
    assert [c.details["verdict"] for c in result.children] == verdicts  # type: ignore[index]
