"""The bubblewrap command line of a sandbox slot.

What a run sees: the host's /usr read-only (with the merged-/usr symlinks), a bare /etc holding
only the dynamic linker's cache and interpreter configuration (no passwd, no shadow, no
resolv.conf), its own /proc, a minimal /dev, size-capped private tmpfs mounts at /tmp and
/dev/shm (1777, for multiprocessing), a root-owned /work holding the program and the current
input, and graders' in-sandbox code read-only at /opt/graders. New PID, network, IPC, UTS and
(where possible) cgroup namespaces; an empty environment apart from PATH, HOME, LANG and TMPDIR;
no controlling terminal; the whole sandbox dies with the process that started it.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

__all__ = ["BOOT", "PAYLOAD_DIR", "command"]

PAYLOAD_DIR = Path(__file__).resolve().parent / "payload"
BOOT = "import sys;sys.path.insert(0,'/opt/graders');from payload.worker import main;main()"
"""What the sandbox's Python runs: the slot worker."""

_ROOT_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives")
_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "TMPDIR": "/tmp"}
_WORK_BYTES = 4 << 30  # only the worker writes /work (program, input): bounded by what it is sent


def _root_filesystem() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for path in _ROOT_LINKS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    args += ["--perms", "0755", "--dir", "/etc"]
    for path in (*_ETC, *sorted(glob.glob("/etc/python3*"))):
        args += ["--ro-bind-try", path, path]
    return args


def command(
    *,
    bwrap: str,
    python: str,
    scratch_mb: int,
    privileged: bool,
    info_fd: int | None,
    argv: list[str] | None = None,
) -> list[str]:
    """The bubblewrap argv of a slot running ``argv`` (default: the slot worker).

    ``privileged`` (the host is root): the worker keeps only CAP_SETUID, CAP_SETGID and CAP_KILL
    to drop each run to the slot's uid and to kill it. Otherwise bubblewrap makes a user
    namespace and everything runs as the invoking user, with further user namespaces disabled.
    """
    args = [bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    args += ["--unshare-cgroup-try", "--hostname", "sandbox"]
    if privileged:
        args += ["--cap-drop", "ALL"]
        for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_KILL"):
            args += ["--cap-add", cap]
    else:
        args += ["--unshare-user", "--disable-userns"]
    args += ["--die-with-parent", "--as-pid-1", "--new-session", "--clearenv"]
    for key, value in _ENV.items():
        args += ["--setenv", key, value]
    args += _root_filesystem()
    prefix = Path(python).resolve().parents[1]
    if not str(prefix).startswith("/usr"):
        args += ["--ro-bind", str(prefix), str(prefix)]
    scratch = str(scratch_mb << 20)
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--perms", "1777", "--size", scratch, "--tmpfs", "/dev/shm"]
    args += ["--perms", "1777", "--size", scratch, "--tmpfs", "/tmp"]
    args += ["--perms", "0755", "--size", str(_WORK_BYTES), "--tmpfs", "/work"]
    # bubblewrap run by root creates missing parents 0700: make them readable for the slot uid
    args += ["--perms", "0755", "--dir", "/opt", "--perms", "0755", "--dir", "/opt/graders"]
    args += ["--ro-bind", str(PAYLOAD_DIR), "/opt/graders/payload", "--chdir", "/work"]
    if info_fd is not None:
        args += ["--info-fd", str(info_fd)]
    return [*args, "--", *(argv or [python, "-I", "-c", BOOT])]
