"""Assert tests with control flow, written out so that every assert is a top-level statement.

An ``assert`` nested in a block would run inside the program's process, as it is: its
comparison would be the program's (an object whose ``__eq__`` always answers True passes it),
and the marker that says the asserts finished could be written by the program. So before the
asserts are split (``skeleton.py``), the test's blocks that hold asserts are written out here,
in the grader, where their control flow depends only on the test's own data:

* ``for`` over values the grader computes (``range(3)``, a literal list, a name bound to such a
  value, ``zip`` and ``enumerate`` of those: ``bindings.py``) becomes one copy of its body per
  value, the loop variables replaced by the values (``assert f(x) == 2 * x`` becomes
  ``assert f(0) == 2 * 0``, ...), with ``break``, ``continue`` and ``else`` as Python has them;
* ``if`` whose condition the grader computes keeps the branch taken;
* a top-level ``def`` holding asserts (HumanEval's ``def check(candidate)``) is a helper: each
  statement ``check(f)`` becomes a copy of its body, its parameters replaced by the arguments;
* ``if COND: raise ...`` is the assert it means, ``assert not COND`` (``helpers.py``);
* a ``try`` (or ``with pytest.raises``) that tests that the program raises stays one statement,
  which the grader decides over the call's exception (``raises.py``).

A block with asserts that cannot be written out this way (a condition or loop over values only
the program computes, ``while``, ``with``, a helper used other than as a statement of
its own) is refused with :class:`Unsupported`, which the grader reports as a bad test: running
it in the program's process is what this module exists to avoid. Blocks without asserts run in
the sandbox as they are. A loop value is the test's literal, not an object the program may have
changed: a test that checks an in-place change of a loop variable (``sort_in_place(a)`` as a
statement, then ``assert a == ...``) is refused too; written at the top level, it works.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from graders.checks.code.bindings import Bindings
from graders.checks.code.helpers import (
    as_assert,
    expects_raise,
    helper_arguments,
    helper_call,
    holds_assert,
)
from graders.checks.code.skeleton import MAX_UNROLLED, constant, literal_bindings
from graders.checks.code.syntax import Unsupported, assign, line, store, stored, substitute

__all__ = ["MAX_STATEMENTS", "Unsupported", "flatten"]

MAX_STATEMENTS = 20_000
"""The most statements a test may have once written out."""
_MAX_DEPTH = 8
"""How deeply helpers may call helpers."""
_MUTABLE = (list, dict, set, bytearray)

Flow = Literal["break", "continue"] | None
_NOTHING = object()
_KINDS: dict[type[ast.stmt], str] = {
    ast.While: "while", ast.With: "with", ast.AsyncWith: "async with", ast.Try: "try",
    ast.TryStar: "try", ast.FunctionDef: "def", ast.AsyncFunctionDef: "async def",
    ast.ClassDef: "class", ast.AsyncFor: "async for", ast.Match: "match",
}  # fmt: skip


def _loose_flow(node: ast.stmt) -> bool:
    """Whether ``node`` has a ``break`` or ``continue`` of an enclosing loop (one being written
    out), or a ``return``: run in the sandbox on its own, it would not parse."""

    def walk(n: ast.AST, in_loop: bool) -> bool:
        if isinstance(n, ast.Break | ast.Continue) and not in_loop:
            return True
        if isinstance(n, ast.Return):
            return True
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            return False
        inner = in_loop or isinstance(n, ast.For | ast.AsyncFor | ast.While)
        return any(
            walk(c, inner if c not in getattr(n, "orelse", ()) else in_loop)
            for c in ast.iter_child_nodes(n)
        )

    return walk(node, False)


def _substitute(node: ast.stmt, env: dict[str, ast.expr]) -> ast.stmt:
    """A copy of ``node`` with ``env``'s names replaced, where ``node`` does not bind them."""
    return substitute(node, {k: v for k, v in env.items() if k not in stored(node)})


