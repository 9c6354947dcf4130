"""The interpreter of assert skeletons: evaluates one over its holes' values, in the grader.

A tree walk over the few node types ``skeleton.split`` leaves in a skeleton (constants,
displays, boolean, unary and binary operators, comparisons, subscripts, ``if``-``else`` and
calls to the built-ins and ``math`` functions of ``guarded.py``); nothing is compiled or
eval'ed. A hole's value is looked up only when the walk reaches it, so ``and``, ``or``,
``if``-``else`` and comparison chains keep their short circuit over holes that raised.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graders.checks.code.compare import values_equal
from graders.checks.code.guarded import BUILTINS, MATH, ORDER, UNARY, Failed, binop, ints_fit

__all__ = ["Evaluator", "Hole", "has_hole"]


@dataclass(frozen=True)
class Hole:
    """What the sandbox reported for one hole: its decoded value, or why there is none."""

    value: Any = None
    error: Failed | None = None
    instead: Hole | None = None
    """For an argument of a conversion (``len(s)``, ``str(p)``) whose value is not a built-in
    one: the conversion's value, computed by the program (see ``skeleton.CONVERSIONS``)."""
    classes: tuple[tuple[str, str], ...] = ()
    """For a hole that raised where the test expects an exception (``raises.py``): the classes
    of its exception, the exception's own first, as (module, qualified name)."""
    message: str | None = None
    """And the exception's ``str()``, when it could be read."""


def has_hole(node: ast.AST) -> bool:
    """Whether a skeleton expression has a hole (a ``Name("0")``) in it."""
    return any(isinstance(n, ast.Name) and n.id.isdigit() for n in ast.walk(node))


def _value_of(hole: Hole) -> Any:
    if hole.error is not None:
        raise hole.error
    return hole.value


class Evaluator:
    """Evaluates a skeleton over the holes' values: a tree walk over a few node types."""

    def __init__(self, holes: Sequence[Hole], tol: float | None) -> None:
        self.holes, self.tol = holes, tol

    def sides(self, left: ast.expr, right: ast.expr) -> tuple[Any, Any]:
        """(got, expected) of an ``==``: the expected side is the one without holes."""
        a, b = self.value(left), self.value(right)
        return (b, a) if not has_hole(left) and has_hole(right) else (a, b)

    def value(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name | ast.Attribute):
            return self.name(node)
        if isinstance(node, ast.Tuple):
            return tuple(self.items(node.elts))
        if isinstance(node, ast.List):
            return self.items(node.elts)
        if isinstance(node, ast.Set):
            return set(self.items(node.elts))
        if isinstance(node, ast.Dict):
            return self.dict(node)
        if isinstance(node, ast.UnaryOp):
            operand = self.value(node.operand)
            ints_fit(operand)
            return UNARY[type(node.op)](operand)
        if isinstance(node, ast.BoolOp):
            return self.boolop(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BinOp):
            return binop(type(node.op), self.value(node.left), self.value(node.right))
        if isinstance(node, ast.Subscript):
            return self.value(node.value)[self.value(node.slice)]
        if isinstance(node, ast.Slice):
            parts = (node.lower, node.upper, node.step)
            return slice(*(None if p is None else self.value(p) for p in parts))
        if isinstance(node, ast.IfExp):
            return self.value(node.body if self.value(node.test) else node.orelse)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise Failed("refused", f"{type(node).__name__} is not part of an assert's skeleton")

    def name(self, node: ast.Name | ast.Attribute) -> Any:
        if isinstance(node, ast.Name) and node.id.isdigit():
            return _value_of(self.holes[int(node.id)])
        name = node.id if isinstance(node, ast.Name) else ""
        return MATH[name[5:]] if name.startswith("math.") else BUILTINS[name]

    def items(self, nodes: list[ast.expr]) -> list[Any]:
        out: list[Any] = []
        for node in nodes:
            if isinstance(node, ast.Starred):
                out.extend(self.value(node.value))
            else:
                out.append(self.value(node))
        return out

    def dict(self, node: ast.Dict) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                out.update(self.value(value))
            else:
                out[self.value(key)] = self.value(value)
        return out

    def boolop(self, node: ast.BoolOp) -> Any:
        value: Any = None
        for operand in node.values:
            value = self.value(operand)
            if bool(value) != isinstance(node.op, ast.And):
                return value  # short circuit: the rest is never evaluated
        return value

    def operand(self, node: ast.expr) -> Any:
        """A comparison operand's value; for a hole whose value is not a built-in one, the
        reason, kept: ``x is None`` needs no value to be false for such an object."""
        if isinstance(node, ast.Name) and node.id.isdigit():
            hole = self.holes[int(node.id)]
            if hole.error is not None and hole.error.kind == "wrong" and hole.instead is None:
                return hole.error
        return self.value(node)

    def compare(self, node: ast.Compare) -> bool:
        left_node, left = node.left, self.operand(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.operand(right_node)
            opaque = [v for v in (left, right) if isinstance(v, Failed)]
            if opaque and isinstance(op, ast.Is | ast.IsNot):
                other = right if left is opaque[0] else left
                if len(opaque) == 2 or not (other is None or other is True or other is False):
                    raise opaque[0]
                holds = isinstance(op, ast.IsNot)  # an object is never None, True or False
            elif opaque:
                raise opaque[0]
            elif isinstance(op, ast.Eq | ast.NotEq):
                got, want = left, right
                if not has_hole(left_node) and has_hole(right_node):
                    got, want = right, left
                holds = values_equal(got, want, float_tolerance=self.tol) == isinstance(op, ast.Eq)
            else:
                holds = ORDER[type(op)](left, right)
            if not holds:
                return False
            left_node, left = right_node, right
        return True

    def call(self, node: ast.Call) -> Any:
        for arg in node.args:
            if isinstance(arg, ast.Name) and arg.id.isdigit():
                hole = self.holes[int(arg.id)]
                if hole.error is not None and hole.instead is not None:
                    return _value_of(hole.instead)  # the program computed the whole conversion
        func = self.name(node.func)  # type: ignore[arg-type]  # split allows only names here
        kwargs = {k.arg: self.value(k.value) for k in node.keywords if k.arg}
        return func(*self.items(node.args), **kwargs)
