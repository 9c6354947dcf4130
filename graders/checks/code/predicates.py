"""Predicates a test defines, written into the asserts that call them.

``def close(a, b): return abs(a - b) < 1e-6`` then ``assert close(f(1), 2.5)``: called as it is,
the whole call would be one hole, run in the program's process, and an object whose ``__sub__``
answers 0 would pass it. So a top-level function of the test that is a predicate is written
into each assert that calls it, its expression with the parameters replaced by the arguments
(``abs(f(1) - 2.5) < 1e-6``), and the skeleton then evaluates it in the grader. The function
still runs in the sandbox for the test's other statements. A predicate is

* a body of one ``return EXPR`` (after a docstring), any expression; or
* assignments to names, ``if``/``else`` and ``return``s over what the skeleton computes itself
  (operators, the built-ins and ``math``: ``d = abs(a - b)`` then ``if d < tol: return True``
  ...), read as one expression (``True if abs(a - b) < tol else ...``), every path returning.

An argument whose parameter is used other than once (``abs(a - b) <= tol * abs(a)``, or not at
all) is evaluated once, first, as Python would: ``((_v := f(1)), abs(_v - b) <= ...)[-1]``, a
tuple the skeleton evaluates in order. A call is left as it is (one hole) where its arguments
are starred or do not fit the parameters, the body binds a name a lambda or comprehension in it
binds too, or the predicate calls itself.
"""

from __future__ import annotations

import ast
import copy
import itertools
from collections.abc import Iterator

from graders.checks.code.guarded import BUILTINS, MATH
from graders.checks.code.syntax import Unsupported, bind_arguments, substitute

__all__ = ["inline_predicates"]

_MAX_PASSES = 8
"""How deeply predicates calling predicates are written in."""
_MAX_NODES = 2000
"""The largest expression a predicate's body is read as (its ifs multiply it)."""
_UNEVALUABLE = (ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom, ast.Attribute)


def _computable(node: ast.expr, maths: frozenset[str]) -> bool:
    """Whether ``node`` uses only operators, the skeleton's built-ins and ``math`` (named
    ``math`` or a name in ``maths``) beside its names: no attribute, lambda or other call."""
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            func = n.func
            if isinstance(func, ast.Attribute):
                if not (isinstance(func.value, ast.Name) and func.value.id in maths):
                    return False
                if func.attr not in MATH:
                    return False
            elif not (isinstance(func, ast.Name) and (func.id in BUILTINS or func.id in maths)):
                return False
        elif isinstance(n, _UNEVALUABLE) and not (
            isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in maths
        ):
            return False
    return True


def _reduce(body: list[ast.stmt], env: dict[str, ast.expr]) -> ast.expr | None:
    """``body`` (assignments, ifs and returns) as one expression, names replaced by ``env``'s;
    None where a path does not return or it is too large."""
    for index, stmt in enumerate(body):
        if isinstance(stmt, ast.Pass):
            continue
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            env = {**env, stmt.targets[0].id: substitute(stmt.value, env)}
            continue
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            return substitute(stmt.value, env)
        if isinstance(stmt, ast.If):
            rest = body[index + 1 :]
            then, other = _reduce([*stmt.body, *rest], env), _reduce([*stmt.orelse, *rest], env)
            if then is None or other is None:
                return None
            out = ast.IfExp(test=substitute(stmt.test, env), body=then, orelse=other)
            return out if sum(1 for _ in ast.walk(out)) <= _MAX_NODES else None
        return None
    return None


def _expression(function: ast.FunctionDef, maths: frozenset[str]) -> ast.expr | None:
    """The predicate's body as one expression of its parameters, or None (module docstring)."""
    args = function.args
    if args.posonlyargs or args.vararg or args.kwonlyargs or args.kwarg or function.decorator_list:
        return None
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # a docstring
    if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
        return body[0].value
    exprs = [n for s in body for n in ast.walk(s) if isinstance(n, ast.stmt)]
    if not all(isinstance(s, ast.Assign | ast.If | ast.Return | ast.Pass) for s in exprs):
        return None
    parts = [e for s in exprs for e in _expressions(s)]
    local = {a.arg for a in args.args} | {
        t.id
        for s in exprs
        if isinstance(s, ast.Assign)
        for t in s.targets
        if isinstance(t, ast.Name)
    }
    if any(not _computable(e, maths) or _bound_inside(e) & local for e in parts):
        return None
    out = _reduce(body, {})
    if out is None or set(_names(out)) & (local - {a.arg for a in args.args}):
        return None  # a local read on a path that does not bind it
    return out


def _expressions(stmt: ast.stmt) -> list[ast.expr]:
    if isinstance(stmt, ast.Assign):
        return [stmt.value]
    if isinstance(stmt, ast.If):
        return [stmt.test]
    return [stmt.value] if isinstance(stmt, ast.Return) and stmt.value is not None else []


