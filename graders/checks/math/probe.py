"""Numeric probing: evaluate two expressions at the same points and compare the values.

Each variable gets a generic value that depends only on its name and the point (small and
large, positive and negative, and two points with mixed signs), so one side's values do not
depend on the other side and are cached: a gold is evaluated once for all its rollouts.

Every value comes with a bound on its rounding error and with the expression's *span* (see
:mod:`.evaluate`). At a point, two values *differ* when they are further apart than their
errors allow, and *agree* when they are closer than ``10^-(span + 9)`` of their size (one
for values below one), with errors well below that: so a 16-digit decimal is told apart
from ``\\pi``, ``x + 10^{-20}`` from ``x``, and ``\\sqrt{10^{100}+1}`` (a huge value) from
``3``. When the digits in hand cannot settle a point, the pair is evaluated again with as
many digits as the errors and span call for (floats first, then mpmath, up to
:data:`MAX_DIGITS`); past that, probing refuses (:class:`~.exact.TooLarge`), and when more
digits stop helping (an exact cancellation) it leaves the pair undecided.

Two expressions are *equal* when they agree at two or more points and differ at none;
*different* when they differ at a point where neither left the reals (or where only roots
did and the sizes differ, since root branches differ by a unit factor); when at no point
both sides stay in the reals (``\\sqrt{-x^2-1}`` against ``i\\sqrt{x^2+1}``), their
principal values are compared at every point, as SymPy and constants are; anything else is
undecided and goes on to SymPy. Points where telling the values apart would take more than
MAX_DIGITS digits (``e^{-x^2}`` at large ``x``) are left to the others, and so are points
that need more than CHEAP_DIGITS when three others agree. Where the gold is real and the
answer is not, the answer is wrong (``\\ln x`` for ``\\ln|x|``); where the gold left the reals,
the point proves nothing else (an answer may be defined on more than the gold's domain:
``\\ln x^2`` for ``2\\ln x``) unless the principal values agree at every such point; and
``\\sqrt{x^2}`` and ``x`` differ at negative ``x``. Floor and ceiling of a variable jump at
integers, where no point looks: probing never proves them equal.
"""

from __future__ import annotations

import cmath
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from graders.checks.math.evaluate import Evaluator, Floats, Huge, TooCostly, Unevaluable
from graders.checks.math.exact import TooLarge
from graders.checks.math.nodes import Func, Node, Sym, walk

__all__ = ["MAX_DIGITS", "numeric_equal", "numeric_value", "proportional", "stepwise", "symbols"]

_BASES = (
    0.5772156649,
    1.4142135624,
    17.3205080757,
    -0.8660254038,
    -13.0384048104,
    3.3166247904,
    0.2971277843,
)
"""One base value per point: small, moderate and large, positive and negative (the last two
points give variables mixed signs), so ``|x - 10|`` and ``10 - x`` are told apart."""
_MIXED = {5: 0, 6: 1}
"""Points where a variable's sign is flipped by one bit of its name's hash: two bits, so
that the common names (``x`` and ``y``, too) have opposite signs at one point at least and
``|xy|`` is told from ``xy``; the last point is below one in size (``|\\ln|x||``)."""


MAX_DIGITS = 2000
"""Probing refuses (undecided) a pair that would need more digits than this."""
CHEAP_DIGITS = 100
"""Points that need more digits than this (extreme values: ``e^{-x^2}`` at ``x = 25``) are
evaluated only when three other points do not already agree: a difference they could show is
an analytic one, which the moderate points show too, unless it hides behind a tiny term,
which widens the span at every point."""
_STEPS = frozenset({"floor", "ceil"})
GUARD = 9
"""Agreement to ``span + GUARD`` digits counts as equality (and a chance agreement of
unequal expressions to that many digits at every point as implausible)."""


def symbols(node: Node) -> list[str]:
    return sorted({n.name for n in walk(node) if isinstance(n, Sym)})


def _value(name: str, k: int) -> complex:
    spread = (zlib.crc32(f"{k}:{name}".encode()) % 100_003) / 100_003
    sign = -1 if k in _MIXED and zlib.crc32(name.encode()) >> _MIXED[k] & 1 else 1
    return complex(_BASES[k] * (1 + spread) * sign)


@dataclass(frozen=True, slots=True)
class Sample:
    """A node's values at every point (one point for a constant), with error bounds."""

    values: tuple[Any, ...]
    errors: tuple[Any, ...]
    spans: tuple[float, ...]
    branched: tuple[bool, ...]
    logs: tuple[bool, ...]
    huge: bool
    digits: int
    costly: bool = False
    """Evaluation stopped at MAX_WORK: comparing would be too costly."""

    def at(self, k: int) -> tuple[Any, Any, float, bool, bool]:
        j = k if len(self.values) > 1 else 0
        return self.values[j], self.errors[j], self.spans[j], self.branched[j], self.logs[j]


