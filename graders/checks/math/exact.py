"""Exact rational values of constant answers, with sizes estimated before computing.

``exact(node)`` is the value of a constant answer when it is rational (``\\frac{6}{4}``,
``0.\\overline{3}``, ``2^{-3}``, ``\\sqrt{16}``, ``5!``), None when it is not (``\\sqrt 2``,
``\\pi``, anything with a variable). Every power, root and factorial first estimates the size
of its result and raises :class:`TooLarge` past :data:`MAX_BITS`, so ``9^{9^9}`` or
``10^{10^{10}}`` costs microseconds instead of hanging the process.
"""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction
from functools import cache, lru_cache

from graders.checks.math.nodes import Add, Func, Mul, Node, Num, Pow, Unit

__all__ = ["MAX_BITS", "TooLarge", "Undefined", "exact", "huge_equal", "magnitude_bits"]

MAX_BITS = 1 << 17
"""Exact results above this many bits (about 39,000 digits) are refused."""


_RESIDUE_TESTS = 12
"""Residue tests before a root of a big number: a non-power passes all with odds ``k^-12``."""


class TooLarge(ArithmeticError):
    """Computing this exactly would be too expensive (the value may still be compared)."""


class Undefined(ArithmeticError):
    """Division by zero and friends: the answer has no value."""


def magnitude_bits(value: Fraction) -> int:
    return max(value.numerator.bit_length(), value.denominator.bit_length())


def _sum_bits(a: Fraction, b: Fraction) -> int:
    """A bound on the size of ``a + b`` (integers add cheaply, fractions multiply out)."""
    na, da = a.numerator.bit_length(), a.denominator.bit_length()
    nb, db = b.numerator.bit_length(), b.denominator.bit_length()
    return max(na + db, nb + da, da + db)


@cache
def _residue_primes(k: int) -> tuple[int, ...]:
    """Primes ``p = 1 (mod k)``: modulo each, only one residue in ``k`` is a ``k``-th power."""
    primes: list[int] = []
    p = k + 1
    while len(primes) < _RESIDUE_TESTS and p < 100_000:
        if all(p % d for d in range(2, math.isqrt(p) + 1)):
            primes.append(p)
        p += k
    return tuple(primes)


