"""The operations and functions an assert's skeleton may use, guarded against huge results.

The skeleton (``skeleton.py``) runs in the grader's process, over values a program chose: an
operation whose result could be huge (``2 ** 10 ** 10``, ``[0] * 10 ** 9``, ``range(10 ** 12)``
consumed by ``sum``, ``math.factorial(10 ** 7)``, ``'%0999999999d' % 1``) is refused with
:class:`Failed` rather than computed. ``bytes`` is not among the built-ins: ``bytes(n)``
allocates ``n`` bytes.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Iterable
from typing import Any, Literal

__all__ = [
    "ARITH",
    "BUILTINS",
    "MATH",
    "MAX_BITS",
    "MAX_ITEMS",
    "ORDER",
    "UNARY",
    "Failed",
    "binop",
    "ints_fit",
]

MAX_BITS = 1 << 20
"""The largest integer (in bits) the grader does arithmetic with."""
MAX_ITEMS = 10**6
"""The largest sequence a repetition or a ``range`` may make here."""
_MAX_N = 100_000  # math.factorial, comb and perm
_MAX_ROUND = 4300  # round()'s ndigits


class Failed(Exception):
    """The assertion has no truth value: ``raised`` (the program's code, or the expression over
    its values, raised), ``wrong`` (a value it needs is not a built-in value) or ``refused`` (too
    large to compute here)."""

    def __init__(self, kind: Literal["raised", "wrong", "refused"], message: str) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message


def _refuse(what: str) -> Failed:
    return Failed("refused", f"{what} is too large to compute in the grader")


def ints_fit(*values: Any) -> None:
    for value in values:
        if isinstance(value, int) and value.bit_length() > MAX_BITS:
            raise _refuse(f"an integer of {value.bit_length()} bits")


def _fits(size: int, floor: int = 0) -> None:
    if size > max(MAX_ITEMS, floor):
        raise _refuse(f"a result of {size} items")


def _pow(base: Any, exp: Any, mod: Any = None) -> Any:
    ints_fit(base, exp, mod)
    ints = isinstance(base, int) and isinstance(exp, int)
    if mod is None:
        if ints and abs(base) > 1 and exp > 0 and base.bit_length() * exp > MAX_BITS:
            raise _refuse(f"a power of about {base.bit_length() * exp} bits")
        return pow(base, exp)
    if ints and isinstance(mod, int) and exp.bit_length() * mod.bit_length() > 1 << 24:
        raise _refuse("a modular power that large")  # a multiplication per bit of exp
    return pow(base, exp, mod)


ARITH: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: _pow,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
}
_SEQUENCES = (str, bytes, list, tuple)


def binop(op: type[ast.operator], a: Any, b: Any) -> Any:
    """``a op b`` on built-in values, refusing results that would be too large."""
    ints_fit(a, b)
    if op is ast.Mult:
        for seq, n in ((a, b), (b, a)):
            if isinstance(seq, _SEQUENCES) and isinstance(n, int):
                _fits(len(seq) * n, len(seq))
        if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_BITS:
            raise _refuse(f"a product of {a.bit_length() + b.bit_length()} bits")
    elif op is ast.LShift and isinstance(a, int) and isinstance(b, int) and a and b > 0:
        if a.bit_length() + b > MAX_BITS:
            raise _refuse(f"a shift to {a.bit_length() + b} bits")
    elif op is ast.Mod and isinstance(a, str | bytes):
        raise Failed("refused", "string formatting with % is not evaluated in the grader")
    result = ARITH[op](a, b)
    ints_fit(result)
    return result


def _range(*args: int) -> range:
    made = range(*args)
    try:
        size = len(made)
    except OverflowError:
        size = MAX_ITEMS + 1
    _fits(size)
    return made


def _sum(items: Iterable[Any], /, start: Any = 0) -> Any:
    values = list(items)
    if all(isinstance(v, int | float | complex) for v in (*values, start)):
        ints_fit(start, *values)
        return sum(values, start)  # Python's own (compensated) float summation
    if len(values) > 10_000:
        raise _refuse(f"a sum of {len(values)} sequences")
    total = start
    for value in values:
        total = binop(ast.Add, total, value)
    return total


def _round(number: Any, ndigits: int | None = None) -> Any:
    if ndigits is not None and isinstance(ndigits, int) and abs(ndigits) > _MAX_ROUND:
        raise _refuse(f"round(..., {ndigits})")
    ints_fit(number)
    return round(number) if ndigits is None else round(number, ndigits)


def _divmod(a: Any, b: Any) -> Any:
    ints_fit(a, b)
    return divmod(a, b)


def _type(value: Any) -> type:
    return type(value)


BUILTINS: dict[str, Any] = {
    "abs": abs, "all": all, "any": any, "bool": bool, "chr": chr, "complex": complex,
    "dict": dict, "divmod": _divmod, "enumerate": enumerate, "filter": filter, "float": float,
    "frozenset": frozenset, "int": int, "isinstance": isinstance, "len": len, "list": list,
    "map": map, "max": max, "min": min, "ord": ord, "pow": _pow, "range": _range, "repr": repr,
    "reversed": reversed, "round": _round, "set": set, "sorted": sorted, "str": str,
    "sum": _sum, "tuple": tuple, "type": _type, "zip": zip,
}  # fmt: skip
"""Built-ins an assert's skeleton may use (as today, a built-in name in a test means the real
built-in), guarded where a call could make something huge."""


def _math_call(name: str) -> Callable[..., Any]:
    func = getattr(math, name)

    def call(*args: Any, **kwargs: Any) -> Any:
        ints_fit(*args, *kwargs.values())
        if name in ("factorial", "comb", "perm") and any(
            isinstance(a, int) and a > _MAX_N for a in args
        ):
            raise _refuse(f"math.{name} of a number over {_MAX_N}")
        return func(*args, **kwargs)

    call.__name__ = name
    return call


_MATH_NAMES = (
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "comb", "copysign", "cos",
    "cosh", "degrees", "dist", "erf", "erfc", "exp", "expm1", "fabs", "factorial", "floor", "fmod",
    "frexp", "fsum", "gamma", "gcd", "hypot", "isclose", "isfinite", "isinf", "isnan", "isqrt",
    "ldexp", "lgamma", "log", "log10", "log1p", "log2", "modf", "nextafter", "perm", "pow",
    "radians", "remainder", "sin", "sinh", "sqrt", "tan", "tanh", "trunc", "ulp",
)  # fmt: skip
"""The pure ``math`` functions a skeleton may call (guarded against huge integers)."""
MATH: dict[str, Any] = {name: _math_call(name) for name in _MATH_NAMES if hasattr(math, name)}
MATH.update(pi=math.pi, e=math.e, tau=math.tau, inf=math.inf, nan=math.nan)

UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.Not: operator.not_,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Invert: operator.invert,
}
ORDER: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
