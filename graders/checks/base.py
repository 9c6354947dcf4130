"""What text checks share: an ``input`` template, ``extract`` steps, ``normalize``, ``not``.

A check reads ``input`` (by default the sample's text), runs the extraction steps, normalizes,
then compares. When extraction finds nothing the check scores 0 and the reason says which step
found nothing; with ``not: true`` the verdict of the comparison is inverted (an output with no
answer still scores 0).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from graders.checks.extract import ExtractionFailed, Steps, run_steps
from graders.checks.normalize import Normalizer, compose
from graders.core.context import GradeContext
from graders.core.errors import GradeFailure
from graders.core.result import Result
from graders.spec.base import GraderSpec
from graders.spec.templates import Template, to_text

__all__ = ["ReferenceCheck", "TextCheck", "excerpt"]

OUTPUT_TEXT = Template("{{ sample.output_text }}")


def excerpt(value: Any, limit: int = 60) -> str:
    """A short quoted rendering of a value for reasons and details."""
    text = value if isinstance(value, str) else to_text(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)


class TextCheck(GraderSpec):
    """Base of checks that read one text from the sample (not registered itself)."""

    input: Template = OUTPUT_TEXT
    """What to check; a template, by default the sample's output text."""
    extract: Steps = ()
    """Extraction steps applied to the input before checking."""
    normalize: tuple[Normalizer, ...] = ()
    """Normalizers applied, in order, to the input and to any reference."""
    negate: bool = Field(default=False, alias="not")
    """Invert the check's verdict."""

    def read(self, ctx: GradeContext) -> str:
        """The input after extraction and normalization; raises ExtractionFailed."""
        value = self.input.render_value(ctx)
        if self.extract:
            value = run_steps(self.extract, value)
        text = value if isinstance(value, str) else to_text(value)
        return self.normalized(text)

    def normalized(self, text: str) -> str:
        func = compose(self.normalize)
        return func(text) if func is not None else text

    def verdict(self, ok: bool, reason: str, **details: Any) -> Result:
        """A binary result, inverted when ``not`` is set."""
        if self.negate:
            ok = not ok
            reason = f"not ({reason})"
        return Result(score=1.0 if ok else 0.0, passed=ok, reason=reason, details=details or None)

    async def grade(self, ctx: GradeContext) -> Result:
        try:
            text = self.read(ctx)
        except ExtractionFailed as exc:
            return Result(score=0.0, passed=False, reason=str(exc))
        return self.check(text, ctx)

    def check(self, text: str, ctx: GradeContext) -> Result:
        """Score the prepared input text."""
        raise NotImplementedError


class ReferenceCheck(TextCheck):
    """Base of checks that compare the input with a ``reference``."""

    reference: Template
    """What to compare with; usually a template such as ``{{ item.answer }}``."""
    reference_extract: Steps = ()
    """Extraction steps applied to the reference (e.g. GSM8K's ``#### 42`` golds)."""

    def read_reference(self, ctx: GradeContext) -> str:
        value = self.reference.render_value(ctx)
        if self.reference_extract:
            try:
                value = run_steps(self.reference_extract, value)
            except ExtractionFailed as exc:
                raise GradeFailure("bad_reference", f"reference: {exc}") from None
        return self.normalized(value if isinstance(value, str) else to_text(value))
