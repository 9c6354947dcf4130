"""Format checks: tag layouts (``<think>…</think><answer>…</answer>``), JSON validity and
JSON Schema conformance, and length bounds."""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

import regex
from pydantic import Field, field_validator, model_validator

from graders.checks.base import OUTPUT_TEXT, TextCheck
from graders.checks.extract import ExtractionFailed, Steps, run_steps
from graders.checks.measure import LengthUnit, measure
from graders.core.context import GradeContext
from graders.core.registry import register
from graders.core.result import Result
from graders.spec.base import GraderSpec
from graders.spec.fields import REGEX_TIMEOUT_S, compile_pattern
from graders.spec.templates import Template

__all__ = ["JsonCheck", "Length", "TagFormat"]

_TRUNCATED = "the completion was truncated at the length limit"


@register
class TagFormat(GraderSpec):
    """The output is laid out in tags, in order: ``<think>…</think>`` then ``<answer>…</answer>``.

    Strict mode (the default) allows nothing but whitespace outside the tags and each tag
    exactly once. A truncated completion fails unless ``allow_truncated`` is set: a format
    reward must not pay for outputs cut off at the length limit.
    """

    type: Literal["tag_format"] = "tag_format"
    input: Template = OUTPUT_TEXT
    """The text to check."""
    tags: tuple[str, ...] = ("think", "answer")
    """The tags that must appear, in this order."""
    strict: bool = True
    """Nothing but whitespace outside the tags, and each tag exactly once."""
    require_content: bool = True
    """Every tag must hold some non-whitespace text."""
    allow_truncated: bool = False
    """Pass even when the sample is marked truncated."""

    example: ClassVar[dict[str, Any]] = {"type": "tag_format", "tags": ["think", "answer"]}

    @field_validator("tags")
    @classmethod
    def _names(cls, tags: tuple[str, ...]) -> tuple[str, ...]:
        if not tags:
            raise ValueError("tags must name at least one tag")
        for tag in tags:
            if not tag or any(ch in tag for ch in "<>/ \t\n"):
                raise ValueError(f"invalid tag name {tag!r}")
        return tags

    def _problem(self, text: str) -> str | None:
        for tag in self.tags:
            opens, closes = text.count(f"<{tag}>"), text.count(f"</{tag}>")
            if opens == 0 or closes == 0:
                return f"missing <{tag}>" if opens == 0 else f"<{tag}> is never closed"
            if self.strict and (opens > 1 or closes > 1):
                return f"<{tag}> appears {max(opens, closes)} times"
        body = r"\s*".join(
            rf"<{regex.escape(t)}>(?P<c{i}>.*?)</{regex.escape(t)}>"
            for i, t in enumerate(self.tags)
        )
        pattern = rf"^\s*{body}\s*$" if self.strict else body
        match = compile_pattern(pattern, ("dotall",)).search(text, timeout=REGEX_TIMEOUT_S)
        if match is None:
            return "text outside the tags" if self.strict else "tags out of order"
        if self.require_content:
            for i, tag in enumerate(self.tags):
                if not match[f"c{i}"].strip():
                    return f"empty <{tag}>"
        return None

    async def grade(self, ctx: GradeContext) -> Result:
        if ctx.sample.truncated and not self.allow_truncated:
            return Result(score=0.0, passed=False, reason=_TRUNCATED)
        problem = self._problem(self.input.render_text(ctx))
        if problem is None:
            layout = "".join(f"<{t}>…</{t}>" for t in self.tags)
            return Result(score=1.0, passed=True, reason=f"laid out as {layout}")
        return Result(score=0.0, passed=False, reason=problem)


@register
class JsonCheck(GraderSpec):
    """The input is valid JSON and, when a ``schema`` is given, conforms to it."""

    type: Literal["json"] = "json"
    input: Template | None = None
    """What to check: a template giving text to parse or a value. By default the sample's
    ``output_json`` when it has one, else its ``output_text``."""
    extract: Steps = ()
    """Extraction steps applied to the input before parsing."""
    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    """A JSON Schema (draft 2020-12 unless it says otherwise) the value must satisfy."""

    example: ClassVar[dict[str, Any]] = {
        "type": "json",
        "schema": {"type": "object", "required": ["answer"]},
    }

    @field_validator("json_schema")
    @classmethod
    def _valid_schema(cls, schema: dict[str, Any] | None) -> dict[str, Any] | None:
        if schema is not None:
            from jsonschema import exceptions as jsonschema_exceptions
            from jsonschema import validators

            try:
                validators.validator_for(schema).check_schema(schema)
            except jsonschema_exceptions.SchemaError as exc:
                raise ValueError(f"invalid JSON Schema: {exc.message}") from None
        return schema

    async def grade(self, ctx: GradeContext) -> Result:
        if self.input is not None:
            value = self.input.render_value(ctx)
        elif ctx.sample.has_json:
            value = ctx.sample.output_json
        else:
            value = ctx.sample.output_text
        try:
            value = run_steps(self.extract, value)
        except ExtractionFailed as exc:
            return Result(score=0.0, passed=False, reason=str(exc))
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                return Result(score=0.0, passed=False, reason=f"invalid JSON: {exc}")
        if self.json_schema is None:
            return Result(score=1.0, passed=True, reason="valid JSON")
        from jsonschema import exceptions as jsonschema_exceptions
        from jsonschema import validators

        validator = validators.validator_for(self.json_schema)(self.json_schema)
        error = jsonschema_exceptions.best_match(validator.iter_errors(value))
        if error is None:
            return Result(score=1.0, passed=True, reason="valid JSON matching the schema")
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
        return Result(
            score=0.0, passed=False, reason=f"schema violation at {where}: {error.message}"
        )


@register
class Length(TextCheck):
    """The input's length lies within ``[min, max]`` in characters, words, lines or tokens."""

    type: Literal["length"] = "length"
    unit: LengthUnit = "words"
    """What to count; ``tokens`` counts ``sample.completion_ids``."""
    min: int | None = Field(default=None, ge=0)
    """The least length that passes."""
    max: int | None = Field(default=None, ge=0)
    """The greatest length that passes."""
    allow_truncated: bool = True
    """When false, a truncated completion fails whatever its length."""

    example: ClassVar[dict[str, Any]] = {"type": "length", "unit": "words", "max": 100}

    @model_validator(mode="after")
    def _bounds(self) -> Length:
        if self.min is None and self.max is None:
            raise ValueError("length needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min={self.min} is greater than max={self.max}")
        return self

    def check(self, text: str, ctx: GradeContext) -> Result:
        if ctx.sample.truncated and not self.allow_truncated:
            return Result(score=0.0, passed=False, reason=_TRUNCATED)
        size = measure(ctx, text, self.unit)
        if self.min is not None and size < self.min:
            return self.verdict(False, f"{size} {self.unit} < min {self.min}")
        if self.max is not None and size > self.max:
            return self.verdict(False, f"{size} {self.unit} > max {self.max}")
        return self.verdict(True, f"{size} {self.unit} within bounds")
