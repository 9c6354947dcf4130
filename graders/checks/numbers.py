"""Reading numbers as people and models write them, exactly.

``parse_number`` reads one answer-sized string: signs (``-``, ``+``, ``−``), currency (``$5``,
``\\$5``, ``€``), thousands separators (``1,234``, ``1 234``, ``1{,}234``, ``1\\,234``, ``1_234``),
decimals, scientific notation (``1.5e3``, ``1.5 \\times 10^{3}``), fractions (``3/4``,
``\\frac{3}{4}``), mixed numbers (``2 1/2``, ``2\\frac{1}{2}``, ``2½``), Unicode vulgar fractions,
percent (``12%``, ``12\\%``, ``12 percent``), degrees, scale words (``3 million``) and trailing
units (``42 apples``, ``5 \\text{cm}``, ``9.8 m/s^2``). A trailing full stop is punctuation, not
a decimal point. Values are ``Fraction``s: ``0.1 + 0.2`` compares equal to ``0.3``.

What it refuses rather than guesses: a comma that is not a thousands separator (``3,5``),
more digits in the tail (``42 or 43``), and sizes that would make exact arithmetic slow.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from fractions import Fraction

import regex

__all__ = [
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "NUMBER_TOKEN",
    "ParsedNumber",
    "parse_number",
    "words_to_number",
]

MAX_DIGITS = 4000
"""Longer digit strings are refused (exact comparison of huge numbers is a denial of service)."""
MAX_EXPONENT = 1000
"""Scientific exponents beyond this magnitude are refused for the same reason."""

_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_CURRENCY = "$€£¥₹"
_SEP = r"[,_'\u00a0\u2009\u202f ]"

_LATEX_SUBS: tuple[tuple[regex.Pattern[str], str], ...] = tuple(
    (regex.compile(p), r)
    for p, r in (
        (r"\\[dt]?frac\s*\{\s*([^{}]+?)\s*\}\s*\{\s*([^{}]+?)\s*\}", r" \1/\2"),
        (r"\\[dt]?frac\s*(\d)\s*(\d)", r" \1/\2"),
        (r"\{,\}", ","),
        (r"\\[,;:! ]", " "),
        (r"\\%", "%"),
        (r"\\\$", "$"),
        (r"\\(?:times|cdot)", "×"),
        (r"\^\s*\{?\s*\\circ\s*\}?|\\circ|\\degree|°", " °"),
        (r"\\(?:text|mathrm|textrm|mbox|operatorname)\s*\{([^{}]*)\}", r" \1"),
        (r"\\(?:left|right)", ""),
    )
)

_NUMBER = r"""
    (?P<mixed_whole>\d+)\s+(?P<mixed_num>\d+)\s*/\s*(?P<mixed_den>\d+)
  | (?P<num>DEC)\s*/\s*(?P<den>DEC)
  | (?P<dec>DEC)