def _backend(digits: int) -> Any:
    if digits <= Floats.digits:
        return Floats
    from graders.checks.math import mpprobe

    return mpprobe.backend(digits)


@lru_cache(maxsize=16384)
def sample(node: Node, digits: int = 0) -> Sample | None:
    """The node evaluated at every point with ``digits`` digits (0: floats); None when it
    cannot be evaluated (or mpmath is missing)."""
    backend = _backend(digits)
    if backend is None:
        return None
    names = symbols(node)
    points = range(len(_BASES)) if names else range(1)
    ev = Evaluator(backend)
    values: list[Any] = []
    errors: list[Any] = []
    spans: list[float] = []
    branched, logs, huge = [], [], False
    for k in points:
        env = {name: backend.num(Fraction(0)) + _value(name, k) for name in names}
        ev.reset()
        value, err = None, None
        try:
            value, err = ev.evaluate(node, env)
            if not (backend.finite(value) and backend.finite(err + 0j)):
                value = None
        except Unevaluable:
            return None
        except TooCostly:
            return Sample((), (), (), (), (), False, digits, costly=True)
        except Huge:
            huge = True
        except (ArithmeticError, ValueError):
            pass
        values.append(value)
        errors.append(err)
        spans.append(ev.span)
        branched.append(ev.branch)
        logs.append(ev.log_branch)
    return Sample(
        tuple(values), tuple(errors), tuple(spans), tuple(branched), tuple(logs), huge, digits
    )


def _point(a: Any, ea: Any, b: Any, eb: Any, span: float, digits: int) -> tuple[bool | None, int]:
    """Whether two values differ (False) or agree (True) at a point, or how many digits it
    would take to tell (``(None, digits)``)."""
    gap, err = abs(a - b), 100 * (ea + eb)
    if gap > err:
        return False, 0
    size = max(abs(a), abs(b), 1)
    tol_digits = span + GUARD
    if not err or _digits(err / size) >= tol_digits:  # gap <= err, both small enough
        return True, 0
    lost = max(digits, Floats.digits) - _digits(err / size)
    return None, int(min(lost + tol_digits, 10.0 * MAX_DIGITS)) + 10


def _digits(x: Any) -> float:
    """How many digits below one a positive float or mpmath number is (``-log10 x``)."""
    if isinstance(x, float):
        return math.inf if x == 0 else -math.log10(x)
    return math.inf if not x else -float(x.context.log10(x))


def _pairs(left: Sample, right: Sample) -> range:
    return range(max(len(left.values), len(right.values)))


Verdict = tuple[bool | None, int]
"""A verdict at some precision, or ``(None, digits)``: evaluate again with that many."""


def _compare(left: Sample, right: Sample) -> Verdict:
    """True (equal), False (different) or None (undecided); see the module docstring."""
    constant = len(left.values) == len(right.values) == 1
    principal = not constant and _nowhere_real(left, right)
    agree, need, extreme = 0, 0, 0
    principal_agree, principal_all = 0, True
    for k in _pairs(left, right):
        a, ea, sa, ba, la = left.at(k)
        b, eb, sb, bb, lb = right.at(k)
        if a is None or b is None:
            continue
        if (ba or bb) and not principal and (ba or not _real(a, ea)):
            if not (la or lb):  # root branches differ by a unit factor: sizes still differ
                same, more = _point(abs(a), ea, abs(b), eb, sa + sb, left.digits)
                if same is False:
                    return False, 0
                need = max(need, more)
            # the same principal value (arcsin x and pi/2 - arccos x at x = 17) counts when it
            # is the same at every such point (then they are one complex function)
            if _point(a, ea, b, eb, sa + sb, left.digits)[0] is True:
                principal_agree += 1
            else:
                principal_all = False
            continue
        if bb and not principal and not _real(b, eb):
            return False, 0  # the answer leaves the reals where the gold is real (ln x, ln|x|)
        same, more = _point(a, ea, b, eb, sa + sb, left.digits)
        if same is False:
            return False, 0
        if more > MAX_DIGITS and not constant:
            continue  # values too extreme here (e^{-x^2} at x = 30): other points decide
        if more > CHEAP_DIGITS and not constant:
            extreme = max(extreme, more)  # needed only if the other points do not suffice
            continue
        agree += same is True
        need = max(need, more)
    if need:
        return None, need
    if principal_all:
        agree += principal_agree
    if agree >= (1 if constant else 3):
        return True, 0
    if extreme:
        return None, extreme
    return (True if agree >= (1 if constant else 2) else None), 0


