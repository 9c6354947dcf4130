"""The test's own values: top-level names bound to values the grader computes, in order.

``expected = [1, 2, 3]`` then ``assert f(x) == expected``: read as a hole, ``expected`` would be
the sandbox's value, which the program (run first, in the same process) can change. So the
statements of an assert test are followed here in order, and a name bound by an assignment
whose value the grader computes (literals, arithmetic, the skeleton's built-ins and ``math``,
names known so far: ``data = {...}``, ``want = sorted(data["b"])``, MBPP's ``test_setup_code``)
is a skeleton value in the asserts after it: the grader's copy, the test's literal. The
assignment still runs in the sandbox, where the holes read it (``f(data["a"])``). A name bound
to anything else (``r = f(2)``, ``for``, ``def``, ``import``) is the program's from then on.

A list, dict or set is the test's literal only until program code could reach it: once a
statement the sandbox runs reads it (``sort_in_place(a)``, ``a.append(1)``), or a hole does
(``assert f(a) == a``: Python reads ``a`` after ``f`` changed it), it is the program's value
from that statement on, read back through a hole as any other; names bound to the same object
(``b = a``) go with it. Names read or declared ``global`` inside the test's own functions are
never known (calling one may change them unseen). What the program changes by itself
(``global expected`` in its code, ``sys._getframe()``) is never seen: that is the point.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable
from typing import Any

from graders.checks.code.skeleton import constant, split
from graders.checks.code.syntax import loaded, stored

__all__ = ["Bindings"]

_BUILTIN_NAMES = frozenset(dir(builtins))
"""Names that mean the real built-ins in the sandbox's asserts, whatever the test binds."""
_ATOMS = (type(None), bool, int, float, complex, str, bytes, range)


def _data(value: Any, mutable: bool = False) -> bool:
    """Whether ``value`` is plain data (no iterator, function or type); with ``mutable``,
    whether it also holds a list, dict, set or bytearray somewhere."""
    if isinstance(value, _ATOMS):
        return not mutable
    if isinstance(value, tuple | frozenset):
        parts = list(value)
    elif isinstance(value, list | set | bytearray):
        return True if mutable else all(_data(v) for v in value)
    elif isinstance(value, dict):
        return True if mutable else all(_data(v) for v in (*value.keys(), *value.values()))
    else:
        return False
    return any(_data(v, True) for v in parts) if mutable else all(_data(v) for v in parts)


def _shared(statements: Iterable[ast.stmt], skip: frozenset[str]) -> set[str]:
    """Names read or declared global inside the functions, lambdas and classes of the test
    (those named in ``skip`` are written out where they are called, so they do not count)."""
    names: set[str] = set()
    for stmt in statements:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Global | ast.Nonlocal):
                names.update(node.names)
            named = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            if (named and getattr(node, "name", "") not in skip) or isinstance(node, ast.Lambda):
                names |= loaded(node) - stored(node)  # less its own parameters and locals
    return names


def _containers(value: Any) -> set[int]:
    """The identities of the lists, dicts, sets and bytearrays in ``value``, at any depth."""
    found: set[int] = set()
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, list | set | bytearray | dict):
            if id(item) in found:
                continue
            found.add(id(item))
        if isinstance(item, dict):
            todo.extend((*item.keys(), *item.values()))
        elif isinstance(item, list | set | tuple | frozenset):
            todo.extend(item)
    return found


class Bindings:
    """What the grader knows of the test's names at one point of it: the values of the names
    bound to the test's own data, and what ``math`` goes by. Feed it each statement the sandbox
    runs, in order (``ran``); split each assert with ``split``."""

    def __init__(self, statements: Iterable[ast.stmt], *, helpers: frozenset[str] = frozenset()):
        statements = list(statements)
        self.values: dict[str, Any] = {}
        self.modules: set[str] = {"math"}
        self.names: dict[str, str] = {}
        """Names imported from ``math`` (``{"isclose": "isclose"}``)."""
        self._objects: dict[str, set[int]] = {}
        """Per known name holding lists, dicts or sets, their identities (``b = a`` shares)."""
        self._globals = {n for s in statements for g in ast.walk(s) if isinstance(g, ast.Global)
                         for n in g.names}  # fmt: skip
        self._shared = _shared(statements, helpers)

    def constant(self, node: ast.expr) -> tuple[bool, Any]:
        """(True, the value) of an expression the grader computes here, else (False, None)."""
        return constant(node, modules=frozenset(self.modules), names=self.names, values=self.values)

    def split(self, test: ast.expr) -> tuple[ast.expr, tuple[str, ...], tuple[str | None, ...]]:
        """``skeleton.split`` with the known values; a list, dict or set a hole reads becomes
        the program's, for this assert too (see the module docstring)."""
        while True:
            out = split(test, modules=frozenset(self.modules), names=self.names, values=self.values)
            reached: set[int] = set()
            for hole in out[1]:
                reached |= self._reached(ast.parse(hole, mode="eval"))
            if not self._forget(reached):
                return out

    def ran(self, stmt: ast.stmt) -> None:
        """Update what is known after ``stmt`` (an assert already split, or a statement run
        in the sandbox)."""
        if isinstance(stmt, ast.Import):
            self.modules.update(a.asname or a.name for a in stmt.names if a.name == "math")
        elif isinstance(stmt, ast.ImportFrom) and stmt.module == "math" and not stmt.level:
            self.names.update({a.asname or a.name: a.name for a in stmt.names if a.name != "*"})
        targets = stmt.targets if isinstance(stmt, ast.Assign) else []
        ok, value = (False, None)
        if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in targets):
            ok, value = self.constant(stmt.value)
        if not ok or not _data(value):
            if not isinstance(stmt, ast.Assert):
                self._forget(self._reached(stmt))
            self._unbind(stored(stmt))
            return
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        self._unbind(names)
        if names & (self._globals | self.names.keys() | self.modules | _BUILTIN_NAMES):
            return
        objects = _containers(value)
        if objects and names & self._shared:
            return
        for name in names:
            self.values[name] = value
            if objects:
                self._objects[name] = objects

    def _reached(self, node: ast.AST) -> set[int]:
        """The known lists, dicts and sets that code run in the sandbox reaches in ``node``:
        where it reads a known name, or an item of one the grader computes (``data["a"]``),
        what that value holds; where it assigns to an item, the container."""
        found: set[int] = set()

        def visit(n: ast.AST) -> None:
            root = n
            while isinstance(root, ast.Subscript):
                root = root.value
            if isinstance(root, ast.Name) and root.id in self._objects:
                part = n.value if isinstance(n, ast.Subscript) and _writes(n) else n
                ok, value = self.constant(part) if isinstance(part, ast.expr) else (False, None)
                found.update(_containers(value) if ok else self._objects[root.id])
                if ok and isinstance(n, ast.Subscript):
                    visit(n.slice)
                return
            for child in ast.iter_child_nodes(n):
                visit(child)

        visit(node)
        return found

    def _unbind(self, names: set[str]) -> None:
        """``names`` are bound anew: the old values are gone."""
        for name in names:
            self.values.pop(name, None)
            self._objects.pop(name, None)

    def _forget(self, objects: set[int]) -> bool:
        """Program code may have changed these objects: the names holding any of them are its
        now. Whether there were any."""
        names = {name for name, held in self._objects.items() if held & objects}
        for name in names:
            del self.values[name], self._objects[name]
        return bool(names)


def _writes(node: ast.Subscript) -> bool:
    return isinstance(node.ctx, ast.Store | ast.Del)
