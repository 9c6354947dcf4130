"""The value of a parse tree at one point, with floats or (see :mod:`.mpprobe`) 60 digits.

Besides the value, an evaluation reports what comparisons need to trust it: whether it left
the reals (real inputs, non-real result: ``\\sqrt{-1}``, ``\\ln(-2)``) and whether only roots
did so, the largest term that was added (cancellation leaves an error of that size), and
whether a power was refused for its size. Powers estimate their magnitude before computing,
so ``10^{10^{10}}`` is refused (:class:`Huge`) rather than computed.
"""

from __future__ import annotations

import cmath
import math
import zlib
from collections.abc import Callable
from fractions import Fraction
from typing import Any, ClassVar

from graders.checks.math.nodes import Add, Const, Func, Mul, Node, Num, Pow, Sym, Unit

__all__ = [
    "MAX_LOG10",
    "MAX_TERMS",
    "EvalError",
    "Evaluator",
    "Floats",
    "Huge",
    "Unevaluable",
    "is_real",
]

MAX_LOG10 = 1e6
"""Values beyond 10^±MAX_LOG10 are refused (mpmath could represent them, slowly)."""
MAX_TERMS = 10_000
"""Sums and products with more terms are not evaluated (they are compared by structure)."""


class EvalError(ArithmeticError):
    """The expression has no finite value at this point."""


class Huge(EvalError):
    """The value is beyond 10^MAX_LOG10 in magnitude (too large to compute, not undefined)."""


class Unevaluable(EvalError):
    """The expression cannot be evaluated anywhere (a set, text, an unknown function)."""


def is_real(z: Any) -> bool:
    return bool(abs(z.imag) <= 1e-12 * max(1.0, abs(z)))


class Floats:
    """The float backend: Python complex numbers and cmath."""

    tol = 1e-9
    funcs: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "sin": cmath.sin,
        "cos": cmath.cos,
        "tan": cmath.tan,
        "sec": lambda z: 1 / cmath.cos(z),
        "csc": lambda z: 1 / cmath.sin(z),
        "cot": lambda z: 1 / cmath.tan(z),
        "arcsin": cmath.asin,
        "arccos": cmath.acos,
        "arctan": cmath.atan,
        "arcsec": lambda z: cmath.acos(1 / z),
        "arccsc": lambda z: cmath.asin(1 / z),
        "arccot": lambda z: cmath.atan(1 / z),
        "sinh": cmath.sinh,
        "cosh": cmath.cosh,
        "tanh": cmath.tanh,
        "abs": lambda z: complex(abs(z)),
    }

    @staticmethod
    def num(value: Fraction) -> Any:
        return complex(float(value))

    @staticmethod
    def const(name: str) -> Any:
        return {"pi": complex(math.pi), "e": complex(math.e), "i": 1j}[name]

    @staticmethod
    def log(z: Any) -> Any:
        return cmath.log(z)

    @staticmethod
    def gamma(z: Any) -> Any:
        if abs(z.imag) > 1e-12 or z.real > 170:
            raise EvalError("gamma outside the float range")
        return complex(math.gamma(z.real))

    @staticmethod
    def real_root(x: float, p: int, q: int) -> Any:
        return complex(math.copysign(abs(x) ** (1 / q), x) ** p)

    @staticmethod
    def finite(z: Any) -> bool:
        return cmath.isfinite(z)

    @staticmethod
    def log10abs(z: Any) -> float:
        return math.log10(abs(z))


