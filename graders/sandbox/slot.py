"""One sandbox slot: a bubblewrap sandbox whose PID 1 is the worker, and the channel to it.

The slot is started with ``vfork``/``exec`` (``graders.core.spawn``), never a ``fork`` of the
grading process, whose size would make every fork slow. Its worker is kept on one CPU, so that
each run it forks starts on the CPU the worker then sleeps on, and the worker wakes where the
run ended, instead of each hand-over waking another CPU (on the 2-core development VM, 17%
more tests a second); each run then lets itself use every CPU. Once bubblewrap reports the
worker's PID, the slot moves it into the slot's cgroup and sends ``init``. Requests are framed
on the worker's stdin/stdout; a request that outlives its deadline, a worker that dies or
answers nonsense marks the slot broken, and a broken slot is killed whole (a SIGKILL to its
PID 1 ends every process in its namespace) and replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from dataclasses import dataclass, field
from typing import Any

from graders.core.spawn import Child, spawn
from graders.sandbox import bwrap, cgroups
from graders.sandbox.payload import protocol
from graders.sandbox.probe import HostSupport
from graders.sandbox.runs import SandboxError
from graders.sandbox.uids import UidLease, lease_uid

__all__ = ["PREIMPORT", "Slot", "SlotBroken", "SlotConfig"]

PREIMPORT: tuple[str, ...] = (
    "array", "ast", "atexit", "bisect", "collections", "copy", "dataclasses", "datetime", "decimal",
    "fractions", "functools", "heapq", "io", "itertools", "json", "math", "operator",
    "random", "re", "statistics", "string", "sys", "time", "traceback", "typing",
)  # fmt: skip
"""Modules the warm worker imports once, so runs that import them pay nothing.

