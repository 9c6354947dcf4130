"""Field types shared by grader families: regular expressions with flags and a time limit.

User regexes run on model output, which is hostile: a pattern that backtracks badly could hang
a training step. They compile with the ``regex`` package, whose matching takes a ``timeout``
that works in any thread; exceeding it is a ``timeout`` error on the result.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import regex

__all__ = ["REGEX_TIMEOUT_S", "RegexFlag", "check_pattern", "compile_pattern"]

RegexFlag = Literal["ignorecase", "multiline", "dotall", "verbose", "ascii"]

REGEX_TIMEOUT_S = 1.0
"""The longest one regex match on a sample may take."""

_FLAGS = {
    "ignorecase": regex.IGNORECASE,
    "multiline": regex.MULTILINE,
    "dotall": regex.DOTALL,
    "verbose": regex.VERBOSE,
    "ascii": regex.ASCII,
}


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str, flags: tuple[str, ...] = ()) -> regex.Pattern[str]:
    """The compiled pattern (cached: graders compile once and match many times)."""
    value = regex.VERSION0
    for flag in flags:
        value |= _FLAGS[flag]
    return regex.compile(pattern, value)


def check_pattern(pattern: str, flags: tuple[str, ...] | list[str] = ()) -> str:
    """``pattern`` if it compiles with ``flags``; a ValueError naming the problem if not."""
    try:
        compile_pattern(pattern, tuple(flags))
    except regex.error as exc:
        raise ValueError(f"invalid regex {pattern!r}: {exc}") from None
    return pattern
