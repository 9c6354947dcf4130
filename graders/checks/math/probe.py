"""Numeric probing: evaluate two expressions at the same points and compare the values.

Each variable gets a generic value that depends only on its name and the point (small and
large, positive and negative, and a point with mixed signs), so one side's values do not
depend on the other side and are cached: a gold is evaluated once for all its rollouts.

Two expressions are *equal* when they agree at two or more points and disagree at none;
*different* when they disagree at a point where neither left the reals (or where only roots
did and the sizes differ, since root branches differ by a unit factor); anything else is
undecided and goes on to SymPy. Points where a side left the reals prove nothing else, so
``\\ln x^2`` and ``2\\ln x`` agree on their common real domain, ``\\sqrt{x^2}`` and ``x``
differ at negative ``x``, and a never-real expression is not declared equal to another just
because a huge common term swamps their difference.

Floats are used first; when they cannot be trusted (huge or tiny values, literals beyond 53
bits, many cancelled digits, or agreement that is close but not tight) the same evaluation
runs in mpmath at 60 digits, when mpmath is installed.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graders.checks.math.evaluate import Evaluator, Floats, Huge, Unevaluable
from graders.checks.math.nodes import Node, Sym, walk

__all__ = ["numeric_equal", "numeric_value", "proportional", "symbols"]

_BASES = (0.5772156649, 1.4142135624, 17.3205080757, -0.8660254038, -13.0384048104, 3.3166247904)
"""One base value per point: small, moderate and large, positive and negative (the last point
gives variables mixed signs), so ``|x - 10|`` and ``10 - x`` are told apart."""


def symbols(node: Node) -> list[str]:
    return sorted({n.name for n in walk(node) if isinstance(n, Sym)})


def _value(name: str, k: int) -> complex:
    spread = (zlib.crc32(f"{k}:{name}".encode()) % 100_003) / 100_003
    sign = -1 if k == len(_BASES) - 1 and zlib.crc32(name.encode()) % 2 else 1
    return complex(_BASES[k] * (1 + spread) * sign)


@dataclass(frozen=True, slots=True)
class Sample:
    """A node's values at every point (one point for a constant), and how far to trust them."""

    values: tuple[Any, ...]
    branched: tuple[bool, ...]
    logs: tuple[bool, ...]
    scales: tuple[Any, ...]
    huge: bool
    exact_literals: bool
    precise: bool

    def at(self, k: int) -> tuple[Any, bool, bool, Any]:
        j = k if len(self.values) > 1 else 0
        return self.values[j], self.branched[j], self.logs[j], self.scales[j]


def _backend(precise: bool) -> Any:
    if not precise:
        return Floats
    from graders.checks.math import mpprobe

    return mpprobe.backend()


@lru_cache(maxsize=16384)
def sample(node: Node, precise: bool = False) -> Sample | None:
    """The node evaluated at every point; None when it cannot be evaluated (or no mpmath)."""
    backend = _backend(precise)
    if backend is None:
        return None
    names = symbols(node)
    points = range(len(_BASES)) if names else range(1)
    ev = Evaluator(backend)
    values, branched, logs, scales, huge = [], [], [], [], False
    for k in points:
        env = {name: _value(name, k) for name in names}
        ev.reset()
        try:
            value = ev.evaluate(node, env)
            values.append(value if backend.finite(value) else None)
        except Unevaluable:
            return None
        except Huge:
            huge = True
            values.append(None)
        except (ArithmeticError, ValueError):
            values.append(None)
        branched.append(ev.branch)
        logs.append(ev.log_branch)
        scales.append(ev.scale)
    return Sample(
        tuple(values), tuple(branched), tuple(logs), tuple(scales), huge, ev.exact_literals, precise
    )


def _trusted(*samples: Sample) -> bool:
    """Float results are trusted when literals were exact and few digits cancelled."""
    if not all(s.exact_literals for s in samples):
        return False
    sizes = [float(abs(v)) for s in samples for v in s.values if v is not None]
    scale = max((float(x) for s in samples for x in s.scales), default=0.0)
    if not sizes:
        return True
    biggest, smallest = max(sizes), min(sizes)
    if biggest > 1e12 or scale > 1e12 or (0 < smallest < 1e-9):
        return False
    return scale <= 1e6 * max(smallest, 1e-300) or smallest == 0


