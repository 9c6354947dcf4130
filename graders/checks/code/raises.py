"""Tests that the program raises, decided in the grader.

::

    try:                                    with pytest.raises(ValueError):
        f(-1)                                   f(-1)
        assert False                    or
    except (ValueError, TypeError) as e:
        assert "negative" in str(e)

The call in the ``try`` is one hole, evaluated in the sandbox; there the driver reports whether
it raised and, if it did, the classes of its exception (the exception's class and every class
it derives from, as module and qualified name) and its ``str()``. The grader then follows the
``try`` as Python would: the first ``except`` clause naming one of those classes (a built-in
name must be the built-in class; any other matches by its last dotted part) runs its asserts,
over ``str(e)`` and the test's own values only; a call that returns reaches the rest of the
``try`` block and its ``else``, which may only fail (``assert False``, ``raise``,
``pytest.fail(...)``) or be empty (then the test passes, as in Python). An exception no clause
names fails the test. The classes and message are the program's to choose, which gives it
nothing: to be reported as a ``ValueError`` it must raise one.

Refused, with the line: ``except:`` and ``except*``, a ``finally``, more than one statement
before the failing ones, asserts on the program's values inside the ``try``, an ``except
Exception`` (or ``AssertionError``) that would catch the test's own ``assert False``, uses of
the exception other than ``str(e)``, and ``pytest.raises`` with ``match=`` or ``as``.
"""

from __future__ import annotations

import ast
import builtins
import copy
from collections.abc import Sequence
from dataclasses import dataclass

from graders.checks.code.bindings import Bindings
from graders.checks.code.compare import short
from graders.checks.code.guarded import Failed
from graders.checks.code.helpers import as_assert, expects_raise, fails, pytest_raises
from graders.checks.code.interpret import Hole
from graders.checks.code.skeleton import Skeleton
from graders.checks.code.syntax import Unsupported, constant_text, line, loaded

__all__ = ["Raises", "expected_raise", "without_pytest"]

MESSAGE = "_graders_message"
"""The name ``str(e)`` goes by in an ``except`` clause's asserts: their only hole."""
_CATCH_ALL = frozenset({"AssertionError", "Exception", "BaseException"})
_FAILS = Skeleton(ast.Constant(False), ())


@dataclass(frozen=True)
class Handler:
    """One ``except`` clause: the classes it names and its asserts, over the message."""

    names: tuple[str, ...]
    asserts: tuple[tuple[str, Skeleton], ...] = ()
    """Each assert's source and skeleton (``assert False`` for a ``raise`` in the clause)."""


@dataclass(frozen=True)
class Raises(Skeleton):
    """A test that its one hole raises, with the ``except`` clauses that may catch it."""

    handlers: tuple[Handler, ...] = ()
    unraised: str | None = None
    """When a call that returns fails the test: the failing statement's message (or "");
    None when it passes."""

    def check(self, holes: Sequence[Hole], *, float_tolerance: float | None) -> tuple[bool, str]:
        (hole,) = holes
        call, raised = self.holes[0], hole.error.message if hole.error else ""
        expected = " or ".join(name for handler in self.handlers for name in handler.names)
        if hole.error is None or hole.error.kind != "raised":
            if self.unraised is None:
                return True, ""
            why = f": {short(self.unraised, 80)}" if self.unraised else ""
            return False, f"{call} raised no exception, expected {expected}{why}"
        for handler in self.handlers:
            if not _matches(handler.names, hole.classes):
                continue
            message = (
                Hole(hole.message)
                if hole.message is not None
                else Hole(error=Failed("wrong", "the exception's str() could not be read"))
            )
            for source, skeleton in handler.asserts:
                try:
                    holds, why = skeleton.check(
                        [message] * len(skeleton.holes), float_tolerance=float_tolerance
                    )
                except Failed as exc:  # str(e) unread, or the assert itself raised
                    holds, why = False, exc.message
                if not holds:
                    what = why or f"assertion failed: {source}"
                    return False, f"{call} raised {raised}; {what}"
            return True, ""
        return False, f"{call} raised {raised}, expected {expected}"