def _maybe_power(n: int, k: int) -> bool:
    """False when ``n`` is provably no ``k``-th power (by residues: a few remainders of ``n``,
    linear time, instead of a root at full precision); True when it may be one."""
    for p in _residue_primes(k):
        r = n % p
        if r and pow(r, (p - 1) // k, p) != 1:
            return False
    return True


def _floor_root(n: int, k: int) -> int:
    """``floor(n ** (1/k))`` for ``n >= 1``: the root of the top half of the digits first,
    so Newton's method starts from half the digits and needs two or three full-size steps."""
    if n.bit_length() <= 52:  # exact as a float: the float root is off by one at most
        r: int = round(float(n) ** (1.0 / k))
        while r**k > n:
            r -= 1
        while (r + 1) ** k <= n:
            r += 1
        return r
    half = n.bit_length() // (2 * k)
    r = (_floor_root(n >> (k * half), k) + 1) << half  # at or above the root
    while True:
        nxt: int = ((k - 1) * r + n // r ** (k - 1)) // k
        if nxt >= r:
            return r
        r = nxt


def _int_root(n: int, k: int) -> int | None:
    """The exact ``k``-th root of ``n >= 0``, or None."""
    if n < 2:
        return n
    if k == 2:
        r = math.isqrt(n)
        return r if r * r == n else None
    if n.bit_length() >= 1000 and not _maybe_power(n, k):
        return None
    r = _floor_root(n, k)
    return r if r**k == n else None


@lru_cache(maxsize=256)
def _power(base: Fraction, exp: Fraction) -> Fraction | None:
    """``base ** exp`` when rational (cached: a long answer repeats ``7^{40000}``)."""
    if base == 0:
        if exp <= 0:
            raise Undefined("0 to a non-positive power")
        return Fraction(0)
    if base in (1, -1) and exp.denominator == 1:
        return base ** int(exp)
    if exp.denominator != 1:
        if base < 0 or exp.denominator > 64:
            return None
        k = exp.denominator
        if magnitude_bits(base) > MAX_BITS:
            raise TooLarge("root of a huge number")
        num, den = _int_root(base.numerator, k), _int_root(base.denominator, k)
        if num is None or den is None:
            return None
        base, exp = Fraction(num, den), Fraction(exp.numerator)
    if magnitude_bits(base) * abs(exp.numerator) > MAX_BITS:
        raise TooLarge("power too large to compute exactly")
    return base ** int(exp)


def _integer(value: Fraction, what: str) -> int:
    if value.denominator != 1 or value < 0:
        raise Undefined(f"{what} of a negative or non-integer number")
    return value.numerator


def _func(name: str, args: list[Fraction]) -> Fraction | None:
    if name == "abs":
        return abs(args[0])
    if name == "floor":
        return Fraction(math.floor(args[0]))
    if name == "ceil":
        return Fraction(math.ceil(args[0]))
    if name == "factorial":
        n = _integer(args[0], "factorial")
        if n > MAX_BITS or (n > 2 and n * math.log2(n) > MAX_BITS):
            raise TooLarge("factorial too large to compute exactly")
        return Fraction(math.factorial(n))
    if name == "binom":
        n, k = _integer(args[0], "binomial"), _integer(args[1], "binomial")
        if n > MAX_BITS:
            raise TooLarge("binomial coefficient too large")
        return Fraction(math.comb(n, k))
    return None


def exact(node: Node) -> Fraction | None:
    """The exact rational value of a constant answer, or None when it has none we can prove."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Add | Mul):
        values = []
        for arg in node.args:
            value = exact(arg)
            if value is None:
                return None
            values.append(value)
        if isinstance(node, Add):
            total = Fraction(0)
            for value in values:  # a common denominator can grow with every term
                if _sum_bits(total, value) > MAX_BITS:
                    raise TooLarge("sum too large to compute exactly")
                total += value
            return total
        total = Fraction(1)
        for value in values:
            if magnitude_bits(total) + magnitude_bits(value) > MAX_BITS:
                raise TooLarge("product too large to compute exactly")
            total *= value
        return total
    if isinstance(node, Pow):
        exp = exact(node.exp)
        if exp is None:
            return None
        inner = node.base
        if exp.denominator != 1 and isinstance(inner, Pow):
            # (b^m)^(p/q) = b^(m p/q) for b > 0: the root of 7^{39999} is 7^{13333}, and
            # that of 7^{40000} is irrational, both without computing 7^{40000}
            b, m = exact(inner.base), exact(inner.exp)
            if b is not None and b > 0 and m is not None and m.denominator == 1:
                return _power(b, m * exp)
        base = exact(inner)
        if base is None:
            return None
        if base == 0 and exp < 0:
            raise Undefined("division by zero")
        return _power(base, exp)
    if isinstance(node, Func):
        args = []
        for arg in node.args:
            value = exact(arg)
            if value is None:
                return None
            args.append(value)
        return _func(node.name, args)
    if isinstance(node, Unit) and node.unit != "deg":
        body = exact(node.body)
        if body is None or node.unit not in ("%", "cents"):
            return body
        return body / 100
    return None


def _power_form(node: Node) -> tuple[int, int] | None:
    """``b^e`` with integers as ``(r, k·e)`` where ``b = r^k`` and ``r`` is no perfect power."""
    if not isinstance(node, Pow):
        return None
    base, exp = exact(node.base), exact(node.exp)
    if base is None or exp is None or base.denominator != 1 or exp.denominator != 1:
        return None
    b, e = base.numerator, exp.numerator
    if b < 2 or b.bit_length() > 64:
        return None
    for k in range(b.bit_length(), 1, -1):
        root = _int_root(b, k)
        if root is not None and root > 1:
            return root, k * e
    return b, e


def _terms(node: Node) -> list[Node]:
    return list(node.args) if isinstance(node, Add) else [node]


def huge_equal(left: Node, right: Node) -> bool | None:
    """Compare values too large to compute by their structure: ``9^{9^9}`` is
    ``3^{2·9^9}``, and ``10^{10^{10}} + 1`` differs from ``10^{10^{10}}`` by 1. Terms common
    to both sides cancel one for one (``A + A`` is not ``A``); what is left must be exact."""
    try:
        a, b = _power_form(left), _power_form(right)
        if a is not None and b is not None:
            return a == b
        lt, rt = Counter(t.key() for t in _terms(left)), Counter(t.key() for t in _terms(right))
        if not lt & rt:
            return None
        rest_l = [t for t in _terms(left) if _take(lt, rt, t.key())]
        rest_r = [t for t in _terms(right) if _take(rt, lt, t.key())]
        for rest, other in ((rest_l, rest_r), (rest_r, rest_l)):
            if not other and rest and all(_power_form(t) is not None for t in rest):
                return False  # what is left is a sum of positive powers, nothing on the other side
        lv = [exact(t) for t in rest_l]
        rv = [exact(t) for t in rest_r]
    except (TooLarge, Undefined):
        return None
    if any(v is None for v in lv + rv):
        return None
    return sum((v for v in lv if v is not None), Fraction(0)) == sum(
        (v for v in rv if v is not None), Fraction(0)
    )


def _take(own: Counter[str], other: Counter[str], key: str) -> bool:
    """Whether a term with this key is left over once common terms cancel one for one."""
    if own[key] > other[key]:
        own[key] -= 1
        return True
    return False
