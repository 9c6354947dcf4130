"""The many-digit backends of numeric probing, on private mpmath contexts (when installed).

mpmath comes with SymPy (the ``math`` extra). A private ``MPContext`` per precision keeps our
settings away from the user's own mpmath and SymPy code.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache, lru_cache
from typing import Any, ClassVar

__all__ = ["backend"]


@cache
def backend(digits: int = 60) -> Any:
    """The mpmath backend class working with ``digits`` digits, or None without mpmath."""
    try:
        from mpmath import MPContext  # type: ignore[import-untyped]
    except ImportError:
        return None
    ctx = MPContext()
    ctx.dps = precision = digits

    def real(f: Any) -> Any:
        return lambda z: f(z)

    class _Precise:
        digits: ClassVar[int] = precision
        cost: ClassVar[int] = 2 + precision // 30
        eps = ctx.mpf(2) ** (1 - ctx.prec)
        funcs: ClassVar[dict[str, Any]] = {
            name: real(getattr(ctx, attr))
            for name, attr in (
                ("sin", "sin"),
                ("cos", "cos"),
                ("tan", "tan"),
                ("sec", "sec"),
                ("csc", "csc"),
                ("cot", "cot"),
                ("arcsin", "asin"),
                ("arccos", "acos"),
                ("arctan", "atan"),
                ("arcsec", "asec"),
                ("arccsc", "acsc"),
                ("arccot", "acot"),
                ("sinh", "sinh"),
                ("cosh", "cosh"),
                ("tanh", "tanh"),
            )
        }
        funcs["abs"] = lambda z: ctx.mpc(abs(z))

        @staticmethod
        @lru_cache(maxsize=4096)
        def num(value: Fraction) -> Any:
            """Cached: the same literals (``1``, ``-1``, ``2``) come up at every node."""
            return ctx.mpc(ctx.mpf(value.numerator) / value.denominator)

        @staticmethod
        def const(name: str) -> Any:
            return {"pi": ctx.mpc(ctx.pi), "e": ctx.mpc(ctx.e), "i": ctx.mpc(0, 1)}[name]

        @staticmethod
        def log(z: Any) -> Any:
            return ctx.log(z)

        @staticmethod
        def gamma(z: Any) -> Any:
            return ctx.gamma(z)

        @staticmethod
        def real_root(x: Any, p: int, q: int) -> Any:
            root = ctx.root(abs(x), q)
            return ctx.mpc(-root if x < 0 else root) ** p

        @staticmethod
        def finite(z: Any) -> bool:
            return bool(ctx.isfinite(z.real) and ctx.isfinite(z.imag))

        @staticmethod
        def log10abs(z: Any) -> float:
            """Within a bit of ``log10 |z|``, without a full-precision logarithm."""
            return float(ctx.mag(z)) * 0.30103

        @staticmethod
        def error(x: float) -> Any:
            return ctx.mpf(x)

    return _Precise