Not ``threading`` (nor ``queue``, which imports it): once imported, every fork runs its at-fork
hook and every exit joins threads, about 0.3 ms of CPU per run (a fifth of a trivial run) for
every program, where the few programs that use threads pay about 1 ms to import it."""

_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 1.0
_STDERR_TAIL = 4096


class SlotBroken(SandboxError):
    """The slot failed (died, hung or spoke nonsense): a sandbox error, never a verdict."""


@dataclass(frozen=True)
class SlotConfig:
    """What every slot of a pool shares."""

    host: HostSupport
    scratch_mb: int = 64
    preimport: tuple[str, ...] = PREIMPORT
    cpus: tuple[int, ...] = field(default_factory=lambda: tuple(sorted(os.sched_getaffinity(0))))
    """The CPUs this process may use: each slot's worker is kept on one of them, its runs may
    use them all."""


class Slot:
    """A running sandbox and its worker."""

    def __init__(self, config: SlotConfig, name: str, cpu: int | None = None) -> None:
        self.config = config
        self.name = name
        self.cpu = cpu
        """The CPU the worker is kept on (None: any)."""
        self.proc: Child | None = None
        self.worker_pidfd: int | None = None
        self.worker_pid: int | None = None
        """The worker's PID on this host (its PID 1 inside)."""
        self.group: cgroups.SlotGroup | None = None
        self.uid: UidLease | None = None
        self.broken = False
        self.info: dict[str, Any] = {}
        self._stderr = bytearray()
        self._stderr_task: asyncio.Task[None] | None = None

    @property
    def isolation(self) -> str:
        """The layers this slot's runs actually get (see :mod:`graders.sandbox.probe`)."""
        layers = ["bwrap", "uid" if self.config.host.privileged else "userns"]
        layers.append(f"cgroup-v{self.group.version}" if self.group is not None else "rlimits")
        if self.info.get("seccomp"):
            layers.append("seccomp")
        return "+".join(layers)

    async def start(self) -> None:
        host = self.config.host
        assert host.bwrap is not None and host.python is not None
        try:
            if host.privileged:
                self.uid = lease_uid()
            if host.cgroup is not None:
                self.group = host.cgroup.group(f"{os.getpid()}-{self.name}")
            events = self.group.events_fd() if self.group is not None else None
            info_r, info_w = os.pipe2(os.O_CLOEXEC)
            argv = bwrap.command(
                bwrap=host.bwrap,
                python=host.python,
                scratch_mb=self.config.scratch_mb,
                privileged=host.privileged,
                info_fd=info_w,
            )
            try:
                passed = (info_w,) if events is None else (info_w, events)
                self.proc = await spawn(
                    argv, capture_stderr=True, pass_fds=passed, start_new_session=True
                )
            finally:
                os.close(info_w)
            self._stderr_task = asyncio.create_task(self._keep_stderr())
            async with asyncio.timeout(_START_TIMEOUT_S):
                info = await _read_json(info_r)
            pid = self.worker_pid = int(info["child-pid"])
            self.worker_pidfd = os.pidfd_open(pid)
            if self.cpu is not None:
                with contextlib.suppress(OSError):  # a CPU taken away meanwhile: run anywhere
                    os.sched_setaffinity(pid, {self.cpu})
            if self.group is not None:
                self.group.join(pid)
            uid = self.uid.uid if self.uid is not None else None
            init = {
                "op": "init",
                "uid": uid,
                "gid": uid,
                "seccomp": host.seccomp,
                "preimport": list(self.config.preimport),
                "oom_fd": events,
            }
            self.info, _ = await self.call(init, [], timeout=_START_TIMEOUT_S)
        except (OSError, KeyError, ValueError, TimeoutError) as exc:
            await self.close()
            raise SlotBroken(f"starting the sandbox failed: {exc}{self._tail()}") from None

    async def call(
        self, header: dict[str, Any], blobs: list[bytes], *, timeout: float
    ) -> tuple[dict[str, Any], list[bytes]]:
        """Send one request and wait (at most ``timeout`` seconds) for its answer."""
        self.send(header, blobs)
        return await self.receive(timeout=timeout)

    def send(self, header: dict[str, Any], blobs: list[bytes]) -> None:
        """Queue one request; the worker answers requests in the order they were sent.

        Never waits for the pipe: the loop writes it out while :meth:`receive` waits, so a
        request sent ahead (a large input) cannot block on a worker that is itself blocked on
        an answer nobody reads yet.
        """
        proc = self.proc
        if proc is None or self.broken:
            raise SlotBroken("the sandbox is not running")
        try:
            proc.stdin.write(protocol.encode(header, blobs))
        except OSError as exc:
            self.broken = True
            raise SlotBroken(f"the sandbox died: {type(exc).__name__}{self._tail()}") from None

    async def receive(self, *, timeout: float) -> tuple[dict[str, Any], list[bytes]]:
        """The answer to the oldest request not yet answered, waiting at most ``timeout`` s."""
        proc = self.proc
        if proc is None or self.broken:
            raise SlotBroken("the sandbox is not running")
        try:
            async with asyncio.timeout(timeout):
                prefix = await proc.stdout.readexactly(protocol.PREFIX.size)
                head_len, blob_len = protocol.decode_header(prefix)
                raw = await proc.stdout.readexactly(head_len)
                body = await proc.stdout.readexactly(blob_len)
            answer, out = protocol.split(raw, body)
        except TimeoutError:
            self.broken = True
            raise SlotBroken(f"the sandbox did not answer within {timeout:.1f} s") from None
        except (OSError, asyncio.IncompleteReadError, protocol.FrameError) as exc:
            self.broken = True
            await asyncio.sleep(0.05)  # let the stderr reader catch the worker's last words
            raise SlotBroken(f"the sandbox died: {type(exc).__name__}{self._tail()}") from None
        if "error" in answer:
            self.broken = True
            raise SlotBroken(f"the sandbox worker failed: {answer['error']}")
        return answer, out

    def kill_now(self) -> None:
        """Kill the sandbox synchronously (its PID 1, and with it every process inside)."""
        if self.worker_pidfd is not None:
            with contextlib.suppress(OSError):
                signal.pidfd_send_signal(self.worker_pidfd, signal.SIGKILL)
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()

    def abandon(self) -> None:
        """Kill the sandbox and free its cgroup and uid without an event loop (finalizers).

        Waits at most half a second for the killed processes to leave the cgroup.
        """
        self.broken = True
        self.kill_now()
        if self.group is not None:
            for _ in range(50):
                self.group.kill()
                if self.group.remove():
                    break
                time.sleep(0.01)
        if self.uid is not None:
            self.uid.release()
            self.uid = None

    async def close(self) -> None:
        """Stop the sandbox, reap it, remove its cgroup and give its uid back.

        A healthy worker is asked to leave (its channel closes; as PID 1 its exit ends the
        namespace); one that does not within a second, or a broken one, is killed.
        """
        proc = self.proc
        if not self.broken and proc is not None:
            proc.stdin.close()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_STOP_TIMEOUT_S):
                    await proc.wait()
        self.broken = True
        self.kill_now()
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                await self.proc.wait()
        if self._stderr_task is not None:
            self._stderr_task.cancel()
        if self.worker_pidfd is not None:
            os.close(self.worker_pidfd)
            self.worker_pidfd = None
        if self.group is not None:
            for _ in range(100):
                self.group.kill()
                if self.group.remove():
                    break
                await asyncio.sleep(0.01)
            self.group = None
        if self.uid is not None:
            self.uid.release()
            self.uid = None

    async def _keep_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        while chunk := await self.proc.stderr.read(4096):
            self._stderr += chunk
            del self._stderr[:-_STDERR_TAIL]

    def _tail(self) -> str:
        text = self._stderr.decode(errors="replace").strip()
        return f" ({text.splitlines()[-1]})" if text else ""


async def _read_json(fd: int) -> dict[str, Any]:
    """Read bubblewrap's --info-fd document from a non-blocking pipe."""
    loop = asyncio.get_running_loop()
    os.set_blocking(fd, False)
    data = bytearray()
    done: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        try:
            chunk = os.read(fd, 4096)
        except BlockingIOError:
            return
        data.extend(chunk)
        if (not chunk or _complete(data)) and not done.done():
            done.set_result(None)

    loop.add_reader(fd, readable)
    try:
        await done
    finally:
        loop.remove_reader(fd)
        os.close(fd)
    parsed = json.loads(data)
    if not isinstance(parsed, dict):
        raise ValueError("bubblewrap's info is not an object")
    return parsed


def _complete(data: bytearray) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True
