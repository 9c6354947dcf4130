"""Assert tests with control flow, written out so that every assert is a top-level statement.

An ``assert`` nested in a block would run inside the program's process, as it is: its
comparison would be the program's (an object whose ``__eq__`` always answers True passes it),
and the marker that says the asserts finished could be written by the program. So before the
asserts are split (``skeleton.py``), the test's blocks that hold asserts are written out here,
in the grader, where their control flow depends only on the test's own data:

* ``for`` over values the grader computes (``range(3)``, a literal list, a top-level name bound
  once to such a value, ``zip`` and ``enumerate`` of those) becomes one copy of its body per
  value, the loop variables replaced by the values (``assert f(x) == 2 * x`` becomes
  ``assert f(0) == 2 * 0``, ...), with ``break``, ``continue`` and ``else`` as Python has them;
* ``if`` whose condition the grader computes keeps the branch taken;
* a top-level ``def`` holding asserts (HumanEval's ``def check(candidate)``) is a helper: each
  statement ``check(f)`` becomes a copy of its body, its parameters replaced by the arguments;
* ``if COND: raise ...`` is the assert it means, ``assert not COND``.

A block with asserts that cannot be written out this way (a condition or loop over values only
the program computes, ``while``, ``with``, ``try``, a helper used other than as a statement of
its own) is refused with :class:`Unsupported`, which the grader reports as a bad test: running
it in the program's process is what this module exists to avoid. Blocks without asserts run in
the sandbox as they are. A loop value is the test's literal, not an object the program may have
changed: a test that checks an in-place change of a loop variable (``sort_in_place(a)`` as a
statement, then ``assert a == ...``) is refused too; written at the top level, it works.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from graders.checks.code.skeleton import MAX_UNROLLED, constant, literal_bindings

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


class Unsupported(ValueError):
    """An assert test whose asserts cannot all be evaluated in the grader."""


def _as_assert(stmt: ast.stmt) -> ast.stmt:
    """``if COND: raise ...`` (nothing else in it) as the assert it means, ``assert not COND``,
    so its comparison is evaluated in the grader too (the raise's constant text is the
    message); any other statement as it is."""
    if not isinstance(stmt, ast.If) or stmt.orelse or len(stmt.body) != 1:
        return stmt
    raised = stmt.body[0]
    if not isinstance(raised, ast.Raise) or raised.exc is None:
        return stmt
    exc = raised.exc
    message = None
    if isinstance(exc, ast.Call) and exc.args and isinstance(exc.args[0], ast.Constant):
        message = exc.args[0] if isinstance(exc.args[0].value, str) else None
    test = ast.UnaryOp(op=ast.Not(), operand=stmt.test)
    return ast.copy_location(ast.Assert(test=test, msg=message), stmt)


def _holds_assert(node: ast.AST) -> bool:
    return any(
        isinstance(_as_assert(n), ast.Assert) for n in ast.walk(node) if isinstance(n, ast.stmt)
    )


def _line(node: ast.AST) -> str:
    return f"line {getattr(node, 'lineno', '?')}"


def _stored(node: ast.AST) -> set[str]:
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


class _Substitute(ast.NodeTransformer):
    """Replace names by values (``Constant``) or other names, where they are read."""

    def __init__(self, env: dict[str, ast.expr]) -> None:
        self.env = env

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if isinstance(node.ctx, ast.Load) and node.id in self.env:
            return copy.deepcopy(self.env[node.id])
        return node


def _substitute(node: ast.stmt, env: dict[str, ast.expr]) -> ast.stmt:
    """A copy of ``node`` with ``env``'s names replaced, where ``node`` does not bind them."""
    here = {k: v for k, v in env.items() if k not in _stored(node)}
    out = _Substitute(here).visit(copy.deepcopy(node)) if here else copy.deepcopy(node)
    assert isinstance(out, ast.stmt)
    return out


def _once_bound(module: ast.Module) -> dict[str, Any]:
    """Top-level names bound once, to a value the grader computes (``cases = [(1, 2), ...]``),
    and bound nowhere else: the values ``for`` and ``if`` may use (the statements also run in
    the sandbox as they are)."""
    counts: dict[str, int] = {}
    for stmt in module.body:
        for name in _stored(stmt):
            counts[name] = counts.get(name, 0) + 1
    known: dict[str, Any] = {}
    for stmt in module.body:
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and counts.get(stmt.targets[0].id) == 1
        ):
            ok, value = constant(stmt.value)
            if ok:
                known[stmt.targets[0].id] = value
    return known


