"""Sets of real numbers: intervals, unions, finite sets, and inequalities read as sets.

An answer such as ``[-1, 0) \\cup (0, 1]``, ``\\mathbb{R} \\setminus \\{2\\}``, ``x \\ge 5`` or
``-2 \\le x \\le 7`` becomes a :class:`Region`: a list of pieces (intervals and points) with
their ends. Pieces with numeric ends are sorted and merged (``[0, 1] \\cup [1, 2]`` is
``[0, 2]``), so two ways of writing one set compare equal, and openness is always respected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

from graders.checks.math.nodes import (
    Const,
    FiniteSet,
    Interval,
    Mul,
    Node,
    Num,
    Rel,
    Seq,
    SetOp,
    Tup,
)
from graders.checks.math.probe import numeric_value, symbols
from graders.checks.math.values import is_label

__all__ = [
    "Piece",
    "Region",
    "canonical",
    "endpoint",
    "endpoint_infinity",
    "inequality_region",
    "is_setlike",
    "region",
]

_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}


_NEG_OO = Mul((Num(Fraction(-1)), Const("oo")))
_OO = Const("oo")


@dataclass(frozen=True, slots=True)
class Piece:
    lo: Node
    hi: Node
    lo_closed: bool
    hi_closed: bool
    lo_value: float | None
    hi_value: float | None


@dataclass(frozen=True, slots=True)
class Region:
    pieces: tuple[Piece, ...]


def endpoint(node: Node) -> float | None:
    """A numeric value for ordering ends: ``±inf`` for infinities, None when symbolic."""
    if isinstance(node, Const) and node.name == "oo":
        return math.inf
    if node == _NEG_OO:
        return -math.inf
    if isinstance(node, Num):
        return float(node.value)
    if symbols(node):
        return None
    value = numeric_value(node)
    if value is None or abs(value.imag) > 1e-12:
        return None
    return value.real


def endpoint_infinity(node: Node) -> int:
    """+1 for ``\\infty``, -1 for ``-\\infty``, 0 for anything else."""
    if node == _OO:
        return 1
    return -1 if node == _NEG_OO else 0


def _piece(lo: Node, hi: Node, lo_closed: bool, hi_closed: bool) -> Piece:
    return Piece(lo, hi, lo_closed, hi_closed, endpoint(lo), endpoint(hi))


def inequality_region(rel: Rel) -> Region | None:
    """``x > 5``, ``5 \\le x``, ``-2 \\le x < 7`` or ``x \\ne 3`` in one variable, as a set."""
    ops, items = list(rel.ops), list(rel.items)
    if any(op not in ("<", "<=", ">", ">=", "!=") for op in ops):
        return None
    if ops[0] in (">", ">=") and all(op in (">", ">=") for op in ops):
        ops, items = [_FLIP[op] for op in reversed(ops)], items[::-1]
    variables = [i for i, item in enumerate(items) if is_label(item)]
    if len(variables) != 1 or any(symbols(it) for j, it in enumerate(items) if j != variables[0]):
        return None
    v = variables[0]
    if ops == ["!="] and len(items) == 2:
        point = items[1 - v]
        return Region((_piece(_NEG_OO, point, False, False), _piece(point, _OO, False, False)))
    if len(items) == 3 and v == 1 and all(op in ("<", "<=") for op in ops):
        return Region((_piece(items[0], items[2], ops[0] == "<=", ops[1] == "<="),))
    if len(items) != 2:
        return None
    op = ops[0] if v == 0 else _FLIP.get(ops[0], "")
    bound = items[1 - v]
    if op in ("<", "<="):
        return Region((_piece(_NEG_OO, bound, False, op == "<="),))
    if op in (">", ">="):
        return Region((_piece(bound, _OO, op == ">=", False),))
    return None


def region(node: Node, inequalities: bool = True) -> Region | None:
    """The set an answer denotes, or None when it is not a set of reals we can read."""
    if isinstance(node, Interval):
        return Region((_piece(node.lo, node.hi, node.lo_closed, node.hi_closed),))
    if isinstance(node, Tup) and node.bracket == "(" and len(node.items) == 2:
        return Region((_piece(node.items[0], node.items[1], False, False),))
    if isinstance(node, FiniteSet):
        if any(isinstance(i, (Interval, Tup, FiniteSet, SetOp, Rel)) for i in node.items):
            return None
        return Region(tuple(_piece(i, i, True, True) for i in node.items))
    if isinstance(node, Rel) and inequalities:
        return inequality_region(node)
    if isinstance(node, Seq) and inequalities and all(isinstance(i, Rel) for i in node.items):
        parts = [inequality_region(i) for i in node.items if isinstance(i, Rel)]
        if any(p is None for p in parts):
            return None
        return Region(tuple(p for part in parts if part is not None for p in part.pieces))
    if isinstance(node, SetOp):
        parts = [region(a, inequalities) for a in node.args]
        if any(p is None for p in parts):
            return None
        regions = [p for p in parts if p is not None]
        if node.op == "cup":
            return Region(tuple(p for r in regions for p in r.pieces))
        if node.op == "setminus" and len(regions) == 2:
            return _minus(regions[0], regions[1])
    return None


def _minus(left: Region, right: Region) -> Region | None:
    """Remove finitely many points (``\\mathbb{R} \\setminus \\{1\\}``) from a region."""
    pieces = list(left.pieces)
    for cut in right.pieces:
        if cut.lo_value is None or cut.lo_value != cut.hi_value:
            return None
        out = []
        for p in pieces:
            if p.lo_value is None or p.hi_value is None:
                return None
            if p.lo_value < cut.lo_value < p.hi_value:
                out.append(replace(p, hi=cut.lo, hi_value=cut.lo_value, hi_closed=False))
                out.append(replace(p, lo=cut.lo, lo_value=cut.lo_value, lo_closed=False))
            elif cut.lo_value == p.lo_value and p.lo_closed:
                out.append(replace(p, lo_closed=False))
            elif cut.lo_value == p.hi_value and p.hi_closed:
                out.append(replace(p, hi_closed=False))
            else:
                out.append(p)
        pieces = out
    return Region(tuple(pieces))


def canonical(reg: Region) -> Region:
    """Sort and merge pieces whose ends are numbers; symbolic regions stay as written."""
    if any(p.lo_value is None or p.hi_value is None for p in reg.pieces):
        return reg
    pieces = sorted(reg.pieces, key=lambda p: (p.lo_value, not p.lo_closed))
    merged: list[Piece] = []
    for p in pieces:
        if merged:
            last = merged[-1]
            assert last.hi_value is not None and p.lo_value is not None
            touching = p.lo_value < last.hi_value or (
                p.lo_value == last.hi_value and (p.lo_closed or last.hi_closed)
            )
            if touching:
                assert p.hi_value is not None
                if p.hi_value > last.hi_value or (
                    p.hi_value == last.hi_value and p.hi_closed and not last.hi_closed
                ):
                    merged[-1] = replace(last, hi=p.hi, hi_value=p.hi_value, hi_closed=p.hi_closed)
                continue
        merged.append(p)
    return Region(tuple(merged))


def is_setlike(node: Node) -> bool:
    return isinstance(node, (Interval, SetOp)) or (isinstance(node, FiniteSet) and not node.items)
