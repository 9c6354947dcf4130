"""Measuring an output's length in characters, words, lines or tokens.

Tokens come from ``sample.completion_ids`` (what the trainer generated, end-of-sequence
included), so token lengths match what a length limit counted; there is no tokenizer guess.
"""

from __future__ import annotations

from typing import Literal

from graders.core.context import GradeContext
from graders.core.errors import GradeFailure

__all__ = ["LengthUnit", "measure"]

LengthUnit = Literal["chars", "words", "lines", "tokens"]


def measure(ctx: GradeContext, text: str, unit: LengthUnit) -> int:
    """The length of ``text`` (or of the sample's completion, for tokens) in ``unit``."""
    if unit == "chars":
        return len(text)
    if unit == "words":
        return len(text.split())
    if unit == "lines":
        return len(text.splitlines())
    ids = ctx.sample.completion_ids
    if ids is None:
        raise GradeFailure(
            "missing_data", "unit='tokens' needs sample.completion_ids (the generated token ids)"
        )
    return len(ids)
