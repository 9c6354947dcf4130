"""The local backend: programs run in this host's bubblewrap slots.

A session holds one slot for one submission: the program is written to the slot's work
directory once, compiled once (the binary is cached by a hash of compiler command and source, so
the same submission never compiles twice), and every test is one run in that sandbox. Python
runs fork the slot's warm worker (``mode: warm``) or start a fresh interpreter (``mode: cold``);
other languages exec their program. Each run sets the slot's memory cgroup to the run's limit
and reads the cgroup's OOM-kill counter afterwards: that counter, not a guess from an exit
status, is what makes a memory verdict.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict, deque
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from graders.sandbox.languages import PYTHON, which
from graders.sandbox.limits import Limits
from graders.sandbox.pool import SlotPool
from graders.sandbox.probe import HostSupport
from graders.sandbox.runs import Outcome, Program, Task
from graders.sandbox.slot import Slot, SlotBroken, SlotConfig

__all__ = ["LocalBackend", "LocalSession"]

_MB = 1 << 20
_HEADROOM = 32 * _MB  # the worker's own allocations after it joined the group
_GRACE_S = 5.0  # how long past a run's deadline the host waits for the worker's answer
_CACHE_BYTES = 64 * _MB
_AHEAD_BYTES = 16 * _MB  # the most input sent ahead of the run that reads it


class LocalBackend:
    """Runs sessions in a pool of local sandbox slots."""

    def __init__(self, host: HostSupport, *, slots: int, scratch_mb: int) -> None:
        self.host = host
        self.pool = SlotPool(SlotConfig(host, scratch_mb=scratch_mb), slots)
        self._builds: OrderedDict[str, tuple[Outcome, bytes]] = OrderedDict()
        self._build_bytes = 0

    @asynccontextmanager
    async def session(self, program: Program) -> AsyncIterator[LocalSession]:
        async with self.pool.slot() as slot:
            session = LocalSession(self, slot, program)
            session.write_program()
            try:
                yield session
            finally:
                if session._unread_setup:  # left before its first run: answers out of step
                    slot.broken = True

    async def aclose(self) -> None:
        await self.pool.aclose()

    def cached_build(self, key: str) -> tuple[Outcome, bytes] | None:
        hit = self._builds.get(key)
        if hit is not None:
            self._builds.move_to_end(key)
        return hit

    def remember_build(self, key: str, outcome: Outcome, binary: bytes) -> None:
        self._builds[key] = (outcome, binary)
        self._build_bytes += len(binary)
        while self._build_bytes > _CACHE_BYTES and len(self._builds) > 1:
            _, (_, old) = self._builds.popitem(last=False)
            self._build_bytes -= len(old)


class LocalSession:
    """One program in one slot."""

    def __init__(self, backend: LocalBackend, slot: Slot, program: Program) -> None:
        self.backend, self.slot, self.program = backend, slot, program
        self.language, self.source, self.limits = program.language, program.source, program.limits
        self.isolation = slot.isolation
        self._unread_setup = 0

    def _argv(self, argv: tuple[str, ...]) -> list[str]:
        python = self.backend.host.python
        assert python is not None
        out = []
        for part in argv:
            if part == PYTHON:
                out.append(python)
            elif "/" not in part and not part.startswith("-"):
                out.append(which(part) or part)
            else:
                out.append(part.replace("{memory_mb}", str(self.limits.memory_mb)))
        return out

    def write_program(self) -> None:
        """Send the program to the work directory; its answer is read before the first run's,
        so the first run's request follows it without a round trip."""
        source = {"name": self.language.source_file, "mode": 0o644, "preload": self.language.warm}
        files: list[dict[str, Any]] = [source]
        self.slot.send({"op": "files", "files": files}, [self.source.encode()])
        self._unread_setup += 1

    async def _settle(self) -> None:
        """Read the answers to requests whose answers nobody waits for (see write_program)."""
        while self._unread_setup:
            self._unread_setup -= 1
            await self.slot.receive(timeout=30.0)

    async def _call(
        self, header: dict[str, Any], blobs: list[bytes], *, timeout: float
    ) -> tuple[dict[str, Any], list[bytes]]:
        await self._settle()
        return await self.slot.call(header, blobs, timeout=timeout)

    async def compile(self) -> Outcome | None:
        lang = self.language
        if lang.compile is None or lang.binary is None:
            return None
        argv = self._argv(lang.compile)
        limits = self.program.compile_limits.model_dump_json()
        key = hashlib.sha256("\0".join([*argv, limits, self.source]).encode()).hexdigest()
        hit = self.backend.cached_build(key)
        if hit is not None:
            outcome, binary = replace(hit[0], cached=True), hit[1]
            if binary:
                files = [
                    {"name": lang.source_file, "mode": 0o644},
                    {"name": lang.binary, "mode": 0o755},
                ]
                await self._call(
                    {"op": "files", "files": files}, [self.source.encode(), binary], timeout=30.0
                )
            return outcome
        collect = {"from": f"/tmp/{lang.binary}", "to": lang.binary}
        request = self._request(argv, None, self.program.compile_limits, collect=collect)
        outcome, extra = await self._run(request)
        binary = extra[0] if extra and outcome.clean_exit else b""
        if outcome.error is None:
            self.backend.remember_build(key, outcome, binary)
        return outcome

    async def run(self, task: Task) -> Outcome:
        argv, drive = self._how(task)
        outcome, _ = await self._run(self._request(argv, task, self.limits, drive=drive))
        return outcome

    async def runs(self, tasks: Sequence[Task], *, ahead: int = 0) -> AsyncGenerator[Outcome, None]:
        """Run the program once per task, in order, sending up to ``ahead`` requests before the
        current one is answered, so the worker goes from one run to the next without waiting for
        this process to judge (the grading process and the slot then work at the same time).

        A request is sent ahead only when its memory and process limits are those already set,
        since the slot's cgroup is shared by the runs, and while the inputs in flight stay under
        16 MB. Leaving early with runs in flight marks the slot broken (it is replaced) rather
        than reading their answers.
        """
        pending: deque[tuple[float | SlotBroken, int]] = deque()  # (see _send, input bytes)
        sent = 0
        try:
            for _ in tasks:
                while sent < len(tasks) and len(pending) <= ahead:
                    argv, drive = self._how(tasks[sent])
                    request = self._request(argv, tasks[sent], self.limits, drive=drive)
                    size = len(tasks[sent].stdin or b"")
                    if pending and (
                        not self._limits_unchanged(request)
                        or sum(n for _, n in pending) + size > _AHEAD_BYTES
                    ):
                        break
                    pending.append((self._send(*request), size))
                    sent += 1
                outcome, _ = await self._answer(pending.popleft()[0], self.limits)
                yield outcome
        finally:
            if pending:
                self.slot.broken = True

    async def _run(
        self, request: tuple[dict[str, Any], list[bytes], Limits]
    ) -> tuple[Outcome, list[bytes]]:
        """Send one request (see :meth:`_request`) and wait for its outcome."""
        return await self._answer(self._send(*request), request[2])

    def _how(self, task: Task) -> tuple[list[str] | None, bool]:
        """(the command, None to fork the warm worker; whether the driver runs the task)."""
        lang = self.language
        if lang.warm and self.program.mode == "warm":  # fork the warm worker, which runs it
            return None, True
        if lang.warm and task.kind != "script":  # a fresh interpreter runs the driver
            return self._argv((PYTHON, "-I")), True
        return self._argv(lang.run), False  # exactly the language's command, as a person would

    def _request(
        self,
        argv: list[str] | None,
        task: Task | None,
        limits: Limits,
        *,
        drive: bool = True,
        cwd: str = "/work",
        collect: dict[str, str] | None = None,
    ) -> tuple[dict[str, Any], list[bytes], Limits]:
        stdin = task.stdin if task is not None else None
        memory_cgroup = self.slot.group is not None
        header: dict[str, Any] = {
            "op": "run",
            "argv": argv,
            "task": task.payload(f"/work/{self.language.source_file}") if task and drive else None,
            "stdin": 0 if stdin is not None else None,
            "rlimits": limits.rlimits(memory=not memory_cgroup and self.language.data_rlimit),
            "cpu_s": limits.cpu_s,
            "wall_s": limits.deadline_s,
            "caps": limits.caps(),
            "cwd": cwd,
            "collect": collect,
            "cpus": self.slot.config.cpus,
        }
        return header, [stdin] if stdin is not None else [], limits

    @staticmethod
    def _cgroup_limits(
        header: dict[str, Any], blobs: list[bytes], limits: Limits
    ) -> tuple[int, int]:
        """(memory bytes, processes) of a run's cgroup: its limit, room for its input (which the
        worker writes to the work directory, charged to the group) rounded up to a MB, and the
        worker's own headroom."""
        stdin = len(blobs[0]) if blobs else 0
        return limits.memory_mb * _MB + -(-stdin // _MB) * _MB + _HEADROOM, limits.processes + 1

    def _limits_unchanged(self, request: tuple[dict[str, Any], list[bytes], Limits]) -> bool:
        group = self.slot.group
        return group is None or self._cgroup_limits(*request) == (group.memory, group.pids)

    def _send(
        self, header: dict[str, Any], blobs: list[bytes], limits: Limits
    ) -> float | SlotBroken:
        """Set the slot's cgroup for the run and send its request: its answer's timeout, or why
        it could not be sent."""
        group = self.slot.group
        if group is not None:
            memory, processes = self._cgroup_limits(header, blobs, limits)
            group.set_memory(memory)
            group.set_pids(processes)
        stdin = len(blobs[0]) if blobs else 0
        try:
            self.slot.send(header, blobs)
        except SlotBroken as exc:
            return exc
        return limits.deadline_s + _GRACE_S + stdin / (50 * _MB)

    async def _answer(
        self, sent: float | SlotBroken, limits: Limits
    ) -> tuple[Outcome, list[bytes]]:
        """The outcome of the oldest run in flight (and what it collected)."""
        try:
            if isinstance(sent, SlotBroken):
                raise sent
            await self._settle()
            answer, out = await self.slot.receive(timeout=sent)
        except SlotBroken as exc:
            return Outcome(error=str(exc)), []
        outcome = Outcome(
            exit_code=answer.get("exit"),
            signal=answer.get("signal"),
            limit=answer.get("killed"),
            cpu_s=float(answer.get("cpu_s", 0.0)),
            wall_s=float(answer.get("wall_s", 0.0)),
            peak_kb=answer.get("maxrss_kb"),
            stdout=out[0] if out else b"",
            stderr=out[1] if len(out) > 1 else b"",
            result=out[2] if len(out) > 2 else b"",
            error=answer.get("setup_error"),
        )
        if outcome.error is not None:
            outcome.error = f"the sandbox could not start the program: {outcome.error}"
        elif answer.get("oom_kills"):  # counted by the worker around this run alone
            outcome.limit = "memory"
        elif outcome.limit is None and outcome.cpu_s > limits.cpu_s:
            outcome.limit = "cpu"
        return outcome, out[3:]
