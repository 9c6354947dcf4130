"""Turning a freshly forked worker child into a confined run: fds, limits and the uid drop.

Runs in the child between ``fork`` and the program (or ``exec``): it installs the run's stdio
and result channel, closes every other descriptor (the worker's channel to the host included),
sets the resource limits while it may still lower hard limits, leaves the worker's session,
drops to the slot's unprivileged uid, which clears every capability, so nothing it set can be
undone by the program, and lets itself run on every CPU the grader may use (it was forked on
the worker's own, see ``slot.py``). (The seccomp filter was installed on the worker itself and
is inherited.)
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
from typing import Any

__all__ = ["RLIMITS", "enter", "oom_kills", "set_dumpable"]

RLIMITS: dict[str, int] = {
    "cpu": resource.RLIMIT_CPU,
    "nproc": resource.RLIMIT_NPROC,
    "nofile": resource.RLIMIT_NOFILE,
    "fsize": resource.RLIMIT_FSIZE,
    "stack": resource.RLIMIT_STACK,
    "data": resource.RLIMIT_DATA,
    "as": resource.RLIMIT_AS,
    "core": resource.RLIMIT_CORE,
    "memlock": resource.RLIMIT_MEMLOCK,
    "msgqueue": resource.RLIMIT_MSGQUEUE,
}
"""The limits a run request may set, by name."""

_PR_SET_DUMPABLE = 4
_MAX_FD = 1 << 20
_prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved once, before any fork


def set_dumpable(flag: bool) -> None:
    """Make this process (un)traceable by processes of its own uid, and its /proc private."""
    _prctl(_PR_SET_DUMPABLE, int(flag), 0, 0, 0)


def enter(stdio: tuple[int, int, int, int], keep: int, conf: dict[str, Any]) -> None:
    """Confine this process: ``stdio`` becomes fds 0-3, ``keep`` stays open, the rest closes."""
    os.setsid()
    for target, fd in enumerate(stdio):
        os.dup2(fd, target)
    os.closerange(4, keep)
    os.closerange(keep + 1, _MAX_FD)
    if conf.get("exec"):
        # an exec'd program starts with default signal dispositions, as under a shell
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    for name, value in conf.get("rlimits", {}).items():
        limit = resource.RLIM_INFINITY if value is None else int(value)
        hard = limit + 1 if name == "cpu" and limit != resource.RLIM_INFINITY else limit
        resource.setrlimit(RLIMITS[name], (limit, hard))
    uid, gid = conf.get("uid"), conf.get("gid")
    if gid is not None:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
    if uid is not None:
        os.setresuid(uid, uid, uid)
    set_dumpable(True)  # the worker is undumpable, so /proc/self would belong to root
    fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY | os.O_CLOEXEC)
    os.write(fd, b"1000")  # under memory pressure the run dies, not the worker (raising is free)
    os.close(fd)
    os.umask(0o022)
    os.chdir(conf.get("cwd", "/work"))
    if conf.get("cpus"):  # it started on the worker's CPU; from here it may use them all
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, conf["cpus"])


def oom_kills(fd: int) -> int:
    """The OOM-kill counter of a memory cgroup, read from its open ``memory.events`` (v2) or
    ``memory.oom_control`` (v1): one pread, about 1 us."""
    for line in os.pread(fd, 4096, 0).splitlines():
        key, _, value = line.partition(b" ")
        if key == b"oom_kill":
            return int(value)
    return 0
