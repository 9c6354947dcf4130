"""Slots and pools: isolation layers, replacement of a broken slot, and a clean close."""

from __future__ import annotations

import asyncio
import fcntl
import gc
import os
import signal
from pathlib import Path

import pytest

from graders.sandbox.languages import LANGUAGES
from graders.sandbox.limits import Limits
from graders.sandbox.local import LocalBackend
from graders.sandbox.probe import probe
from graders.sandbox.runs import Program, Task
from graders.sandbox.uids import lease_uid

PY = LANGUAGES["python"]
LIMITS = Limits(cpu_s=2)


def test_this_host_gives_full_isolation() -> None:
    host = probe()
    assert host.problems("full") == []
    assert host.level().startswith("bwrap+uid+cgroup-v")


def test_runs_are_confined_by_every_layer() -> None:
    code = (
        "import ctypes, os, resource\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "print(os.getuid(), os.getpid() > 1, libc.unshare(0x10000000), ctypes.get_errno())\n"
        "print(sorted(os.environ))\n"
        "print(resource.getrlimit(resource.RLIMIT_NPROC))\n"
        "mode = lambda path: oct(os.stat(path).st_mode)\n"
        "print(mode('/tmp'), mode('/dev/shm'), os.listdir('/work'))\n"
    )

    async def run() -> tuple[str, bytes]:
        backend = LocalBackend(probe(), slots=1, scratch_mb=8)
        try:
            async with backend.session(Program(PY, code, LIMITS.merged(processes=32))) as s:
                return s.isolation, (await s.run(Task())).stdout
        finally:
            await backend.aclose()

    isolation, out = asyncio.run(run())
    uid, *rest = out.decode().splitlines()
    assert isolation == "bwrap+uid+cgroup-v1+seccomp" or isolation.startswith("bwrap+uid+cgroup-v2")
    assert int(uid.split()[0]) >= 61000 and uid.split()[1:] == ["True", "-1", "1"]  # EPERM
    assert rest == [
        "['HOME', 'LANG', 'PATH', 'PWD', 'TMPDIR']",
        "(32, 32)",
        "0o41777 0o41777 ['solution.py']",
    ]


def test_nothing_a_run_leaves_reaches_the_next_run() -> None:
    code = (
        "import os\n"
        "print(*(sorted(os.listdir(path)) for path in ('/tmp', '/dev/shm', '/work')))\n"
        "os.makedirs('/tmp/d/e')\n"
        "open('/tmp/d/e/f', 'w').close()\n"
        "os.chmod('/tmp/d', 0o500)\n"
        "os.symlink('/etc', '/tmp/link')\n"
        "open('/dev/shm/x', 'w').close()\n"
    )

    async def run() -> list[bytes]:
        backend = LocalBackend(probe(), slots=1, scratch_mb=8)
        try:
            async with backend.session(Program(PY, code, LIMITS)) as s:
                return [
                    (await s.run(Task(stdin=b"1\n" if n % 2 else None))).stdout for n in range(4)
                ]
        finally:
            await backend.aclose()

    outputs = asyncio.run(run())
    assert outputs[0] == outputs[2] == b"[] [] ['solution.py']\n"
    assert outputs[1] == outputs[3] == b"[] [] ['solution.py', 'stdin']\n"


def test_a_dead_sandbox_is_a_sandbox_error_and_is_replaced() -> None:
    async def run() -> list[object]:
        backend = LocalBackend(probe(), slots=1, scratch_mb=8)
        try:
            async with backend.session(Program(PY, "print('ok')", LIMITS)) as s:
                first = await s.run(Task())
                assert s.slot.worker_pidfd is not None
                signal.pidfd_send_signal(s.slot.worker_pidfd, signal.SIGKILL)
                dead = await s.run(Task())
                dead_slot = s.slot
            async with backend.session(Program(PY, "print('ok')", LIMITS)) as s:
                again = await s.run(Task())
                assert s.slot is not dead_slot
            return [first.stdout, dead.error, again.stdout]
        finally:
            await backend.aclose()

    first, error, again = asyncio.run(run())
    assert first == again == b"ok\n"
    assert isinstance(error, str) and error.startswith("the sandbox died")


def test_closing_removes_the_cgroup_and_returns_the_uid() -> None:
    async def run() -> tuple[list[Path], int]:
        backend = LocalBackend(probe(), slots=1, scratch_mb=8)
        async with backend.session(Program(PY, "print(1)", LIMITS)) as s:
            await s.run(Task())
            assert s.slot.group is not None and s.slot.uid is not None
            dirs, uid = list(s.slot.group.dirs.values()), s.slot.uid.uid
            assert all(d.exists() for d in dirs)
        await backend.aclose()
        return dirs, uid

    dirs, uid = asyncio.run(run())
    assert not any(d.exists() for d in dirs)
    lease = lease_uid(uid, 1)  # free again: the lock was released
    lease.release()