def _real(z: Any, err: Any) -> bool:
    """Real within its error bound."""
    return bool(abs(z.imag) <= 100 * err + 1e-12 * abs(z))


def _nowhere_real(left: Sample, right: Sample) -> bool:
    """No point where both sides stay in the reals: the expressions only have complex values
    (``\\sqrt{-x^2-1}``), so their principal values are all they mean, as for constants."""
    points = [(left.at(k), right.at(k)) for k in _pairs(left, right)]
    defined = [(p, q) for p, q in points if p[0] is not None and q[0] is not None]
    return bool(defined) and all(p[3] or q[3] for p, q in defined)


def _escalate(left: Node, right: Node, decide: Callable[[Sample, Sample], Verdict]) -> bool | None:
    """``decide`` with floats, then with as many digits as it asks for (up to MAX_DIGITS)."""
    digits = 0
    while True:
        a, b = sample(left, digits), sample(right, digits)
        if a is None or b is None:
            return None
        if a.costly or b.costly:
            raise TooLarge("evaluating these would take too long")
        if a.huge != b.huge and any(v is not None for v in a.values + b.values):
            return False  # one side is astronomically larger than the other
        verdict, need = decide(a, b)
        if not digits and verdict is not False and None in a.values + b.values:
            need = max(need, 60)  # floats may have overflowed where mpmath would not
        if not need:
            return verdict
        if need <= digits:
            return None  # more digits did not help
        # a few precisions (cached), with a margin: error bounds of long sums are pessimistic
        digits = max(60, digits + 20, -(-(need + 10) // 20) * 20)
        if digits > MAX_DIGITS:
            raise TooLarge(f"telling these apart needs more than {MAX_DIGITS} digits")


def stepwise(node: Node) -> bool:
    """Whether the node jumps where no probe point looks: ``\\lfloor x \\rfloor`` is constant
    between integers and the points are never integers, so ``\\lceil x \\rceil`` and
    ``\\lfloor x \\rfloor + 1`` agree at every point. Probing can tell such nodes apart from
    others, but not prove them equal."""
    return any(isinstance(n, Func) and n.name in _STEPS and symbols(n) for n in walk(node))


def numeric_equal(left: Node, right: Node) -> bool | None:
    """Whether two scalar expressions are equal by probing; None when undecided; raises
    TooLarge when it would take more than MAX_DIGITS digits to tell."""
    verdict = _escalate(left, right, _compare)
    return None if verdict and (stepwise(left) or stepwise(right)) else verdict


def numeric_value(node: Node) -> complex | None:
    """The value of a constant expression as a float (None if it has none or is huge)."""
    if symbols(node):
        return None
    for digits in (0, 60):
        s = sample(node, digits)
        if s is None or s.costly:
            return None
        value, err = s.values[0], s.errors[0]
        if value is not None and err <= 1e-12 * abs(value):
            z = complex(value)
            return z if cmath.isfinite(z) else None
    return None


def proportional(left: Node, right: Node) -> tuple[bool | None, int]:
    """Whether ``left == k * right`` for one nonzero real constant ``k``, and the sign of ``k``.

    Two equations ``L1 = R1`` and ``L2 = R2`` are equivalent when ``L1 - R1`` and ``L2 - R2``
    are proportional; inequalities also need ``k > 0``."""
    sign = [0]

    def decide(a_s: Sample, b_s: Sample) -> Verdict:
        constant = len(a_s.values) == len(b_s.values) == 1
        ratios, need = [], 0
        for k in _pairs(a_s, b_s):
            a, ea, sa, ba, _ = a_s.at(k)
            b, eb, sb, bb, _ = b_s.at(k)
            if a is None or b is None:
                continue
            if bb and not (ba or constant) and _real(a, ea) and not _real(b, eb):
                return False, 0  # the answer leaves the reals where the gold is real
            if (ba or bb) and not constant:
                continue
            a_zero, b_zero = abs(a) <= 100 * ea, abs(b) <= 100 * eb
            if a_zero and b_zero:
                continue
            if a_zero or b_zero:
                return False, 0
            r = a / b
            ratios.append((r, abs(r) * (ea / abs(a) + eb / abs(b)), sa + sb))
        if len(ratios) < (1 if constant else 2):
            return None, 0
        first, e_first, s_first = ratios[0]
        for r, e, s in ratios[1:]:
            same, more = _point(r, e, first, e_first, s + s_first, a_s.digits)
            if same is False:
                return False, 0
            need = max(need, more)
        if need:
            return None, need
        if abs(first.imag) > 1e-9 * abs(first):
            return False, 0
        sign[0] = 1 if first.real > 0 else -1
        return True, 0

    same = _escalate(left, right, decide)
    if same and (stepwise(left) or stepwise(right)):
        return None, 0
    return same, sign[0] if same else 0
