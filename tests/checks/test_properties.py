"""Property tests: normalizers, formula parsing and evaluation, composition laws, numbers."""

from __future__ import annotations

import contextlib
import math
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import graders
from graders.checks.formula.parse import (
    Binary,
    Call,
    FormulaError,
    Logic,
    Name,
    Node,
    Num,
    Unary,
    parse_formula,
)
from graders.checks.normalize import NORMALIZERS
from graders.checks.numbers import parse_number

IDEMPOTENT = ["strip", "lowercase", "collapse_whitespace", "nfkc", "strip_punctuation"]


@pytest.mark.parametrize("name", IDEMPOTENT)
@given(text=st.text(max_size=60))
def test_normalizers_are_idempotent(name: str, text: str) -> None:
    func = NORMALIZERS[name]
    once = func(text)
    assert func(once) == once


@given(text=st.text(max_size=60))
def test_remove_articles_then_collapse_is_idempotent(text: str) -> None:
    def norm(t: str) -> str:
        return NORMALIZERS["collapse_whitespace"](NORMALIZERS["remove_articles"](t))

    assert norm(norm(text)) == norm(text)


@given(text=st.text(max_size=60))
def test_normalized_texts_lose_what_they_promise(text: str) -> None:
    assert not any(ch.isspace() for ch in NORMALIZERS["strip"](text)[:1])
    collapsed = NORMALIZERS["collapse_whitespace"](text)
    assert "  " not in collapsed and collapsed == collapsed.strip()


# -- formulas ---------------------------------------------------------------------------------

NAMES = ("a", "b", "c")
numbers = st.floats(min_value=-100, max_value=100, allow_nan=False).map(lambda x: round(x, 3))


def formulas() -> st.SearchStrategy[Node]:
    leaves = st.one_of(numbers.map(lambda x: Num(abs(x))), st.sampled_from(NAMES).map(Name))

    def extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
        return st.one_of(
            st.tuples(
                st.sampled_from(["+", "-", "*", "/", "<", ">=", "==", "!="]), children, children
            ).map(lambda t: Binary(*t)),
            st.tuples(st.sampled_from(["and", "or"]), children, children).map(lambda t: Logic(*t)),
            st.tuples(st.sampled_from(["-", "not"]), children).map(lambda t: Unary(*t)),
            st.tuples(
                st.sampled_from(["min", "max"]), st.lists(children, min_size=1, max_size=3)
            ).map(lambda t: Call(t[0], tuple(t[1]))),
            children.map(lambda c: Call("abs", (c,))),
            st.tuples(children, children, children).map(lambda t: Call("if", t)),
        )

    return st.recursive(leaves, extend, max_leaves=10)


def _value(node: Node, env: dict[str, float | None]) -> float | str:
    try:
        return node.evaluate(env)
    except FormulaError:
        return "error"


FORMULAS = formulas()


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(tree=FORMULAS, a=numbers, b=numbers, c=numbers)
def test_printed_formulas_parse_back_to_the_same_value(
    tree: Node, a: float, b: float, c: float
) -> None:
    env: dict[str, float | None] = {"a": a, "b": b, "c": c}
    expected = _value(tree, env)
    assume(expected == "error" or math.isfinite(float(expected)))
    again = parse_formula(str(tree))
    assert _value(again, env) == expected


@given(x=numbers, y=numbers)
def test_operator_precedence_matches_arithmetic(x: float, y: float) -> None:
    env: dict[str, float | None] = {"a": x, "b": y}
    assert parse_formula("a + b * 2").evaluate(env) == x + y * 2
    assert parse_formula("-a ^ 2").evaluate(env) == -(x**2)
    assert parse_formula("2 ^ 3 ^ 2").evaluate(env) == 512
    assert parse_formula("a - b - 1").evaluate(env) == (x - y) - 1
    assert parse_formula("a < b and not b < a").evaluate(env) == float(x < y)


@given(st.text(max_size=40))
def test_the_parser_never_crashes_on_garbage(source: str) -> None:
    with contextlib.suppress(FormulaError):
        parse_formula(source)


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(FormulaError, match="nested deeper"):
        parse_formula("(" * 500 + "1" + ")" * 500)
    with pytest.raises(FormulaError, match="nested deeper"):
        parse_formula("-" * 500 + "1")


# -- composition laws -------------------------------------------------------------------------

scores = st.lists(st.floats(min_value=-5, max_value=5, allow_nan=False), min_size=1, max_size=6)


def _children(values: list[float]) -> dict[str, dict[str, object]]:
    return {f"c{i}": {"type": "constant", "score": v} for i, v in enumerate(values)}


def _score(kind: str, values: list[float], **extra: object) -> float:
    result = graders.load({"type": kind, "graders": _children(values), **extra}).grade_sync("")
    assert result.score is not None
    return result.score


@settings(max_examples=60, deadline=None)
@given(values=scores)
def test_reducers_order_themselves(values: list[float]) -> None:
    low, mean, high = _score("min", values), _score("mean", values), _score("max", values)
    assert low <= mean + 1e-9 and mean <= high + 1e-9
    assert low == min(values) and high == max(values)
    assert _score("weighted", values) == pytest.approx(math.fsum(values))
    assert _score("weighted", values, normalize=True) == pytest.approx(mean)


@settings(max_examples=40, deadline=None)
@given(values=scores)
def test_mean_of_copies_is_the_value_and_product_with_ones(values: list[float]) -> None:
    v = values[0]
    assert _score("mean", [v] * len(values)) == pytest.approx(v)
    assert _score("product", [*values, 1.0]) == pytest.approx(math.prod(values))


@settings(max_examples=40, deadline=None)
@given(values=scores)
def test_multi_formula_agrees_with_weighted(values: list[float]) -> None:
    names = [f"c{i}" for i in range(len(values))]
    formula = " + ".join(f"{i + 1} * {n}" for i, n in enumerate(names))
    weighted = {
        f"c{i}": {"type": "constant", "score": v, "weight": i + 1} for i, v in enumerate(values)
    }
    multi = graders.load(
        {"type": "multi", "graders": _children(values), "calculate_output": formula}
    ).grade_sync("")
    direct = graders.load({"type": "weighted", "graders": weighted}).grade_sync("")
    assert multi.score == pytest.approx(direct.score)


# -- numbers ----------------------------------------------------------------------------------


@given(value=st.integers(min_value=-(10**15), max_value=10**15))
def test_integers_with_separators_read_back_exactly(value: int) -> None:
    for text in (str(value), f"{value:,}", f"{value:_}", f"{value:,}".replace(",", " ")):
        parsed = parse_number(text)
        assert parsed is not None, text
        assert parsed.value == value


@given(num=st.integers(-(10**6), 10**6), den=st.integers(1, 10**6))
def test_fractions_read_back_exactly(num: int, den: int) -> None:
    parsed = parse_number(f"{num}/{den}")
    assert parsed is not None and parsed.value == Fraction(num, den)
    latex = parse_number(f"\\frac{{{num}}}{{{den}}}")
    assert latex is not None and latex.value == Fraction(num, den)


@given(
    st.decimals(
        min_value=-(10**6), max_value=10**6, allow_nan=False, allow_infinity=False, places=6
    )
)
def test_decimals_are_exact(value: object) -> None:
    parsed = parse_number(str(value))
    assert parsed is not None and parsed.value == Fraction(str(value))
