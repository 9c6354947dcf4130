"""Scalars: one value against one value, with rescaling units, exact numbers and probing.

A scalar pair goes through: equal canonical keys, numerals in another base, then each
reading of the units (``%``, cents, degrees: see :mod:`.units`) through exact rationals
(and the rounded-gold rule), numeric probing, and last the oracle (SymPy, in a worker).
"""

from __future__ import annotations

from fractions import Fraction

from graders.checks.math.exact import TooLarge, Undefined, exact, huge_equal
from graders.checks.math.nodes import (
    BaseNum,
    FiniteSet,
    Interval,
    Matrix,
    Node,
    Num,
    PlusMinus,
    Rel,
    Seq,
    SetOp,
    Text,
    Tup,
    walk,
)
from graders.checks.math.probe import numeric_equal, numeric_value
from graders.checks.math.sets import endpoint_infinity
from graders.checks.math.tiers import Tiered, Verdict
from graders.checks.math.units import readings

__all__ = ["ScalarComparer"]

_NOT_SCALAR = (Rel, Interval, SetOp, FiniteSet, Tup, Seq, Matrix, Text, PlusMinus)


def _scalar(node: Node) -> bool:
    """One value all the way down (``-[0, 1)`` is not: it has an interval inside)."""
    return not any(isinstance(n, _NOT_SCALAR) for n in walk(node))


class ScalarComparer(Tiered):
    """The scalar tiers of a comparison (the structural ones build on it)."""

    def scalars(self, g: Node, p: Node) -> Verdict:
        if not (_scalar(g) and _scalar(p)):
            return Verdict(False, "different kinds of answer")
        if g.key() == p.key():
            return Verdict(True, "same expression")
        if isinstance(g, BaseNum) or isinstance(p, BaseNum):
            return self.numerals(g, p)
        outcome: bool | None = False
        for a, b in readings(g, p, self.options):
            verdict = self.value_pair(a, b)
            if verdict is True:
                return Verdict(True, "equal", self.tier)
            if verdict is None:
                outcome = None
        return Verdict(outcome, "undecided" if outcome is None else "different values", self.tier)

    def value_pair(self, g: Node, p: Node) -> bool | None:
        ends = (endpoint_infinity(g), endpoint_infinity(p))
        if ends != (0, 0):
            return ends[0] == ends[1]
        try:
            self.used("exact")
            eg, ep = exact(g), exact(p)
        except Undefined:
            return False
        except TooLarge:
            same = huge_equal(g, p)
            if same is not None:
                return same
            self.too_large = True
            eg = ep = None
        if eg is not None and ep is not None:
            if eg == ep:
                return True
            return self.rounded(g, p, ep)
        if ep is None and self.rounded(g, p, None):
            return True
        self.used("numeric")
        try:
            verdict = numeric_equal(g, p)
        except TooLarge:
            self.too_large = True
            return None
        if verdict is not None or self.oracle is None or self.too_large:
            return verdict
        self.used("sympy")
        return self.oracle(g, p)

    def rounded(self, g: Node, p: Node, value: Fraction | None) -> bool:
        """The gold is a rounded decimal and the answer's exact value rounds to it.

        Only a value that no finite decimal writes (``1/3``, ``\\pi``) can have been rounded
        to the gold: an answer of ``1/4`` (exactly 0.25) or ``29/100`` for a gold ``0.3`` is a
        different number, not the value that was rounded.
        """
        if not (self.options.rounded_gold and isinstance(g, Num) and g.places):
            return False
        if isinstance(p, Num) and p.places is not None:
            return False  # a decimal answer is compared exactly
        if value is not None and _terminates(value):
            return False
        if value is None:
            approx = numeric_value(p)
            if approx is None or abs(approx.imag) > 1e-12:
                return False
            value = Fraction(approx.real)
        step = Fraction(1, 10**g.places)
        halves = (abs(value) / step) + Fraction(1, 2)
        rounded = (halves.numerator // halves.denominator) * step
        return (rounded if value >= 0 else -rounded) == g.value

    def numerals(self, g: Node, p: Node) -> Verdict:
        """``204_5``: written in the base asked for; a decimal answer must show the digits."""

        def digits(node: Node) -> str | None:
            if isinstance(node, BaseNum):
                return node.digits.lstrip("0") or "0"
            if isinstance(node, Num) and node.value.denominator == 1 and node.value >= 0:
                return str(node.value.numerator)
            return None

        if isinstance(p, BaseNum) and not (isinstance(g, BaseNum) and g.base == p.base):
            value = int(g.digits, g.base) if isinstance(g, BaseNum) else _integer(g)
            same = value == int(p.digits, p.base)
        else:
            same = digits(g) is not None and digits(g) == digits(p)
        return Verdict(same, "same numeral" if same else "different numerals")


def _terminates(value: Fraction) -> bool:
    """Whether a finite decimal writes the value exactly: its denominator d is 2^a 5^b, so it
    divides 10^n for n = d's bit length (a modular power: cheap for any size of d)."""
    d = value.denominator
    return pow(10, d.bit_length(), d) == 0


def _integer(node: Node) -> int | None:
    if isinstance(node, Num) and node.value.denominator == 1:
        return node.value.numerator
    return None
