"""Splitting asserts into a skeleton (evaluated here) and holes (evaluated by the program)."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from graders.checks.code.cases import assert_steps
from graders.checks.code.skeleton import Failed, Hole, Skeleton


def _skeleton(source: str) -> Skeleton:
    (skeleton,) = [s.skeleton for s in assert_steps(source) if s.skeleton is not None]
    return skeleton


def _check(source: str, *values: Any, tol: float | None = None) -> tuple[bool, str]:
    holes = [v if isinstance(v, Hole) else Hole(v) for v in values]
    return _skeleton(source).check(holes, float_tolerance=tol)


def _raised(message: str = "ValueError: boom") -> Hole:
    return Hole(error=Failed("raised", message))


@pytest.mark.parametrize(
    ("source", "holes", "skeleton"),
    [
        ("assert is_prime(7)", ["is_prime(7)"], "0"),
        ("assert not is_prime(8)", ["is_prime(8)"], "not 0"),
        ("assert f(1) < 3", ["f(1)"], "0 < 3"),
        ("assert set(f(x)) == set([1, 2])", ["f(x)"], "set(0) == set([1, 2])"),
        ("assert abs(f(1) - 1.5) < 1e-06", ["f(1)"], "abs(0 - 1.5) < 1e-06"),
        ("assert (f(1), g(2)) == (1, [2])", ["f(1)", "g(2)"], "(0, 1) == (1, [2])"),
        ("assert f(x)[1:] == 'bc'", ["f(x)"], "0[1:] == 'bc'"),
        ("assert x is None or f(x)[0] == 1", ["x", "f(x)"], "0 is None or 1[0] == 1"),
        ("assert f(1) if c else g(1)", ["c", "f(1)", "g(1)"], "1 if 0 else 2"),  # test first
        ("assert {f(1): g(1), **h()} == {}", ["f(1)", "g(1)", "h()"], "{0: 1, **2} == {}"),
        ("assert type(f(1)) is int", ["f(1)"], "type(0) is int"),
        ("assert isinstance(f(1), (int, float))", ["f(1)"], "isinstance(0, (int, float))"),
        ("assert list(map(int, f(1))) == [1]", ["f(1)"], "list(map(int, 0)) == [1]"),
        # what the skeleton cannot express is a hole, as large as it has to be
        ("assert all((f(x) for x in xs))", ["(f(x) for x in xs)"], "all(0)"),
        ("assert [g(y) for y in f(1)] == [2]", ["[g(y) for y in f(1)]"], "0 == [2]"),
        ("assert [f(x) for x in range(2) if g(x)]", ["[f(x) for x in range(2) if g(x)]"], "0"),
        ("assert [f(x) for x in range(2000)] == []", ["[f(x) for x in range(2000)]"], "0 == []"),
        ("assert [(lambda x: x)(f(x)) for x in [1]]", ["[(lambda x: x)(f(x)) for x in [1]]"], "0"),
        ("assert f((x for x in range(3))) == 1", ["f((x for x in range(3)))"], "0 == 1"),
        # a comprehension over values the skeleton knows is written out, its comparisons here
        ("assert all((f(x) == 2 * x for x in range(3)))", ["f(0)", "f(1)", "f(2)"],
         "bool(0 == 2 * 0 and 1 == 2 * 1 and (2 == 2 * 2))"),
        ("assert any((f(x) for x in [5]))", ["f(5)"], "0"),
        ("assert all((f(x) for x in []))", [], "True"),
        ("assert all((f(x) == y for x, y in [(1, 'a'), (2, 'b')]))", ["f(1)", "f(2)"],
         "bool(0 == 'a' and 1 == 'b')"),
        ("assert [f(a) for a, b in [(1, 2), (3, 4)] if b > 2] == [5]", ["f(3)"], "[0] == [5]"),
        ("assert {k: g(k) for k in 'ab'} == {}", ["g('a')", "g('b')"], "{'a': 0, 'b': 1} == {}"),
        ("assert sum((f(x) for x in range(2))) == 1", ["f(0)", "f(1)"], "sum([0, 1]) == 1"),
        ("assert s.pop() == 3", ["s.pop()"], "0 == 3"),
        ("assert (lambda: f(1))() == 1", ["(lambda: f(1))()"], "0 == 1"),
        ("assert f'{f(1)}' == '1'", ["f'{f(1)}'"], "0 == '1'"),
        ("assert (n := f(1)) > 0", ["(n := f(1))"], "0 > 0"),
        ("assert np.allclose(f(1), [1.0])", ["np.allclose(f(1), [1.0])"], "0"),
        # a function or a class cannot come back from the sandbox: the whole call is a hole
        ("assert sorted(f(x), key=lambda t: -t)", ["sorted(f(x), key=lambda t: -t)"], "0"),
        ("assert max(f(x), key=g) == 1", ["max(f(x), key=g)"], "0 == 1"),
        ("assert isinstance(f(1), Node)", ["isinstance(f(1), Node)"], "0"),
        ("assert list(map(g, [1])) == [2]", ["map(g, [1])"], "list(0) == [2]"),
        # identity between two of the program's values is the program's to say
        ("assert f(a) is a", ["f(a) is a"], "0"),
    ],
)  # fmt: skip
def test_what_becomes_a_hole(source: str, holes: list[str], skeleton: str) -> None:
    split = _skeleton(source)
    assert list(split.holes) == holes
    assert ast.unparse(split.test) == skeleton


def test_the_expected_values_never_reach_the_sandbox() -> None:
    steps = assert_steps("import math\nassert math.isclose(area(5), 78.5, rel_tol=0.001)")
    assert [run for step in steps for run in step.runs] == [
        {"exec": "import math"},
        {"eval": "area(5)"},
    ]


def test_math_by_any_name_is_the_graders_own() -> None:
    for source in (
        "import math\nassert math.isclose(area(5), 78.5, rel_tol=0.001)",
        "import math as m\nassert m.isclose(area(5), 78.5, rel_tol=0.001)",
        "from math import isclose as near\nassert near(area(5), 78.5, rel_tol=0.001)",
    ):
        assert _skeleton(source).holes == ("area(5)",)
        assert _check(source, 78.53981) == (True, "")
        assert _check(source, 0) == (False, "")
    assert _check("assert math.isclose(f(1), 1.0, abs_tol=0.5)", 1.4)[0]
    assert _check("from math import pi\nassert abs(f(1) - pi) < 1e-9", 3.141592653589793)[0]
    assert _skeleton("from math import prod\nassert prod(f(1)) == 6").holes == ("prod(f(1))",)


@pytest.mark.parametrize(
    ("values", "holds"),
    [((2, 4), True), ((3, 3), False), ((1, 0), False), ((2, 2), True), ((0, 5), False)],
)
def test_chained_comparisons(values: tuple[int, int], holds: bool) -> None:
    assert _check("assert 1 < f(2) <= 3 != g()", *values)[0] is holds


def test_a_raising_hole_counts_only_where_its_value_is_needed() -> None:
    source = "assert x is None or f(x)[0] == 1"
    assert _check(source, None, _raised()) == (True, "")
    with pytest.raises(Failed) as exc:
        _check(source, [1], _raised("TypeError: no"))
    assert (exc.value.kind, exc.value.message) == ("raised", "TypeError: no")
    assert _check("assert f(1) and g(1)", 0, _raised()) == (False, "")
    assert _check("assert f(1) if c else g(1)", True, 1, _raised())[0]
    assert not _check("assert 1 > f(2) > g()", 1, _raised())[0]  # the chain stops first


def test_written_out_comprehensions_keep_the_short_circuit_of_all_and_any() -> None:
    source = "assert all(f(x) > 0 for x in range(3))"
    assert _check(source, 1, 0, _raised()) == (False, "")
    assert _check(source, 1, 2, 3) == (True, "")
    assert _check("assert any(f(x) for x in range(2))", 1, _raised()) == (True, "")


def test_equality_messages_and_tolerance() -> None:
    assert _check("assert f(1) == 2", 3) == (False, "got 3, expected 2")
    assert _check("assert 4 == f(2)", 5) == (False, "got 5, expected 4")
    assert _check("assert f(1) == 0.3", 0.30000001, tol=1e-6)[0]
    assert not _check("assert f(1) == 0.3", 0.30000001)[0]
    assert _check("assert [f(1), 2] == [0.3, 2] != []", 0.30000001, tol=1e-6)[0]
    assert _check("assert f(1) == (3, 'x')", [3, "x"]) == (False, "got [3, 'x'], expected (3, 'x')")


def test_built_ins_over_plain_values() -> None:
    assert _check("assert set(f(x)) == set([1, 2])", [2, 1, 2])[0]
    assert _check("assert sorted(f(x), reverse=True)[:2] == [3, 2]", [1, 3, 2])[0]
    assert _check("assert sum(f(1)) == 6 and len(f(2)) == 2", [1, 2, 3], "ab")[0]
    assert _check("assert all(f(x))", [True, 1, "a"])[0]
    assert _check("assert [*f(1), *range(2)] == [9, 0, 1]", [9])[0]
    assert _check("assert round(f(1), 2) == 3.14 and -f(2) == -1", 3.14159, 1)[0]
    assert _check("assert type(f(1)) is tuple and f(2) is None", (1,), None)[0]
    assert _check("assert f(1) in {'a': 1} and 'b' not in f(2)", "a", "abc") == (False, "")


def test_errors_of_the_expression_are_the_programs() -> None:
    with pytest.raises(Failed) as exc:
        _check("assert f(1) + 1 == 2", "a")
    assert exc.value.kind == "raised" and exc.value.message.startswith("TypeError: ")
    with pytest.raises(Failed) as exc:
        _check("assert f(1) == 2", Hole(error=Failed("wrong", "returned a X object")))
    assert exc.value.kind == "wrong"


@pytest.mark.parametrize(
    "source",
    [
        "assert f(2) == 2 ** 10 ** 10",
        "assert f(2) ** 10 ** 7 > 0",
        "assert f(2) << 10 ** 9 > 0",
        "assert f(2) * [0] * 10 ** 9 == []",
        "assert sum(range(10 ** 12)) == f(2)",
        "assert math.factorial(f(2) * 10 ** 6) > 0",
        "assert round(f(2), -10 ** 6) == 0",
        "assert '%0999999999d' % f(2) == ''",
        "assert pow(f(2), 2 ** 100000, 2 ** 100000 + 1) == 0",
    ],
)
def test_huge_results_are_refused_not_computed(source: str) -> None:
    with pytest.raises(Failed) as exc:
        _check(source, 2)
    assert exc.value.kind == "refused"


def test_a_huge_value_from_the_program_is_refused_too() -> None:
    with pytest.raises(Failed) as exc:
        _check("assert f(1) * f(1) > 0", 1 << (1 << 21), 1 << (1 << 21))
    assert exc.value.kind == "refused" and "bits" in exc.value.message
    huge = _check("assert f(1) == 7", 1 << (1 << 21))
    assert huge == (False, "got <a value too large to show>, expected 7")


def test_conversions_of_the_programs_objects_are_computed_by_the_program() -> None:
    assert _skeleton("assert len(s) == 2").fallbacks == ("len(s)",)
    assert _skeleton("assert max(a, b) == 2").fallbacks == ("max(a, b)", "max(a, b)")
    assert _skeleton("assert sorted(t, key=len) == []").fallbacks == ("sorted(t, key=len)",)
    for source in (
        "assert isinstance(f(1), int)",  # the point of isinstance is the real type
        "assert round(f(1), 2) == 1.5",  # not every argument is a hole
        "assert len(f(1) + [1]) == 2",
        "assert sorted(t, key=f(1)) == []",
    ):
        assert set(_skeleton(source).fallbacks) <= {None}, source
    custom = Failed("wrong", "returned a solution.Stack object, not a built-in value")
    assert _check("assert len(s) == 2", Hole(error=custom, instead=Hole(2)))[0]
    assert _check("assert max(a, b) == 2", 1, Hole(error=custom, instead=Hole(2)))[0]
    with pytest.raises(Failed) as exc:
        _check("assert len(s) == 2", Hole(error=custom, instead=_raised("TypeError: no len")))
    assert exc.value.message == "TypeError: no len"
    with pytest.raises(Failed) as exc:
        _check("assert len(s) + 1 == 3", Hole(error=custom))  # no conversion: not a value
    assert exc.value is custom


def test_an_object_is_never_none() -> None:
    custom = Hole(error=Failed("wrong", "returned a solution.Node object, not a built-in value"))
    assert _check("assert f(1) is not None", custom) == (True, "")
    assert _check("assert f(1) is None or g(1) == 2", custom, 2) == (True, "")
    assert _check("assert f(1) is False", custom) == (False, "")
    for source in ("assert f(1) is 3", "assert f(1) == None", "assert f(1) < 3"):
        with pytest.raises(Failed):
            _check(source, custom)


def test_a_constant_message_is_kept() -> None:
    assert _skeleton("assert f(1), 'f must hold'").message == "f must hold"
    assert _skeleton("assert f(1), f'{x}'").message is None