def _predicates(statements: list[ast.stmt]) -> dict[str, tuple[ast.FunctionDef, ast.expr]]:
    """Top-level predicates defined once, with their expressions."""
    defined: dict[str, int] = {}
    maths = {"math"}
    for stmt in statements:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined[stmt.name] = defined.get(stmt.name, 0) + 1
        elif isinstance(stmt, ast.Import):
            maths.update(a.asname or a.name for a in stmt.names if a.name == "math")
        elif isinstance(stmt, ast.ImportFrom) and stmt.module == "math" and not stmt.level:
            maths.update(a.asname or a.name for a in stmt.names if a.name in MATH)
    found = {}
    for stmt in statements:
        if isinstance(stmt, ast.FunctionDef) and defined[stmt.name] == 1:
            expr = _expression(stmt, frozenset(maths))
            if expr is not None:
                found[stmt.name] = (stmt, expr)
    return found


def _bound_inside(node: ast.AST) -> set[str]:
    """Names a lambda, comprehension or walrus inside ``node`` binds."""
    names: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.arg):
            names.add(n.arg)
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            names.add(n.id)
    return names


def _simple(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant | ast.Name)


def _names(node: ast.AST) -> Iterator[str]:
    return (n.id for n in ast.walk(node) if isinstance(n, ast.Name))


def _uses(expr: ast.expr) -> list[str]:
    """The names ``expr`` reads, those in a lambda or a comprehension's repeated parts twice
    (they may run any number of times)."""
    out = list(_names(expr))
    for node in ast.walk(expr):
        if isinstance(node, ast.Lambda):
            out.extend(_names(node.body))
        elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            repeated: list[ast.expr] = [e for g in node.generators for e in (g.target, *g.ifs)]
            repeated += [g.iter for g in node.generators[1:]]
            repeated += [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            out.extend(n for part in repeated for n in _names(part))
    return out


class _WriteIn(ast.NodeTransformer):
    def __init__(
        self, predicates: dict[str, tuple[ast.FunctionDef, ast.expr]], fresh: Iterator[str]
    ) -> None:
        self.predicates, self.fresh = predicates, fresh
        self.changed = False

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        found = self.predicates.get(node.func.id) if isinstance(node.func, ast.Name) else None
        if found is None:
            return node
        written = _written(*found, node, self.fresh)
        if written is None:
            return node
        self.changed = True
        return written


def _written(
    function: ast.FunctionDef, expr: ast.expr, call: ast.Call, fresh: Iterator[str]
) -> ast.expr | None:
    """The predicate's expression for this call, or None where writing it in would change
    what runs (see the module docstring)."""
    try:
        given = bind_arguments(call, function)
    except Unsupported:
        return None
    if _bound_inside(expr) & given.keys() or function.name in _names(expr):
        return None
    uses = _uses(expr)
    params = list(given)
    once = [p for p in params if _simple(given[p]) or uses.count(p) == 1]
    last = max((i for i, p in enumerate(params) if p not in once), default=-1)
    first: list[ast.expr] = []  # evaluated first, in order, as a call's arguments are
    env: dict[str, ast.expr] = {}
    for index, param in enumerate(params):
        arg = given[param]
        if index > last or _simple(arg):
            env[param] = arg
        elif uses.count(param):
            name = next(fresh)
            first.append(ast.NamedExpr(ast.Name(id=name, ctx=ast.Store()), copy.deepcopy(arg)))
            env[param] = ast.Name(id=name, ctx=ast.Load())
        else:
            first.append(copy.deepcopy(arg))
    out = substitute(expr, env)
    if first:
        elts = ast.Tuple(elts=[*first, out], ctx=ast.Load())
        out = ast.Subscript(value=elts, slice=ast.Constant(-1), ctx=ast.Load())
    return ast.fix_missing_locations(ast.copy_location(out, call))


def inline_predicates(statements: list[ast.stmt]) -> list[ast.stmt]:
    """The statements with each assert's calls of the test's predicates written in."""
    predicates = _predicates(statements)
    if not predicates:
        return statements
    fresh = (f"_graders_value{n}" for n in itertools.count(1))
    out: list[ast.stmt] = []
    for stmt in statements:
        if isinstance(stmt, ast.Assert) and set(_names(stmt.test)) & predicates.keys():
            stmt = copy.deepcopy(stmt)
            for _ in range(_MAX_PASSES):  # predicates that call predicates
                writer = _WriteIn(predicates, fresh)
                stmt.test = writer.visit(stmt.test)
                if not writer.changed:
                    break
        out.append(stmt)
    return out
