"""Words inside answers: units, scale words, number words, and whole-text answers.

Units that do not rescale (``cm``, ``apples``, ``dollars``) are stripped; ``%``/``percent``,
``cents`` and ``degrees`` are kept because they change the value; ``thousand``, ``million`` ...
multiply. Number words (``seven``, ``twenty-one``) are read by
:func:`graders.checks.numbers.words_to_number`.
"""

from __future__ import annotations

from graders.checks.math.lexer import FUNCTIONS, Tok

__all__ = ["PERCENT", "SCALES", "SHORT_UNITS", "UNIT_KIND", "is_text_answer"]

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
