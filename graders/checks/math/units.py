"""Units in comparisons: which values a quantity with ``%``, cents or degrees may stand for.

``%``, cents and degrees rescale (``25\\%`` may be 25 or 0.25, ``30^\\circ`` is
``\\pi/6`` against a gold in radians); a dollar sign marks an amount of dollars (so cents
on the other side rescale); other unit words were stripped by the parser and change nothing.
"""

from __future__ import annotations

from fractions import Fraction

from graders.checks.math.nodes import Const, Mul, Node, Num, Unit, walk
from graders.checks.math.tiers import Options

__all__ = ["RESCALING", "readings"]

RESCALING = ("%", "cents", "deg")
"""Units that change the value they are attached to."""


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
