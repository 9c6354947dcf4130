"""The value of a parse tree at one point, with floats or (see :mod:`.mpprobe`) more digits.

Besides the value, an evaluation reports what comparisons need to trust it: a bound on its
absolute rounding error (propagated node by node, first order: cancellation in a sum, a
steep function, a large power all show up in it), the *span* of the expression (how many
digits of magnitude its literals and intermediate values cover: a difference hidden behind
``10^{-30}`` or a 16-digit decimal needs that many more digits to show), whether it left the
reals (real inputs, non-real result: ``\\sqrt{-1}``, ``\\ln(-2)``) and whether only roots did
so. Powers estimate their magnitude before computing, so ``10^{10^{10}}`` is refused
(:class:`Huge`) rather than computed.
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
    "MAX_WORK",
    "EvalError",
    "Evaluator",
    "Floats",
    "Huge",
    "TooCostly",
    "Unevaluable",
    "is_real",
]

MAX_LOG10 = 1e6
"""Values beyond 10^±MAX_LOG10 are refused (mpmath could represent them, slowly)."""
MAX_TERMS = 10_000
"""Sums and products with more terms are not evaluated (they are compared by structure)."""
_LIPSCHITZ = frozenset({"sin", "cos", "arctan", "arccot", "tanh", "abs"})
"""Functions whose slope is at most one: an argument off by ``e`` moves them by ``e`` at most."""
_POLES = frozenset({"tan", "sec", "csc", "cot"})
MAX_TRIG_LOG10 = 2000
"""Periodic functions of arguments beyond 10^this are not evaluated (reducing them costs
as many digits)."""
MAX_GAMMA = 2e5
"""``x!`` beyond this has more than a million digits: refused as :class:`Huge`."""
SPAN_FREE = 4
"""Values within 10^SPAN_FREE and 10^-SPAN_FREE/2 add nothing to the span (polynomials at the
probe points stay cheap); beyond, each digit of magnitude counts (twice below one)."""
MAX_WORK = 60_000
"""Work units one evaluation (all points) may spend: a float operation costs one, a
many-digit one more (see the backends' ``cost``); past that it raises :class:`TooCostly`."""


class EvalError(ArithmeticError):
    """The expression has no finite value at this point."""


class Huge(EvalError):
    """The value is beyond 10^MAX_LOG10 in magnitude (too large to compute, not undefined)."""


class TooCostly(Exception):
    """The evaluation would cost more than MAX_WORK (long sums at many digits, say)."""


class Unevaluable(EvalError):
    """The expression cannot be evaluated anywhere (a set, text, an unknown function)."""


def is_real(z: Any) -> bool:
    return bool(abs(z.imag) <= 1e-12 * max(1.0, abs(z)))


class Floats:
    """The float backend: Python complex numbers and cmath."""

    digits = 16
    cost = 1
    eps = 2.0**-52
    """A bound on the relative rounding error of one operation."""
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

    @staticmethod
    def error(x: float) -> Any:
        return x


def _rational(node: Node) -> Fraction | None:
    """A small rational exponent, written ``1/3`` or ``\\frac{2}{3}`` as well as ``0.5``."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Mul) and len(node.args) == 2:
        top, bottom = node.args
        if (
            isinstance(top, Num)
            and isinstance(bottom, Pow)
            and isinstance(bottom.base, Num)
            and bottom.exp == Num(Fraction(-1))
            and bottom.base.value
        ):
            return top.value / bottom.base.value
    return None


class Evaluator:
    """Evaluates nodes with one backend; ``evaluate`` gives a value and its error bound, and
    the attributes describe the last evaluation (since :meth:`reset`)."""

    def __init__(self, backend: Any = Floats) -> None:
        self.b = backend
        self.work = 0
        self.reset()

    def reset(self) -> None:
        self.branch = False
        self.log_branch = False
        self.span = 0.0

    def evaluate(self, node: Node, env: dict[str, Any]) -> tuple[Any, Any]:
        """The value of ``node`` and a bound on its absolute error."""
        self.work += self.b.cost
        if self.work > MAX_WORK:
            raise TooCostly(f"more than {MAX_WORK} units of work")
        value, err = self._node(node, env)
        size = abs(value)
        if size > err and size != 0:
            digits = self.b.log10abs(value)
            # a small value's square hides behind it too (cos 10^-10 is 1 - 5·10^-21)
            self.span += max(0.0, (-2 * digits if digits < 0 else digits) - SPAN_FREE)
        return value, err

    def _rounded(self, value: Any, err: Any, ops: int = 1) -> tuple[Any, Any]:
        return value, err + ops * self.b.eps * abs(value)

    def _node(self, node: Node, env: dict[str, Any]) -> tuple[Any, Any]:
        b = self.b
        zero = b.error(0.0)
        if isinstance(node, Num):
            v = node.value
            digits = (v.numerator.bit_length() + v.denominator.bit_length()) * 0.30103
            self.span += max(0.0, digits - 3)
            value = b.num(v)
            exact = v.denominator & (v.denominator - 1) == 0 and digits < b.digits - 1
            return value, zero if exact else b.eps * abs(value)
        if isinstance(node, Sym):
            return env[node.name], zero  # the same point on both sides, in the backend's type
        if isinstance(node, Const):
            if node.name == "oo":
                raise EvalError("infinity")
            return self._rounded(b.const(node.name), zero)
        if isinstance(node, Add):
            total, err, size = b.num(Fraction(0)), zero, zero
            for arg in node.args:
                value, e = self.evaluate(arg, env)
                total, err, size = total + value, err + e, size + abs(value)
            return total, err + b.eps * size
        if isinstance(node, Mul):
            product, err = b.num(Fraction(1)), zero
            for arg in node.args:
                value, e = self.evaluate(arg, env)
                err = err * abs(value) + abs(product) * e + err * e
                if product != 0 and value != 0 and product * value == 0:
                    raise EvalError("the product underflows")
                product = product * value
                err = err + b.eps * abs(product)
            return product, err
        if isinstance(node, Pow):
            return self.power(node, env)
        if isinstance(node, Func):
            return self.func(node, env)
        if isinstance(node, Unit):  # only nested units get here (``\\sin 30^\\circ``)
            body, e = self.evaluate(node.body, env)
            if node.unit == "deg":
                return self._rounded(body * b.const("pi") / 180, e * b.const("pi").real / 180, 3)
            if node.unit in ("%", "cents"):
                return self._rounded(body / 100, e / 100)
            return body, e
        raise Unevaluable(f"cannot evaluate {type(node).__name__}")

    def _leaves_reals(self, inputs: list[Any], result: Any, root: bool = False) -> Any:
        """Note when real inputs give a non-real result; ``root`` when only a root of unity
        separates the branches (a power with a real exponent), unlike logarithms."""
        if all(is_real(z) for z in inputs) and not is_real(result):
            self.branch = True
            self.log_branch = self.log_branch or not root
        return result

    def power(self, node: Pow, env: dict[str, Any]) -> tuple[Any, Any]:
        b = self.b
        base, eb = self.evaluate(node.base, env)
        exp_node = node.exp
        frac = _rational(exp_node)
        # a real root (odd roots of negative numbers; any root of a positive one, where it is
        # the principal value): cheaper than exp(log) at many digits
        if (
            frac is not None
            and frac.denominator > 1
            and base.imag == 0
            and (base.real > 0 or (base.real < 0 and frac.denominator % 2 == 1))
        ):
            value = b.real_root(base.real, frac.numerator, frac.denominator)
            return self._rounded(value, abs(float(frac) * value / base) * eb, 4)
        exp, ee = self.evaluate(exp_node, env)
        if base == 0:
            if exp.real <= 0:
                raise EvalError("0 to a non-positive power")
            return base, eb**exp.real if eb else eb
        if abs(exp) * abs(b.log10abs(base)) > MAX_LOG10:
            raise Huge("power too large")
        if isinstance(exp_node, Num) and exp_node.value.denominator == 1:
            n = exp_node.value.numerator
            if abs(n) <= 64:
                value = base**n
                if value == 0:
                    raise EvalError("the power underflows")
                return self._rounded(value, abs(n * value / base) * eb, abs(n))
        value = self._leaves_reals([base, exp], base**exp, root=is_real(exp))
        if value == 0:
            raise EvalError("the power underflows")
        err = abs(exp * value / base) * eb
        if ee:
            err = err + abs(value * b.log(base)) * ee
        return self._rounded(value, err, 4)

    def series(self, node: Func, env: dict[str, Any]) -> tuple[Any, Any]:
        """A sum or product with integer bounds, term by term (at most MAX_TERMS terms); the
        span counts the widest term once."""
        index, low, high, body = node.args
        (lo, elo), (hi, ehi) = self.evaluate(low, env), self.evaluate(high, env)
        if not (is_real(lo) and is_real(hi)) or lo.real % 1 or hi.real % 1 or elo or ehi:
            raise EvalError("a sum needs integer bounds")
        start, stop = round(float(lo.real)), round(float(hi.real))
        if stop - start >= MAX_TERMS:
            raise EvalError("too many terms")
        assert isinstance(index, Sym)
        total, err = self.b.num(Fraction(0 if node.name == "sum" else 1)), self.b.error(0.0)
        before, widest = self.span, 0.0
        for k in range(start, stop + 1):
            self.span = before
            term, e = self.evaluate(body, {**env, index.name: self.b.num(Fraction(k))})
            widest = max(widest, self.span - before)
            if node.name == "sum":
                total, err = total + term, err + e + self.b.eps * (abs(total) + abs(term))
            else:
                err = err * abs(term) + abs(total) * e + err * e
                total = total * term
                err = err + self.b.eps * abs(total)
        self.span = before + widest
        return total, err

    def _through(self, f: Callable[[Any], Any], x: Any, ex: Any, fx: Any) -> Any:
        """The error of ``f(x)`` given the error of ``x``: the steepest secant of ``f`` near
        ``x`` (over the error interval, or a short step when it is tiny), doubled."""
        b = self.b
        if not ex:
            return 4 * b.eps * abs(fx)
        self.work += 2 * b.cost
        step = b.eps**0.5 * max(abs(x), 1)
        h = max(ex, step)
        try:
            slope = max(abs(f(x + h) - fx), abs(f(x - h) - fx)) / h
        except (ArithmeticError, ValueError):
            raise EvalError("a singularity within rounding error") from None
        return 2 * slope * ex + 4 * b.eps * abs(fx)

    def func(self, node: Func, env: dict[str, Any]) -> tuple[Any, Any]:
        b = self.b
        name = node.name
        if name in ("sum", "prod"):
            return self.series(node, env)
        pairs = [self.evaluate(a, env) for a in node.args]
        args = [v for v, _ in pairs]
        if name in b.funcs:
            f, (x, ex) = b.funcs[name], pairs[0]
            if name == "tanh":  # tanh y is 1 - 2e^{-2y}: that many digits hide behind the 1
                hidden = min(2 * abs(float(x.real)) / math.log(10), 10.0 * MAX_LOG10)
                self.span += max(0.0, hidden - SPAN_FREE)
            if name in _LIPSCHITZ or name in _POLES:
                if x != 0 and b.log10abs(x) > MAX_TRIG_LOG10:
                    raise TooCostly("a periodic function of a huge argument")
                if ex > 1e-3:  # the argument is known to less than a period
                    if name in _POLES:
                        raise EvalError("a pole may lie within the argument's error")
                    value = self._leaves_reals(args, f(x))
                    return value, ex + 4 * b.eps * abs(value)
            value = self._leaves_reals(args, f(x))
            return value, self._through(f, x, ex, value)
        if name == "log":
            if args[0] == 0 or (len(args) > 1 and args[1] in (0, 1)):
                raise EvalError("logarithm of 0 or to base 0 or 1")
            value = b.log(args[0])
            err = pairs[0][1] / abs(args[0]) + b.eps * abs(value)
            if len(args) > 1:
                base = b.log(args[1])
                e_base = pairs[1][1] / abs(args[1]) + b.eps * abs(base)
                err = err / abs(base) + abs(value) * e_base / abs(base) ** 2
                value = value / base
            return self._leaves_reals(args, value), err + b.eps * abs(value)
        if name in ("factorial", "binom") and any(abs(a) > MAX_GAMMA for a in args):
            raise Huge("factorial too large")
        whole = [int(a.real) for a, e in pairs if not e and a.imag == 0 and a.real % 1 == 0]
        if name in ("factorial", "binom") and len(whole) == len(args) and min(whole) >= 0:
            # integers known exactly (a sum's index): the exact value, not gamma functions
            n = math.factorial(whole[0]) if name == "factorial" else math.comb(*whole)
            value = b.num(Fraction(n))
            return value, b.error(0.0) if n.bit_length() < 50 else b.eps * abs(value)
        if name == "factorial":
            value = b.gamma(args[0] + 1)
            return value, self._through(lambda z: b.gamma(z + 1), args[0], pairs[0][1], value)
        if name == "binom":
            (n, en), (k, ek) = pairs
            parts = [(n + 1, en), (k + 1, ek), (n - k + 1, en + ek)]
            gammas, rel = [], b.error(0.0)
            for z, e in parts:
                g = b.gamma(z)
                gammas.append((g, e))
                rel = rel + self._through(b.gamma, z, e, g) / abs(g)
            value = gammas[0][0] / (gammas[1][0] * gammas[2][0])
            return value, abs(value) * (rel + 3 * b.eps)
        if name in ("floor", "ceil"):
            z, e = pairs[0]
            if abs(z.imag) > 1e-12:
                raise EvalError("floor of a complex number")
            below = math.floor(float(z.real))
            if e and min(z.real - below, below + 1 - z.real) <= e:
                raise EvalError("floor of a value within rounding error of an integer")
            rounded = below if name == "floor" else below + 1
            return b.num(Fraction(rounded)), b.error(0.0)
        if name in ("f", "g", "h"):
            return self.generic(name, args), b.error(0.0)
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
