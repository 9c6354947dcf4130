"""What an answer states, before comparing: labels dropped, values expanded.

``x = 5 + 6 = 11`` states ``11``; ``x \\in [0, 1]`` states ``[0, 1]``; ``1 \\pm \\sqrt 2``
states two values; ``\\{1, 2\\}, 3`` states three. Relations are oriented towards ``<`` so
``a > b`` and ``b < a`` look alike.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product

from graders.checks.math.nodes import (
    Add,
    FiniteSet,
    Func,
    Matrix,
    Mul,
    Node,
    Num,
    PlusMinus,
    Pow,
    Rel,
    Seq,
    Sym,
    Tup,
    neg,
    walk,
)

__all__ = ["MAX_VALUES", "as_matrix", "expand", "flip", "is_label", "labelled", "value_of"]

MAX_VALUES = 32
"""Multi-valued answers (lists, sets, ``\\pm``) with more values are not expanded."""


def flip(rel: Rel) -> Rel:
    """``a > b`` as ``b < a``: relations oriented towards ``<`` / ``<=``."""
    if all(op in (">", ">=") for op in rel.ops):
        ops = tuple({">": "<", ">=": "<="}[op] for op in reversed(rel.ops))
        return Rel(ops, rel.items[::-1])
    return rel


def is_label(node: Node) -> bool:
    """A name an answer may be given under: ``x``, ``a_3``, ``f(x)``, ``(p, q)``, ``|AB|``,
    ``\\frac{NO}{BO}``: letters only, with no number but the ``-1`` of a division."""
    if isinstance(node, Sym):
        return True
    if isinstance(node, Func):
        return node.name in ("f", "g", "h", "abs") and all(is_label(a) for a in node.args)
    if isinstance(node, Tup):
        return all(isinstance(i, Sym) for i in node.items)
    if isinstance(node, Mul):
        return all(is_label(a) for a in node.args)
    if isinstance(node, Pow):
        return is_label(node.base) and node.exp == Num(Fraction(-1))
    return False


def value_of(node: Node) -> Node:
    """Drop a label and intermediate steps: ``x = 5 + 6 = 11`` → ``11``, ``x \\in S`` → ``S``.

    An approximation after an exact value (``= \\frac{1}{3} \\approx 0.33``) is dropped too."""
    if isinstance(node, Seq):
        return Seq(tuple(value_of(i) for i in node.items))
    if not isinstance(node, Rel):
        return node
    ops, items = list(node.ops), list(node.items)
    if "~" in ops and ops.index("~") > 0:
        cut = ops.index("~")
        ops, items = ops[:cut], items[: cut + 1]
    if all(op in ("=", "~") for op in ops) and (len(items) > 2 or is_label(items[0])):
        return items[-1]
    if ops == ["in"] and is_label(items[0]):
        return items[1]
    if "=" in ops and all(op == ":" for op in ops[: ops.index("=")]):
        cut = ops.index("=")  # ``A:B = 1`` or ``V_1 : V_2 = 11 : 21``: a named ratio
        if all(is_label(i) for i in items[: cut + 1]) and "=" not in ops[cut + 1 :]:
            rest_ops, rest = ops[cut + 1 :], items[cut + 1 :]
            return rest[0] if not rest_ops else Rel(tuple(rest_ops), tuple(rest))
    return Rel(tuple(ops), tuple(items)) if len(ops) != len(node.ops) else node


def expand(node: Node) -> list[Node] | None:
    """The values of a multi-valued answer (lists, sets, ``\\pm``); None when too many."""
    if isinstance(node, (Seq, FiniteSet)):
        out: list[Node] = []
        for item in node.items:
            part = expand(item)
            if part is None or len(out) + len(part) > MAX_VALUES:
                return None
            out.extend(part)
        return out
    if not any(isinstance(n, PlusMinus) for n in walk(node)):
        return [node]
    return _expand_pm(node)


def _expand_pm(node: Node) -> list[Node] | None:
    if isinstance(node, PlusMinus):
        lefts, rights = _expand_pm(node.left), _expand_pm(node.right)
        if lefts is None or rights is None:
            return None
        out: list[Node] = []
        for a, b in product(lefts, rights):
            zero = isinstance(a, Num) and a.value == 0
            out.append(b if zero else Add((a, b)))
            out.append(neg(b) if zero else Add((a, neg(b))))
        return out if len(out) <= MAX_VALUES else None
    if isinstance(node, (Add, Mul, Func)):
        options = [_expand_pm(a) for a in node.args]
        if any(o is None for o in options):
            return None
        combos = list(product(*[o for o in options if o is not None]))
        if len(combos) > MAX_VALUES:
            return None
        if isinstance(node, Func):
            return [Func(node.name, tuple(c)) for c in combos]
        return [type(node)(tuple(c)) for c in combos]
    if isinstance(node, Pow):
        bases, exps = _expand_pm(node.base), _expand_pm(node.exp)
        if bases is None or exps is None:
            return None
        return [Pow(b, e) for b, e in product(bases, exps)]
    return [node]


def labelled(node: Node) -> dict[str, Node] | None:
    """``x = 3, y = 4`` as ``{x: 3, y: 4}``; None unless every item names its value."""
    items = node.items if isinstance(node, Seq) else (node,)
    named: dict[str, Node] = {}
    for item in items:
        if not (isinstance(item, Rel) and set(item.ops) == {"="} and is_label(item.items[0])):
            return None
        named[item.items[0].key()] = item.items[-1]
    return named


def as_matrix(node: Node) -> Matrix | None:
    """A sum or product of matrices (and scalars) as one matrix of entry expressions."""
    if isinstance(node, Matrix):
        return node
    if not any(isinstance(n, Matrix) for n in walk(node)) or len(walk(node)) > 2000:
        return None
    if isinstance(node, Add):
        parts = [as_matrix(a) for a in node.args]
        if any(p is None for p in parts):
            return None
        mats = [p for p in parts if p is not None]
        shape = (len(mats[0].rows), len(mats[0].rows[0]))
        if any((len(m.rows), len(m.rows[0])) != shape for m in mats):
            return None
        return Matrix(
            tuple(
                tuple(Add(tuple(m.rows[r][c] for m in mats)) for c in range(shape[1]))
                for r in range(shape[0])
            )
        )
    if isinstance(node, Mul):
        result: Matrix | None = None
        scalars: list[Node] = []
        for arg in node.args:
            if any(isinstance(n, Matrix) for n in walk(arg)):
                mat = as_matrix(arg)
                if mat is None:
                    return None
                result = mat if result is None else _product(result, mat)
                if result is None:
                    return None
            else:
                scalars.append(arg)
        if result is None or not scalars:
            return result
        return Matrix(tuple(tuple(Mul((*scalars, e)) for e in row) for row in result.rows))
    return None


def _product(a: Matrix, b: Matrix) -> Matrix | None:
    if len(a.rows[0]) != len(b.rows):
        return None
    cols = len(b.rows[0])
    return Matrix(
        tuple(
            tuple(
                Add(tuple(Mul((row[k], b.rows[k][c])) for k in range(len(b.rows))))
                for c in range(cols)
            )
            for row in a.rows
        )
    )
