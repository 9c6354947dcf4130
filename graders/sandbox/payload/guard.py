"""The optional seccomp filter: a deny-list of system calls no test program needs.

Defence in depth behind the namespaces and the unprivileged uid: it refuses tracing other
processes, reading or writing their memory, new namespaces (and so new user namespaces with
their capabilities), mounts, kernel modules, BPF, perf, io_uring, key rings and clock or host
changes. Compiled once in the worker with libseccomp's Python binding (Debian's ``python3-seccomp``)
when the sandbox's interpreter has it, and installed on the worker once: every run is forked
from the worker and inherits it, across ``exec`` too, at no cost per run.
"""

from __future__ import annotations

import ctypes
import errno
import os

__all__ = ["DENIED", "build", "install"]

DENIED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen",
    "fsmount", "fsconfig", "fspick", "unshare", "setns",
    "swapon", "swapoff", "reboot", "kexec_load", "kexec_file_load",
    "init_module", "finit_module", "delete_module", "bpf", "perf_event_open",
    "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "keyctl", "add_key", "request_key", "acct", "quotactl",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "syslog",
    "open_by_handle_at", "name_to_handle_at", "ioperm", "iopl", "fanotify_init",
)  # fmt: skip
"""System calls that fail with EPERM inside a run."""

_CLONE_NAMESPACES = (
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
)


def build() -> tuple[bytes | None, str]:
    """(the filter as BPF or None, a note saying what it is or why not)."""
    try:
        import seccomp  # type: ignore[import-not-found]
    except ImportError:
        return None, "the sandbox's python has no seccomp module (Debian: python3-seccomp)"
    filt = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in DENIED:
        try:
            filt.add_rule(seccomp.ERRNO(errno.EPERM), name)
        except (RuntimeError, ValueError):
            continue  # a call this kernel or libseccomp does not know
    for flag in _CLONE_NAMESPACES:
        filt.add_rule(
            seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag)
        )
    # clone3 passes its flags in memory a filter cannot read: make libc fall back to clone
    filt.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    with open(os.memfd_create("seccomp-bpf"), "w+b") as fh:
        filt.export_bpf(fh)
        fh.seek(0)
        return fh.read(), "seccomp deny-list"


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_libc = ctypes.CDLL(None, use_errno=True)


def install(bpf: bytes) -> None:
    """Install a BPF filter on this process (needs no_new_privs, which bubblewrap sets)."""
    buffer = ctypes.create_string_buffer(bpf, len(bpf))
    prog = _SockFprog(len(bpf) // 8, ctypes.addressof(buffer))
    if _libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"installing the seccomp filter: {os.strerror(code)}")
