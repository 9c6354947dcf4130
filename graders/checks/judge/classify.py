"""A classify-with-reasoning judge: the model picks one of a few choices, each with a score.

As in OpenAI evals' model-graded specs: ``choice_scores`` maps the choice strings to scores and
``mode`` says where the verdict goes: after the reasoning (``cot_classify``, the default), before
it (``classify_cot``), or alone (``classify``). The built-in prompts ``closed_qa``,
``factual_consistency`` and ``prometheus`` come with their choices and scores.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from graders.checks.judge.base import REASONING, PromptJudge, choice_of, object_schema
from graders.core.context import GradeContext
from graders.core.errors import GradeFailure
from graders.core.registry import register
from graders.core.result import Result
from graders.judge.parse import parse_label
from graders.judge.prompts import JudgePrompt, PromptName

__all__ = ["Classify"]

DEFAULT_CHOICES: dict[str, dict[str, float]] = {
    "closed_qa": {"correct": 1.0, "incorrect": 0.0},
    "factual_consistency": {
        "same": 1.0,
        "equivalent": 1.0,
        "superset": 0.75,
        "subset": 0.5,
        "conflict": 0.0,
    },
    "prometheus": {"1": 0.0, "2": 0.25, "3": 0.5, "4": 0.75, "5": 1.0},
}
"""The choices and scores of the built-in prompts written for this judge."""


@register
class Classify(PromptJudge):
    """A judge that picks one of ``choice_scores`` after reasoning; the choice's score is the
    reward."""

    type: Literal["classify"] = "classify"
    prompt: PromptName | JudgePrompt = "closed_qa"
    """``closed_qa`` (correct against a reference), ``factual_consistency``, ``prometheus``
    (1-5 against ``variables.rubric``), or your own templates (they read ``choices``)."""
    choice_scores: dict[str, float] | None = None
    """Each choice and its score; the built-in prompts have defaults."""
    mode: Literal["cot_classify", "classify_cot", "classify"] = "cot_classify"
    """Reasoning then verdict, verdict then reasoning, or the verdict alone."""
    passing_choices: tuple[str, ...] | None = Field(default=None, min_length=1)
    """Choices that pass; default: the choices with the highest score."""

    example: ClassVar[dict[str, Any]] = {
        "type": "classify",
        "model": "gpt-4o-mini",
        "prompt": "closed_qa",
        "question": "{{ item.question }}",
        "reference": "{{ item.answer }}",
    }

    @model_validator(mode="after")
    def _choices(self) -> Classify:
        if self.choice_scores is None and not (
            isinstance(self.prompt, str) and self.prompt in DEFAULT_CHOICES
        ):
            raise ValueError("choice_scores is required with this prompt")
        scores = self.scores()
        if len(scores) < 2:
            raise ValueError("choice_scores needs at least two choices")
        for choice in self.passing_choices or ():
            if choice not in scores:
                raise ValueError(f"passing_choices: {choice!r} is not one of choice_scores")
        return self

    def scores(self) -> dict[str, float]:
        if self.choice_scores is not None:
            return dict(self.choice_scores)
        assert isinstance(self.prompt, str)
        return DEFAULT_CHOICES[self.prompt]

    def reply_schema(self, choices: list[str]) -> dict[str, Any]:
        choice = choice_of(choices)
        if self.mode == "classify":
            return object_schema(choice=choice)
        if self.mode == "classify_cot":
            return object_schema(choice=choice, reasoning=REASONING)
        return object_schema(reasoning=REASONING, choice=choice)

    async def grade(self, ctx: GradeContext) -> Result:
        scores = self.scores()
        choices = list(scores)
        variables = self.data(ctx)
        variables["choices"] = choices
        outcome = await self.ask(ctx, self.messages(variables), self.reply_schema(choices))
        try:
            choice, reasoning = parse_label(
                outcome.reply.text, choices, first=self.mode == "classify_cot"
            )
        except GradeFailure as exc:
            raise self.failed(exc, [outcome]) from None
        score = scores[choice]
        passing = self.passing_choices or [c for c in choices if scores[c] == max(scores.values())]
        ok = choice in passing
        return Result(
            score=score,
            passed=ok,
            reason=f"{self.model} chose {choice!r} (score {score:g})",
            details=self.details([outcome], choice=choice, reasoning=reasoning),
        )
