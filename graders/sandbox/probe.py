"""What isolation this host can give, found once per process and reported on every result.

Layers, each named in the isolation level a result reports (``bwrap+uid+cgroup-v1+seccomp``):

* ``bwrap``: bubblewrap namespaces (PID, network, mount, IPC, UTS) work here;
* ``uid``: runs drop to a leased unprivileged uid (the host is root), or ``userns``: runs keep
  the invoking (non-root) user's uid inside a user namespace;
* ``cgroup-v1`` / ``cgroup-v2``: memory and process limits by cgroup, or ``rlimits`` without;
* ``seccomp``: the system-call deny-list is installed.

The ``full`` isolation a grader requires by default needs bubblewrap and a cgroup; a grader may
opt into ``namespaces`` (rlimits for memory and processes). Without working namespaces nothing
runs locally: loading the grader fails and says why, and never falls back to running unsandboxed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from typing import Literal

from graders.sandbox import bwrap, cgroups
from graders.sandbox.languages import SANDBOX_PATH, which

__all__ = ["CGROUP_PREFIX", "HostSupport", "Isolation", "probe"]

Isolation = Literal["full", "namespaces"]
CGROUP_PREFIX = "graders"
_TRIAL = (
    "import sys\n"
    "try:\n import seccomp\nexcept ImportError:\n seccomp = None\n"
    "sys.stdout.write('ok seccomp' if seccomp else 'ok')\n"
)
_INSTALL = "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)"


@dataclass(frozen=True)
class HostSupport:
    """The sandboxing this host supports."""

    bwrap: str | None
    python: str | None
    error: str | None = None
    """Why namespaces do not work here (None when they do)."""
    privileged: bool = False
    cgroup: cgroups.Hierarchy | None = None
    seccomp: bool = False

    @property
    def namespaces(self) -> bool:
        return self.bwrap is not None and self.python is not None and self.error is None

    def level(self) -> str:
        """The isolation level runs get, as layer names joined by '+'."""
        if not self.namespaces:
            return "none"
        layers = ["bwrap", "uid" if self.privileged else "userns"]
        layers.append(self.cgroup.label if self.cgroup is not None else "rlimits")
        if self.seccomp:
            layers.append("seccomp")
        return "+".join(layers)

    def problems(self, isolation: Isolation, tools: tuple[str, ...] = ()) -> list[str]:
        """Why a grader requiring ``isolation`` and ``tools`` cannot run here (empty if it can)."""
        out: list[str] = []
        if self.bwrap is None:
            out.append(f"the code sandbox needs bubblewrap, which is not installed: {_INSTALL}")
        elif self.python is None:
            out.append(
                "the code sandbox needs a python3 under /usr for the sandbox worker "
                "(Debian/Ubuntu: apt-get install python3)"
            )
        elif self.error is not None:
            out.append(f"bubblewrap cannot create namespaces on this host: {self.error}")
        elif isolation == "full" and self.cgroup is None:
            out.append(
                "no writable memory and pids cgroup for the sandbox (run as root, or delegate a "
                "cgroup v2 subtree); to run with rlimits only, set sandbox.isolation: namespaces"
            )
        missing = [tool for tool in tools if which(tool) is None]
        if missing:
            out.append(f"not found in {SANDBOX_PATH}: {', '.join(missing)}")
        if out:
            out.append("or run the code elsewhere with sandbox.backend: sandbox_fusion")
        return out


def _python() -> str | None:
    configured = os.environ.get("GRADERS_SANDBOX_PYTHON")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return which("python3")


def _trial(bwrap_path: str, python: str, privileged: bool) -> tuple[str | None, bool]:
    """(error, seccomp available) from one real sandbox start."""
    argv = bwrap.command(
        bwrap=bwrap_path,
        python=python,
        scratch_mb=1,
        privileged=privileged,
        info_fd=None,
        argv=[python, "-I", "-c", _TRIAL],
    )
    try:
        done = subprocess.run(argv, capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{type(exc).__name__}: {exc}", False
    out = done.stdout.decode(errors="replace")
    if done.returncode != 0 or not out.startswith("ok"):
        err = done.stderr.decode(errors="replace").strip().splitlines()
        return (err[-1] if err else f"exit status {done.returncode}"), False
    return None, out == "ok seccomp"


@cache
def probe() -> HostSupport:
    """This host's sandbox support (tries a real sandbox once; cached for the process)."""
    bwrap_path = shutil.which("bwrap")
    python = _python()
    if bwrap_path is None or python is None:
        return HostSupport(bwrap=bwrap_path, python=python)
    privileged = os.geteuid() == 0
    error, seccomp = _trial(bwrap_path, python, privileged)
    if error is not None:
        return HostSupport(bwrap=bwrap_path, python=python, error=error)
    hierarchy = cgroups.detect(CGROUP_PREFIX)
    if hierarchy is not None:
        hierarchy.sweep()
    return HostSupport(
        bwrap=bwrap_path,
        python=python,
        privileged=privileged,
        cgroup=hierarchy,
        seccomp=seccomp,
    )
