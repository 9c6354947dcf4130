"""``numeric``: compare the number an output states with the reference number, exactly.

Numbers are read as people write them (see :mod:`graders.checks.numbers`) and compared as exact
fractions, with an absolute or relative tolerance only when one is configured. Scoring is
binary by default; ``linear`` and ``exponential`` decay with the distance for shaped rewards.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from graders.checks.base import ReferenceCheck, excerpt
from graders.checks.numbers import ParsedNumber, parse_number
from graders.core.context import GradeContext
from graders.core.errors import GradeFailure
from graders.core.registry import register
from graders.core.result import Result

__all__ = ["Numeric"]


def _float(value: Fraction) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.copysign(math.inf, value)


def _show(value: Fraction) -> str:
    if value.denominator == 1:
        text = str(value.numerator)
        return text if len(text) <= 40 else f"{text[:12]}...({len(text)} digits)"
    return f"{value.numerator}/{value.denominator} (~{_float(value):.6g})"


@register
class Numeric(ReferenceCheck):
    """The number in the input equals the reference number (within an optional tolerance)."""

    type: Literal["numeric"] = "numeric"
    abs_tol: float = Field(default=0.0, ge=0)
    """Accept answers at most this far from the reference."""
    rel_tol: float = Field(default=0.0, ge=0)
    """Accept answers within this fraction of the reference's magnitude."""
    percent: Literal["as_written", "fraction", "either"] = "as_written"
    """How ``12%`` reads: ``as_written`` (12, the GSM8K habit), ``fraction`` (0.12), or
    ``either`` (accept whichever matches)."""
    scoring: Literal["binary", "linear", "exponential"] = "binary"
    """``binary`` 1 or 0; ``linear`` falls to 0 at ``scale`` away; ``exponential`` is
    exp(-distance/scale)."""
    scale: float | None = Field(default=None, gt=0)
    """The distance scale of ``linear`` and ``exponential`` scoring."""

    example: ClassVar[dict[str, Any]] = {
        "type": "numeric",
        "reference": "{{ item.answer }}",
        "extract": [{"step": "regex", "pattern": r"####\s*(.+)"}],
    }

    @model_validator(mode="after")
    def _scale_matches_scoring(self) -> Numeric:
        if self.scoring != "binary" and self.scale is None:
            raise ValueError(f"scoring={self.scoring!r} needs a scale")
        if self.scoring == "binary" and self.scale is not None:
            raise ValueError("scale is only used with linear or exponential scoring")
        return self

    def _values(self, parsed: ParsedNumber) -> list[Fraction]:
        if not parsed.percent or self.percent == "as_written":
            return [parsed.value]
        if self.percent == "fraction":
            return [parsed.value / 100]
        return [parsed.value, parsed.value / 100]

    def check(self, text: str, ctx: GradeContext) -> Result:
        raw_ref = self.read_reference(ctx)
        ref = parse_number(raw_ref)
        if ref is None:
            raise GradeFailure("bad_reference", f"reference {excerpt(raw_ref)} is not a number")
        got = parse_number(text)
        if got is None:
            return Result(score=0.0, passed=False, reason=f"not a number: {excerpt(text)}")
        ref_values = self._values(ref)
        distance = min(abs(a - b) for a in self._values(got) for b in ref_values)
        allowed = max(
            Fraction(str(self.abs_tol)), Fraction(str(self.rel_tol)) * min(map(abs, ref_values))
        )
        within = distance <= allowed
        details = {"input": str(got), "reference": str(ref)}
        relation = "==" if distance == 0 else ("~=" if within else "!=")
        reason = f"{_show(got.value)} {relation} {_show(ref.value)}"
        if within or self.scoring == "binary":
            return Result(
                score=1.0 if within else 0.0, passed=within, reason=reason, details=details
            )
        assert self.scale is not None
        excess = _float(distance - allowed)
        if self.scoring == "linear":
            score = max(0.0, 1.0 - excess / self.scale)
        else:
            score = math.exp(-excess / self.scale)
        return Result(
            score=score,
            passed=False,
            reason=f"{reason} (off by {_float(distance):.6g})",
            details=details,
        )
