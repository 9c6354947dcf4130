"""Is a parsed answer equivalent to the parsed gold? Structure first, then values, tier by tier.

Verdicts are three-valued: True, False, or None (undecided by the in-process tiers). An
undecided comparison is re-run in a worker process with SymPy as the ``oracle`` for scalar
pairs; everything else (sets, tuples, intervals, relations) is decided here, the same way in
both places. Scalars go through :class:`~.scalars.ScalarComparer`.
"""

from __future__ import annotations

from graders.checks.math.exact import TooLarge
from graders.checks.math.nodes import (
    Add,
    FiniteSet,
    Matrix,
    Node,
    Rel,
    Seq,
    Sym,
    Text,
    Tup,
    neg,
)
from graders.checks.math.probe import proportional, symbols
from graders.checks.math.scalars import ScalarComparer
from graders.checks.math.sets import Region, canonical, is_setlike, region
from graders.checks.math.tiers import TIERS, Options, Verdict
from graders.checks.math.units import clash
from graders.checks.math.values import as_matrix, expand, flip, labelled, value_of

__all__ = ["TIERS", "Comparer", "Options", "Verdict"]


class Comparer(ScalarComparer):
    """One comparison of a gold and an answer; remembers the highest tier it needed."""

    # -- answers ----------------------------------------------------------------------------------

    def answers(self, gold: Node, pred: Node) -> Verdict:
        """The verdict for a whole answer."""
        unlike = clash(gold, pred)
        if unlike is not None:
            return Verdict(False, unlike)
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


def _distinct(values: list[Node]) -> list[Node]:
    seen: dict[str, Node] = {}
    for v in values:
        seen.setdefault(v.key(), v)
    return list(seen.values())
