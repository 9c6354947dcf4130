"""String checks: OpenAI's ``string_check`` and our contains / starts_with / ends_with /
equals / regex / one_of, all with ``extract``, ``normalize`` and ``not``."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import field_validator, model_validator

from graders.checks.base import ReferenceCheck, TextCheck, excerpt
from graders.core.context import GradeContext
from graders.core.registry import register
from graders.core.result import Result
from graders.spec.fields import REGEX_TIMEOUT_S, RegexFlag, check_pattern, compile_pattern
from graders.spec.templates import Template, to_text

__all__ = ["Contains", "EndsWith", "Equals", "OneOf", "RegexCheck", "StartsWith", "StringCheck"]


@register
class StringCheck(ReferenceCheck):
    """OpenAI's string check: ``eq``, ``ne``, ``like`` (contains), ``ilike`` (contains, any case).

    Scores 1 when the operation holds, else 0. Loads unchanged from OpenAI grader JSON.
    """

    type: Literal["string_check"] = "string_check"
    operation: Literal["eq", "ne", "like", "ilike"]
    """``eq`` equal, ``ne`` not equal, ``like`` input contains reference, ``ilike`` the same
    ignoring case."""

    example: ClassVar[dict[str, Any]] = {
        "type": "string_check",
        "name": "exact",
        "input": "{{ sample.output_text }}",
        "reference": "{{ item.answer }}",
        "operation": "eq",
    }

    def check(self, text: str, ctx: GradeContext) -> Result:
        ref = self.read_reference(ctx)
        op = self.operation
        if op == "eq":
            ok, rel = text == ref, "=="
        elif op == "ne":
            ok, rel = text != ref, "!="
        elif op == "like":
            ok, rel = ref in text, "contains"
        else:
            ok, rel = ref.casefold() in text.casefold(), "contains (any case)"
        return self.verdict(ok, f"{excerpt(text)} {rel} {excerpt(ref)}: {ok}")


class _Affix(ReferenceCheck):
    relation: ClassVar[str]

    def holds(self, text: str, ref: str) -> bool:
        raise NotImplementedError

    def check(self, text: str, ctx: GradeContext) -> Result:
        ref = self.read_reference(ctx)
        ok = self.holds(text, ref)
        return self.verdict(ok, f"{excerpt(text)} {self.relation} {excerpt(ref)}: {ok}")


@register
class Equals(_Affix):
    """The (extracted, normalized) input equals the reference."""

    type: Literal["equals"] = "equals"
    relation: ClassVar[str] = "=="
    example: ClassVar[dict[str, Any]] = {
        "type": "equals",
        "reference": "{{ item.answer }}",
        "extract": [{"step": "xml_tag", "tag": "answer"}],
        "normalize": ["strip", "lowercase"],
    }

    def holds(self, text: str, ref: str) -> bool:
        return text == ref


@register
class Contains(_Affix):
    """The input contains the reference."""

    type: Literal["contains"] = "contains"
    relation: ClassVar[str] = "contains"
    example: ClassVar[dict[str, Any]] = {
        "type": "contains",
        "reference": "Paris",
        "normalize": ["lowercase"],
    }

    def holds(self, text: str, ref: str) -> bool:
        return ref in text


@register
class StartsWith(_Affix):
    """The input starts with the reference."""

    type: Literal["starts_with"] = "starts_with"
    relation: ClassVar[str] = "starts with"
    example: ClassVar[dict[str, Any]] = {"type": "starts_with", "reference": "Dear"}

    def holds(self, text: str, ref: str) -> bool:
        return text.startswith(ref)


@register
class EndsWith(_Affix):
    """The input ends with the reference."""

    type: Literal["ends_with"] = "ends_with"
    relation: ClassVar[str] = "ends with"
    example: ClassVar[dict[str, Any]] = {
        "type": "ends_with",
        "reference": "Is there anything else?",
        "normalize": ["strip"],
    }

    def holds(self, text: str, ref: str) -> bool:
        return text.endswith(ref)


@register
class RegexCheck(TextCheck):
    """The input matches a regular expression (searched anywhere, or matched in full)."""

    type: Literal["regex"] = "regex"
    flags: tuple[RegexFlag, ...] = ()
    """Regex flags: ignorecase, multiline, dotall, verbose, ascii."""
    pattern: str
    """The regular expression (Python syntax); matching is limited to one second."""
    mode: Literal["search", "fullmatch", "match"] = "search"
    """``search`` anywhere, ``match`` at the start, ``fullmatch`` the whole input."""

    example: ClassVar[dict[str, Any]] = {
        "type": "regex",
        "pattern": r"^<think>.*?</think>\s*<answer>.*?</answer>$",
        "flags": ["dotall"],
        "mode": "fullmatch",
    }

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str, info: Any) -> str:
        return check_pattern(pattern, info.data.get("flags", ()))

    def check(self, text: str, ctx: GradeContext) -> Result:
        compiled = compile_pattern(self.pattern, self.flags)
        matcher = getattr(compiled, self.mode)
        ok = matcher(text, timeout=REGEX_TIMEOUT_S) is not None
        return self.verdict(ok, f"{self.mode} {self.pattern!r} in {excerpt(text)}: {ok}")


@register
class OneOf(TextCheck):
    """The input equals one of several references (a template may render a whole list)."""

    type: Literal["one_of"] = "one_of"
    references: tuple[Template, ...]
    """Accepted answers; a template rendering a list (``{{ item.aliases }}``) adds each element."""

    example: ClassVar[dict[str, Any]] = {
        "type": "one_of",
        "references": ["{{ item.answer }}", "{{ item.aliases }}"],
        "normalize": ["lowercase", "strip_punctuation", "remove_articles", "collapse_whitespace"],
    }

    @field_validator("references", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str | int | float) else value

    @model_validator(mode="after")
    def _not_empty(self) -> OneOf:
        if not self.references:
            raise ValueError("references must list at least one accepted answer")
        return self

    def check(self, text: str, ctx: GradeContext) -> Result:
        accepted: list[str] = []
        for template in self.references:
            value = template.render_value(ctx)
            values = value if isinstance(value, list) else [value]
            accepted.extend(self.normalized(to_text(v)) for v in values)
        ok = text in accepted
        shown = ", ".join(excerpt(a, 30) for a in accepted[:5])
        more = f" (+{len(accepted) - 5})" if len(accepted) > 5 else ""
        return self.verdict(ok, f"{excerpt(text)} in [{shown}{more}]: {ok}")
