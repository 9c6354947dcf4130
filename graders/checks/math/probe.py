"""Numeric probing: evaluate two expressions at the same points and compare the values.

Each variable gets the same generic value on both sides, at several points (all positive, all
negative, mixed signs). Two expressions are *equal* when they agree at two or more points and
disagree at none where both are real; they *differ* when they disagree at a point where both
are real; anything else is undecided and goes to the next tier. Agreement only where one side
is complex is ignored, so ``\\ln x^2`` and ``2\\ln x`` agree on their common real domain while
``\\sqrt{x^2}`` and ``x`` differ at negative ``x``.

Floats are used first; when they cannot be trusted (huge or tiny values, literals beyond 53
bits, cancellation of many digits) the same evaluation runs in mpmath at 60 digits, when
mpmath is installed. Powers estimate their magnitude before computing, so ``10^{10^{10}}``
is refused rather than computed.
"""

from __future__ import annotations

import cmath
import math
import zlib
from collections.abc import Callable
from fractions import Fraction
from typing import Any, ClassVar

from graders.checks.math.nodes import Add, Const, Func, Mul, Node, Num, Pow, Sym, Unit, walk

__all__ = [
    "EvalError",
    "Probe",
    "Unevaluable",
    "numeric_equal",
    "numeric_value",
    "proportional",
    "symbols",
]

_BASES = (
    0.5772156649015329,
    1.4142135623730951,
    17.320508075688775,
    -0.8660254037844386,
    -13.038404810405298,
    3.3166247903554,
)
"""One base value per probe point: small, moderate and large, positive and negative (the last
point gives the variables alternating signs), so ``|x - 10|`` and ``10 - x`` are told apart."""
MAX_LOG10 = 1e6
"""Values beyond 10^±MAX_LOG10 are refused (mpmath could represent them, slowly)."""


class EvalError(ArithmeticError):
    """The expression has no finite value at this point (or cannot be evaluated at all)."""


class Huge(EvalError):
    """The value is beyond 10^MAX_LOG10 in magnitude (too large to compute, not undefined)."""


class Unevaluable(EvalError):
    """The expression cannot be evaluated anywhere (an unknown function, a set, text)."""


def symbols(node: Node) -> list[str]:
    return sorted({n.name for n in walk(node) if isinstance(n, Sym)})


def _env(names: list[str]) -> list[dict[str, complex]]:
    envs = []
    for k, base in enumerate(_BASES):
        env = {}
        for j, name in enumerate(names):
            sign = -1 if k == len(_BASES) - 1 and j % 2 else 1
            env[name] = complex(base * (1 + 0.318309886 * j) * sign)
        envs.append(env)
    return envs


class _Floats:
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


