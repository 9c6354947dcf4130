"""graders: declarative graders that turn language-model outputs into rewards.

Load a grader file and score samples::

    import graders

    grader = graders.load("examples/gsm8k/grader.yaml")
    result = grader.grade_sync("... #### 42", {"answer": "42"})
    result.score, result.reason, result.children
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graders.core.errors import (
    ConfigError,
    ErrorInfo,
    GradeFailure,
    GradersError,
    GradingError,
    MissingDependencyError,
    Problem,
    SampleError,
)
from graders.core.registry import register
from graders.core.result import Result
from graders.core.runner import BatchResult, Grader
from graders.core.sample import Sample
from graders.core.summary import BatchSummary
from graders.spec.base import GraderSpec

__version__ = "0.1.0"

__all__ = [
    "BatchResult",
    "BatchSummary",
    "ConfigError",
    "ErrorInfo",
    "GradeFailure",
    "Grader",
    "GraderSpec",
    "GradersError",
    "GradingError",
    "MissingDependencyError",
    "Problem",
    "Result",
    "Sample",
    "SampleError",
    "__version__",
    "grade",
    "grade_sync",
    "load",
    "loads",
    "register",
]


def load(config: str | Path | dict[str, Any], **options: Any) -> Grader:
    """Load a grader from a YAML/JSON file or a mapping; raises ConfigError listing every problem.

    ``options`` go to :class:`Grader` (``concurrency``, ``sample_timeout_s``, ``settings``).
    """
    return Grader.load(config, **options)


def loads(text: str, *, fmt: str = "yaml", **options: Any) -> Grader:
    """Load a grader from YAML (or ``fmt="json"``) text."""
    from graders.spec.loading import loads_spec

    return Grader(loads_spec(text, fmt=fmt), **options)


def _as_grader(grader: Grader | str | Path | dict[str, Any]) -> Grader:
    return grader if isinstance(grader, Grader) else load(grader)


async def grade(
    grader: Grader | str | Path | dict[str, Any], sample: Any, item: Any = None
) -> Result:
    """Score one sample with ``grader`` (a Grader, or anything :func:`load` accepts)."""
    return await _as_grader(grader).grade(sample, item)


def grade_sync(
    grader: Grader | str | Path | dict[str, Any], sample: Any, item: Any = None
) -> Result:
    """:func:`grade` for synchronous code (any thread, or inside a running event loop)."""
    return _as_grader(grader).grade_sync(sample, item)
