"""The grader's half of an assert test: its skeleton, evaluated here over the program's values.

``assert TEST`` is split into a *skeleton* (constants, displays, ``not``/``and``/``or``,
comparisons, arithmetic, subscripts, ``x if c else y``, calls to pure built-ins and to ``math``)
and *holes*: the largest subexpressions the skeleton cannot express (the program's names and
functions, calls to them, attributes of its objects, lambdas). A comprehension over values the
skeleton knows is written out (``all(f(x) == 2 * x for x in range(3))`` becomes
``bool(f(0) == 2 * 0 and f(1) == 2 * 1 and ...)``, up to 1,000 elements); any other is one hole,
and its value (an iterator's items, as a list) is the program's answer. Only the holes go to
the sandbox, as expressions whose values come back through the codec; the skeleton, with the
expected values in it, is evaluated here by a small interpreter that walks the tree
(``interpret.py``: nothing of the test is compiled or eval'ed in the grader). A program that
forges its records, patches ``builtins.type`` or ``math.isclose``, or returns an object whose
``__eq__`` always answers True gains nothing: all it controls is the holes' values, which are
its answer anyway. A hole whose value is not a built-in one fails the assert, unless it is what
a conversion such as ``len(s)`` or ``str(p)`` converts (``CONVERSIONS``): then the program
computes the conversion.

Holes run eagerly in the sandbox, in the order Python would reach them; one that raised counts
only where the skeleton needs its value, so ``x is None or f(x)[0] == 1`` keeps its short
circuit. Results too large to compute safely here (``2 ** 10 ** 10``, ``[0] * 10 ** 9``) are
refused, not computed (``guarded.py``).
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graders.checks.code.compare import compare_values
from graders.checks.code.guarded import ARITH, BUILTINS, MATH, UNARY, Failed
from graders.checks.code.interpret import Evaluator, Hole
from graders.checks.code.syntax import substitute

__all__ = ["Failed", "Hole", "Skeleton", "constant", "literal_bindings", "split"]


CONVERSIONS = frozenset((
    "abs", "all", "any", "bool", "dict", "float", "frozenset", "int", "len", "list", "max", "min",
    "repr", "reversed", "round", "set", "sorted", "str", "sum", "tuple",
))  # fmt: skip
"""Built-ins that turn a program's object into a built-in value through the object's own methods
(``len(stack)``, ``str(point)``, ``list(tree)``): where every argument is a hole and one is not a
built-in value, the sandbox computes the call itself, which is still only the program's answer
(never ``isinstance`` or ``type``, whose point is the value's real type)."""
_FUNCTION_ARGS = {"isinstance": (1,), "map": (0,), "filter": (0,)}
"""Built-ins' arguments that must be skeleton values (a function or a class cannot come back
from the sandbox); ``key=`` is one too. Where one is not, the whole call is a hole."""
_DISPLAYS = (ast.Constant, ast.Tuple, ast.List, ast.Set, ast.Dict, ast.BoolOp, ast.Compare)
_OTHERS = (ast.IfExp, ast.Subscript, ast.Slice, ast.Starred)


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
MAX_UNROLLED = 1000
"""The most elements a comprehension is written out to (beyond, it is one hole)."""


def literal_bindings(target: ast.expr, value: Any) -> dict[str, Any] | None:
    """The names a loop target binds to ``value``, when its value can be written in a hole."""
    if isinstance(target, ast.Name):
        try:
            same = ast.literal_eval(ast.unparse(ast.Constant(value))) == value
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            same = False
        return {target.id: value} if same else None
    if not isinstance(target, ast.Tuple | ast.List) or not isinstance(value, tuple | list | str):
        return None
    if len(value) != len(target.elts):
        return None
    out: dict[str, Any] = {}
    for part, item in zip(target.elts, value, strict=True):
        bound = literal_bindings(part, item)
        if bound is None:
            return None
        out.update(bound)
    return out


def _substitute(node: ast.expr, scope: dict[str, Any]) -> ast.expr:
    """A copy of ``node`` with the loop variables in ``scope`` replaced by their values."""
    return substitute(node, {name: ast.Constant(value) for name, value in scope.items()})


def _rebinds(node: ast.expr) -> bool:
    """Whether a lambda or comprehension inside comprehension ``node`` binds one of its loop
    variables again (writing the loop out would substitute where it must not)."""
    own = node.generators if isinstance(node, _COMPREHENSIONS) else []
    names = {n.id for g in own for n in ast.walk(g.target) if isinstance(n, ast.Name)}
    for inner in ast.walk(node):
        if isinstance(inner, ast.Lambda):
            arguments = inner.args
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
            every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
            if {a.arg for a in every} & names:
                return True
        elif isinstance(inner, ast.comprehension) and inner not in own:
            targets = {n.id for n in ast.walk(inner.target) if isinstance(n, ast.Name)}
            if targets & names:
                return True
    return False


def _children(node: ast.AST) -> list[ast.expr]:
    """The expressions directly inside ``node``, in the order Python evaluates them."""
    if isinstance(node, ast.Dict):
        pairs = zip(node.keys, node.values, strict=True)
        return [e for pair in pairs for e in pair if e is not None]
    if isinstance(node, ast.Call):
        return [node.func, *node.args, *(k.value for k in node.keywords)]
    out: list[ast.expr] = []
    for _, value in ast.iter_fields(node):
        if isinstance(value, ast.expr):
            out.append(value)
        elif isinstance(value, list):
            out.extend(v for v in value if isinstance(v, ast.expr))
    return out


class _Splitter:
    """Replaces the holes of a test (a copy) with ``Name("0")``, ``Name("1")``, ... and the names
    of built-ins and ``math`` functions with canonical ones (``Name("math.isclose")``)."""

    def __init__(
        self, modules: frozenset[str], names: Mapping[str, str], values: Mapping[str, Any]
    ) -> None:
        self.modules, self.names, self.values = modules, names, values
        self.holes: list[str] = []
        self.fallbacks: dict[int, str] = {}

    def function(self, node: ast.expr) -> str | None:
        """The built-in (``"len"``) or ``math`` function (``"math.sqrt"``) a name stands for."""
        if isinstance(node, ast.Name):
            if node.id in self.values:
                return None
            if self.names.get(node.id) in MATH:
                return f"math.{self.names[node.id]}"
            return node.id if node.id in BUILTINS else None
        if isinstance(node, ast.Attribute) and node.attr in MATH:
            module = node.value
            if isinstance(module, ast.Name) and module.id in self.modules:
                return f"math.{node.attr}"
        return None

    def shape(self, node: ast.expr) -> bool:
        """Whether the skeleton can evaluate ``node`` itself, given its children's values."""
        if isinstance(node, _DISPLAYS + _OTHERS):
            return True
        if isinstance(node, ast.UnaryOp):
            return type(node.op) in UNARY
        if isinstance(node, ast.BinOp):
            return type(node.op) in ARITH
        if isinstance(node, ast.Name) and node.id in self.values:
            return True
        if isinstance(node, ast.Name | ast.Attribute):
            return self.function(node) is not None
        if isinstance(node, ast.Call):
            return self.function(node.func) is not None and all(k.arg for k in node.keywords)
        return False

    def pure(self, node: ast.expr) -> bool:
        """Whether ``node`` is all skeleton (no holes)."""
        return (
            self.shape(node)
            and not self.absorbs(node)
            and all(self.pure(c) for c in _children(node))
        )

    def absorbs(self, node: ast.expr) -> bool:
        """Whether ``node`` must be one hole though the skeleton could evaluate it: a child of it
        is a value no hole can bring back (a function, a class) or an identity test."""
        if any(isinstance(c, ast.Lambda) for c in _children(node)):
            return True
        if isinstance(node, ast.Call):
            name = self.function(node.func)
            args = [node.args[i] for i in _FUNCTION_ARGS.get(name or "", ()) if i < len(node.args)]
            args += [k.value for k in node.keywords if k.arg == "key"]
            return not all(self.pure(a) for a in args)
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            return any(
                isinstance(op, ast.Is | ast.IsNot)
                and not self.pure(sides[i])
                and not self.pure(sides[i + 1])
                for i, op in enumerate(node.ops)
            )
        return False

    def canonical(self, node: ast.expr) -> ast.Name:
        """A built-in or ``math`` name, as ``Name("len")`` or ``Name("math.isclose")``."""
        return ast.Name(id=self.function(node) or "", ctx=ast.Load())

    def constant(self, node: ast.expr) -> tuple[bool, Any]:
        """(True, the value) of an expression without holes, when it can be computed now."""
        if not self.pure(node):
            return False, None
        try:
            return True, Evaluator([], None).value(self.visit(copy.deepcopy(node)))
        except Exception:  # Failed too: left to the sandbox, where it raises as it would
            return False, None

    def elements(self, node: ast.expr) -> list[ast.expr] | list[tuple[ast.expr, ast.expr]] | None:
        """A comprehension's elements written out, one per iteration (``f(0), f(1)`` for
        ``f(x) for x in range(2)``), when what it loops over and filters on is all skeleton
        and small; None otherwise (then it is one hole)."""
        if not isinstance(node, _COMPREHENSIONS) or _rebinds(node):
            return None
        if any(isinstance(n, ast.NamedExpr | ast.Await | ast.Yield) for n in ast.walk(node)):
            return None
        scopes: list[dict[str, Any]] = [{}]
        for generator in node.generators:
            if generator.is_async:
                return None
            inner: list[dict[str, Any]] = []
            for scope in scopes:
                ok, values = self.constant(_substitute(generator.iter, scope))
                if not ok or not isinstance(values, Iterable):
                    return None
                for value in values:
                    bound = literal_bindings(generator.target, value)
                    if bound is None or len(inner) >= MAX_UNROLLED:
                        return None
                    here = {**scope, **bound}
                    kept = [self.constant(_substitute(c, here)) for c in generator.ifs]
                    if not all(ok for ok, _ in kept):
                        return None
                    if all(keep for _, keep in kept):
                        inner.append(here)
            scopes = inner
        if isinstance(node, ast.DictComp):
            return [(_substitute(node.key, s), _substitute(node.value, s)) for s in scopes]
        return [_substitute(node.elt, s) for s in scopes]

    def unroll(self, node: ast.expr) -> ast.expr:
        """``node`` with a comprehension written out as a display, and ``all``/``any`` over one
        as ``bool(a and b ...)``/``bool(a or b ...)``, so that its comparisons are skeleton
        too; ``node`` itself where it cannot be."""
        name = self.function(node.func) if isinstance(node, ast.Call) else None
        if isinstance(node, ast.Call) and name in ("all", "any") and len(node.args) == 1:
            elements = None if node.keywords else self.elements(node.args[0])
            if elements is not None:
                values = [e for e in elements if isinstance(e, ast.expr)]
                if len(values) <= 1:
                    return values[0] if values else ast.Constant(name == "all")
                test = ast.BoolOp(op=ast.And() if name == "all" else ast.Or(), values=values)
                return ast.Call(ast.Name(id="bool", ctx=ast.Load()), args=[test], keywords=[])
            return node
        elements = self.elements(node)
        if elements is None:
            return node
        if isinstance(node, ast.DictComp):
            pairs = [e for e in elements if isinstance(e, tuple)]
            return ast.Dict(keys=[k for k, _ in pairs], values=[v for _, v in pairs])
        values = [e for e in elements if isinstance(e, ast.expr)]
        return ast.Set(elts=values) if isinstance(node, ast.SetComp) else ast.List(elts=values)

    def visit(self, node: ast.expr) -> ast.expr:
        node = self.unroll(node)
        if isinstance(node, ast.Name) and node.id in self.values:
            return ast.Constant(self.values[node.id])
        if isinstance(node, ast.Name | ast.Attribute) and self.function(node):
            return self.canonical(node)
        if isinstance(node, ast.Starred | ast.Slice) or (
            self.shape(node) and not self.absorbs(node)
        ):
            self._replace_children(node)
            return node
        self.holes.append(ast.unparse(node))
        return ast.Name(id=str(len(self.holes) - 1), ctx=ast.Load())

    def _replace_children(self, node: ast.expr) -> None:
        if isinstance(node, ast.Dict):  # keys and values in evaluation order
            for i, (key, value) in enumerate(zip(node.keys, node.values, strict=True)):
                node.keys[i] = None if key is None else self.visit(key)
                node.values[i] = self.visit(value)
            return
        if isinstance(node, ast.Call):  # the function is a built-in, never a hole
            source, first = ast.unparse(node), len(self.holes)
            node.func = self.canonical(node.func)
            node.args = [self.visit(a) for a in node.args]
            for keyword in node.keywords:
                keyword.value = self.visit(keyword.value)
            bare = all(isinstance(a, ast.Name) and a.id.isdigit() for a in node.args)
            only = len(self.holes) - first == len(node.args)  # no holes in its keywords
            if node.func.id in CONVERSIONS and node.args and bare and only:
                self.fallbacks.update((i, source) for i in range(first, len(self.holes)))
            return
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                setattr(node, field, self.visit(value))
            elif isinstance(value, list):
                setattr(
                    node, field, [self.visit(v) if isinstance(v, ast.expr) else v for v in value]
                )


def split(
    test: ast.expr,
    *,
    modules: frozenset[str] = frozenset({"math"}),
    names: Mapping[str, str] = {},
    values: Mapping[str, Any] = {},
) -> tuple[ast.expr, tuple[str, ...], tuple[str | None, ...]]:
    """(the skeleton of ``test``, its holes' sources, each hole's conversion or None, see
    ``CONVERSIONS``). ``modules`` are the names ``math`` goes by in the test, ``names`` maps
    names imported from it (``{"isclose": "isclose"}``), ``values`` the test's own names whose
    values the grader knows (``bindings.py``): they are skeleton values, never holes."""
    splitter = _Splitter(modules, names, values)
    skeleton = splitter.visit(copy.deepcopy(test))
    fallbacks = tuple(splitter.fallbacks.get(i) for i in range(len(splitter.holes)))
    return skeleton, tuple(splitter.holes), fallbacks


def constant(
    node: ast.expr,
    *,
    modules: frozenset[str] = frozenset({"math"}),
    names: Mapping[str, str] = {},
    values: Mapping[str, Any] = {},
) -> tuple[bool, Any]:
    """(True, its value) for an expression the grader computes without the program (literals,
    ``range``, the built-ins and ``math`` of the skeleton, ``values``), else (False, None)."""
    return _Splitter(modules, names, values).constant(node)


@dataclass(frozen=True)
class Skeleton:
    """One ``assert`` statement's condition, split: what the grader evaluates and what the sandbox
    does."""

    test: ast.expr
    """The condition, its holes replaced by ``Name("0")``, ``Name("1")``, ... (see split)."""
    holes: tuple[str, ...]
    """The expressions the sandbox evaluates, in order."""
    fallbacks: tuple[str | None, ...] = ()
    """Per hole, the conversion the sandbox computes instead when its value is not a built-in
    one (``len(s)`` for ``s``), or None."""
    message: str | None = None
    """The assert's message, when it is a constant string."""

    def check(self, holes: Sequence[Hole], *, float_tolerance: float | None) -> tuple[bool, str]:
        """(whether the assertion holds, ``got ..., expected ...`` for a failed ``==`` or else "");
        raises :class:`Failed` when it has no truth value."""
        run = Evaluator(holes, float_tolerance)
        test = self.test
        # A test that is one hole as a whole (assert f(1), assert isinstance(f(1), Node)) takes
        # its truth from the plain value the program sent: that is as forgeable as the program's
        # own answer, because it is its answer. Expected values in such a hole do reach it.
        try:
            if isinstance(test, ast.Compare) and [type(op) for op in test.ops] == [ast.Eq]:
                got, want = run.sides(test.left, test.comparators[0])
                return compare_values(got, want, float_tolerance=float_tolerance)
            if run.value(test):
                return True, ""
        except Failed:
            raise
        except RecursionError:
            raise Failed("refused", "a value nested too deeply") from None
        except MemoryError:
            raise Failed("refused", "a value too large to compute in the grader") from None
        except Exception as exc:  # what the expression raises, as it would in the program
            raise Failed("raised", f"{type(exc).__name__}: {exc}") from None
        return False, ""
