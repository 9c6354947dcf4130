"""Is a parsed answer equivalent to the parsed gold? Structure first, then values, tier by tier.

Verdicts are three-valued: True, False, or None (undecided by the in-process tiers). An
undecided comparison is re-run in a worker process with SymPy as the ``oracle`` for scalar
pairs; everything else (sets, tuples, intervals, relations) is decided here, the same way in
both places. Scalars go through: equal canonical keys, exact rationals (with the rescaling
units ``%``, cents and degrees, and the rounded-gold rule), numeric probing, then the oracle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from graders.checks.math.exact import TooLarge, Undefined, exact, huge_equal
from graders.checks.math.nodes import (
    Add,
    BaseNum,
    Const,
    FiniteSet,
    Interval,
    Matrix,
    Mul,
    Node,
    Num,
    PlusMinus,
    Rel,
    Seq,
    SetOp,
    Sym,
    Text,
    Tup,
    Unit,
    neg,
    walk,
)
from graders.checks.math.probe import numeric_equal, numeric_value, proportional, symbols
from graders.checks.math.sets import Region, canonical, endpoint_infinity, is_setlike, region
from graders.checks.math.values import as_matrix, expand, flip, labelled, value_of

__all__ = ["TIERS", "Comparer", "Options", "Verdict"]

Oracle = Callable[[Node, Node], "bool | None"]
TIERS = ("string", "structure", "exact", "numeric", "sympy")

"""Multi-valued answers (lists, sets, ``\\pm``) with more values are not expanded."""


@dataclass(frozen=True, slots=True)
class Options:
    """The comparison settings of a ``math`` grader."""

    percent: str = "either"
    rounded_gold: bool = True
    inequalities: bool = True


@dataclass(slots=True)
class Verdict:
    equal: bool | None
    reason: str
    tier: str = "structure"


_NOT_SCALAR = (Rel, Interval, SetOp, FiniteSet, Tup, Seq, Matrix, Text, PlusMinus)


def _scalar(node: Node) -> bool:
    """One value all the way down (``-[0, 1)`` is not: it has an interval inside)."""
    return not any(isinstance(n, _NOT_SCALAR) for n in walk(node))


def _plain(node: Node) -> Node:
    """Without units that do not rescale (``25^\\circ \\text{C}`` is ``25^\\circ``)."""
    while isinstance(node, Unit) and node.unit not in ("%", "cents", "deg"):
        node = node.body
    return node


def _dollars(node: Node) -> bool:
    """Marked as an amount of dollars (``\\$5``, ``5 \\text{ dollars}``)."""
    return isinstance(node, Unit) and node.unit in ("dollars", "dollar")


def _has_pi(node: Node) -> bool:
    return any(n == Const("pi") for n in walk(node))


class Comparer:
    """One comparison of a gold and an answer; remembers the highest tier it needed."""

    def __init__(self, options: Options, oracle: Oracle | None = None) -> None:
        self.options = options
        self.oracle = oracle
        self.tier = "structure"
        self.too_large = False

    def used(self, tier: str) -> None:
        if TIERS.index(tier) > TIERS.index(self.tier):
            self.tier = tier

    # -- answers ----------------------------------------------------------------------------------

    def answers(self, gold: Node, pred: Node) -> Verdict:
        """The verdict for a whole answer."""
        if gold.key() == pred.key():
            return Verdict(True, "same answer")
        named = self.named_values(gold, pred)
        if named is not None:
            return named
        renamed = _renamed(gold, pred)
        if renamed is not None:
            return renamed
        if isinstance(gold, Rel) and isinstance(pred, Rel):
            verdict = self.relations(flip(gold), flip(pred))
            if verdict.equal:
                return verdict
        g, p = value_of(gold), value_of(pred)
        if isinstance(g, Rel) or isinstance(p, Rel):
            return self.relation_vs(g, p)
        return self.values(g, p)

    def named_values(self, gold: Node, pred: Node) -> Verdict | None:
        """``x = 3, y = 4`` against ``y = 4, x = 3``: values compared name by name."""
        g, p = labelled(gold), labelled(pred)
        if g is None or p is None or set(g) != set(p) or len(g) < 2:
            return None
        undecided = False
        for name, value in g.items():
            verdict = self.answers(value, p[name])
            if verdict.equal is False:
                return Verdict(False, f"{name} differs: {verdict.reason}")
            undecided = undecided or verdict.equal is None
        return Verdict(None, "undecided value") if undecided else Verdict(True, "same values")

    def relation_vs(self, g: Node, p: Node) -> Verdict:
        if isinstance(g, Rel) and isinstance(p, Rel):
            return self.relations(flip(g), flip(p))
        if self.options.inequalities:
            verdict = self.regions(g, p)
            if verdict is not None:
                return verdict
        if isinstance(g, Rel):
            return Verdict(False, "the reference is a relation, the answer is not")
        return Verdict(False, "the answer is a relation, the reference is not")

    def values(self, g: Node, p: Node) -> Verdict:
        if isinstance(g, Text) or isinstance(p, Text):
            return Verdict(False, "different text")
        if is_setlike(g) or is_setlike(p):
            verdict = self.regions(g, p)
            return verdict or Verdict(False, "a set and a non-set")
        if isinstance(g, Matrix) or isinstance(p, Matrix):
            return self.matrices(as_matrix(g) or g, as_matrix(p) or p)
        if isinstance(g, Tup):
            return self.tuples(g, p)
        if isinstance(p, Tup) and not isinstance(g, Seq):
            return Verdict(False, "the answer is a tuple, the reference is not")
        gv, pv = expand(g), expand(p)
        if gv is None or pv is None:
            return Verdict(False, "too many values to compare")
        if isinstance(g, FiniteSet) and isinstance(p, Tup):
            return Verdict(False, "the reference is a set, the answer a tuple")
        if len(gv) == 1 and len(pv) == 1:
            return self.scalars(gv[0], pv[0])
        return self.collections(gv, pv)

    # -- collections ------------------------------------------------------------------------------

    def collections(self, gv: list[Node], pv: list[Node]) -> Verdict:
        """Order-free comparison of several values; duplicates count once."""
        golds, preds = _distinct(gv), _distinct(pv)
        if len(golds) == 1 and len(preds) > 1:
            verdicts = [self.answers(golds[0], p).equal for p in preds]
            if all(verdicts):
                return Verdict(True, "every value given equals the reference")
            if None in verdicts and False not in verdicts:
                return Verdict(None, "undecided element")
            return Verdict(False, f"hedged: {len(preds)} different answers for one value")
        unmatched = list(preds)
        undecided = False
        for g in golds:
            for i, p in enumerate(unmatched):
                verdict = self.answers(g, p)
                if verdict.equal:
                    del unmatched[i]
                    break
                undecided = undecided or verdict.equal is None
            else:
                if undecided:
                    return Verdict(None, "undecided element")
                return Verdict(False, f"no answer value matches {g.key()}")
        if unmatched:
            return Verdict(False, f"{len(preds)} values given, {len(golds)} expected")
        return Verdict(True, "same values")

    def tuples(self, g: Tup, p: Node) -> Verdict:
        if isinstance(p, Tup):
            items: tuple[Node, ...] = p.items
        elif isinstance(p, Seq):
            items = p.items
        elif isinstance(p, Matrix) and 1 in (len(p.rows), len(p.rows[0])):
            items = tuple(c for row in p.rows for c in row)
        elif self.options.inequalities and len(g.items) == 2 and g.bracket == "(":
            return self.regions(g, p) or Verdict(False, "a tuple and a non-tuple")
        else:
            return Verdict(False, "the reference is a tuple, the answer is not")
        if len(items) != len(g.items):
            return Verdict(False, f"tuple lengths differ ({len(items)} vs {len(g.items)})")
        return self.ordered(g.items, items, "tuple")

    def ordered(self, golds: tuple[Node, ...], preds: tuple[Node, ...], what: str) -> Verdict:
        undecided = False
        for index, (g, p) in enumerate(zip(golds, preds, strict=True)):
            verdict = self.answers(g, p)
            if verdict.equal is False:
                return Verdict(False, f"{what} entry {index + 1} differs: {verdict.reason}")
            undecided = undecided or verdict.equal is None
        return Verdict(None, f"undecided {what} entry") if undecided else Verdict(True, "same")

    def matrices(self, g: Node, p: Node) -> Verdict:
        if isinstance(g, Matrix) and isinstance(p, Matrix):
            if len(g.rows) != len(p.rows) or len(g.rows[0]) != len(p.rows[0]):
                return Verdict(False, "matrix shapes differ")
            flat = tuple(c for row in g.rows for c in row)
            return self.ordered(flat, tuple(c for row in p.rows for c in row), "matrix")
        vector, other = (g, p) if isinstance(g, Matrix) else (p, g)
        assert isinstance(vector, Matrix)
        if isinstance(other, Tup) and 1 in (len(vector.rows), len(vector.rows[0])):
            flat = tuple(c for row in vector.rows for c in row)
            if len(flat) != len(other.items):
                return Verdict(False, "vector lengths differ")
            pair = (flat, other.items) if vector is g else (other.items, flat)
            return self.ordered(pair[0], pair[1], "vector")
        return Verdict(False, "a matrix and a non-matrix")

    # -- sets and relations -----------------------------------------------------------------------

    def regions(self, g: Node, p: Node) -> Verdict | None:
        """Compare as sets of reals; None when either side is not one."""
        rg, rp = region(g, self.options.inequalities), region(p, self.options.inequalities)
        if rg is None or rp is None:
            return None
        return self.region_pair(canonical(rg), canonical(rp))

    def region_pair(self, rg: Region, rp: Region) -> Verdict:
        if len(rg.pieces) != len(rp.pieces):
            return Verdict(False, f"{len(rp.pieces)} intervals given, {len(rg.pieces)} expected")
        undecided = False
        for a, b in zip(rg.pieces, rp.pieces, strict=True):
            for x, y in ((a.lo, b.lo), (a.hi, b.hi)):
                verdict = self.answers(x, y)
                if verdict.equal is False:
                    return Verdict(False, "interval endpoints differ")
                undecided = undecided or verdict.equal is None
            if (a.lo_closed, a.hi_closed) != (b.lo_closed, b.hi_closed):
                return Verdict(False, "open and closed ends differ")
        return Verdict(None, "undecided endpoint") if undecided else Verdict(True, "same set")

    def relations(self, g: Rel, p: Rel) -> Verdict:
        if g.ops != p.ops:
            if self.options.inequalities:
                verdict = self.regions(g, p)
                if verdict is not None:
                    return verdict
            return Verdict(False, "different relations")
        if len(g.ops) > 1 or g.ops[0] == ":":
            return self.ordered(g.items, p.items, "chain")
        dg = Add((g.items[0], neg(g.items[1])))
        dp = Add((p.items[0], neg(p.items[1])))
        self.used("numeric")
        try:
            same, sign = proportional(dg, dp)
        except TooLarge:
            self.too_large = True
            return Verdict(None, "too many digits needed to compare")
        if same and (g.ops[0] in ("=", "!=") or sign > 0):
            return Verdict(True, "equivalent relations")
        if same is None:
            return Verdict(None, "undecided relation")
        return Verdict(False, "the relations are not equivalent")

    # -- scalars ----------------------------------------------------------------------------------

    def scalars(self, g: Node, p: Node) -> Verdict:
        if not (_scalar(g) and _scalar(p)):
            return Verdict(False, "different kinds of answer")
        if g.key() == p.key():
            return Verdict(True, "same expression")
        if isinstance(g, BaseNum) or isinstance(p, BaseNum):
            return self.numerals(g, p)
        outcome: bool | None = False
        for a, b in self.readings(g, p):
            verdict = self.value_pair(a, b)
            if verdict is True:
                return Verdict(True, "equal", self.tier)
            if verdict is None:
                outcome = None
        return Verdict(outcome, "undecided" if outcome is None else "different values", self.tier)

    def readings(self, g: Node, p: Node) -> list[tuple[Node, Node]]:
        """Pairs to compare once ``%``, cents and degrees are read as numbers."""
        g_dollars, p_dollars = _dollars(g), _dollars(p)
        g, p = _plain(g), _plain(p)
        gu = g.unit if isinstance(g, Unit) and g.unit in ("%", "cents", "deg") else ""
        pu = p.unit if isinstance(p, Unit) and p.unit in ("%", "cents", "deg") else ""
        if gu == pu:
            return [(g.body, p.body) if gu else (g, p)]  # type: ignore[attr-defined]
        golds = self._unit_values(g, gu, p, p_dollars)
        return [(a, b) for a in golds for b in self._unit_values(p, pu, g, g_dollars)]

    def _unit_values(self, node: Node, unit: str, other: Node, dollars: bool) -> list[Node]:
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
        mode = self.options.percent if unit == "%" else ("fraction" if dollars else "either")
        if mode == "as_written":
            return [body]
        return [scaled] if mode == "fraction" else [body, scaled]

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
        """The gold is a rounded decimal and the answer's exact value rounds to it."""
        if not (self.options.rounded_gold and isinstance(g, Num) and g.places):
            return False
        if isinstance(p, Num) and p.places is not None:
            return False  # a decimal answer is compared exactly
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


def _renamed(gold: Node, pred: Node) -> Verdict | None:
    """``y = 3`` for ``x = 3``: a value given for another variable is wrong."""
    g, p = labelled(gold), labelled(pred)
    if g is None or p is None or len(g) != 1 or len(p) != 1 or g.keys() == p.keys():
        return None
    assert isinstance(gold, Rel) and isinstance(pred, Rel)
    (gv,), (pv,) = g.values(), p.values()
    names = isinstance(gold.items[0], Sym) and isinstance(pred.items[0], Sym)
    if names and not symbols(gv) and not symbols(pv):
        return Verdict(False, f"the answer gives {pred.items[0].key()}, not {gold.items[0].key()}")
    return None


def _integer(node: Node) -> int | None:
    if isinstance(node, Num) and node.value.denominator == 1:
        return node.value.numerator
    return None


def _distinct(values: list[Node]) -> list[Node]:
    seen: dict[str, Node] = {}
    for v in values:
        seen.setdefault(v.key(), v)
    return list(seen.values())
