"""A module that a third-party package would name in its ``graders.types`` entry point."""

from __future__ import annotations

from typing import Literal

from graders import GraderSpec, Result, register
from graders.core.context import GradeContext


@register
class PluginType(GraderSpec):
    """A third-party grader type."""

    type: Literal["test_plugin_type"] = "test_plugin_type"

    async def grade(self, ctx: GradeContext) -> Result:
        return Result(score=0.5, reason="from a plugin")
