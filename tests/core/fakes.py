"""Grader types that exist only in tests: they sleep, fail, or count their calls."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar, Literal

from graders import GraderSpec, Result
from graders.core import registry
from graders.core.context import GradeContext
from graders.core.errors import GradeFailure


class Sleepy(GraderSpec):
    """Waits (like a judge call), then scores ``score``."""

    type: Literal["test_sleepy"] = "test_sleepy"
    seconds: float = 0.05
    score: float = 1.0
    concurrent: ClassVar[bool] = True

    async def grade(self, ctx: GradeContext) -> Result:
        await asyncio.sleep(self.seconds)
        return Result(score=self.score, reason="slept")


class Boom(GraderSpec):
    """Fails: with a known kind, or with an unexpected exception."""

    type: Literal["test_boom"] = "test_boom"
    kind: str | None = None

    async def grade(self, ctx: GradeContext) -> Result:
        if self.kind:
            raise GradeFailure(self.kind, "it failed on purpose")
        raise ZeroDivisionError("division by zero")


class Counter(GraderSpec):
    """Counts how often it is graded (to show which children ran)."""

    type: Literal["test_counter"] = "test_counter"
    score: float | None = 1.0
    calls: ClassVar[list[str]] = []

    async def grade(self, ctx: GradeContext) -> Result:
        Counter.calls.append(self.name or "")
        return Result(score=self.score, passed=None if self.score is None else self.score >= 1)


FAKES: tuple[type[GraderSpec], ...] = (Sleepy, Boom, Counter)


@contextmanager
def fake_types() -> Iterator[None]:
    """Register the fake types for the duration of a test."""
    for cls in FAKES:
        registry.register(cls)
    try:
        yield
    finally:
        for cls in FAKES:
            registry.unregister(registry.tag_of(cls))
