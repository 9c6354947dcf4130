"""The exceptions graders raises, and the failure record a Result carries.

Hierarchy::

    GradersError                 base of everything raised to users
    ├── ConfigError              a grader or test file is invalid; holds every Problem at once
    ├── SampleError              a sample or item has the wrong shape (a bad JSONL line)
    ├── GradingError             a node with ``on_error: raise`` failed; carries its Result
    └── MissingDependencyError   a grader type needs an optional extra that is not installed

    GradeFailure                 raised *inside* a grader to report a failure of a known kind;
                                 the runtime turns it into an ``ErrorInfo`` on the Result and
                                 never lets it escape to the caller.

Grader failures are data: the engine records them on the Result (``Result.error``) and applies
the node's ``on_error`` policy, so a training loop never sees an exception unless it asked to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graders.core.result import Result

__all__ = [
    "ConfigError",
    "ErrorInfo",
    "GradeFailure",
    "GradersError",
    "GradingError",
    "MissingDependencyError",
    "Problem",
    "SampleError",
]


class GradersError(Exception):
    """Base class of every exception graders raises to its users."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a config file, located as precisely as the source allows."""

    message: str
    path: str = "$"
    file: str | None = None
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        where = self.file or "<config>"
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        return f"{where} {self.path}: {self.message}"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file or "", self.line or 0, self.col or 0, self.path)


class ConfigError(GradersError):
    """A grader (or grader test) file is invalid. ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem], *, what: str = "grader config") -> None:
        self.problems = sorted(problems, key=Problem.sort_key)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in {what}"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class SampleError(GradersError):
    """A sample or item could not be read (wrong type, missing ``sample`` key, bad JSON)."""


class MissingDependencyError(GradersError):
    """A grader type needs an optional dependency: the message says what to install."""


class GradingError(GradersError):
    """Raised to the caller when a node configured with ``on_error: raise`` fails."""

    def __init__(self, result: Result) -> None:
        self.result = result
        err = result.error
        detail = f"{err.kind}: {err.message}" if err is not None else "failed"
        super().__init__(f"{result.path} ({result.type}) {detail}")


class GradeFailure(Exception):
    """Raised by a grader's ``grade`` to fail with a known ``kind`` (``template_error``, ...)."""

    def __init__(self, kind: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.details = details


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """A failure kept as data on a Result: a machine-readable ``kind`` and a human message."""

    kind: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message}
