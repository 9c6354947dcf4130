"""Number reading, a table per family of writing; each row says what it pins."""

from __future__ import annotations

from fractions import Fraction

import pytest

from graders.checks.numbers import parse_number, words_to_number

F = Fraction

READS = [
    ("42", F(42), "plain integer"),
    ("−3", F(-3), "Unicode minus"),
    ("+7", F(7), "explicit plus"),
    ("1,234,567", F(1234567), "comma thousands"),
    ("1 234", F(1234), "space thousands"),
    ("1\u202f234", F(1234), "narrow no-break space thousands"),
    ("1{,}234", F(1234), "LaTeX {,} thousands"),
    ("1\\,234", F(1234), "LaTeX thin space thousands"),
    ("1_000", F(1000), "underscore thousands"),
    ("3.14", F(314, 100), "decimal"),
    (".5", F(1, 2), "leading dot"),
    ("42.", F(42), "sentence full stop"),
    ("$1,234.50", F(246900, 200), "dollars"),
    ("\\$5", F(5), "escaped LaTeX dollar"),
    ("-$5", F(-5), "negative dollars"),
    ("€5", F(5), "euro"),
    ("3/4", F(3, 4), "slash fraction"),
    ("\\frac{3}{4}", F(3, 4), "LaTeX fraction"),
    ("\\dfrac{-3}{4}", F(-3, 4), "display fraction with sign"),
    ("\\frac34", F(3, 4), "LaTeX short fraction"),
    ("2 1/2", F(5, 2), "plain mixed number"),
    ("2\\frac{1}{2}", F(5, 2), "LaTeX mixed number"),
    ("2½", F(5, 2), "Unicode mixed number"),
    ("½", F(1, 2), "Unicode fraction"),
    ("1.5e3", F(1500), "e notation"),
    ("1.5E-3", F(3, 2000), "negative exponent"),
    ("1.5 \\times 10^{3}", F(1500), "LaTeX scientific"),
    ("1.5x10^3", F(1500), "x10^ scientific"),
    ("42 apples", F(42), "trailing unit word"),
    ("5 \\text{ cm}", F(5), "LaTeX unit"),
    ("9.8 m/s^2", F(49, 5), "compound unit with exponent"),
    ("90^\\circ", F(90), "LaTeX degrees"),
    ("90°", F(90), "degree sign"),
    ("3 million", F(3_000_000), "scale word"),
    ("$42$", F(42), "inline math delimiters"),
    ("\\(42\\)", F(42), "paren math delimiters"),
]


@pytest.mark.parametrize(("text", "value", "what"), READS, ids=[r[2] for r in READS])
def test_reads(text: str, value: Fraction, what: str) -> None:
    parsed = parse_number(text)
    assert parsed is not None, what
    assert parsed.value == value


def test_percent_is_kept_as_a_flag() -> None:
    for text in ("12%", "12\\%", "12 percent"):
        parsed = parse_number(text)
        assert parsed is not None and parsed.value == 12 and parsed.percent


REFUSES = [
    ("3,5", "a comma that is not a thousands separator"),
    ("42 or 43", "a hedge: more digits in the tail"),
    ("10 - 2", "an expression, not a number"),
    ("1,2,3", "a list"),
    ("x", "no number"),
    ("", "empty"),
    ("1e5000", "an exponent too large to compare exactly"),
    ("9" * 5000, "a digit string too long to compare exactly"),
    ("$5€", "two currencies"),
    ("1/0", "a zero denominator"),
]


@pytest.mark.parametrize(("text", "what"), REFUSES, ids=[r[1] for r in REFUSES])
def test_refuses(text: str, what: str) -> None:
    assert parse_number(text) is None, what


@pytest.mark.parametrize(
    ("text", "value"),
    [("seven", 7), ("Twenty-one", 21), ("one hundred and five", 105), ("two thousand", 2000)],
)
def test_number_words(text: str, value: int) -> None:
    assert words_to_number(text) == value


@pytest.mark.parametrize("text", ["seven apples", "hundred", "and", "", "x"])
def test_not_number_words(text: str) -> None:
    assert words_to_number(text) is None
