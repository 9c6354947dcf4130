"""OpenAI's model graders, loaded unchanged from OpenAI grader JSON: score_model, label_model.

``score_model`` asks the model for a number within ``range`` (default [0, 1]); the reward is that
number, and ``pass_threshold`` decides passing. ``label_model`` asks for one of ``labels``; the
reward is 1 when the label is one of ``passing_labels``, else 0. Both request structured output
(``{"reasoning": ..., "result"|"label": ...}``) and add one line saying so to the leading system
message; a reply outside the range or the labels is a ``parse_error``, never clipped.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from graders.checks.judge.base import REASONING, Judge, choice_of, object_schema
from graders.checks.judge.messages import InputMessage, render_messages, with_instruction
from graders.core.context import GradeContext
from graders.core.errors import GradeFailure
from graders.core.registry import register
from graders.core.result import Result
from graders.judge.parse import parse_error, parse_label, parse_score

__all__ = ["LabelModel", "ScoreModel"]

_PROMPT = [
    {
        "role": "system",
        "content": "Score how well the answer matches the reference answer, from 0 to 1.",
    },
    {
        "role": "user",
        "content": "Reference: {{ item.answer }}\nAnswer: {{ sample.output_text }}",
    },
]


@register
class ScoreModel(Judge):
    """OpenAI's ``score_model``: a model scores the sample with a number in ``range``."""

    type: Literal["score_model"] = "score_model"
    input: tuple[InputMessage, ...] = Field(min_length=1)
    """The prompt: chat messages whose content may hold templates (``{{ sample.output_text }}``)."""
    range: tuple[float, float] = (0.0, 1.0)
    """The lowest and highest score the model may give; the reward is the model's score."""

    example: ClassVar[dict[str, Any]] = {
        "type": "score_model",
        "name": "closeness",
        "model": "gpt-4o-mini",
        "input": _PROMPT,
        "range": [0, 1],
        "pass_threshold": 0.5,
        "sampling_params": {"temperature": 0, "seed": 42},
    }

    @field_validator("range")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not value[0] < value[1]:
            raise ValueError(f"range={list(value)} must be [low, high] with low < high")
        return value

    def reply_schema(self) -> dict[str, Any]:
        low, high = self.range
        return object_schema(
            reasoning=REASONING, result={"type": "number", "minimum": low, "maximum": high}
        )

    async def grade(self, ctx: GradeContext) -> Result:
        low, high = self.range
        instruction = (
            'Reply with JSON: {"reasoning": "<a few sentences>", "result": <a number from '
            f"{low:g} to {high:g}>}}."
        )
        messages = with_instruction(render_messages(self.input, ctx), instruction)
        outcome = await self.ask(ctx, messages, self.reply_schema())
        try:
            value, reasoning = parse_score(outcome.reply.text)
            if not low <= value <= high:
                raise parse_error(f"score {value:g} is outside range [{low:g}, {high:g}]", "")
        except GradeFailure as exc:
            raise self.failed(exc, [outcome]) from None
        return Result(
            score=value,
            reason=f"{self.model} scored {value:g} in [{low:g}, {high:g}]",
            details=self.details([outcome], reasoning=reasoning),
        )


@register
class LabelModel(Judge):
    """OpenAI's ``label_model``: a model picks one of ``labels``; passing labels score 1."""

    type: Literal["label_model"] = "label_model"
    input: tuple[InputMessage, ...] = Field(min_length=1)
    """The prompt: chat messages whose content may hold templates."""
    labels: tuple[str, ...] = Field(min_length=2)
    """The labels the model chooses from."""
    passing_labels: tuple[str, ...] = Field(min_length=1)
    """The labels that pass (score 1); a subset of ``labels``."""

    example: ClassVar[dict[str, Any]] = {
        "type": "label_model",
        "name": "sentiment",
        "model": "gpt-4o-mini",
        "input": [
            {"role": "developer", "content": "Classify the sentiment of the text."},
            {"role": "user", "content": "{{ sample.output_text }}"},
        ],
        "labels": ["positive", "neutral", "negative"],
        "passing_labels": ["positive"],
    }

    @model_validator(mode="after")
    def _subset(self) -> LabelModel:
        if len(set(self.labels)) != len(self.labels):
            raise ValueError(f"labels={list(self.labels)} has duplicates")
        extra = [label for label in self.passing_labels if label not in self.labels]
        if extra:
            raise ValueError(f"passing_labels: {extra[0]!r} is not one of labels")
        return self

    async def grade(self, ctx: GradeContext) -> Result:
        labels = list(self.labels)
        instruction = (
            'Reply with JSON: {"reasoning": "<a few sentences>", "label": <one of '
            f"{', '.join(repr(x) for x in labels)}>}}."
        )
        schema = object_schema(reasoning=REASONING, label=choice_of(labels))
        outcome = await self.ask(
            ctx, with_instruction(render_messages(self.input, ctx), instruction), schema
        )
        try:
            label, reasoning = parse_label(outcome.reply.text, labels)
        except GradeFailure as exc:
            raise self.failed(exc, [outcome]) from None
        ok = label in self.passing_labels
        return Result(
            score=1.0 if ok else 0.0,
            passed=ok,
            reason=f"{self.model} chose {label!r} ({'a passing' if ok else 'not a passing'} label)",
            details=self.details([outcome], label=label, reasoning=reasoning),
        )