class Probe:
    """Evaluate nodes at the shared probe points with one backend."""

    def __init__(self, names: list[str], backend: Any = _Floats) -> None:
        self.b = backend
        self.envs = _env(names) if names else [{}]
        self.scale: Any = 0.0
        self.exact_literals = True
        self.huge = False
        self.branch = False
        self.branched: list[bool] = []
        self.logs: list[bool] = []
        self.left_logs: list[bool] = []
        self.log_branch = False
        self.scales: list[Any] = []
        self.left_scales: list[Any] = []
        self.top_scale: Any = 0.0

    @classmethod
    def precise(cls, names: list[str]) -> Probe | None:
        """A 60-digit mpmath probe, or None when mpmath is not installed."""
        from graders.checks.math import mpprobe

        backend = mpprobe.backend()
        return None if backend is None else cls(names, backend)

    def values(self, node: Node) -> list[Any]:
        """The node's value at each point (None where it has none). ``self.branched`` then
        says, per point, whether the evaluation left the reals (``\\sqrt{-1}``, ``\\ln(-2)``)."""
        out: list[Any] = []
        self.huge = False
        self.branched = []
        self.logs = []
        self.scales = []
        for env in self.envs:
            self.branch = False
            self.log_branch = False
            self.scale = 0.0
            try:
                value = self.eval(node, env)
                out.append(value if self.b.finite(value) else None)
            except Unevaluable:
                raise
            except Huge:
                self.huge = True
                out.append(None)
            except (EvalError, ArithmeticError, ValueError):
                out.append(None)
            self.branched.append(self.branch)
            self.logs.append(self.log_branch)
            self.scales.append(self.scale)
            self.top_scale = max(self.top_scale, self.scale)
        return out

    def _leaves_reals(self, inputs: list[Any], result: Any, root: bool = False) -> Any:
        """Note when real inputs give a non-real result; ``root`` when only a root of unity
        separates the branches (a power with a real exponent), unlike logarithms."""
        if all(_real(z) for z in inputs) and not _real(result):
            self.branch = True
            self.log_branch = self.log_branch or not root
        return result

    def eval(self, node: Node, env: dict[str, complex]) -> Any:
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
                value = self.eval(arg, env)
                self.scale = max(self.scale, abs(value))
                total = total + value
            return total
        if isinstance(node, Mul):
            product = b.num(Fraction(1))
            for arg in node.args:
                product = product * self.eval(arg, env)
            return product
        if isinstance(node, Pow):
            return self.power(node, env)
        if isinstance(node, Func):
            return self.func(node, env)
        if isinstance(node, Unit):  # only nested units get here (``\sin 30^\circ``)
            body = self.eval(node.body, env)
            if node.unit == "deg":
                return body * b.const("pi") / 180
            return body / 100 if node.unit in ("%", "cents") else body
        raise Unevaluable(f"cannot evaluate {type(node).__name__}")

    def power(self, node: Pow, env: dict[str, complex]) -> Any:
        b = self.b
        base = self.eval(node.base, env)
        exp_node = node.exp
        if isinstance(exp_node, Num) and exp_node.value.denominator % 2 == 1:
            frac = exp_node.value
            if abs(base.imag) == 0 and base.real < 0 and frac.denominator > 1:
                return b.real_root(base.real, frac.numerator, frac.denominator)
        exp = self.eval(exp_node, env)
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
        return self._leaves_reals([base, exp], base**exp, root=True)

    def func(self, node: Func, env: dict[str, complex]) -> Any:
        b = self.b
        name = node.name
        args = [self.eval(a, env) for a in node.args]
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

    def close(self, a: Any, b: Any, scale: Any = 0.0) -> bool:
        """Equal up to rounding: relative to the values, or to the largest terms that were
        added at this point (cancellation leaves an absolute error of that size)."""
        diff = abs(a - b)
        size = max(abs(a), abs(b))
        return bool(diff <= self.b.tol * size or diff <= self.b.tol * 1e-3 * scale)

    def trusted(self, values: list[Any]) -> bool:
        """Float results are trusted when literals were exact and few digits cancelled."""
        if not self.exact_literals:
            return False
        sizes = [float(abs(v)) for v in values if v is not None]
        if not sizes:
            return True
        biggest, smallest = max(sizes), min(sizes)
        scale = float(self.top_scale)
        if biggest > 1e12 or scale > 1e12 or (0 < smallest < 1e-9):
            return False
        return scale <= 1e6 * max(smallest, 1e-300) or smallest == 0

    def compare(
        self, left: list[Any], right: list[Any], lb: list[bool], rb: list[bool]
    ) -> bool | None:
        """True (equal), False (different) or None (undecided) from two value lists.

        Only points where neither side left the reals count (for constants every point
        counts): ``\\ln x^2`` and ``2 \\ln x`` agree wherever both are real, while values
        that merely agree in magnitude but went through different branches prove nothing.
        A float agreement that is close but not tight is undecided (it is re-run at 60 digits).
        """
        constant = len(self.envs) == 1
        agree, loose = 0, False
        for k, (a, b, ba, bb) in enumerate(zip(left, right, lb, rb, strict=True)):
            if a is None or b is None:
                continue
            scale = max(self.left_scales[k], self.scales[k])
            if (ba or bb) and not constant:
                # branches of roots differ by a unit factor: different sizes still differ
                if not (self.left_logs[k] or self.logs[k]) and not self.close(
                    abs(a), abs(b), scale
                ):
                    return False
                continue
            if not self.close(a, b, scale):
                return False
            agree += 1
            loose = loose or abs(a - b) > self.b.tol * 1e-3 * max(abs(a), abs(b), scale)
        if agree < (1 if constant else 2):
            return None
        return None if loose and self.b is _Floats else True