def test_uid_leases_are_exclusive_across_open_files() -> None:
    first = lease_uid()
    try:
        second = lease_uid(first.uid, 2)
        assert second.uid == first.uid + 1
        second.release()
    finally:
        first.release()


@pytest.mark.skipif(os.geteuid() != 0, reason="uid leases are taken by root")
def test_lock_files_are_private() -> None:
    lease = lease_uid()
    try:
        path = next(Path("/run/graders-sandbox").glob(f"{lease.uid}.lock"))
        assert path.stat().st_mode & 0o077 == 0
        with open(path) as fh, pytest.raises(BlockingIOError):
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        lease.release()


# dropping transports of a closed event loop makes asyncio's own finalizers complain; that is
# what this test does on purpose
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_pool_dropped_without_closing_is_cleaned_up_by_its_finalizer() -> None:
    async def run() -> tuple[LocalBackend, list[Path]]:
        backend = LocalBackend(probe(), slots=1, scratch_mb=8)
        async with backend.session(Program(PY, "print(1)", LIMITS)) as s:
            await s.run(Task())
            assert s.slot.group is not None
            return backend, list(s.slot.group.dirs.values())

    backend, dirs = asyncio.run(run())
    assert all(d.exists() for d in dirs)
    del backend
    gc.collect()
    assert not any(d.exists() for d in dirs)


def test_runs_sent_ahead_get_their_own_outcomes_and_memory_verdicts() -> None:
    """The OOM kill of a run that starts while the previous answer is still unread counts
    against that run, not the one before (the worker counts kills around each run)."""
    code = (
        "import sys\n"
        "n = int(sys.stdin.readline())\n"
        "if n == 2:\n"
        "    data = bytearray(400 << 20)\n"
        "    for i in range(0, len(data), 4096):\n"
        "        data[i] = 1\n"
        "print(n * 2)\n"
    )
    tasks = [Task(stdin=f"{n}\n".encode()) for n in range(5)]
    limits = LIMITS.merged(memory_mb=128)

    async def run() -> tuple[list[tuple[str | None, bytes]], bool]:
        backend = LocalBackend(probe(), slots=1, scratch_mb=8)
        try:
            async with backend.session(Program(PY, code, limits)) as session:
                done = [(o.limit, o.stdout) async for o in session.runs(tasks, ahead=len(tasks))]
                broken = session.slot.broken
            return done, broken
        finally:
            await backend.aclose()

    done, broken = asyncio.run(run())
    assert done == [
        (None, b"0\n"),
        (None, b"2\n"),
        ("memory", b""),
        (None, b"6\n"),
        (None, b"8\n"),
    ]
    assert not broken


def test_leaving_runs_in_flight_replaces_the_slot() -> None:
    async def run() -> bool:
        backend = LocalBackend(probe(), slots=1, scratch_mb=8)
        try:
            async with backend.session(Program(PY, "print(1)", LIMITS)) as session:
                runs = session.runs([Task(), Task(), Task()], ahead=2)
                await anext(runs)
                await runs.aclose()
                return session.slot.broken
        finally:
            await backend.aclose()

    assert asyncio.run(run())


def test_workers_are_kept_on_distinct_cpus_and_runs_may_use_them_all() -> None:
    code = "import os\nprint(sorted(os.sched_getaffinity(0)))"

    async def run() -> tuple[list[int | None], list[bytes]]:
        backend = LocalBackend(probe(), slots=2, scratch_mb=8)
        try:

            async def one() -> tuple[int | None, bytes]:
                async with backend.session(Program(PY, code, LIMITS)) as session:
                    out = (await session.run(Task())).stdout
                    slot = session.slot
                    assert slot.worker_pid is not None and slot.cpu is not None
                    assert os.sched_getaffinity(slot.worker_pid) == {slot.cpu}
                    await asyncio.sleep(0.05)  # hold the slot, so the other takes the second
                    return slot.cpu, out

            done = await asyncio.gather(one(), one())
            return [cpu for cpu, _ in done], [out for _, out in done]
        finally:
            await backend.aclose()

    cpus, outs = asyncio.run(run())
    allowed = sorted(os.sched_getaffinity(0))
    assert all(cpu in allowed for cpu in cpus)
    assert len(set(cpus)) == min(2, len(allowed))
    assert outs == [f"{allowed}\n".encode()] * 2
