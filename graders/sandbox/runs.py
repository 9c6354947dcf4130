"""What a backend is asked to run and what it reports back, independent of where it ran.

A grader opens a :class:`Session` for one program (one submission): the program is written once,
compiled once if its language compiles, and then run once per test. A :class:`Task` says what
one run does (``script``, ``call``, ``assert`` or ``grade``, see ``payload/driver.py``); an
:class:`Outcome` is what happened, raw: exit status, the limit it broke, CPU and wall time, peak
memory and the captured streams. Judging an outcome against a test happens in the grader.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from graders.sandbox.languages import Language
from graders.sandbox.limits import COMPILE_LIMITS, Limits

__all__ = [
    "Backend",
    "LimitKind",
    "Mode",
    "Outcome",
    "Program",
    "SandboxError",
    "Session",
    "Task",
    "TaskKind",
]

TaskKind = Literal["script", "call", "assert", "grade"]
Mode = Literal["warm", "cold"]
LimitKind = Literal["cpu", "wall", "memory", "stdout", "stderr", "result", "compile"]


class SandboxError(Exception):
    """A backend could not run a program at all (a sandbox error, never a verdict)."""


@dataclass(frozen=True)
class Task:
    """One run of the program: its kind, its stdin and the driver's data."""

    kind: TaskKind = "script"
    stdin: bytes | None = None
    data: dict[str, Any] = field(default_factory=dict)
    """``fn_name``/``args`` (call), ``steps``/``setup``/``marker`` (assert), ``sample``/``item``
    (grade)."""

    def payload(self, path: str) -> dict[str, Any]:
        """The driver's task document for a program at ``path``."""
        return {"kind": self.kind, "path": path, **self.data}


@dataclass
class Outcome:
    """What one run did."""

    exit_code: int | None = None
    signal: int | None = None
    limit: LimitKind | None = None
    """The limit the run broke, if the sandbox stopped it for one."""
    cpu_s: float = 0.0
    wall_s: float = 0.0
    peak_kb: int | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    result: bytes = b""
    """The driver's result channel (JSON lines), for call, assert and grade tasks."""
    error: str | None = None
    """The sandbox failed: this run has no verdict (a sandbox error, never a wrong answer)."""
    cached: bool = False
    """A compilation whose result came from the build cache (the program was not rebuilt)."""

    @property
    def clean_exit(self) -> bool:
        return self.error is None and self.limit is None and self.exit_code == 0


@dataclass(frozen=True)
class Program:
    """One submission: its language and source, the limits of its runs and how Python runs."""

    language: Language
    source: str
    limits: Limits = field(default_factory=Limits)
    mode: Mode = "warm"
    compile_limits: Limits = COMPILE_LIMITS


class Session(Protocol):
    """One program inside one sandbox, ready to run tests."""

    isolation: str

    async def compile(self) -> Outcome | None:
        """Build the program (None for languages that do not compile)."""

    async def run(self, task: Task) -> Outcome:
        """Run the program once."""

    def runs(self, tasks: Sequence[Task], *, ahead: int = 0) -> AsyncGenerator[Outcome, None]:
        """Run the program once per task, in order; a backend may start up to ``ahead`` runs
        before the current one's outcome is taken."""


class Backend(Protocol):
    """Where programs run: the local sandbox or a remote service."""

    def session(self, program: Program) -> AbstractAsyncContextManager[Session]:
        """Open a session for ``program`` (the context closes it and frees the sandbox)."""
