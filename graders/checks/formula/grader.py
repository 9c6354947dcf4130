"""OpenAI's ``multi`` grader: named children combined by a ``calculate_output`` formula."""

from __future__ import annotations

import math
from typing import Any, ClassVar, Literal

from pydantic import field_validator

from graders.checks.children import run_children
from graders.checks.compose import Composite
from graders.checks.formula.parse import Abstained, FormulaError, parse_formula
from graders.core.context import GradeContext
from graders.core.errors import GradeFailure
from graders.core.registry import register
from graders.core.result import Result
from graders.spec.base import GraderSpec
from graders.spec.problems import did_you_mean

__all__ = ["Multi"]


@register
class Multi(Composite):
    """Children combined by a formula over their names (OpenAI's ``multi`` grader).

    ``calculate_output`` uses OpenAI's ``+ - * / ^`` and ``min max abs floor ceil exp sqrt
    log``, plus comparisons, ``and``/``or``/``not``, ``if(cond, a, b)`` and ``clip(x, lo, hi)``.
    A child that abstains makes the formula abstain when its value is needed (or counts 0
    with ``on_child_abstain: zero``).
    """

    type: Literal["multi"] = "multi"
    calculate_output: str
    """The formula, e.g. ``0.8 * answer + 0.2 * format`` or ``if(format, answer, -1)``."""

    example: ClassVar[dict[str, Any]] = {
        "type": "multi",
        "name": "answer_and_format",
        "graders": {
            "answer": {
                "type": "string_check",
                "name": "answer",
                "operation": "eq",
                "input": "{{ sample.output_text }}",
                "reference": "{{ item.answer }}",
            },
            "polite": {
                "type": "string_check",
                "name": "polite",
                "operation": "ilike",
                "input": "{{ sample.output_text }}",
                "reference": "please",
            },
        },
        "calculate_output": "0.9 * answer + 0.1 * polite",
    }

    @field_validator("calculate_output")
    @classmethod
    def _parses(cls, source: str, info: Any) -> str:
        try:
            tree = parse_formula(source)
        except FormulaError as exc:
            raise ValueError(str(exc)) from None
        graders = info.data.get("graders")
        if graders is not None:
            for name in sorted(tree.names()):
                if name not in graders:
                    hint = did_you_mean(name, list(graders))
                    raise ValueError(
                        f"unknown name {name!r} in calculate_output{hint}; "
                        f"names are the graders' keys: {', '.join(graders)}"
                    )
        if info.data.get("on_child_abstain") == "skip":
            raise ValueError(
                "on_child_abstain='skip' has no meaning in a formula (use 'abstain' or 'zero')"
            )
        return source

    async def grade(self, ctx: GradeContext) -> Result:
        specs: list[GraderSpec] = list(self.graders.values())
        results = await run_children(ctx, specs)
        zero = self.on_child_abstain == "zero"
        env = {
            name: (0.0 if r.score is None and zero else r.score)
            for name, r in zip(self.graders, results, strict=True)
        }
        try:
            score = parse_formula(self.calculate_output).evaluate(env)
        except Abstained as exc:
            return Result(reason=f"child {exc.name!r} abstained", children=results)
        except (FormulaError, OverflowError, ValueError) as exc:
            raise GradeFailure("formula_error", f"{self.calculate_output!r}: {exc}") from None
        if not math.isfinite(score):
            raise GradeFailure("formula_error", f"{self.calculate_output!r} gave {score}")
        shown = ", ".join(f"{k}={v:.3g}" for k, v in env.items() if v is not None)
        return Result(
            score=score,
            children=results,
            reason=f"{self.calculate_output} with {shown} = {score:.4g}",
        )