class _Flattener:
    def __init__(self, module: ast.Module) -> None:
        self.helpers = {
            s.name: s for s in module.body if isinstance(s, ast.FunctionDef) and holds_assert(s)
        }
        self.known = Bindings(module.body, helpers=frozenset(self.helpers))
        """What the grader knows of the test's names at the statement being written out."""
        self.count = 0
        self.fresh = 0
        self.loops = 0
        """How many written-out loops (or helper bodies) the current statement is in."""

    def emit(self, out: list[ast.stmt], stmt: ast.stmt) -> None:
        self.count += 1
        if self.count > MAX_STATEMENTS:
            raise Unsupported(f"written out, the test has more than {MAX_STATEMENTS} statements")
        if isinstance(stmt, ast.Assert):
            self.known.split(stmt.test)  # a list a hole reads is the program's from here on
        self.known.ran(stmt)
        out.append(stmt)

    def value(self, node: ast.expr, env: dict[str, ast.expr], what: str) -> Any:
        """The value of a loop's iterable or a condition, computed here, or Unsupported."""
        ok, value = self.known.constant(substitute(node, env))
        if not ok:
            raise Unsupported(
                f"{line(node)}: a {what} over {ast.unparse(node)!r}, which only the program "
                "can compute, decides which asserts run, so they would run in the program's "
                "process; compute the values in the assert itself, or loop over literal data"
            )
        return value

    def block(
        self, body: Iterable[ast.stmt], env: dict[str, ast.expr], depth: int, out: list[ast.stmt]
    ) -> Flow:
        env = dict(env)
        for stmt in body:
            flow = self.statement(stmt, env, depth, out)
            if flow is not None:
                return flow
            for name in stored(stmt) & env.keys():  # the program's value from here on
                del env[name]
        return None

    def statement(
        self, stmt: ast.stmt, env: dict[str, ast.expr], depth: int, out: list[ast.stmt]
    ) -> Flow:
        stmt = as_assert(stmt)
        if isinstance(stmt, ast.FunctionDef) and stmt.name in self.helpers and depth == 0:
            return None  # written out where it is called
        call = helper_call(stmt, self.helpers)
        if call is not None:
            self.inline(call, env, depth, out)
            return None
        used = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)} & self.helpers.keys()
        if used:
            name = sorted(used)[0]
            raise Unsupported(
                f"{line(stmt)}: {name}() holds asserts, so it can only be called as a "
                f"statement of its own ({name}(...)), where the grader writes it out"
            )
        if isinstance(stmt, ast.Break | ast.Continue):
            return "break" if isinstance(stmt, ast.Break) else "continue"
        loose = bool(self.loops or depth) and _loose_flow(stmt)
        if isinstance(stmt, ast.If) and (loose or holds_assert(stmt)):
            taken = stmt.body if self.value(stmt.test, env, "condition") else stmt.orelse
            return self.block(taken, env, depth, out)
        if not holds_assert(stmt):
            if loose:
                raise Unsupported(
                    f"{line(stmt)}: a break or continue that depends on the program's values, "
                    "in a loop holding asserts, cannot be written out in the grader"
                )
            self.check_mutation(stmt, env)
            self.emit(out, self.rebound(stmt, env, out))
            return None
        if isinstance(stmt, ast.Assert):
            self.emit(out, self.rebound(stmt, env, out))
            return None
        if isinstance(stmt, ast.For):
            return self.loop(stmt, env, depth, out)
        if expects_raise(stmt):  # decided in the grader too (raises.py)
            self.emit(out, self.rebound(stmt, env, out))
            return None
        kind = _KINDS.get(type(stmt), type(stmt).__name__.lower())
        raise Unsupported(
            f"{line(stmt)}: asserts inside a {kind} block cannot be evaluated in the grader "
            "(only for and if over the test's own data, and top-level helper functions called "
            "as statements, are written out); write them as top-level asserts"
        )

    def rebound(self, stmt: ast.stmt, env: dict[str, ast.expr], out: list[ast.stmt]) -> ast.stmt:
        """``stmt`` with the loop values substituted; where it binds a loop variable itself
        (``for _ in range(n)`` inside it), the variable is bound in the sandbox first, and
        ``stmt`` reads it there."""
        for name in sorted(stored(stmt) & env.keys()):
            self.emit(out, assign(ast.Name(id=name, ctx=ast.Store()), env[name]))
        return _substitute(stmt, env)

    def check_mutation(self, stmt: ast.stmt, env: dict[str, ast.expr]) -> None:
        """Refuse ``f(a)`` as a statement for a loop variable ``a`` holding a list, dict or set:
        such a test reads the change the program made, which a written-out value cannot show."""
        if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
            return
        call = stmt.value
        args = [*call.args, *(k.value for k in call.keywords)]
        if isinstance(call.func, ast.Attribute):
            args.append(call.func.value)
        for arg in args:
            if not isinstance(arg, ast.Name) or arg.id not in env:
                continue
            bound = env[arg.id]
            if isinstance(bound, ast.Constant) and isinstance(bound.value, _MUTABLE):
                raise Unsupported(
                    f"{line(stmt)}: the loop passes {arg.id!r} to {ast.unparse(call.func)}() "
                    "as a statement, so the test reads a change the program makes to it: bind "
                    "it with an assignment at the top level, not in a loop the grader writes out"
                )

    def loop(
        self, stmt: ast.For, env: dict[str, ast.expr], depth: int, out: list[ast.stmt]
    ) -> Flow:
        values = self.value(stmt.iter, env, "loop")
        if not isinstance(values, Iterable):
            raise Unsupported(
                f"{line(stmt)}: the loop's {ast.unparse(stmt.iter)!r} is not iterable"
            )
        last: Any = _NOTHING
        self.loops += 1
        try:
            for index, item in enumerate(_bounded(values, stmt)):
                bound = literal_bindings(stmt.target, item)
                if bound is None:
                    raise Unsupported(
                        f"{line(stmt)}: the loop's values cannot be written into the test "
                        f"(value {index}: {item!r:.80})"
                    )
                last = item
                inner = {**env, **{name: ast.Constant(v) for name, v in bound.items()}}
                if self.block(stmt.body, inner, depth, out) == "break":
                    break
            else:
                flow = self.block(stmt.orelse, env, depth, out)
                if flow is not None:
                    return flow
        finally:
            self.loops -= 1
        if last is not _NOTHING:  # after the loop its variables keep their last values
            self.emit(out, assign(store(stmt.target), ast.Constant(last)))
        return None

    def inline(
        self, call: ast.Call, env: dict[str, ast.expr], depth: int, out: list[ast.stmt]
    ) -> None:
        assert isinstance(call.func, ast.Name)
        helper = self.helpers[call.func.id]
        if depth >= _MAX_DEPTH:
            raise Unsupported(f"{line(call)}: helpers call helpers more than {_MAX_DEPTH} deep")
        own: dict[str, ast.expr] = {}
        for name, arg in helper_arguments(call, helper).items():
            arg = substitute(arg, env)
            ok, value = constant(arg)  # a literal; a name stays one, read where it is used
            if ok and literal_bindings(ast.Name(id=name, ctx=ast.Store()), value) is not None:
                own[name] = ast.Constant(value)
            elif isinstance(arg, ast.Name):
                own[name] = arg
            else:  # evaluated once, as Python does, into a name the test does not use
                self.fresh += 1
                fresh = f"_graders_arg{self.fresh}"
                self.emit(out, assign(ast.Name(id=fresh, ctx=ast.Store()), arg))
                own[name] = ast.Name(id=fresh, ctx=ast.Load())
        flow = self.block(helper.body, {**env, **own}, depth + 1, out)
        if flow is not None:
            raise Unsupported(f"{line(call)}: a {flow} outside a loop in {helper.name}()")


def _bounded(values: Iterable[Any], where: ast.stmt) -> Iterator[Any]:
    for index, value in enumerate(values):
        if index >= MAX_UNROLLED:
            raise Unsupported(f"{line(where)}: a loop over more than {MAX_UNROLLED} values")
        yield value


def flatten(module: ast.Module) -> list[ast.stmt]:
    """The test's statements with every assert at the top level (see the module docstring);
    :class:`Unsupported` when an assert cannot be brought there."""
    flattener = _Flattener(module)
    out: list[ast.stmt] = []
    if not any(holds_assert(s) and not isinstance(as_assert(s), ast.Assert) for s in module.body):
        return [as_assert(s) for s in module.body]  # nothing nested: the common case
    flow = flattener.block(module.body, {}, 0, out)
    if flow is not None:
        raise Unsupported(f"a {flow} outside a loop")
    return out