def _close(a: Any, b: Any, scale: Any, tol: Any) -> bool:
    """Equal up to rounding: relative to the values, or to the largest terms added at this
    point (cancellation leaves an absolute error of that size)."""
    diff = abs(a - b)
    return bool(diff <= tol * max(abs(a), abs(b)) or diff <= tol * 1e-3 * scale)


def _pairs(left: Sample, right: Sample) -> range:
    return range(max(len(left.values), len(right.values)))


def _compare(left: Sample, right: Sample) -> bool | None:
    """True (equal), False (different) or None (undecided); see the module docstring."""
    tol = _backend(left.precise).tol
    constant = len(left.values) == len(right.values) == 1
    agree, loose = 0, False
    for k in _pairs(left, right):
        a, ba, la, sa = left.at(k)
        b, bb, lb, sb = right.at(k)
        if a is None or b is None:
            continue
        scale = max(sa, sb)
        if (ba or bb) and not constant:
            if not (la or lb) and not _close(abs(a), abs(b), scale, tol):
                return False  # root branches differ by a unit factor: sizes still differ
            continue
        if not _close(a, b, scale, tol):
            return False
        agree += 1
        loose = loose or abs(a - b) > tol * 1e-3 * max(abs(a), abs(b), scale)
    if agree < (1 if constant else 2):
        return None
    return None if loose and not left.precise else True


def _samples(left: Node, right: Node) -> tuple[Sample, Sample] | None:
    """Float samples when they can be trusted, else 60-digit ones; None when unavailable."""
    for precise in (False, True):
        a, b = sample(left, precise), sample(right, precise)
        if a is None or b is None:
            return None
        if precise or _trusted(a, b):
            return a, b
    return None


def numeric_equal(left: Node, right: Node) -> bool | None:
    """Whether two scalar expressions are equal by probing; None when undecided."""
    for precise in (False, True):
        a, b = sample(left, precise), sample(right, precise)
        if a is None or b is None:
            return None
        if a.huge != b.huge and any(v is not None for v in a.values + b.values):
            return False  # one side is astronomically larger than the other
        if precise or _trusted(a, b):
            verdict = _compare(a, b)
            if verdict is not None or precise:
                return verdict
    return None


def numeric_value(node: Node) -> complex | None:
    """The value of a constant expression as a float (None if it has none or is huge)."""
    if symbols(node):
        return None
    pair = _samples(node, node)
    if pair is None or pair[0].values[0] is None:
        return None
    return complex(pair[0].values[0])


def proportional(left: Node, right: Node) -> tuple[bool | None, int]:
    """Whether ``left == k * right`` for one nonzero real constant ``k``, and the sign of ``k``.

    Two equations ``L1 = R1`` and ``L2 = R2`` are equivalent when ``L1 - R1`` and ``L2 - R2``
    are proportional; inequalities also need ``k > 0``."""
    pair = _samples(left, right)
    if pair is None:
        return None, 0
    a_s, b_s = pair
    tol = _backend(a_s.precise).tol
    constant = len(a_s.values) == len(b_s.values) == 1
    ratios = []
    for k in _pairs(a_s, b_s):
        a, ba, _, sa = a_s.at(k)
        b, bb, _, sb = b_s.at(k)
        if a is None or b is None or ((ba or bb) and not constant):
            continue
        a_zero, b_zero = _close(a, 0 * a, sa, tol), _close(b, 0 * b, sb, tol)
        if a_zero and b_zero:
            continue
        if a_zero or b_zero:
            return False, 0
        ratios.append(a / b)
    if len(ratios) < (1 if constant else 2):
        return None, 0
    first = ratios[0]
    if all(_close(r, first, 0, tol) for r in ratios) and abs(first.imag) <= 1e-9 * abs(first):
        return True, 1 if first.real > 0 else -1
    return False, 0
