"""Units in comparisons: which values a quantity with ``%``, cents or degrees may stand for.

``%``, cents and degrees rescale (``25\\%`` may be 25 or 0.25, ``30^\\circ`` is
``\\pi/6`` against a gold in radians); a dollar sign marks an amount of dollars (so cents
on the other side rescale); other unit words were stripped by the parser and change nothing.
"""

from __future__ import annotations

from fractions import Fraction

from graders.checks.math.nodes import Const, Mul, Node, Num, Unit, walk
from graders.checks.math.tiers import Options

__all__ = ["RESCALING", "clash", "readings"]

RESCALING = ("%", "cents", "deg")
"""Units that change the value they are attached to."""
_KINDS = {"%": "percent", "cents": "money", "dollars": "money", "dollar": "money", "deg": "angle"}
"""What a marked quantity is: ``5\\%`` is not five cents, nor ``\\$0.05``."""


def _spellings(canon: str, *words: str) -> dict[str, str]:
    return dict.fromkeys((canon, *words), canon)


_NAMED: dict[str, str] = {
    **_spellings("mm", "millimeter", "millimeters", "millimetre", "millimetres"),
    **_spellings("cm", "centimeter", "centimeters", "centimetre", "centimetres"),
    **_spellings("m", "meter", "meters", "metre", "metres"),
    **_spellings("km", "kilometer", "kilometers", "kilometre", "kilometres"),
    **_spellings("in", "inch", "inches"),
    **_spellings("ft", "foot", "feet"),
    **_spellings("yd", "yard", "yards"),
    **_spellings("mi", "mile", "miles"),
    **_spellings("s", "sec", "secs", "second", "seconds"),
    **_spellings("min", "mins", "minute", "minutes"),
    **_spellings("h", "hr", "hrs", "hour", "hours"),
    **_spellings("day", "days"),
    **_spellings("week", "weeks"),
    **_spellings("month", "months"),
    **_spellings("year", "years", "yr", "yrs"),
    **_spellings("mg", "milligram", "milligrams"),
    **_spellings("g", "gram", "grams"),
    **_spellings("kg", "kilogram", "kilograms"),
    **_spellings("lb", "lbs", "pound", "pounds"),
    **_spellings("oz", "ounce", "ounces"),
    **_spellings("ml", "milliliter", "milliliters", "millilitre", "millilitres"),
    **_spellings("l", "liter", "liters", "litre", "litres"),
    **_spellings("gal", "gallon", "gallons"),
    **_spellings("square", "sq", "squared"),
    **_spellings("cubic", "cu", "cubed"),
}
"""Unit words we know, by their canonical spelling: two answers naming different ones (``5
\\text{ cm}`` and ``5 \\text{ m}``) differ; unknown words are stripped as before."""


def _plain(node: Node) -> Node:
    """Without units that do not rescale (``25^\\circ \\text{C}`` is ``25^\\circ``)."""
    while isinstance(node, Unit) and node.unit not in RESCALING:
        node = node.body
    return node


def _dollars(node: Node) -> bool:
    """Marked as an amount of dollars (``\\$5``, ``5 \\text{ dollars}``)."""
    return isinstance(node, Unit) and node.unit in ("dollars", "dollar")


def _has_pi(node: Node) -> bool:
    return any(n == Const("pi") for n in walk(node))


_POWERS = {"2": "square", "3": "cubic"}


def _named(node: Node) -> frozenset[str]:
    """The known units an answer names (``5 \\text{ square feet}``: ``square ft``)."""
    found = set()
    for n in walk(node):
        if isinstance(n, Unit) and n.unit not in _KINDS:
            unit, _, power = n.unit.partition("^")
            words: list[str | None] = [_POWERS.get(power, power)] if power else []
            words += [_NAMED.get(w) for w in unit.replace(".", " ").split()]
            if words and all(words):
                found.add(" ".join(sorted(map(str, words))))
    return frozenset(found)


def clash(g: Node, p: Node) -> str | None:
    """Why two answers cannot be equal by their units alone, or None: both name known units
    and not the same ones, or both are marked (percent, money, angle) as different things."""
    named_g, named_p = _named(g), _named(p)
    if named_g and named_p and named_g != named_p:
        return "different units"
    kind_g = _KINDS.get(g.unit) if isinstance(g, Unit) else None
    kind_p = _KINDS.get(p.unit) if isinstance(p, Unit) else None
    if kind_g and kind_p and kind_g != kind_p:
        return f"{kind_p} is not {kind_g}"
    return None


def readings(g: Node, p: Node, options: Options) -> list[tuple[Node, Node]]:
    """Pairs to compare once ``%``, cents and degrees are read as numbers."""
    g_dollars, p_dollars = _dollars(g), _dollars(p)
    g, p = _plain(g), _plain(p)
    gu = g.unit if isinstance(g, Unit) and g.unit in RESCALING else ""
    pu = p.unit if isinstance(p, Unit) and p.unit in RESCALING else ""
    if gu == pu:
        return [(g.body, p.body) if gu else (g, p)]  # type: ignore[attr-defined]
    golds = _unit_values(g, gu, p, p_dollars, options)
    return [(a, b) for a in golds for b in _unit_values(p, pu, g, g_dollars, options)]


def _unit_values(node: Node, unit: str, other: Node, dollars: bool, options: Options) -> list[Node]:
    """The values ``node`` may stand for: a bare number against cents may count cents
    or dollars (datasets store golds without units), but against dollars only dollars."""
    if not unit:
        return [node]
    assert isinstance(node, Unit)
    body = node.body
    if unit == "deg":
        if _has_pi(other):
            return [Mul((body, Const("pi"), Num(Fraction(1, 180))))]
        return [body]
    scaled = Mul((body, Num(Fraction(1, 100))))
    mode = options.percent if unit == "%" else ("fraction" if dollars else "either")
    if mode == "as_written":
        return [body]
    return [scaled] if mode == "fraction" else [body, scaled]
