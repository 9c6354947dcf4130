"""The parser builds the trees answers mean, and refuses hostile input quickly."""

from __future__ import annotations

import time

import pytest

from graders.checks.math.lexer import ParseError
from graders.checks.math.parser import parse


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (r"\frac{1}{2}", "*(1,^(2,-1))"),
        (r"\frac12", "*(1,^(2,-1))"),
        ("2 1/2", "5/2"),
        (r"2\frac{1}{2}", "5/2"),
        ("1,234", "1234"),
        ("(1,234)", "tuple(1,234)"),
        (r"14{,}916", "14916"),
        (r"32,\! 349", "32349"),
        ("10 000", "10000"),
        (r"0.\overline{3}", "1/3"),
        ("0.1666...", "1/6"),
        ("1.5e3", "1500"),
        ("3 million", "3000000"),
        ("½", "*(1,^(2,-1))"),
        ("−3", "-3"),
        ("√2", "^(2,1/2)"),
        ("204_5", "204_5"),
        ("10\\%", "%(10)"),
        (r"90^\circ", "deg(90)"),
        (r"5 \text{ cm}^2", "5"),
        (r"\$5", "5"),
        ("2^3^2", "^(2,^(3,2))"),
        ("-x^2", "*(-1,^(x,2))"),
        (r"\sin^2 x", "^(sin(x),2)"),
        (r"\log_2 8", "log(8,2)"),
        ("[0,1)", "[0,1)"),
        (r"\{1,2\}", "{1,2}"),
        ("x = 3", "rel(x = 3)"),
        (r"-2 \le x \le 7", "rel(-2 <= x <= 7)"),
        (r"\begin{pmatrix}1 & 2\\3&4\end{pmatrix}", "mat(1,2;3,4)"),
        (r"\text{Evelyn}", "text:evelyn"),
        (r"1 \pm \sqrt{19}", "pm1(1,^(19,1/2))"),
        ("a_{n+1}", "a_{+(1,n)}"),
        ("x_1", "x_{1}"),
    ],
)
def test_parse_keys(text: str, key: str) -> None:
    assert parse(text).key() == key


@pytest.mark.parametrize(
    "text",
    [
        "(1+" * 200 + "1" + ")" * 200,
        "2^" * 600 + "2",
        "x" * 9000,
        r"\frac{1}{",
        "1 2",
        r"\int_0^1 x\,dx",
    ],
)
def test_refuses_quickly(text: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ParseError):
        parse(text)
    assert time.perf_counter() - start < 0.5


def test_redundant_brackets_collapse_at_any_depth() -> None:
    assert parse("(" * 500 + "x+1" + ")" * 500).key() == "+(1,x)"