class Evaluator:
    """Evaluates nodes with one backend; the attributes describe the last evaluation."""

    def __init__(self, backend: Any = Floats) -> None:
        self.b = backend
        self.exact_literals = True
        self.reset()

    def reset(self) -> None:
        self.scale: Any = 0.0
        self.branch = False
        self.log_branch = False

    def evaluate(self, node: Node, env: dict[str, Any]) -> Any:
        b = self.b
        if isinstance(node, Num):
            v = node.value
            if v.numerator.bit_length() > 53 or v.denominator.bit_length() > 53:
                self.exact_literals = False
            return b.num(v)
        if isinstance(node, Sym):
            return b.num(Fraction(0)) + env[node.name]
        if isinstance(node, Const):
            if node.name == "oo":
                raise EvalError("infinity")
            return b.const(node.name)
        if isinstance(node, Add):
            total = b.num(Fraction(0))
            for arg in node.args:
                value = self.evaluate(arg, env)
                self.scale = max(self.scale, abs(value))
                total = total + value
            return total
        if isinstance(node, Mul):
            product = b.num(Fraction(1))
            for arg in node.args:
                product = product * self.evaluate(arg, env)
            return product
        if isinstance(node, Pow):
            return self.power(node, env)
        if isinstance(node, Func):
            return self.func(node, env)
        if isinstance(node, Unit):  # only nested units get here (``\\sin 30^\\circ``)
            body = self.evaluate(node.body, env)
            if node.unit == "deg":
                return body * b.const("pi") / 180
            return body / 100 if node.unit in ("%", "cents") else body
        raise Unevaluable(f"cannot evaluate {type(node).__name__}")

    def _leaves_reals(self, inputs: list[Any], result: Any, root: bool = False) -> Any:
        """Note when real inputs give a non-real result; ``root`` when only a root of unity
        separates the branches (a power with a real exponent), unlike logarithms."""
        if all(is_real(z) for z in inputs) and not is_real(result):
            self.branch = True
            self.log_branch = self.log_branch or not root
        return result

    def power(self, node: Pow, env: dict[str, Any]) -> Any:
        b = self.b
        base = self.evaluate(node.base, env)
        exp_node = node.exp
        if isinstance(exp_node, Num) and exp_node.value.denominator % 2 == 1:
            frac = exp_node.value
            if abs(base.imag) == 0 and base.real < 0 and frac.denominator > 1:
                return b.real_root(base.real, frac.numerator, frac.denominator)
        exp = self.evaluate(exp_node, env)
        if base == 0:
            if exp.real <= 0:
                raise EvalError("0 to a non-positive power")
            return base
        if abs(exp) * abs(b.log10abs(base)) > MAX_LOG10:
            raise Huge("power too large")
        if isinstance(exp_node, Num) and exp_node.value.denominator == 1:
            n = exp_node.value.numerator
            if abs(n) <= 64:
                return base**n
        return self._leaves_reals([base, exp], base**exp, root=is_real(exp))

    def series(self, node: Func, env: dict[str, Any]) -> Any:
        """A sum or product with integer bounds, term by term (at most MAX_TERMS terms)."""
        index, low, high, body = node.args
        lo, hi = self.evaluate(low, env), self.evaluate(high, env)
        if not (is_real(lo) and is_real(hi)) or lo.real % 1 or hi.real % 1:
            raise EvalError("a sum needs integer bounds")
        start, stop = round(float(lo.real)), round(float(hi.real))
        if stop - start >= MAX_TERMS:
            raise EvalError("too many terms")
        assert isinstance(index, Sym)
        total = self.b.num(Fraction(0 if node.name == "sum" else 1))
        for k in range(start, stop + 1):
            term = self.evaluate(body, {**env, index.name: self.b.num(Fraction(k))})
            total = total + term if node.name == "sum" else total * term
        return total

    def func(self, node: Func, env: dict[str, Any]) -> Any:
        b = self.b
        name = node.name
        if name in ("sum", "prod"):
            return self.series(node, env)
        args = [self.evaluate(a, env) for a in node.args]
        if name in b.funcs:
            value = args[0]
            if name in ("sin", "cos", "tan", "sec", "csc", "cot"):
                self.scale = max(self.scale, abs(value))
            return self._leaves_reals(args, b.funcs[name](value))
        if name == "log":
            if args[0] == 0 or (len(args) > 1 and args[1] in (0, 1)):
                raise EvalError("logarithm of 0 or to base 0 or 1")
            value = b.log(args[0])
            value = value / b.log(args[1]) if len(args) > 1 else value
            return self._leaves_reals(args, value)
        if name == "factorial":
            return b.gamma(args[0] + 1)
        if name == "binom":
            n, k = args
            return b.gamma(n + 1) / (b.gamma(k + 1) * b.gamma(n - k + 1))
        if name in ("floor", "ceil"):
            z = args[0]
            if abs(z.imag) > 1e-12:
                raise EvalError("floor of a complex number")
            rounded = math.floor(float(z.real)) if name == "floor" else math.ceil(float(z.real))
            return b.num(Fraction(rounded))
        if name in ("f", "g", "h"):
            return self.generic(name, args)
        raise Unevaluable(f"unknown function {name}")

    def generic(self, name: str, args: list[Any]) -> Any:
        """An unknown function as a fixed, arbitrary function: its value depends only on
        its name and its arguments' values (so ``f(1+1) = f(2)`` while ``f(x) != f(y)``)."""
        parts = [name]
        for a in args:
            z = complex(a)
            parts.append(f"{z.real:.9g},{z.imag:.9g}")
        digest = zlib.crc32("|".join(parts).encode())
        return self.b.num(Fraction(1 + digest % 100_003, 50_000))