def _matches(names: tuple[str, ...], classes: tuple[tuple[str, str], ...]) -> bool:
    """Whether an exception of ``classes`` (module, qualified name) is one ``names`` catches."""
    for name in names:
        builtin = getattr(builtins, name.removeprefix("builtins."), None)
        if isinstance(builtin, type) and issubclass(builtin, BaseException):
            if ("builtins", builtin.__qualname__) in classes:
                return True
            continue
        last = name.rsplit(".", 1)[-1]
        if any(qualname.rsplit(".", 1)[-1] == last for _, qualname in classes):
            return True
    return False


def _names(node: ast.expr | None, where: ast.AST) -> tuple[str, ...]:
    """The dotted names an ``except`` clause catches."""
    if node is None:
        raise Unsupported(
            f"{line(where)}: a bare except also catches the test's own AssertionError, so the "
            "grader cannot tell what it means; name the exception (except ValueError:)"
        )
    parts = node.elts if isinstance(node, ast.Tuple) else [node]
    names = tuple(ast.unparse(p) for p in parts)
    if not parts or not all(_dotted(p) for p in parts):
        raise Unsupported(
            f"{line(where)}: an except clause must name its exceptions (ValueError, "
            f"(ValueError, TypeError) or module.Error), not {ast.unparse(node)!r}"
        )
    return names


