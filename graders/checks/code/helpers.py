"""What the unroller takes from a test besides ``for`` and ``if``: asserts written as ``if COND:
raise ...``, and helper functions holding asserts (HumanEval's ``def check(candidate)``), which
are written out where they are called.

A helper can be written out when it has plain parameters, no decorator, no ``return``,
``yield`` or ``global`` of its own, and binds no parameter again; it must be called as a
statement of its own (``check(f)``), never inside an expression.
"""

from __future__ import annotations

import ast

from graders.checks.code.syntax import Unsupported, bind_arguments, line, own_scope, stored

__all__ = [
    "as_assert",
    "expects_raise",
    "fails",
    "helper_arguments",
    "helper_call",
    "holds_assert",
    "pytest_raises",
]

_BEFORE_RAISE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Pass)
"""Statements that may come before the ``raise`` of an ``if COND: raise`` (``print(...)``):
they only run once the test has failed."""


def as_assert(stmt: ast.stmt) -> ast.stmt:
    """``if COND: raise ...`` (no ``else``; before the raise, only simple statements such as a
    ``print``, which run once the test has failed anyway) as the assert it means, ``assert not
    COND``, so its comparison is evaluated in the grader too (the raise's constant text is the
    message); any other statement as it is."""
    if not isinstance(stmt, ast.If) or stmt.orelse or not stmt.body:
        return stmt
    *before, raised = stmt.body
    if not isinstance(raised, ast.Raise) or raised.exc is None:
        return stmt
    if not all(isinstance(s, _BEFORE_RAISE) for s in before):
        return stmt
    exc = raised.exc
    message = None
    if isinstance(exc, ast.Call) and exc.args and isinstance(exc.args[0], ast.Constant):
        message = exc.args[0] if isinstance(exc.args[0].value, str) else None
    test = ast.UnaryOp(op=ast.Not(), operand=stmt.test)
    return ast.copy_location(ast.Assert(test=test, msg=message), stmt)


def fails(stmt: ast.stmt) -> bool:
    """Whether ``stmt`` is a ``raise`` or ``pytest.fail(...)``: where a test must not get."""
    if isinstance(stmt, ast.Raise):
        return True
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    return isinstance(call, ast.Call) and ast.unparse(call.func) in ("pytest.fail", "fail")


def pytest_raises(item: ast.withitem) -> bool:
    """Whether a ``with`` item is ``pytest.raises(...)`` (or ``raises(...)``)."""
    call = item.context_expr
    return isinstance(call, ast.Call) and ast.unparse(call.func) in ("pytest.raises", "raises")


def expects_raise(node: ast.AST) -> bool:
    """Whether ``node`` tests that the program raises (``raises.py``): a ``try`` holding an
    assert, or a ``raise`` in its body or ``else``; ``with pytest.raises(...)``."""
    if isinstance(node, ast.With):
        return any(pytest_raises(item) for item in node.items)
    if not isinstance(node, ast.Try | ast.TryStar):
        return False
    inside = [n for n in ast.walk(node) if isinstance(n, ast.stmt) and n is not node]
    return any(isinstance(as_assert(n), ast.Assert) for n in inside) or any(
        fails(s) for s in (*node.body, *node.orelse)
    )


def holds_assert(node: ast.AST) -> bool:
    return any(
        isinstance(as_assert(n), ast.Assert) or expects_raise(n)
        for n in ast.walk(node)
        if isinstance(n, ast.stmt)
    )


def helper_call(stmt: ast.stmt, helpers: dict[str, ast.FunctionDef]) -> ast.Call | None:
    """The call of ``stmt`` when it is ``helper(...)`` as a statement of its own."""
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return None
    call = stmt.value
    if not isinstance(call.func, ast.Name) or call.func.id not in helpers:
        return None
    others = {
        n.id for a in (*call.args, *call.keywords) for n in ast.walk(a) if isinstance(n, ast.Name)
    }
    return None if others & helpers.keys() else call


def helper_arguments(call: ast.Call, helper: ast.FunctionDef) -> dict[str, ast.expr]:
    """The expression each parameter of ``helper`` is bound to by ``call``, when the helper can
    be written out (see the module docstring); :class:`Unsupported` otherwise."""
    arguments = helper.args
    if arguments.posonlyargs or arguments.vararg or arguments.kwonlyargs or arguments.kwarg:
        raise Unsupported(f"{line(helper)}: {helper.name}() may only have plain parameters")
    if helper.decorator_list:
        raise Unsupported(f"{line(helper)}: {helper.name}() holds asserts and is decorated")
    for node in own_scope(helper.body):
        if isinstance(node, ast.Return | ast.Yield | ast.YieldFrom | ast.Global | ast.Nonlocal):
            raise Unsupported(
                f"{line(node)}: {helper.name}() holds asserts and a "
                f"{type(node).__name__.lower()}, so it cannot be written out in the grader"
            )
    params = [a.arg for a in arguments.args]
    rebound = set(params) & set().union(*(stored(s) for s in helper.body))
    if rebound:
        raise Unsupported(
            f"{line(helper)}: {helper.name}() binds its parameter {sorted(rebound)[0]!r} again"
        )
    return bind_arguments(call, helper)
