"""What every judge shares: the model, its endpoint and sampling parameters, one call, usage.

A judge renders its prompt, asks the model through :func:`graders.judge.service.chat` (cached,
limited, retried, budgeted), reads the reply and returns a Result whose ``details`` carry the
model, the reply, the reasoning and the call's ``usage`` (tokens, cost, cached or not). A reply
that cannot be read is a ``parse_error`` that still reports what the call spent.

Prompt judges (rubric, classify, pairwise) also share the data they put in the prompt:
``response``, ``question``, ``reference`` and ``variables``, each a template rendered for the
sample and then fenced as data (see :func:`graders.judge.prompts.fence`).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from graders.core.context import GradeContext
from graders.core.errors import GradeFailure
from graders.judge.calls import CallOutcome, ChatReply, ChatRequest, Usage
from graders.judge.endpoint import Endpoint
from graders.judge.prompts import JudgePrompt, PromptName, fence, resolve
from graders.judge.service import chat
from graders.spec.base import GraderSpec
from graders.spec.templates import Template

__all__ = ["DRAW", "Judge", "PromptJudge", "SamplingParams", "object_schema"]

DRAW: ContextVar[int] = ContextVar("graders_judge_draw", default=0)
"""Which independent draw of a judge this is (set by ``panel`` for repeated samples)."""

_REPLY_EXCERPT = 2000
_OUTPUT_TEXT = Template("{{ sample.output_text }}")


def object_schema(**properties: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema for a reply object with exactly these properties, all required, in order
    (the order asks the model to reason before it gives its verdict)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


REASONING: dict[str, Any] = {"type": "string"}


def choice_of(options: list[str]) -> dict[str, Any]:
    return {"type": "string", "enum": options}


class SamplingParams(BaseModel):
    """OpenAI's grader sampling parameters (its field names, its meaning)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    temperature: float | None = Field(default=None, ge=0, le=2)
    """Sampling temperature; higher is more random."""
    top_p: float | None = Field(default=None, gt=0, le=1)
    """Nucleus sampling mass; 1.0 includes all tokens."""
    seed: int | None = None
    """A seed for reproducible sampling (a panel's n-th draw uses ``seed + n``)."""
    max_completions_tokens: int | None = Field(default=None, ge=1)
    """The most tokens the judge may write (sent as ``max_completion_tokens``)."""
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"] | None = (
        None
    )
    """Reasoning effort, for reasoning models."""

    def api(self, draw: int) -> dict[str, Any]:
        """The chat-completions parameters for draw number ``draw``."""
        out: dict[str, Any] = {}
        if self.temperature is not None:
            out["temperature"] = self.temperature
        if self.top_p is not None:
            out["top_p"] = self.top_p
        if self.seed is not None:
            out["seed"] = self.seed + draw
        if self.max_completions_tokens is not None:
            out["max_completion_tokens"] = self.max_completions_tokens
        if self.reasoning_effort is not None:
            out["reasoning_effort"] = self.reasoning_effort
        return out


class Judge(GraderSpec):
    """Base of graders that ask a model (not registered itself)."""

    model: str
    """The judge model (``gpt-4o-mini``; with litellm, ``anthropic/claude-...``)."""
    sampling_params: SamplingParams | None = None
    """Sampling parameters: ``temperature``, ``top_p``, ``seed``, ``max_completions_tokens``,
    ``reasoning_effort``."""
    endpoint: Endpoint = Field(default_factory=Endpoint)
    """Where and how to call the model; by default ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``."""

    concurrent: ClassVar[bool] = True
    requires: ClassVar[tuple[str, ...]] = ("openai", "platformdirs")
    extra: ClassVar[str | None] = "judge"

    async def ask(
        self,
        ctx: GradeContext,
        messages: list[dict[str, Any]],
        schema: dict[str, Any] | None = None,
    ) -> CallOutcome[ChatReply]:
        """One call to the judge model for this sample (this draw)."""
        draw = DRAW.get()
        params = self.sampling_params.api(draw) if self.sampling_params is not None else {}
        request = ChatRequest(
            model=self.model, messages=messages, params=params, schema=schema, draw=draw
        )
        return await chat(ctx.runtime, self.endpoint, request)

    def details(self, outcomes: list[CallOutcome[ChatReply]], **more: Any) -> dict[str, Any]:
        """The model, the reply (or replies), the usage of every call, and ``more``."""
        usage = Usage()
        for outcome in outcomes:
            usage.add(outcome.usage)
        replies = [_excerpt(o.reply.text) for o in outcomes]
        out: dict[str, Any] = {"model": self.model}
        if len(replies) == 1:
            out["reply"] = replies[0]
        else:
            out["replies"] = replies
        out.update({k: v for k, v in more.items() if v is not None})
        out["usage"] = usage.to_dict()
        return out

    def failed(self, exc: GradeFailure, outcomes: list[CallOutcome[ChatReply]]) -> GradeFailure:
        """``exc`` carrying what the calls spent and replied, so a parse error shows both."""
        exc.details.update(self.details(outcomes))
        if any(o.reply.finish_reason == "length" for o in outcomes):
            exc.message += (
                " (the reply was cut off at the token limit: raise max_completions_tokens)"
            )
        return exc


def _excerpt(text: str) -> str:
    return text if len(text) <= _REPLY_EXCERPT else text[: _REPLY_EXCERPT - 1] + "…"


_NEEDS: dict[str, tuple[str, ...]] = {
    "closed_qa": ("reference",),
    "factual_consistency": ("reference",),
    "prometheus": ("variables.rubric",),
}


class PromptJudge(Judge):
    """Base of judges whose prompt is a (built-in or given) Jinja2 template pair."""

    prompt: PromptName | JudgePrompt
    """A built-in prompt's name, or ``{system: ..., user: ...}`` templates that may read
    ``response``, ``question``, ``reference``, ``vars``, ``choices``, ``criteria``."""
    response: Template = _OUTPUT_TEXT
    """What is judged; by default the sample's output text."""
    question: Template | None = None
    """The task the response answers (``{{ item.question }}``), when the prompt shows it."""
    reference: Template | None = None
    """A reference answer (``{{ item.answer }}``), when the prompt uses one."""
    variables: dict[str, Template] = Field(default_factory=dict)
    """More data for the prompt, read there as ``vars.<name>`` (e.g. ``rubric``)."""

    @model_validator(mode="after")
    def _prompt_inputs(self) -> PromptJudge:
        if isinstance(self.prompt, str):
            for need in _NEEDS.get(self.prompt, ()):
                given = (
                    need.split(".", 1)[1] in self.variables
                    if need.startswith("variables.")
                    else getattr(self, need) is not None
                )
                if not given:
                    raise ValueError(f"prompt={self.prompt!r} needs {need}")
        return self

    def data(self, ctx: GradeContext) -> dict[str, Any]:
        """The prompt's variables for this sample, every piece of sample data fenced."""

        def text(template: Template | None) -> str:
            return "" if template is None else fence(template.render_text(ctx))

        return {
            "sample": ctx.variables["sample"],
            "item": ctx.variables["item"],
            "response": text(self.response),
            "question": text(self.question),
            "reference": text(self.reference),
            "vars": {name: text(t) for name, t in self.variables.items()},
            "choices": [],
            "criteria": [],
            "response_a": "",
            "response_b": "",
        }

    def messages(self, variables: dict[str, Any]) -> list[dict[str, Any]]:
        return resolve(self.prompt).messages(variables)