class _Flattener:
    def __init__(self, module: ast.Module) -> None:
        self.helpers = {
            s.name: s for s in module.body if isinstance(s, ast.FunctionDef) and _holds_assert(s)
        }
        self.known = _once_bound(module)
        self.count = 0
        self.fresh = 0
        self.loops = 0
        """How many written-out loops (or helper bodies) the current statement is in."""

    def emit(self, out: list[ast.stmt], stmt: ast.stmt) -> None:
        self.count += 1
        if self.count > MAX_STATEMENTS:
            raise Unsupported(f"written out, the test has more than {MAX_STATEMENTS} statements")
        out.append(stmt)

    def value(self, node: ast.expr, env: dict[str, ast.expr], what: str) -> Any:
        """The value of a loop's iterable or a condition, computed here, or Unsupported."""
        known = {k: ast.Constant(v) for k, v in self.known.items() if k not in env}
        expr = _Substitute({**known, **env}).visit(copy.deepcopy(node))
        ok, value = constant(expr)
        if not ok:
            raise Unsupported(
                f"{_line(node)}: a {what} over {ast.unparse(node)!r}, which only the program "
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
            for name in _stored(stmt) & env.keys():  # the program's value from here on
                del env[name]
        return None

    def statement(
        self, stmt: ast.stmt, env: dict[str, ast.expr], depth: int, out: list[ast.stmt]
    ) -> Flow:
        stmt = _as_assert(stmt)
        if isinstance(stmt, ast.FunctionDef) and stmt.name in self.helpers and depth == 0:
            return None  # written out where it is called
        call = _helper_call(stmt, self.helpers)
        if call is not None:
            self.inline(call, env, depth, out)
            return None
        used = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)} & self.helpers.keys()
        if used:
            name = sorted(used)[0]
            raise Unsupported(
                f"{_line(stmt)}: {name}() holds asserts, so it can only be called as a "
                f"statement of its own ({name}(...)), where the grader writes it out"
            )
        if isinstance(stmt, ast.Break | ast.Continue):
            return "break" if isinstance(stmt, ast.Break) else "continue"
        loose = bool(self.loops or depth) and _loose_flow(stmt)
        if isinstance(stmt, ast.If) and (loose or _holds_assert(stmt)):
            taken = stmt.body if self.value(stmt.test, env, "condition") else stmt.orelse
            return self.block(taken, env, depth, out)
        if not _holds_assert(stmt):
            if loose:
                raise Unsupported(
                    f"{_line(stmt)}: a break or continue that depends on the program's values, "
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
        kind = _KINDS.get(type(stmt), type(stmt).__name__.lower())
        raise Unsupported(
            f"{_line(stmt)}: asserts inside a {kind} block cannot be evaluated in the grader "
            "(only for and if over the test's own data, and top-level helper functions called "
            "as statements, are written out); write them as top-level asserts"
        )

    def rebound(self, stmt: ast.stmt, env: dict[str, ast.expr], out: list[ast.stmt]) -> ast.stmt:
        """``stmt`` with the loop values substituted; where it binds a loop variable itself
        (``for _ in range(n)`` inside it), the variable is bound in the sandbox first, and
        ``stmt`` reads it there."""
        for name in sorted(_stored(stmt) & env.keys()):
            self.emit(out, _assign(ast.Name(id=name, ctx=ast.Store()), env[name]))
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
                    f"{_line(stmt)}: the loop passes {arg.id!r} to {ast.unparse(call.func)}() "
                    "as a statement, so the test reads a change the program makes to it: bind "
                    "it with an assignment at the top level, not in a loop the grader writes out"
                )

    def loop(
        self, stmt: ast.For, env: dict[str, ast.expr], depth: int, out: list[ast.stmt]
    ) -> Flow:
        values = self.value(stmt.iter, env, "loop")
        if not isinstance(values, Iterable):
            raise Unsupported(
                f"{_line(stmt)}: the loop's {ast.unparse(stmt.iter)!r} is not iterable"
            )
        last: Any = _NOTHING
        self.loops += 1
        try:
            for index, item in enumerate(_bounded(values, stmt)):
                bound = literal_bindings(stmt.target, item)
                if bound is None:
                    raise Unsupported(
                        f"{_line(stmt)}: the loop's values cannot be written into the test "
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
            self.emit(out, _assign(_store(stmt.target), ast.Constant(last)))
        return None

    def inline(
        self, call: ast.Call, env: dict[str, ast.expr], depth: int, out: list[ast.stmt]
    ) -> None:
        assert isinstance(call.func, ast.Name)
        helper = self.helpers[call.func.id]
        if depth >= _MAX_DEPTH:
            raise Unsupported(f"{_line(call)}: helpers call helpers more than {_MAX_DEPTH} deep")
        params = _parameters(helper)
        args = _arguments(call, helper, params)
        own: dict[str, ast.expr] = {}
        for name, arg in zip(params, args, strict=True):
            arg = _Substitute(env).visit(copy.deepcopy(arg))
            ok, value = constant(arg)
            if ok and literal_bindings(ast.Name(id=name, ctx=ast.Store()), value) is not None:
                own[name] = ast.Constant(value)
            elif isinstance(arg, ast.Name):
                own[name] = arg
            else:  # evaluated once, as Python does, into a name the test does not use
                self.fresh += 1
                fresh = f"_graders_arg{self.fresh}"
                self.emit(out, _assign(ast.Name(id=fresh, ctx=ast.Store()), arg))
                own[name] = ast.Name(id=fresh, ctx=ast.Load())
        flow = self.block(helper.body, {**env, **own}, depth + 1, out)
        if flow is not None:
            raise Unsupported(f"{_line(call)}: a {flow} outside a loop in {helper.name}()")


def _store(target: ast.expr) -> ast.expr:
    """A copy of a loop target as an assignment target."""
    out = copy.deepcopy(target)
    for node in ast.walk(out):
        if isinstance(node, ast.Name | ast.Tuple | ast.List | ast.Starred):
            node.ctx = ast.Store()
    return out


def _assign(target: ast.expr, value: ast.expr) -> ast.stmt:
    return ast.fix_missing_locations(ast.Assign([target], copy.deepcopy(value), lineno=0))


def _bounded(values: Iterable[Any], where: ast.stmt) -> Iterator[Any]:
    for index, value in enumerate(values):
        if index >= MAX_UNROLLED:
            raise Unsupported(f"{_line(where)}: a loop over more than {MAX_UNROLLED} values")
        yield value


def _helper_call(stmt: ast.stmt, helpers: dict[str, ast.FunctionDef]) -> ast.Call | None:
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


def _parameters(helper: ast.FunctionDef) -> list[str]:
    """The helper's parameter names, when it can be written out: plain parameters, no
    decorators, no return, yield or global, and no parameter bound again inside."""
    arguments = helper.args
    if arguments.posonlyargs or arguments.vararg or arguments.kwonlyargs or arguments.kwarg:
        raise Unsupported(f"{_line(helper)}: {helper.name}() may only have plain parameters")
    if helper.decorator_list:
        raise Unsupported(f"{_line(helper)}: {helper.name}() holds asserts and is decorated")
    params = [a.arg for a in arguments.args]
    for node in _own_scope(helper.body):
        if isinstance(node, ast.Return | ast.Yield | ast.YieldFrom | ast.Global | ast.Nonlocal):
            raise Unsupported(
                f"{_line(node)}: {helper.name}() holds asserts and a "
                f"{type(node).__name__.lower()}, so it cannot be written out in the grader"
            )
    rebound = set(params) & set().union(*(_stored(s) for s in helper.body))
    if rebound:
        raise Unsupported(
            f"{_line(helper)}: {helper.name}() binds its parameter {sorted(rebound)[0]!r} again"
        )
    return params


def _own_scope(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of ``body`` outside the functions, lambdas and classes defined in it."""
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            todo.extend(ast.iter_child_nodes(node))


def _arguments(call: ast.Call, helper: ast.FunctionDef, params: list[str]) -> list[ast.expr]:
    """The expression each parameter is bound to by ``call`` (or its default)."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        raise Unsupported(f"{_line(call)}: call {helper.name}() without * or ** arguments")
    given: dict[str, ast.expr] = dict(zip(params, call.args, strict=False))
    if len(call.args) > len(params):
        raise Unsupported(f"{_line(call)}: {helper.name}() takes {len(params)} arguments")
    for keyword in call.keywords:
        if keyword.arg not in params or keyword.arg in given:
            raise Unsupported(f"{_line(call)}: {helper.name}() got a bad argument {keyword.arg!r}")
        given[keyword.arg] = keyword.value
    defaults = dict(
        zip(params[len(params) - len(helper.args.defaults) :], helper.args.defaults, strict=True)
    )
    missing = [p for p in params if p not in given and p not in defaults]
    if missing:
        raise Unsupported(f"{_line(call)}: {helper.name}() is missing argument {missing[0]!r}")
    return [given[p] if p in given else defaults[p] for p in params]


def flatten(module: ast.Module) -> list[ast.stmt]:
    """The test's statements with every assert at the top level (see the module docstring);
    :class:`Unsupported` when an assert cannot be brought there."""
    flattener = _Flattener(module)
    out: list[ast.stmt] = []
    if not any(_holds_assert(s) and not isinstance(_as_assert(s), ast.Assert) for s in module.body):
        return [_as_assert(s) for s in module.body]  # nothing nested: the common case
    flow = flattener.block(module.body, {}, 0, out)
    if flow is not None:
        raise Unsupported(f"a {flow} outside a loop")
    return out