def _real(z: Any) -> bool:
    return bool(abs(z.imag) <= 1e-12 * max(1.0, abs(z)))


def numeric_equal(left: Node, right: Node) -> bool | None:
    """Whether two scalar expressions are equal by probing; None when undecided."""
    names = sorted(set(symbols(left)) | set(symbols(right)))
    probe: Probe | None = Probe(names)
    while probe is not None:
        try:
            lv = probe.values(left)
            left_huge, lb, probe.left_scales = probe.huge, probe.branched, probe.scales
            probe.left_logs = probe.logs
            rv = probe.values(right)
        except Unevaluable:
            return None
        if left_huge != probe.huge and any(v is not None for v in lv + rv):
            return False  # one side is astronomically larger than the other
        if probe.b is not _Floats:
            return probe.compare(lv, rv, lb, probe.branched)
        if probe.trusted(lv + rv):
            verdict = probe.compare(lv, rv, lb, probe.branched)
            if verdict is not None:
                return verdict
        probe = Probe.precise(names)
    return None


def numeric_value(node: Node) -> complex | None:
    """The value of a constant expression as a float (None if it has none or is huge)."""
    if symbols(node):
        return None
    probe = Probe([])
    try:
        (value,) = probe.values(node)
    except Unevaluable:
        return None
    if value is not None and probe.trusted([value]):
        return complex(value)
    precise = Probe.precise([])
    if precise is None:
        return None
    (value,) = precise.values(node)
    return None if value is None else complex(value)


def proportional(left: Node, right: Node) -> tuple[bool | None, int]:
    """Whether ``left == k * right`` for one nonzero real constant ``k``, and the sign of ``k``.

    Two equations ``L1 = R1`` and ``L2 = R2`` are equivalent when ``L1 - R1`` and ``L2 - R2``
    are proportional; inequalities also need ``k > 0``."""
    names = sorted(set(symbols(left)) | set(symbols(right)))
    probe: Probe | None = Probe(names)
    while probe is not None:
        try:
            lv = probe.values(left)
            lb, probe.left_scales = probe.branched, probe.scales
            rv = probe.values(right)
        except Unevaluable:
            return None, 0
        if probe.b is not _Floats or probe.trusted(lv + rv):
            return _ratio(probe, lv, rv, [x or y for x, y in zip(lb, probe.branched, strict=True)])
        probe = Probe.precise(names)
    return None, 0


def _ratio(
    probe: Probe, lv: list[Any], rv: list[Any], branched: list[bool]
) -> tuple[bool | None, int]:
    ratios = []
    for k, (a, b, branch) in enumerate(zip(lv, rv, branched, strict=True)):
        if a is None or b is None or (branch and len(probe.envs) > 1):
            continue
        a_zero = probe.close(a, 0 * a, probe.left_scales[k])
        b_zero = probe.close(b, 0 * b, probe.scales[k])
        if a_zero and b_zero:
            continue
        if a_zero or b_zero:
            return False, 0
        ratios.append(a / b)
    if len(ratios) < min(2, len(probe.envs)):
        return None, 0
    first = ratios[0]
    if all(probe.close(r, first) for r in ratios) and abs(first.imag) <= 1e-9 * abs(first):
        return True, 1 if first.real > 0 else -1
    return False, 0
