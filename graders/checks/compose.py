"""Composition: weighted sums, mean / min / max / product, gates, cascades, constants.

Children live under ``graders`` as a mapping (name -> grader), as in OpenAI's ``multi``; the
names become the reward's components in summaries and training logs. A child that abstains
makes its parent abstain unless ``on_child_abstain`` says ``skip`` or ``zero``: a missing
score is never silently counted as 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, field_validator

from graders.checks.children import OnChildAbstain, is_pass, run_children
from graders.core.context import GradeContext
from graders.core.errors import GradeFailure
from graders.core.registry import register
from graders.core.result import Result
from graders.spec.base import GraderSpec

if TYPE_CHECKING:
    from graders.spec.base import AnyGrader

__all__ = ["Cascade", "Constant", "Gate", "Max", "Mean", "Min", "Product", "Weighted"]

_ANSWER = {"type": "numeric", "reference": "{{ item.answer }}", "extract": ["last_number"]}
_FORMAT = {"type": "tag_format", "tags": ["think", "answer"]}


class Composite(GraderSpec):
    """Base of nodes that combine the scores of named children (not registered itself)."""

    graders: dict[str, AnyGrader]  # resolved by the registry
    """The children, by name; the names are the reward's components."""
    on_child_abstain: OnChildAbstain = "abstain"
    """When a child abstains: abstain too, ``skip`` the child, or count it as ``zero``."""

    @field_validator("graders")
    @classmethod
    def _not_empty(cls, graders: dict[str, GraderSpec]) -> dict[str, GraderSpec]:
        if not graders:
            raise ValueError("graders must hold at least one grader")
        return graders

    def children(self) -> Iterator[tuple[tuple[str | int, ...], GraderSpec]]:
        for key, child in self.graders.items():
            yield ("graders", key), child

    def scored(self, results: list[Result]) -> tuple[list[tuple[GraderSpec, float]], str | None]:
        """(child, score) pairs under the abstain policy, or the name of an abstaining child."""
        pairs: list[tuple[GraderSpec, float]] = []
        for spec, result in zip(self.graders.values(), results, strict=True):
            if result.score is not None:
                pairs.append((spec, result.score))
            elif self.on_child_abstain == "zero":
                pairs.append((spec, 0.0))
            elif self.on_child_abstain == "abstain":
                return [], result.label
        return pairs, None


class _Reduce(Composite):
    symbol: ClassVar[str]

    def reduce(self, pairs: list[tuple[GraderSpec, float]]) -> float:
        raise NotImplementedError

    def verdict(self, results: list[Result]) -> bool | None:
        known = [r.passed for r in results if r.passed is not None]
        return all(known) if known else None

    async def grade(self, ctx: GradeContext) -> Result:
        results = await run_children(ctx, list(self.graders.values()))
        pairs, abstained = self.scored(results)
        if abstained is not None:
            return Result(reason=f"child {abstained!r} abstained", children=results)
        if not pairs:
            return Result(reason="every child abstained", children=results)
        score = self.reduce(pairs)
        if not math.isfinite(score):
            raise GradeFailure("formula_error", f"{self.type} is not finite ({score})")
        shown = ", ".join(f"{r.label}={r.score:.3g}" for r in results if r.score is not None)
        return Result(
            score=score,
            passed=self.verdict(results),
            children=results,
            reason=f"{self.symbol}({shown}) = {score:.4g}",
        )


@register
class Weighted(_Reduce):
    """The weighted sum of the children's scores (each child's ``weight``, default 1)."""

    type: Literal["weighted"] = "weighted"
    normalize: bool = False
    """Divide by the total weight of the children that scored (a weighted mean)."""
    symbol: ClassVar[str] = "weighted"
    example: ClassVar[dict[str, Any]] = {
        "type": "weighted",
        "graders": {"answer": {**_ANSWER, "weight": 0.8}, "format": {**_FORMAT, "weight": 0.2}},
    }

    def reduce(self, pairs: list[tuple[GraderSpec, float]]) -> float:
        total = math.fsum(spec.weight * score for spec, score in pairs)
        if not self.normalize:
            return total
        weight = math.fsum(spec.weight for spec, _ in pairs)
        if weight == 0:
            raise GradeFailure("formula_error", "normalize: the children's weights sum to 0")
        return total / weight


@register
class Mean(_Reduce):
    """The mean of the children's scores."""

    type: Literal["mean"] = "mean"
    symbol: ClassVar[str] = "mean"
    example: ClassVar[dict[str, Any]] = {
        "type": "mean",
        "graders": {"answer": _ANSWER, "format": _FORMAT},
    }

    def reduce(self, pairs: list[tuple[GraderSpec, float]]) -> float:
        return math.fsum(score for _, score in pairs) / len(pairs)


@register
class Min(_Reduce):
    """The lowest child score (every child must do well)."""

    type: Literal["min"] = "min"
    symbol: ClassVar[str] = "min"
    example: ClassVar[dict[str, Any]] = {
        "type": "min",
        "graders": {"answer": _ANSWER, "format": _FORMAT},
    }

    def reduce(self, pairs: list[tuple[GraderSpec, float]]) -> float:
        return min(score for _, score in pairs)


