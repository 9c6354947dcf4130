"""Resource limits of one sandboxed run, as users write them in a grader config.

CPU time is the verdict basis (robust to a loaded machine); the wall-clock deadline only stops
programs that sleep or block. Memory is enforced by a memory cgroup where the host has one (an
address-space limit would break Node and other runtimes that reserve large virtual ranges) and
by ``RLIMIT_DATA`` otherwise; processes and threads by a pids cgroup and ``RLIMIT_NPROC``.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["COMPILE_LIMITS", "Limits"]

_MB = 1 << 20


class Limits(BaseModel):
    """Limits of one run (a test, a compilation, a python grader call)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    cpu_s: float = Field(default=2.0, gt=0, le=3600)
    """CPU seconds the run may use, all its processes together; exceeding it is a time limit."""
    wall_s: float | None = Field(default=None, gt=0, le=7200)
    """Wall-clock deadline for programs that sleep or block; default ``2 * cpu_s + 1``."""
    memory_mb: int = Field(default=512, ge=16, le=1 << 20)
    """Memory the run may use (resident memory and files it writes to its /tmp)."""
    processes: int = Field(default=64, ge=1, le=4096)
    """Processes and threads the run may have at once."""
    open_files: int = Field(default=256, ge=16, le=1 << 20)
    """Open file descriptors per process."""
    file_size_mb: int = Field(default=64, ge=1)
    """Largest file a run may write."""
    stack_mb: int = Field(default=256, ge=1)
    """Stack size of the main thread (deep recursion beyond it is a runtime error)."""
    tmp_mb: int = Field(default=64, ge=1)
    """Size of the run's private /tmp and /dev/shm."""
    stdout_mb: float = Field(default=16.0, gt=0)
    """Output cap on stdout; writing more is an output-limit verdict."""
    stderr_mb: float = Field(default=1.0, gt=0)
    """Output cap on stderr; writing more is an output-limit verdict."""

    @property
    def deadline_s(self) -> float:
        """The wall-clock deadline actually applied."""
        return self.wall_s if self.wall_s is not None else 2 * self.cpu_s + 1

    def rlimits(self, *, memory: bool) -> dict[str, int | None]:
        """The per-process resource limits; ``memory`` adds RLIMIT_DATA (no memory cgroup)."""
        out: dict[str, int | None] = {
            "cpu": math.ceil(self.cpu_s) + 1,  # a backstop: the worker measures the whole tree
            "nproc": self.processes,
            "nofile": self.open_files,
            "fsize": self.file_size_mb * _MB,
            "stack": self.stack_mb * _MB,
            "core": 0,
            "memlock": 0,
            "msgqueue": 0,
        }
        if memory:
            out["data"] = self.memory_mb * _MB
        return out

    def caps(self, result_mb: float = 16.0) -> dict[str, int]:
        """Byte caps on the captured streams."""
        return {
            "stdout": int(self.stdout_mb * _MB),
            "stderr": int(self.stderr_mb * _MB),
            "result": int(result_mb * _MB),
        }

    def merged(self, **changes: Any) -> Limits:
        """A copy with ``changes`` applied and validated."""
        return Limits.model_validate({**self.model_dump(exclude_unset=True), **changes})


COMPILE_LIMITS = Limits(cpu_s=20.0, wall_s=40.0, memory_mb=1024, stdout_mb=1.0, stderr_mb=1.0)
"""Limits of a compilation (a template bomb stops here and is a compile error)."""