"""
_DEC = rf"(?:\d{{1,3}}(?:{_SEP}\d{{3}})+(?:\.\d+)?|\d+\.\d+|\d+\.?(?!\d)|\.\d+)"
_MAIN = regex.compile(
    r"""
    ^(?P<cur1>[CUR])?\s*(?P<sign>[-+])?\s*(?P<cur2>[CUR])?\s*
    (?:NUMBER)
    (?P<vulgar>[\u00bc-\u00be\u2150-\u215e])?
    (?:
        [eE](?P<exp1>[-+]?\d+)
      | \s*[x×*·]\s*10\s*\^\s*\{?\s*(?P<exp2>[-+]?\d+)\s*\}?
    )?
    \s*(?P<pct>%|percent\b|per\s+cent\b)?
    (?P<rest>.*)$
    """.replace("NUMBER", _NUMBER.replace("DEC", _DEC)).replace("CUR", _CURRENCY),
    regex.VERBOSE | regex.DOTALL | regex.IGNORECASE,
)
_LONE_VULGAR = regex.compile(
    r"^(?P<sign>[-+])?\s*(?P<vulgar>[\u00bc-\u00be\u2150-\u215e])(?P<rest>.*)$"
)
_REST_EXPONENT = regex.compile(r"\^\s*\{?\s*-?\d+\s*\}?|[²³]")
_SCALE_WORD = regex.compile(r"^\s*(thousand|million|billion|trillion)\b", regex.IGNORECASE)

NUMBER_TOKEN = regex.compile(
    r"""
    (?:\\[dt]?frac\s*\{\s*-?\d+\s*\}\s*\{\s*\d+\s*\})
  | (?<![\w.])[-+\u2212]?[CUR]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*/\s*\d+)?
    (?:[eE][-+]?\d+)?%?
  | (?<![\w.])[-+\u2212]?\.\d+
    """.replace("CUR", _CURRENCY),
    regex.VERBOSE,
)
"""A number inside running text (used by the ``last_number`` extraction step)."""


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    """An exact value and how it was written."""

    value: Fraction
    percent: bool = False
    unit: str = ""

    def __str__(self) -> str:
        return _show(self.value) + ("%" if self.percent else "")


def _show(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def _prepare(text: str) -> str:
    text = text.strip()
    for opener, closer in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if (
            len(text) > len(opener) + len(closer)
            and text.startswith(opener)
            and text.endswith(closer)
        ):
            text = text[len(opener) : -len(closer)].strip()
            break
    text = text.replace("\u2212", "-").replace("\u2013", "-").replace("\ufe63", "-")
    text = text.replace("\uff0b", "+")
    if "\\" in text or "{" in text or "°" in text:
        for pattern, repl in _LATEX_SUBS:
            text = pattern.sub(repl, text)
    return text.strip()


def _exact(digits: str) -> Fraction | None:
    clean = regex.sub(_SEP, "", digits)
    if len(clean) > MAX_DIGITS:
        return None
    return Fraction(clean)


def _valid_rest(rest: str) -> bool:
    rest = rest.strip()
    if rest in ("", "."):
        return True
    rest = _REST_EXPONENT.sub("", rest)
    if any(ch.isdigit() for ch in rest):
        return False
    head = rest[0]
    return head.isalpha() or head in "°/("


def parse_number(text: str) -> ParsedNumber | None:
    """The number ``text`` states, or None when it is not (only) a number."""
    prepared = _prepare(text)
    if not prepared or len(prepared) > MAX_DIGITS + 200:
        return None
    m = _MAIN.match(prepared)
    if m is None:
        lone = _LONE_VULGAR.match(prepared)
        if lone is None or not _valid_rest(lone["rest"]):
            return None
        part = Fraction(unicodedata.numeric(lone["vulgar"])).limit_denominator(1000)
        return ParsedNumber(-part if lone["sign"] == "-" else part, unit=lone["rest"].strip())
    if m["cur1"] and m["cur2"]:
        return None
    value: Fraction | None = None
    if m["mixed_whole"] is not None:
        den = int(m["mixed_den"])
        if den == 0:
            return None
        value = int(m["mixed_whole"]) + Fraction(int(m["mixed_num"]), den)
    elif m["num"] is not None:
        num, den_value = _exact(m["num"]), _exact(m["den"])
        if num is None or den_value is None or den_value == 0:
            return None
        value = num / den_value
    else:
        value = _exact(m["dec"])
    if value is None:
        return None
    if m["vulgar"]:
        if m["num"] is not None or m["mixed_whole"] is not None or "." in (m["dec"] or ""):
            return None
        value += Fraction(unicodedata.numeric(m["vulgar"])).limit_denominator(1000)
    exponent = m["exp1"] or m["exp2"]
    if exponent is not None:
        e = int(exponent)
        if abs(e) > MAX_EXPONENT:
            return None
        value *= Fraction(10) ** e
    rest = m["rest"]
    scale = _SCALE_WORD.match(rest)
    if scale is not None:
        value *= _SCALES[scale[1].lower()]
        rest = rest[scale.end() :]
    if not _valid_rest(rest):
        return None
    if m["sign"] == "-":
        value = -value
    return ParsedNumber(value, percent=m["pct"] is not None, unit=rest.strip().rstrip("."))


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
_WORD_SCALES = {"hundred": 100, **_SCALES}


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
        elif word in _WORD_SCALES and seen:
            total += max(current, 1) * _WORD_SCALES[word]
            current = 0
        elif word == "and" and seen:
            continue
        else:
            return None
        seen = True
    return Fraction(total + current)