def _dotted(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _unreachable(stmt: ast.stmt, known: Bindings) -> str | None:
    """The message of a statement that fails the test (``assert False, "why"``, ``raise``,
    ``pytest.fail("why")``), "" when it has none; None for any other statement."""
    stmt = as_assert(stmt)
    if isinstance(stmt, ast.Assert):
        ok, value = known.constant(stmt.test)
        if not ok or value:
            return None
        return constant_text(stmt.msg) or ""
    if not fails(stmt):
        return None
    exc = stmt.exc if isinstance(stmt, ast.Raise) else getattr(stmt, "value", None)
    return (constant_text(exc.args[0]) if isinstance(exc, ast.Call) and exc.args else None) or ""


def _handler(handler: ast.ExceptHandler, known: Bindings) -> Handler:
    names = _names(handler.type, handler)
    asserts: list[tuple[str, Skeleton]] = []
    for stmt in handler.body:
        if isinstance(stmt, ast.Pass) or (
            isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        ):
            continue
        if _unreachable(stmt, known) is not None:
            asserts.append((ast.unparse(stmt), _FAILS))
            continue
        test = as_assert(stmt)
        if not isinstance(test, ast.Assert):
            raise Unsupported(
                f"{line(stmt)}: an except clause of a test that expects an exception may only "
                "hold asserts (and pass); other statements cannot be evaluated in the grader"
            )
        condition = _MessageOf(handler.name).visit(copy.deepcopy(test.test))
        split, holes, _ = known.split(condition)
        if any(hole != MESSAGE for hole in holes):
            raise Unsupported(
                f"{line(stmt)}: an assert in an except clause may only compare str("
                f"{handler.name or 'e'}) with the test's own values, not "
                f"{ast.unparse(test.test)!r}"
            )
        skeleton = Skeleton(split, holes, (None,) * len(holes), constant_text(test.msg))
        asserts.append((ast.unparse(test), skeleton))
    return Handler(names, tuple(asserts))


class _MessageOf(ast.NodeTransformer):
    """Replaces ``str(e)`` (``e`` the clause's name) with the message's name."""

    def __init__(self, name: str | None) -> None:
        self.name = name

    def visit_Call(self, node: ast.Call) -> ast.expr:
        arg = node.args[0] if len(node.args) == 1 and not node.keywords else None
        named = isinstance(arg, ast.Name) and arg.id == self.name
        if named and isinstance(node.func, ast.Name) and node.func.id == "str":
            return ast.Name(id=MESSAGE, ctx=ast.Load())
        self.generic_visit(node)
        return node


def _as_try(stmt: ast.stmt) -> ast.Try:
    """``with pytest.raises(E): body`` as ``try: body except E: pass else: pytest.fail()``."""
    if isinstance(stmt, ast.Try):
        return stmt
    if isinstance(stmt, ast.TryStar):
        raise Unsupported(f"{line(stmt)}: except* cannot be evaluated in the grader")
    assert isinstance(stmt, ast.With)
    item = stmt.items[0]
    call = item.context_expr
    if (
        len(stmt.items) != 1
        or not pytest_raises(item)
        or not isinstance(call, ast.Call)
        or item.optional_vars is not None
        or call.keywords
        or len(call.args) != 1
    ):
        raise Unsupported(
            f"{line(stmt)}: only `with pytest.raises(E):` (without match= or as) is evaluated "
            "in the grader; check the message with try/except E as e: assert ... in str(e)"
        )
    fail = ast.Expr(ast.Call(ast.Name(id="fail", ctx=ast.Load()), [], []))
    handler = ast.ExceptHandler(type=call.args[0], name=None, body=[ast.Pass()])
    return ast.fix_missing_locations(
        ast.copy_location(ast.Try(stmt.body, [handler], [fail], []), stmt)
    )


def expected_raise(stmt: ast.stmt, known: Bindings) -> Raises:
    """The grader's half of a test that expects an exception (see the module docstring);
    :class:`Unsupported` for the forms it refuses."""
    test = _as_try(stmt)
    if test.finalbody:
        raise Unsupported(
            f"{line(test.finalbody[0])}: a finally clause in a test that expects an exception "
            "cannot be evaluated in the grader; move its statements after the try"
        )
    first, *tail = test.body
    for stmt in test.body:
        if isinstance(as_assert(stmt), ast.Assert) and _unreachable(stmt, known) is None:
            raise Unsupported(
                f"{line(stmt)}: asserts inside a try block that expects an exception would run "
                "in the program's process; assert on the values after the try, at the top level"
            )
    value = first.value if isinstance(first, ast.Expr | ast.Assign | ast.AnnAssign) else None
    ends = [_unreachable(s, known) for s in (*tail, *test.orelse)]
    if value is None or any(end is None for end in ends):
        raise Unsupported(
            f"{line(first)}: a try block that expects an exception must hold one call (or "
            "assignment) that should raise, then only assert False, raise or pytest.fail(...), "
            "and its else clause only those; anything else runs in the program's process"
        )
    handlers = tuple(_handler(h, known) for h in test.handlers)
    caught = {n.rsplit(".", 1)[-1] for h in handlers for n in h.names} & _CATCH_ALL
    if tail and caught:
        raise Unsupported(
            f"{line(tail[0])}: except {sorted(caught)[0]} also catches the AssertionError this "
            "statement raises, so the test would pass whatever the program does; put it in "
            "an else: clause, or catch the exception the program should raise"
        )
    unraised = next((end for end in ends if end is not None), None)
    if isinstance(first, ast.Assign | ast.AnnAssign) and unraised is None:
        raise Unsupported(
            f"{line(first)}: the try block binds a name the test may read later, and passes when "
            "the call returns; add assert False after it, or drop the assignment"
        )
    hole = ast.unparse(value)
    return Raises(ast.Name(id="0", ctx=ast.Load()), (hole,), (None,), None, handlers, unraised)


def without_pytest(statements: list[ast.stmt]) -> list[ast.stmt]:
    """The statements less ``import pytest`` (``from pytest import raises``) where only the
    forms the grader decides use it: the sandbox need not have pytest."""

    def imports(stmt: ast.stmt) -> set[str]:
        if isinstance(stmt, ast.Import) and all(a.name == "pytest" for a in stmt.names):
            return {a.asname or a.name for a in stmt.names}
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "pytest" and not stmt.level:
            return {a.asname or a.name for a in stmt.names}
        return set()

    names = set().union(*(imports(s) for s in statements))
    others = [s for s in statements if not imports(s) and not expects_raise(s)]
    if not names or names & set().union(*(loaded(s) for s in others)):
        return statements
    return [s for s in statements if not imports(s)]
