"""A pairwise judge: is the sample better than another response? Asked in both orders.

Judges favour a position (often the first). Asking twice, with the sample as A and then as B,
cancels that bias: each order scores the sample 1 (better), 0.5 (tie) or 0 (worse), and the
reward is the mean. When the two orders disagree, the result says so (``consistent: false``):
a verdict that follows the position, not the content, ends up as a tie.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar, Literal

from graders.checks.judge.base import REASONING, PromptJudge, choice_of, object_schema
from graders.core.context import GradeContext
from graders.core.errors import GradeFailure
from graders.core.registry import register
from graders.core.result import Result
from graders.judge.calls import CallOutcome, ChatReply
from graders.judge.parse import parse_label
from graders.judge.prompts import JudgePrompt, PromptName, fence
from graders.spec.templates import Template

__all__ = ["Pairwise"]


@register
class Pairwise(PromptJudge):
    """A judge comparing the sample with ``other`` (A vs B), in both orders by default."""

    type: Literal["pairwise"] = "pairwise"
    prompt: PromptName | JudgePrompt = "pairwise"
    """The built-in ``pairwise`` prompt, or your own (it reads ``response_a``, ``response_b``,
    ``choices``)."""
    other: Template
    """The response to compare with (``{{ item.baseline }}``)."""
    both_orders: bool = True
    """Ask twice with the positions swapped, to cancel position bias."""
    allow_tie: bool = True
    """Offer ``tie`` as a verdict (scored 0.5)."""

    example: ClassVar[dict[str, Any]] = {
        "type": "pairwise",
        "model": "gpt-4o-mini",
        "question": "{{ item.question }}",
        "other": "{{ item.baseline }}",
        "variables": {"criteria": "helpfulness and correctness"},
    }

    def _choices(self) -> list[str]:
        return ["A", "B", "tie"] if self.allow_tie else ["A", "B"]

    async def _ask_order(
        self, ctx: GradeContext, base: dict[str, Any], sample_is_a: bool, other: str
    ) -> CallOutcome[ChatReply]:
        variables = dict(base)
        response = variables["response"]
        variables["response_a"], variables["response_b"] = (
            (response, other) if sample_is_a else (other, response)
        )
        variables["choices"] = self._choices()
        schema = object_schema(reasoning=REASONING, choice=choice_of(self._choices()))
        return await self.ask(ctx, self.messages(variables), schema)

    def _read(self, outcome: CallOutcome[ChatReply], sample_is_a: bool) -> tuple[float, str]:
        """The sample's score in this order (1 better, 0.5 tie, 0 worse) and the verdict."""
        choice, _ = parse_label(outcome.reply.text, self._choices())
        if choice == "tie":
            return 0.5, choice
        won = (choice == "A") == sample_is_a
        return (1.0 if won else 0.0), choice

    async def grade(self, ctx: GradeContext) -> Result:
        base = self.data(ctx)
        other = fence(self.other.render_text(ctx))
        orders = [True, False] if self.both_orders else [True]
        # both orders run to the end, so a failure of one still reports what the other spent
        asked = await asyncio.gather(
            *(self._ask_order(ctx, base, a, other) for a in orders), return_exceptions=True
        )
        outcomes = [o for o in asked if isinstance(o, CallOutcome)]
        try:
            for answer in asked:
                if isinstance(answer, BaseException):
                    raise answer
            done = [self._read(o, a) for o, a in zip(outcomes, orders, strict=True)]
        except GradeFailure as exc:
            raise self.failed(exc, outcomes) from None
        scores = [s for s, _ in done]
        verdicts = [v for _, v in done]
        score = sum(scores) / len(scores)
        consistent = len(set(scores)) == 1
        outcome_word = {1.0: "better", 0.5: "a tie", 0.0: "worse"}
        if consistent:
            reason = f"the sample is {outcome_word[scores[0]]}"
            reason += " in both orders" if len(scores) == 2 else ""
        else:
            reason = (
                f"the orders disagree (verdicts {verdicts[0]}, {verdicts[1]}): "
                f"position bias, scored {score:g}"
            )
        return Result(
            score=score,
            passed=score > 0.5,
            reason=reason,
            details=self.details(
                outcomes,
                verdicts=dict(
                    zip(["sample_as_a", "sample_as_b"][: len(verdicts)], verdicts, strict=True)
                ),
                consistent=consistent,
            ),
        )
