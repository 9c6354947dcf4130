"""SymPy objects built from our parse tree, node by node (never from text).

Only the worker processes import this module: SymPy can take unbounded time (and memory) on
hostile input, so it runs where a deadline can kill it. No string ever reaches ``sympify``,
``parse_expr`` or ``eval``: every object is made by calling a SymPy constructor.
"""

from __future__ import annotations

from typing import Any

import sympy  # type: ignore[import-untyped]

from graders.checks.math.nodes import Add, Const, Func, Mul, Node, Num, Pow, Sym, Unit

__all__ = ["sympy_equal", "to_sympy"]

_FUNCS: dict[str, Any] = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "sec": sympy.sec,
    "csc": sympy.csc,
    "cot": sympy.cot,
    "arcsin": sympy.asin,
    "arccos": sympy.acos,
    "arctan": sympy.atan,
    "arcsec": sympy.asec,
    "arccsc": sympy.acsc,
    "arccot": sympy.acot,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "tanh": sympy.tanh,
    "abs": sympy.Abs,
    "floor": sympy.floor,
    "ceil": sympy.ceiling,
    "factorial": sympy.factorial,
    "binom": sympy.binomial,
}
_CONSTS: dict[str, Any] = {"pi": sympy.pi, "e": sympy.E, "i": sympy.I, "oo": sympy.oo}


def to_sympy(node: Node) -> Any:
    """The SymPy expression of a scalar node; raises TypeError for anything else."""
    if isinstance(node, Num):
        return sympy.Rational(node.value.numerator, node.value.denominator)
    if isinstance(node, Sym):
        return sympy.Symbol(node.name, real=True)  # answers are about real variables
    if isinstance(node, Const):
        return _CONSTS[node.name]
    if isinstance(node, Add):
        return sympy.Add(*(to_sympy(a) for a in node.args))
    if isinstance(node, Mul):
        return sympy.Mul(*(to_sympy(a) for a in node.args))
    if isinstance(node, Pow):
        return sympy.Pow(to_sympy(node.base), to_sympy(node.exp))
    if isinstance(node, Func) and node.name in ("sum", "prod"):
        index, low, high, body = (to_sympy(a) for a in node.args)
        series = sympy.Sum if node.name == "sum" else sympy.Product
        return series(body, (index, low, high)).doit()
    if isinstance(node, Func):
        args = [to_sympy(a) for a in node.args]
        if node.name == "log":
            return sympy.log(*args)
        if node.name in _FUNCS:
            return _FUNCS[node.name](*args)
        return sympy.Function(node.name)(*args)
    if isinstance(node, Unit):
        return to_sympy(node.body)
    raise TypeError(f"no SymPy form for {type(node).__name__}")


def sympy_equal(left: Node, right: Node) -> bool | None:
    """Whether SymPy proves two scalars equal (True), different (False), or neither (None)."""
    a, b = to_sympy(left), to_sympy(right)
    diff = sympy.simplify(a - b)
    if diff == 0:
        return True
    if diff.is_number and diff.is_zero is False:
        return False
    same = a.equals(b)
    return None if same is None else bool(same)
