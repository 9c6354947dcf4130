"""Words inside answers: units, scale words, number words, and whole-text answers.

Units that do not rescale (``cm``, ``apples``, ``dollars``) are stripped; ``%``/``percent``,
``cents`` and ``degrees`` are kept because they change the value; ``thousand``, ``million`` ...
multiply; ``squared``, ``cubed`` and ``factorial`` apply to the number. Number words
(``seven``, ``twenty-one``) are read by :func:`graders.checks.numbers.words_to_number`.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from graders.checks.math.lexer import FUNCTIONS, Tok
from graders.checks.math.nodes import Func, Node, Num, Pow

__all__ = [
    "OPERATION_WORDS",
    "PERCENT",
    "SCALES",
    "SHORT_UNITS",
    "UNIT_KIND",
    "UNIT_POWERS",
    "is_text_answer",
]

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

OPERATION_WORDS: dict[str, Callable[[Node], Node]] = {
    "squared": lambda node: Pow(node, Num(Fraction(2))),
    "cubed": lambda node: Pow(node, Num(Fraction(3))),
    "factorial": lambda node: Func("factorial", (node,)),
}
"""Words after a quantity that change its value (after a unit, ``feet squared``, they are
part of the unit)."""
UNIT_POWERS = {"squared": "2", "cubed": "3"}

_MATH_WORDS = FUNCTIONS | {"pi", "inf", "infty", "infinity", "and", "or"}


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
