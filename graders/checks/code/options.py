"""The ``sandbox`` field shared by the code graders: where and how programs run.

``backend: local`` (the default) runs them in this host's bubblewrap sandbox, refusing to load
when the host cannot give the ``isolation`` asked for; ``backend: sandbox_fusion`` sends them to
a SandboxFusion server's ``run_code`` API at ``url``. Backends are shared resources of the
grader's runtime: every node with the same options uses one pool of slots (or one client).
"""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from graders.core.context import GradeContext
from graders.core.errors import GradeFailure
from graders.sandbox.limits import Limits
from graders.sandbox.probe import Isolation, probe
from graders.sandbox.runs import Backend, Mode

__all__ = ["SandboxOptions", "open_backend"]


class SandboxOptions(BaseModel):
    """Where and how model-written programs run."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    backend: Literal["local", "sandbox_fusion"] = "local"
    """``local``: this host's bubblewrap sandbox; ``sandbox_fusion``: a SandboxFusion server."""
    isolation: Isolation = "full"
    """The least isolation the local backend may run with: ``full`` (namespaces, unprivileged
    uid, memory and pids cgroups) or ``namespaces`` (rlimits where no cgroup is available).
    Without namespaces nothing runs locally."""
    mode: Mode = "warm"
    """Python only: ``warm`` forks a pre-imported interpreter per test (fast); ``cold`` starts a
    fresh interpreter per test (exactly ``python3 solution.py``)."""
    slots: int | None = Field(default=None, ge=1, le=1024)
    """How many programs run at once (local: sandboxes; default: the CPU count)."""
    url: str | None = None
    """The SandboxFusion server's base URL (``backend: sandbox_fusion`` only)."""
    request_timeout_s: float = Field(default=300.0, gt=0)
    """How long one SandboxFusion request may take before it is a sandbox error."""

    @model_validator(mode="after")
    def _url_matches_backend(self) -> SandboxOptions:
        if self.backend == "sandbox_fusion" and not self.url:
            raise ValueError("backend 'sandbox_fusion' needs a url (e.g. http://host:8080)")
        if self.backend == "local" and self.url:
            raise ValueError(f"url={self.url!r} is only used with backend 'sandbox_fusion'")
        return self

    @property
    def concurrency(self) -> int:
        return self.slots or os.cpu_count() or 1

    def problems(self, tools: tuple[str, ...] = ()) -> list[str]:
        """Why this host cannot run the local backend as configured (empty when it can)."""
        if self.backend != "local":
            return []
        return probe().problems(self.isolation, tools)


def open_backend(ctx: GradeContext, options: SandboxOptions, limits: Limits) -> Backend:
    """The backend these options name, shared through the grader's runtime."""
    if options.backend == "sandbox_fusion":
        from graders.sandbox.remote import SandboxFusion

        assert options.url is not None
        url, timeout, size = options.url, options.request_timeout_s, options.concurrency
        return ctx.runtime.resource(
            f"sandbox:fusion:{url}:{size}:{timeout}",
            lambda: SandboxFusion(url, concurrency=size, timeout_s=timeout),
        )
    from graders.sandbox.local import LocalBackend

    problems = options.problems()
    if problems:
        raise GradeFailure("sandbox_error", "; ".join(problems))
    host, size = probe(), options.concurrency
    return ctx.runtime.resource(
        f"sandbox:local:{options.isolation}:{size}:{limits.tmp_mb}",
        lambda: LocalBackend(host, slots=size, scratch_mb=limits.tmp_mb),
    )
