"""Running a node's children and reading their verdicts: shared by every composite type."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Literal

from graders.core.context import GradeContext
from graders.core.result import Result
from graders.spec.base import GraderSpec

__all__ = ["OnChildAbstain", "is_pass", "run_children"]

OnChildAbstain = Literal["abstain", "skip", "zero"]
"""What a composite does when a child abstains: abstain too, leave the child out, or count 0."""


async def run_children(ctx: GradeContext, specs: Sequence[GraderSpec]) -> list[Result]:
    """Grade ``specs`` in order; children that wait (judges, sandboxes) run concurrently.

    Cheap CPU-only children run inline, because a task per child would cost more than the
    check itself.
    """
    if not any(spec.waits for spec in specs):
        return [await spec.run(ctx) for spec in specs]
    tasks: dict[int, asyncio.Task[Result]] = {
        i: asyncio.ensure_future(spec.run(ctx)) for i, spec in enumerate(specs) if spec.waits
    }
    try:
        results: list[Result] = []
        for i, spec in enumerate(specs):
            results.append(await tasks[i] if i in tasks else await spec.run(ctx))
        return results
    except BaseException:
        for task in tasks.values():
            task.cancel()
        raise


def is_pass(result: Result) -> bool:
    """A child's verdict: its ``passed`` flag, else whether its score reached 1."""
    if result.passed is not None:
        return result.passed
    return result.score is not None and result.score >= 1.0