@register
class Max(_Reduce):
    """The highest child score (any child may do well)."""

    type: Literal["max"] = "max"
    symbol: ClassVar[str] = "max"
    example: ClassVar[dict[str, Any]] = {
        "type": "max",
        "graders": {
            "boxed": {**_ANSWER, "extract": ["last_boxed"]},
            "hashes": {**_ANSWER, "extract": [{"step": "regex", "pattern": r"####\s*(.+)"}]},
        },
    }

    def reduce(self, pairs: list[tuple[GraderSpec, float]]) -> float:
        return max(score for _, score in pairs)

    def verdict(self, results: list[Result]) -> bool | None:
        known = [r.passed for r in results if r.passed is not None]
        return any(known) if known else None


@register
class Product(_Reduce):
    """The product of the children's scores (a soft AND)."""

    type: Literal["product"] = "product"
    symbol: ClassVar[str] = "product"
    example: ClassVar[dict[str, Any]] = {
        "type": "product",
        "graders": {"answer": _ANSWER, "format": _FORMAT},
    }

    def reduce(self, pairs: list[tuple[GraderSpec, float]]) -> float:
        return math.prod(score for _, score in pairs)


@register
class Constant(GraderSpec):
    """A fixed score: a gate's ``else`` branch, a baseline, a placeholder."""

    type: Literal["constant"] = "constant"
    score: float
    """The score this node always gives."""
    example: ClassVar[dict[str, Any]] = {"type": "constant", "score": -1.0}

    async def grade(self, ctx: GradeContext) -> Result:
        return Result(score=self.score, reason=f"constant {self.score:g}")


@register
class Gate(GraderSpec):
    """``if`` the condition passes, score ``then``; otherwise ``else`` (or 0 without one).

    The condition passes by its own ``passed`` verdict (or a score of at least 1). Only the
    chosen branch is graded.
    """

    type: Literal["gate"] = "gate"
    condition: AnyGrader = Field(alias="if")
    """The grader deciding which branch scores."""
    then: AnyGrader
    """Graded when the condition passes."""
    otherwise: AnyGrader | None = Field(default=None, alias="else")
    """Graded when it fails; without it a failed condition scores 0."""

    example: ClassVar[dict[str, Any]] = {
        "type": "gate",
        "if": _FORMAT,
        "then": _ANSWER,
        "else": {"type": "constant", "score": -1.0},
    }

    def children(self) -> Iterator[tuple[tuple[str | int, ...], GraderSpec]]:
        yield ("if",), self.condition
        yield ("then",), self.then
        if self.otherwise is not None:
            yield ("else",), self.otherwise

    async def grade(self, ctx: GradeContext) -> Result:
        cond = await self.condition.run(ctx)
        if cond.score is None:
            return Result(reason="the condition abstained", children=[cond])
        if is_pass(cond):
            branch = await self.then.run(ctx)
            return Result(
                score=branch.score,
                passed=branch.passed,
                children=[cond, branch],
                reason="condition passed: scored by 'then'",
            )
        if self.otherwise is None:
            return Result(score=0.0, passed=False, children=[cond], reason="condition failed: 0")
        branch = await self.otherwise.run(ctx)
        return Result(
            score=branch.score,
            passed=branch.passed,
            children=[cond, branch],
            reason="condition failed: scored by 'else'",
        )


@register
class Cascade(Composite):
    """Children in order, cheapest first; the first one that settles the score decides.

    With ``stop_when: passed`` (the default) a child settles by passing, so an exact string
    match can accept before an expensive check runs; ``failed`` stops at the first failure,
    ``scored`` at the first child that does not abstain. If none settles, the last child
    decides. The result records which child decided.
    """

    type: Literal["cascade"] = "cascade"
    stop_when: Literal["passed", "failed", "scored"] = "passed"
    """What settles the score: a child that passes, fails, or gives any score."""

    example: ClassVar[dict[str, Any]] = {
        "type": "cascade",
        "graders": {
            "exact": {
                "type": "equals",
                "reference": "{{ item.answer }}",
                "extract": ["last_boxed"],
                "normalize": ["strip"],
            },
            "numeric": {**_ANSWER, "extract": ["last_boxed"]},
        },
    }

    def _settles(self, result: Result) -> bool:
        if result.score is None:
            return False
        if self.stop_when == "scored":
            return True
        return is_pass(result) == (self.stop_when == "passed")

    async def grade(self, ctx: GradeContext) -> Result:
        results: list[Result] = []
        names = list(self.graders)
        for index, (name, spec) in enumerate(self.graders.items()):
            result = await spec.run(ctx)
            results.append(result)
            last = index == len(names) - 1
            if self._settles(result) or last:
                why = f"{self.stop_when}" if self._settles(result) else "last child"
                return Result(
                    score=result.score,
                    passed=result.passed,
                    children=results,
                    reason=f"decided by {name!r} ({why})",
                    details={"decided_by": name},
                )
        raise AssertionError("unreachable: graders is never empty")
