"""Predicates a test defines, written into the asserts that call them.

``def close(a, b): return abs(a - b) < 1e-6`` then ``assert close(f(1), 2.5)``: called as it is,
the whole call would be one hole, run in the program's process, and an object whose ``__sub__``
answers 0 would pass it. So a top-level function of the test whose body is one ``return EXPR``
is written into each assert that calls it, ``EXPR`` with its parameters replaced by the
arguments (``abs(f(1) - 2.5) < 1e-6``), and the skeleton then evaluates it in the grader. The
function still runs in the sandbox for the test's other statements. A call is left as it is
where writing it in would change what runs: a parameter used more than once whose argument
is not a literal or a name (``f(1)`` would run twice), a starred argument, a body that binds
a parameter again, or a predicate calling itself.
"""

from __future__ import annotations

import ast
import copy
import itertools
from collections.abc import Iterator

__all__ = ["inline_predicates"]

_MAX_PASSES = 8
"""How deeply predicates calling predicates are written in."""


def _predicates(statements: list[ast.stmt]) -> dict[str, ast.FunctionDef]:
    """Top-level functions whose body is one ``return EXPR`` (after a docstring), defined once."""
    defined: dict[str, int] = {}
    for stmt in statements:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined[stmt.name] = defined.get(stmt.name, 0) + 1
    found = {}
    for stmt in statements:
        if not isinstance(stmt, ast.FunctionDef) or defined[stmt.name] != 1:
            continue
        body = stmt.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # a docstring
        args = stmt.args
        plain = not (args.posonlyargs or args.vararg or args.kwonlyargs or args.kwarg)
        if (
            plain
            and not stmt.decorator_list
            and len(body) == 1
            and isinstance(body[0], ast.Return)
            and body[0].value is not None
        ):
            found[stmt.name] = stmt
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


class _WriteIn(ast.NodeTransformer):
    def __init__(self, predicates: dict[str, ast.FunctionDef]) -> None:
        self.predicates = predicates
        self.changed = False

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        function = self.predicates.get(node.func.id) if isinstance(node.func, ast.Name) else None
        if function is None:
            return node
        written = _written(function, node)
        if written is None:
            return node
        self.changed = True
        return written


def _written(function: ast.FunctionDef, call: ast.Call) -> ast.expr | None:
    """The predicate's expression for this call, or None where writing it in would change
    what runs (see the module docstring)."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        return None
    params = [a.arg for a in function.args.args]
    if len(call.args) > len(params):
        return None
    given = dict(zip(params, call.args, strict=False))
    for keyword in call.keywords:
        if keyword.arg not in params or keyword.arg in given:
            return None
        given[str(keyword.arg)] = keyword.value
    defaults = function.args.defaults
    firsts = params[len(params) - len(defaults) :]
    given.update({p: d for p, d in zip(firsts, defaults, strict=True) if p not in given})
    if set(params) - given.keys():
        return None
    returned = function.body[-1]
    assert isinstance(returned, ast.Return) and returned.value is not None
    expr = returned.value
    uses = [n.id for n in ast.walk(expr) if isinstance(n, ast.Name) and n.id in given]
    if _bound_inside(expr) & set(params) or function.name in _names(expr):
        return None
    if any(uses.count(p) > 1 and not _simple(given[p]) for p in params):
        return None

    class Substitute(ast.NodeTransformer):
        def visit_Name(self, name: ast.Name) -> ast.expr:
            if isinstance(name.ctx, ast.Load) and name.id in given:
                return copy.deepcopy(given[name.id])
            return name

    out = Substitute().visit(copy.deepcopy(expr))
    assert isinstance(out, ast.expr)
    return ast.copy_location(out, call)


def _names(node: ast.AST) -> Iterator[str]:
    return (n.id for n in ast.walk(node) if isinstance(n, ast.Name))


def _hoisted(
    stmt: ast.Assert, predicates: dict[str, ast.FunctionDef], fresh: Iterator[str]
) -> list[ast.stmt]:
    """``assert pred(f(1), 2)`` whose predicate uses a parameter twice, as ``_arg = f(1)`` then
    ``assert pred(_arg, 2)``: Python evaluates a call's arguments first, in order, so when the
    call is the whole test this is the same run, and the predicate can then be written in."""
    negated = isinstance(stmt.test, ast.UnaryOp) and isinstance(stmt.test.op, ast.Not)
    test = stmt.test.operand if isinstance(stmt.test, ast.UnaryOp) and negated else stmt.test
    if (
        not isinstance(test, ast.Call)
        or not isinstance(test.func, ast.Name)
        or test.func.id not in predicates
        or any(isinstance(a, ast.Starred) for a in test.args)
    ):
        return [stmt]
    out: list[ast.stmt] = []
    slots: list[tuple[list[ast.expr], int] | ast.keyword] = [
        *((test.args, i) for i in range(len(test.args))),
        *test.keywords,
    ]
    for slot in slots:
        value = slot.value if isinstance(slot, ast.keyword) else slot[0][slot[1]]
        if _simple(value):
            continue
        name = next(fresh)
        bind = ast.Assign([ast.Name(id=name, ctx=ast.Store())], value, lineno=stmt.lineno)
        out.append(ast.fix_missing_locations(bind))
        replacement = ast.Name(id=name, ctx=ast.Load())
        if isinstance(slot, ast.keyword):
            slot.value = replacement
        else:
            slot[0][slot[1]] = replacement
    return [*out, stmt]


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
            writer = _WriteIn(predicates)
            first = writer.visit(copy.deepcopy(stmt.test))
            if _names_of(first) & predicates.keys():  # a call left as it was: bind its arguments
                hoisted = _hoisted(stmt, predicates, fresh)
                out.extend(hoisted[:-1])
            for _ in range(_MAX_PASSES):  # predicates that call predicates
                writer = _WriteIn(predicates)
                stmt.test = writer.visit(stmt.test)
                if not writer.changed:
                    break
        out.append(stmt)
    return out


def _names_of(node: ast.AST) -> set[str]:
    return set(_names(node))
