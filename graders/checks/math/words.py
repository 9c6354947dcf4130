"""Words inside answers: units, scale words, number words, and whole-text answers.

Units that do not rescale (``cm``, ``apples``, ``dollars``) are stripped; ``%``/``percent``,
``cents`` and ``degrees`` are kept because they change the value; ``thousand``, ``million`` ...
multiply. Number words (``seven``, ``twenty-one``, ``one hundred five``) read as numbers.
"""

from __future__ import annotations

from fractions import Fraction

from graders.checks.math.lexer import FUNCTIONS, Tok

__all__ = ["PERCENT", "SCALES", "SHORT_UNITS", "UNIT_KIND", "is_text_answer", "words_to_number"]

PERCENT = frozenset({"percent", "percents", "pct", "percentage", "per cent"})
SCALES: dict[str, int] = {
    "hundred": 100,
    "thousand": 10**3,
    "million": 10**6,
    "billion": 10**9,
    "trillion": 10**12,
}
SHORT_UNITS = frozenset(
    [
        "cm",
        "mm",
        "km",
        "kg",
        "mg",
        "ml",
        "dl",
        "ft",
        "yd",
        "mi",
        "hr",
        "hrs",
        "min",
        "mins",
        "sec",
        "secs",
        "lb",
        "lbs",
        "oz",
        "mph",
        "kph",
        "kmh",
        "sq",
    ]
)
"""Unit words of two or three letters (longer words after a quantity are always units)."""
UNIT_KIND: dict[str, str] = {w: "%" for w in PERCENT}
UNIT_KIND.update({"cents": "cents", "cent": "cents", "degrees": "deg", "degree": "deg"})
UNIT_KIND.update({"deg": "deg", "circ": "deg"})

_ONES = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], 2
    )
}
_MATH_WORDS = FUNCTIONS | {"pi", "inf", "infty", "infinity", "and", "or"}


def words_to_number(text: str) -> Fraction | None:
    """``twenty-one`` → 21, ``one hundred and five`` → 105; None unless all of it is a number."""
    words = text.lower().replace("-", " ").replace(",", " ").split()
    if not words or len(words) > 12:
        return None
    total, current, seen = 0, 0, False
    for word in words:
        if word in _ONES:
            current += _ONES[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred" and seen:
            current = max(current, 1) * 100
        elif word in SCALES and seen:
            total += max(current, 1) * SCALES[word]
            current = 0
        elif word == "and" and seen:
            continue
        else:
            return None
        seen = True
    return Fraction(total + current)


def is_text_answer(toks: list[Tok]) -> bool:
    """True when the tokens are words rather than math (``\\text{Evelyn}``, ``odd``)."""
    wordy = False
    for tok in toks:
        if tok.kind == "text":
            wordy = True
        elif tok.kind == "word":
            low = tok.text.lower()
            if low in _MATH_WORDS or low in UNIT_KIND:
                return False
            wordy = wordy or len(tok.text) >= 3
        elif tok.kind == "id":
            if tok.text in FUNCTIONS:
                return False
        elif tok.kind == "sep" or (tok.kind == "op" and tok.text in (",", "'", "-")):
            continue
        else:
            return False
    return wordy
