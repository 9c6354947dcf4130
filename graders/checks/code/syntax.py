"""Small operations on a test's syntax tree, shared by the modules that rewrite assert tests.

Which names a statement binds, substituting expressions for names, binding a call's arguments
to a function's parameters, and the ``Unsupported`` error of a test the grader cannot take
apart.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator, Mapping
from typing import TypeVar

__all__ = [
    "Unsupported",
    "assign",
    "bind_arguments",
    "constant_text",
    "line",
    "loaded",
    "own_scope",
    "store",
    "stored",
    "substitute",
]


class Unsupported(ValueError):
    """An assert test whose asserts cannot all be evaluated in the grader."""


def line(node: ast.AST) -> str:
    return f"line {getattr(node, 'lineno', '?')}"


def constant_text(node: ast.AST | None) -> str | None:
    """The value of a constant string (an assert's message), else None."""
    value = node.value if isinstance(node, ast.Constant) else None
    return value if isinstance(value, str) else None


def stored(node: ast.AST) -> set[str]:
    """Every name ``node`` binds anywhere inside (nested scopes too)."""
    names: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del):
            names.add(n.id)
        elif isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(n.name)
        elif isinstance(n, ast.arg):
            names.add(n.arg)
        elif isinstance(n, ast.alias):
            names.add((n.asname or n.name).split(".")[0])
        elif isinstance(n, ast.Global | ast.Nonlocal):
            names.update(n.names)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            names.add(n.name)
    return names


def loaded(node: ast.AST) -> set[str]:
    """Every name ``node`` reads anywhere inside."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


class _Substitute(ast.NodeTransformer):
    def __init__(self, env: Mapping[str, ast.expr]) -> None:
        self.env = env

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if isinstance(node.ctx, ast.Load) and node.id in self.env:
            return copy.deepcopy(self.env[node.id])
        return node


_Node = TypeVar("_Node", ast.expr, ast.stmt)


def substitute(node: _Node, env: Mapping[str, ast.expr]) -> _Node:
    """A copy of ``node`` with the names of ``env`` replaced where they are read (a copy of the
    expression each time)."""
    out = _Substitute(env).visit(copy.deepcopy(node))
    assert isinstance(out, ast.expr if isinstance(node, ast.expr) else ast.stmt)
    return out  # type: ignore[return-value]  # an expression for an expression


def own_scope(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of ``body`` outside the functions, lambdas and classes defined in it."""
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            todo.extend(ast.iter_child_nodes(node))


def store(target: ast.expr) -> ast.expr:
    """A copy of a loop target as an assignment target."""
    out = copy.deepcopy(target)
    for node in ast.walk(out):
        if isinstance(node, ast.Name | ast.Tuple | ast.List | ast.Starred):
            node.ctx = ast.Store()
    return out


def assign(target: ast.expr, value: ast.expr) -> ast.stmt:
    return ast.fix_missing_locations(ast.Assign([target], copy.deepcopy(value), lineno=0))


def bind_arguments(call: ast.Call, function: ast.FunctionDef) -> dict[str, ast.expr]:
    """The expression each plain parameter of ``function`` is bound to by ``call`` (or its
    default), in the parameters' order; :class:`Unsupported` when the call cannot be read so
    (a starred argument, a wrong one, one missing)."""
    name, params = function.name, [a.arg for a in function.args.args]
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        raise Unsupported(f"{line(call)}: call {name}() without * or ** arguments")
    if len(call.args) > len(params):
        raise Unsupported(f"{line(call)}: {name}() takes {len(params)} arguments")
    given: dict[str, ast.expr] = dict(zip(params, call.args, strict=False))
    for keyword in call.keywords:
        if keyword.arg not in params or keyword.arg in given:
            raise Unsupported(f"{line(call)}: {name}() got a bad argument {keyword.arg!r}")
        given[keyword.arg] = keyword.value
    defaults = function.args.defaults
    given.update(
        (p, d)
        for p, d in zip(params[len(params) - len(defaults) :], defaults, strict=True)
        if p not in given
    )
    missing = [p for p in params if p not in given]
    if missing:
        raise Unsupported(f"{line(call)}: {name}() is missing argument {missing[0]!r}")
    return {p: given[p] for p in params}
