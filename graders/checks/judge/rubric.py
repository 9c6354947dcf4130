"""A rubric judge: several criteria judged in one call, each with a reason and a choice.

Each criterion has a weight and ordered choices (worst first) mapped evenly onto [0, 1], or a
mapping of choices to scores. The judge answers one JSON object (requested as structured output)
with a ``reason`` and a ``choice`` per criterion; the score is the weighted mean, and each
criterion becomes a child of the result with its own score and the judge's reason.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
)

from graders.checks.judge.base import PromptJudge, choice_of, object_schema
from graders.core.context import GradeContext
from graders.core.errors import GradeFailure
from graders.core.registry import register
from graders.core.result import Result
from graders.judge.parse import find_json, parse_error
from graders.judge.prompts import JudgePrompt, PromptName

__all__ = ["Criterion", "Rubric"]


def _norm(text: str) -> str:
    return " ".join(text.strip().strip("*`'\".").split()).casefold()


def _in_unit(score: float) -> float:
    if not 0 <= score <= 1:
        raise ValueError(
            f"score {score:g} is outside [0, 1]: rubric choices score from 0 (worst) to 1 (best)"
        )
    return score


ChoiceScore = Annotated[
    float, AfterValidator(_in_unit), Field(json_schema_extra={"minimum": 0, "maximum": 1})
]


def _choices_tag(value: Any) -> str:
    # the tags read as pydantic's own type labels, which error paths leave out of the JSON path
    return "dict" if isinstance(value, dict) else "list"


Choices = Annotated[
    Annotated[tuple[str, ...], Tag("list")] | Annotated[dict[str, ChoiceScore], Tag("dict")],
    Discriminator(_choices_tag),
]
"""Options worst to best, or a map of option to score in [0, 1]; a map is told apart by its
shape, so a bad score is reported once, at its key, not beside a "should be a list" error."""


class Criterion(BaseModel):
    """One thing the judge rates."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str = Field(min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")
    """A short identifier (letters, digits, ``_``, ``-``), the key in the judge's JSON."""
    description: str = Field(min_length=1)
    """What the criterion asks, in words the judge reads."""
    weight: float = Field(default=1.0, ge=0)
    """The criterion's weight in the weighted mean."""
    choices: Choices
    """The judge's options: a list from worst to best (scored evenly from 0 to 1) or a mapping
    of option to score, each in [0, 1]."""

    @field_validator("choices", mode="before")
    @classmethod
    def _no_booleans(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and any(isinstance(v, bool) for v in value):
            raise ValueError(
                "choices: YAML reads unquoted yes/no/on/off as true/false; quote them ('no')"
            )
        return value

    @field_validator("choices")
    @classmethod
    def _enough(cls, value: tuple[str, ...] | dict[str, float]) -> Any:
        names = list(value)
        if len(names) < 2:
            raise ValueError("choices needs at least two options")
        if len({_norm(n) for n in names}) != len(names):
            raise ValueError(f"choices={names} repeats an option")
        return value

    def scores(self) -> dict[str, float]:
        if isinstance(self.choices, dict):
            return dict(self.choices)
        last = len(self.choices) - 1
        return {choice: i / last for i, choice in enumerate(self.choices)}


@register
class Rubric(PromptJudge):
    """A rubric judge: several weighted criteria with ordered choices, judged in one call."""

    type: Literal["rubric"] = "rubric"
    prompt: PromptName | JudgePrompt = "rubric"
    """The prompt: the built-in ``rubric``, or your own templates (they read ``criteria``)."""
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    """The criteria, judged together."""

    example: ClassVar[dict[str, Any]] = {
        "type": "rubric",
        "model": "gpt-4o-mini",
        "question": "{{ item.question }}",
        "criteria": [
            {
                "name": "correct",
                "description": "The final answer is right.",
                "weight": 3,
                "choices": ["wrong", "partly right", "right"],
            },
            {
                "name": "clear",
                "description": "The explanation is easy to follow.",
                "choices": ["no", "yes"],
            },
        ],
    }

    @field_validator("criteria")
    @classmethod
    def _distinct(cls, criteria: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
        names = [c.name for c in criteria]
        if len(set(names)) != len(names):
            raise ValueError(f"criteria names repeat: {names}")
        if not any(c.weight > 0 for c in criteria):
            raise ValueError("at least one criterion needs a positive weight")
        return criteria

    def reply_schema(self) -> dict[str, Any]:
        per = {
            c.name: object_schema(reason={"type": "string"}, choice=choice_of(list(c.scores())))
            for c in self.criteria
        }
        return object_schema(criteria=object_schema(**per))

    def _names_criteria(self, value: Any) -> bool:
        if isinstance(value, list):
            return True
        names = {_norm(c.name) for c in self.criteria} | {"criteria"}
        return any(_norm(str(key)) in names for key in value)

    def _verdicts(self, text: str) -> list[tuple[str, str]]:
        """(choice, reason) per criterion, in order; raises a parse_error.

        The whole reply when it is JSON, else its last JSON object that names criteria (a judge
        may quote a sample's injected verdict before giving its own)."""
        data = find_json(text, self._names_criteria)
        if isinstance(data, dict) and isinstance(data.get("criteria"), dict | list):
            data = data["criteria"]
        if isinstance(data, list):
            data = {str(e.get("name")): e for e in data if isinstance(e, dict)}
        if not isinstance(data, dict):
            raise parse_error("no JSON object of criteria found", text)
        keyed = {_norm(str(k)): v for k, v in data.items()}
        out = []
        for criterion in self.criteria:
            entry = keyed.get(_norm(criterion.name))
            if entry is None:
                raise parse_error(f"criterion {criterion.name!r} missing from the reply", text)
            choice = entry.get("choice") if isinstance(entry, dict) else entry
            reason = entry.get("reason") if isinstance(entry, dict) else None
            options = {_norm(o): o for o in criterion.scores()}
            if not isinstance(choice, str) or _norm(choice) not in options:
                raise parse_error(
                    f"criterion {criterion.name!r}: {choice!r} is not one of "
                    f"{', '.join(criterion.scores())}",
                    text,
                )
            out.append((options[_norm(choice)], str(reason or "")))
        return out

    async def grade(self, ctx: GradeContext) -> Result:
        variables = self.data(ctx)
        variables["criteria"] = [
            {
                "name": c.name,
                "description": c.description,
                "weight": c.weight,
                "choices": list(c.scores()),
            }
            for c in self.criteria
        ]
        outcome = await self.ask(ctx, self.messages(variables), self.reply_schema())
        try:
            verdicts = self._verdicts(outcome.reply.text)
        except GradeFailure as exc:
            raise self.failed(exc, [outcome]) from None
        children = []
        total = weight = 0.0
        for i, (criterion, (choice, reason)) in enumerate(
            zip(self.criteria, verdicts, strict=True)
        ):
            score = criterion.scores()[choice]
            total += criterion.weight * score
            weight += criterion.weight
            children.append(
                Result(
                    score=score,
                    reason=f"{choice}: {reason}" if reason else choice,
                    type="criterion",
                    name=criterion.name,
                    path=f"{self.path}.criteria[{i}]",
                    details={"choice": choice, "weight": criterion.weight},
                )
            )
        score = total / weight
        shown = ", ".join(f"{c.name}={c.score:.3g}" for c in children)
        return Result(
            score=score,
            reason=f"weighted mean of {shown} = {score:.4g}",
            children=children,
            details=self.details([outcome]),
        )
