"""A judge panel: several judges, or several draws of one, reduced to one score.

``graders`` are the members (any graders, usually judges; the fields are a composite's, as in
``mean``). ``samples`` asks each member that many times, as independent draws: a seeded member
uses ``seed + draw``, and each draw is cached on its own. The scores are reduced by ``mean``,
``median`` or ``majority`` (the most common score; a tie between scores goes to the lowest,
since a false positive teaches the policy to cheat). Members that abstain are left out by
default (``on_child_abstain``).
"""

from __future__ import annotations

import asyncio
import contextvars
import statistics
from collections import Counter
from typing import Any, ClassVar, Literal

from pydantic import Field

from graders.checks.children import OnChildAbstain
from graders.checks.compose import Composite
from graders.checks.judge.base import DRAW
from graders.core.context import GradeContext
from graders.core.registry import register
from graders.core.result import Result
from graders.spec.base import GraderSpec

__all__ = ["Panel"]

_MEMBER = {
    "type": "classify",
    "prompt": "closed_qa",
    "reference": "{{ item.answer }}",
}


@register
class Panel(Composite):
    """A panel of judges (or draws of one judge) reduced by mean, median or majority."""

    type: Literal["panel"] = "panel"
    samples: int = Field(default=1, ge=1, le=64)
    """How many independent draws to ask of each member."""
    reduce: Literal["mean", "median", "majority"] = "mean"
    """How the members' scores become one."""
    on_child_abstain: OnChildAbstain = "skip"
    """A member that abstains is left out (``skip``), counts as 0 (``zero``), or makes the
    panel abstain (``abstain``)."""

    example: ClassVar[dict[str, Any]] = {
        "type": "panel",
        "reduce": "majority",
        "samples": 3,
        "graders": {
            "small": {**_MEMBER, "model": "gpt-4o-mini", "sampling_params": {"temperature": 0.7}},
            "large": {**_MEMBER, "model": "gpt-4o"},
        },
    }

    async def _draw(self, spec: GraderSpec, ctx: GradeContext, draw: int) -> Result:
        context = contextvars.copy_context()
        context.run(DRAW.set, draw)
        return await asyncio.create_task(spec.run(ctx), context=context)

    async def grade(self, ctx: GradeContext) -> Result:
        jobs = [
            (name, draw, spec)
            for name, spec in self.graders.items()
            for draw in range(self.samples)
        ]
        results = list(await asyncio.gather(*(self._draw(s, ctx, d) for _, d, s in jobs)))
        if self.samples > 1:
            for (name, draw, _), result in zip(jobs, results, strict=True):
                result.name = f"{result.name or name}#{draw}"
        scores: list[float] = []
        for result in results:
            if result.score is not None:
                scores.append(result.score)
            elif self.on_child_abstain == "zero":
                scores.append(0.0)
            elif self.on_child_abstain == "abstain":
                return Result(reason=f"member {result.label!r} abstained", children=results)
        if not scores:
            return Result(reason="every member abstained", children=results)
        score, note = self._reduce(scores)
        shown = ", ".join(f"{s:g}" for s in scores)
        return Result(
            score=score,
            reason=f"{self.reduce} of [{shown}] = {score:.4g}{note}",
            children=results,
            details={"votes": scores, "spread": max(scores) - min(scores)},
        )

    def _reduce(self, scores: list[float]) -> tuple[float, str]:
        if self.reduce == "mean":
            return statistics.fmean(scores), ""
        if self.reduce == "median":
            return float(statistics.median(scores)), ""
        counts = Counter(scores).most_common()
        top = counts[0][1]
        tied = sorted(value for value, n in counts if n == top)
        note = (
            f" (tie between {', '.join(f'{t:g}' for t in tied)}: the lowest)"
            if len(tied) > 1
            else ""
        )
        return tied[0], note
