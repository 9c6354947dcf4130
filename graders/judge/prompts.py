"""Judge prompts: the built-in Jinja2 templates and the variables every judge prompt may read.

A judge prompt is a system and a user template. Besides ``sample`` and ``item`` they read the
judge's prepared data: ``question``, ``reference``, ``response`` (``response_a`` /
``response_b`` for pairwise), ``criteria``, ``choices`` and ``vars`` (the judge's ``variables``).
Those values are *data*: they are inserted, never rendered as templates, and any tag in them that
imitates the prompt's delimiters (``</response>``) is neutralized by :func:`fence` so a sample
cannot close its block and speak as the grader.

The built-in prompts live beside this module as ``<name>.system.jinja`` and
``<name>.user.jinja``; copy one into a grader's ``prompt: {system: ..., user: ...}`` to change it.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, ClassVar, Literal

import regex
from pydantic import BaseModel, ConfigDict

from graders.spec.fields import REGEX_TIMEOUT_S
from graders.spec.templates import Template

__all__ = [
    "BUILTIN_PROMPTS",
    "DATA_TAGS",
    "JudgePrompt",
    "JudgeTemplate",
    "PromptName",
    "builtin",
    "fence",
    "resolve",
]

DATA_TAGS = ("question", "reference", "response", "response_a", "response_b")
"""The tags that delimit data in the built-in prompts."""

_TAG = regex.compile(r"(?i)<(\s*/?\s*(?:" + "|".join(DATA_TAGS) + r")\b)")

PromptName = Literal["closed_qa", "factual_consistency", "prometheus", "rubric", "pairwise"]
"""The names of the built-in prompts."""

BUILTIN_PROMPTS: dict[str, str] = {
    "closed_qa": "is the response correct, given a reference answer (choices correct, incorrect)",
    "factual_consistency": "how the response's facts relate to a reference (subset ... conflict)",
    "prometheus": "1-5 scoring against a rubric in variables.rubric, Prometheus style",
    "rubric": "several criteria with ordered choices, one JSON verdict per criterion",
    "pairwise": "which of two responses is better (A, B or tie)",
}
"""The built-in prompts by name, with what each is for."""


def fence(text: str) -> str:
    """Data text with every tag that imitates a data delimiter made inert (``&lt;/response>``)."""
    return _TAG.sub(r"&lt;\1", text, timeout=REGEX_TIMEOUT_S)


class JudgeTemplate(Template):
    """A judge prompt template: reads the judge's data besides ``sample`` and ``item``."""

    variables: ClassVar[frozenset[str]] = frozenset(
        {"sample", "item", "question", "reference", "response", "response_a", "response_b"}
        | {"criteria", "choices", "vars"}
    )


class JudgePrompt(BaseModel):
    """A system and a user template; ``system`` may be left out."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    system: JudgeTemplate | None = None
    """The system message (the judge's role and how to treat the data)."""
    user: JudgeTemplate
    """The user message (the data between tags, and the question to the judge)."""

    def messages(self, variables: dict[str, Any]) -> list[dict[str, Any]]:
        """The chat messages for one sample."""
        out = []
        if self.system is not None:
            out.append({"role": "system", "content": _text(self.system.render(variables))})
        out.append({"role": "user", "content": _text(self.user.render(variables))})
        return out


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


@cache
def source(name: str, part: str) -> str:
    """The text of a built-in prompt's ``system`` or ``user`` template."""
    path = resources.files("graders.judge") / "prompts" / f"{name}.{part}.jinja"
    return path.read_text(encoding="utf-8")


@cache
def builtin(name: str) -> JudgePrompt:
    """A built-in prompt by name."""
    return JudgePrompt(
        system=JudgeTemplate(source(name, "system")), user=JudgeTemplate(source(name, "user"))
    )


def resolve(prompt: str | JudgePrompt) -> JudgePrompt:
    """A judge's ``prompt`` field as templates (a built-in's name, or the templates given)."""
    return builtin(prompt) if isinstance(prompt, str) else prompt
