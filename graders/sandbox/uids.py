"""Unprivileged user ids for sandbox slots, leased across every process on the host.

Model code never runs as root: ``RLIMIT_NPROC`` does not bind root (a fork bomb ran 2,000
processes as root and 61 as another uid), and a uid of its own keeps a run from signalling or
reading anything of anyone else's. Each slot leases a uid from a range no account uses, by
holding an exclusive ``flock`` on a lock file named after it; the lease ends when the slot closes
or its process dies, so concurrent grader processes never share a uid.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from pathlib import Path

__all__ = ["FIRST_UID", "UidLease", "lease_uid"]

FIRST_UID = 61000
"""The first uid of the range: 61000-63999 sits in the block Debian policy allocates only on
demand (60000-64999), so no account holds these uids on a stock system."""
COUNT = 3000


class UidLease:
    """A uid held for one slot until :meth:`release`."""

    def __init__(self, uid: int, fd: int) -> None:
        self.uid = uid
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _lock_dir() -> Path:
    for candidate in (
        Path("/run/graders-sandbox"),
        Path(tempfile.gettempdir()) / "graders-sandbox",
    ):
        with contextlib.suppress(OSError):
            candidate.mkdir(mode=0o700, exist_ok=True)
            if os.access(candidate, os.W_OK):
                return candidate
    raise OSError("no writable directory for sandbox uid locks")


def lease_uid(first: int = FIRST_UID, count: int = COUNT) -> UidLease:
    """Lease the first free uid of ``[first, first + count)``; OSError when all are taken."""
    directory = _lock_dir()
    for uid in range(first, first + count):
        fd = os.open(directory / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return UidLease(uid, fd)
    raise OSError(f"all {count} sandbox uids from {first} are leased")
