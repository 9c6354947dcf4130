"""Reward shaping: length rewards and penalties, repetition penalties, clipping, rescaling.

* ``cosine_length``: open-r1's cosine-scaled length reward. A correct answer earns between
  ``max_value_correct`` (empty) and ``min_value_correct`` (at ``max_len``); a wrong one between
  ``min_value_wrong`` (empty) and ``max_value_wrong`` (at ``max_len``), so short wrong answers
  are punished most and short right answers are paid most.
* ``overlong_penalty``: DAPO's soft overlong punishment: 0 up to ``max_length - buffer``, then
  falling linearly to ``-penalty`` at ``max_length`` (and staying there beyond).
* ``repetition_penalty``: open-r1's n-gram penalty, ``(1 - distinct/total) * max_penalty``
  over lower-cased whitespace words.
* ``clip`` and ``rescale`` transform a child's score.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from graders.checks.base import OUTPUT_TEXT, TextCheck
from graders.checks.children import is_pass
from graders.checks.measure import LengthUnit, measure
from graders.core.context import GradeContext
from graders.core.registry import register
from graders.core.result import Result
from graders.spec.base import GraderSpec

if TYPE_CHECKING:
    from graders.spec.base import AnyGrader
from graders.spec.templates import Template

__all__ = ["Clip", "CosineLength", "OverlongPenalty", "RepetitionPenalty", "Rescale"]

_ANSWER = {"type": "numeric", "reference": "{{ item.answer }}", "extract": ["last_boxed"]}


class _Wrapper(GraderSpec):
    grader: AnyGrader  # resolved by the registry
    """The child whose score this node transforms."""

    def children(self) -> Iterator[tuple[tuple[str | int, ...], GraderSpec]]:
        yield ("grader",), self.grader


@register
class CosineLength(_Wrapper):
    """Length-aware correctness (open-r1's cosine-scaled reward); ``grader`` judges correctness.

    The child is correct when it passes (or scores at least 1).
    """

    type: Literal["cosine_length"] = "cosine_length"
    input: Template = OUTPUT_TEXT
    """The text whose length counts."""
    unit: LengthUnit = "chars"
    """How length is counted (open-r1 counts characters; ``tokens`` uses completion_ids)."""
    max_len: int = Field(default=1000, gt=0)
    """The length at which the cosine reaches its end value."""
    min_value_wrong: float = -1.0
    """A wrong answer's score at length 0 (the harshest)."""
    max_value_wrong: float = -0.5
    """A wrong answer's score at ``max_len`` and beyond."""
    min_value_correct: float = 0.5
    """A correct answer's score at ``max_len`` and beyond."""
    max_value_correct: float = 1.0
    """A correct answer's score at length 0 (the highest)."""

    example: ClassVar[dict[str, Any]] = {
        "type": "cosine_length",
        "grader": _ANSWER,
        "max_len": 2000,
    }

    async def grade(self, ctx: GradeContext) -> Result:
        child = await self.grader.run(ctx)
        if child.score is None:
            return Result(reason="the correctness child abstained", children=[child])
        length = measure(ctx, self.input.render_text(ctx), self.unit)
        progress = min(1.0, length / self.max_len)
        cosine = math.cos(progress * math.pi)
        correct = is_pass(child)
        if correct:
            low, high = self.min_value_correct, self.max_value_correct
        else:
            low, high = self.max_value_wrong, self.min_value_wrong
        score = low + 0.5 * (high - low) * (1.0 + cosine)
        verdict = "correct" if correct else "wrong"
        return Result(
            score=score,
            passed=correct,
            children=[child],
            reason=f"{verdict}, {length} {self.unit} of {self.max_len}: {score:.4g}",
        )


@register
class OverlongPenalty(GraderSpec):
    """DAPO's soft overlong penalty: 0 when short enough, down to ``-penalty`` at the limit."""

    type: Literal["overlong_penalty"] = "overlong_penalty"
    input: Template = OUTPUT_TEXT
    """The text whose length counts (ignored for ``tokens``)."""
    unit: LengthUnit = "tokens"
    """How length is counted; DAPO counts generated tokens."""
    max_length: int = Field(gt=0)
    """The generation limit."""
    buffer: int = Field(gt=0)
    """How far below ``max_length`` the penalty starts."""
    penalty: float = Field(default=1.0, gt=0)
    """The penalty at ``max_length``."""

    example: ClassVar[dict[str, Any]] = {
        "type": "overlong_penalty",
        "unit": "words",
        "max_length": 400,
        "buffer": 100,
    }

    @model_validator(mode="after")
    def _buffer_fits(self) -> OverlongPenalty:
        if self.buffer > self.max_length:
            raise ValueError(f"buffer={self.buffer} exceeds max_length={self.max_length}")
        return self

    async def grade(self, ctx: GradeContext) -> Result:
        length = measure(ctx, self.input.render_text(ctx), self.unit)
        start = self.max_length - self.buffer
        if length <= start:
            return Result(
                score=0.0, passed=True, reason=f"{length} {self.unit} <= {start}: no penalty"
            )
        score = max(-self.penalty, -(length - start) / self.buffer * self.penalty)
        return Result(
            score=score, passed=False, reason=f"{length} {self.unit} > {start}: penalty {score:.4g}"
        )


@register
class RepetitionPenalty(TextCheck):
    """open-r1's n-gram repetition penalty: 0 for no repeats, ``max_penalty`` for all repeats."""

    type: Literal["repetition_penalty"] = "repetition_penalty"
    ngram_size: int = Field(default=3, gt=0)
    """Words per n-gram."""
    max_penalty: float = -1.0
    """The score of a text made only of repeats (0 or negative)."""

    example: ClassVar[dict[str, Any]] = {
        "type": "repetition_penalty",
        "ngram_size": 3,
        "max_penalty": -0.5,
    }

    @field_validator("max_penalty")
    @classmethod
    def _negative(cls, value: float) -> float:
        if value > 0:
            raise ValueError(f"max_penalty={value} must be 0 or negative")
        return value

    def check(self, text: str, ctx: GradeContext) -> Result:
        words = text.lower().split()
        n = self.ngram_size
        total = len(words) - n + 1
        if total <= 0:
            return Result(score=0.0, reason=f"fewer than {n} words: no penalty")
        distinct = len({tuple(words[i : i + n]) for i in range(total)})
        score = (1 - distinct / total) * self.max_penalty + 0.0  # + 0.0: never -0.0
        return Result(score=score, reason=f"{distinct} distinct of {total} {n}-grams: {score:.4g}")


@register
class Clip(_Wrapper):
    """The child's score limited to ``[min, max]``."""

    type: Literal["clip"] = "clip"
    min: float | None = None
    """The lowest score passed on."""
    max: float | None = None
    """The highest score passed on."""

    example: ClassVar[dict[str, Any]] = {
        "type": "clip",
        "min": -1.0,
        "max": 1.0,
        "grader": {
            "type": "weighted",
            "graders": {"answer": _ANSWER, "format": {"type": "tag_format"}},
        },
    }

    @model_validator(mode="after")
    def _bounds(self) -> Clip:
        if self.min is None and self.max is None:
            raise ValueError("clip needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min={self.min} is greater than max={self.max}")
        return self

    async def grade(self, ctx: GradeContext) -> Result:
        child = await self.grader.run(ctx)
        if child.score is None:
            return Result(reason="the child abstained", children=[child])
        score = child.score
        if self.min is not None:
            score = max(self.min, score)
        if self.max is not None:
            score = min(self.max, score)
        note = "" if score == child.score else f" (clipped from {child.score:.4g})"
        return Result(
            score=score, passed=child.passed, children=[child], reason=f"{score:.4g}{note}"
        )


@register
class Rescale(_Wrapper):
    """The child's score mapped affinely from the range ``from`` onto the range ``to``."""

    type: Literal["rescale"] = "rescale"
    source: tuple[float, float] = Field(default=(0.0, 1.0), alias="from")
    """The child's range ``[low, high]``."""
    target: tuple[float, float] = Field(default=(-1.0, 1.0), alias="to")
    """The range to map it onto."""

    example: ClassVar[dict[str, Any]] = {
        "type": "rescale",
        "from": [0, 1],
        "to": [-1, 1],
        "grader": _ANSWER,
    }

    @field_validator("source")
    @classmethod
    def _nonempty(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[0] == value[1]:
            raise ValueError(f"from={list(value)} is an empty range")
        return value

    async def grade(self, ctx: GradeContext) -> Result:
        child = await self.grader.run(ctx)
        if child.score is None:
            return Result(reason="the child abstained", children=[child])
        (a, b), (c, d) = self.source, self.target
        score = c + (child.score - a) * (d - c) / (b - a)
        return Result(
            score=score,
            passed=child.passed,
            children=[child],
            reason=f"{child.score:.4g} from [{a:g}, {b:g}] to [{c:g}, {d:g}]: {score:.4g}",
        )
