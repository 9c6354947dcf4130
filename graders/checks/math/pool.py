"""A persistent pool of SymPy worker processes with hard, killing deadlines.

Workers are fresh interpreters (``python -m graders.checks.math.worker``), not forks of the
training process and not ``multiprocessing`` children (so a user's script without a
``__main__`` guard is never re-run). The pool lives on one event loop; a grader gets it from
``ctx.runtime.resource(...)``, so every grade on that loop shares it and ``Grader.aclose()``
ends it. A request that outlives its deadline, or whose caller is cancelled, has its worker
killed with SIGKILL (this works from any thread, and stops big-integer arithmetic that
an alarm signal cannot); a fresh worker takes its place on the next request. Waiting for a
worker to start (SymPy's import) does not count against a request's deadline.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import sys
from typing import Any

from graders.core.spawn import Child, spawn

__all__ = ["PoolError", "SympyPool"]

STARTUP_TIMEOUT_S = 120.0


class PoolError(RuntimeError):
    """A worker crashed or replied nonsense (the answer is undecided, not wrong)."""


class _Worker:
    def __init__(self) -> None:
        self.proc: Child | None = None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        self.proc = await spawn([sys.executable, "-m", "graders.checks.math.worker"], env=env)
        try:
            line = await asyncio.wait_for(self.proc.stdout.readline(), STARTUP_TIMEOUT_S)
        except BaseException:
            self.kill()
            raise
        if line.strip() != b"ready":
            self.kill()
            raise PoolError("the SymPy worker did not start (is the `math` extra installed?)")

    async def call(self, request: Any, timeout: float) -> dict[str, Any]:
        proc = self.proc
        assert proc is not None
        data = pickle.dumps(request)
        try:
            proc.stdin.write(len(data).to_bytes(4, "big") + data)
            await proc.stdin.drain()
            line = await asyncio.wait_for(proc.stdout.readline(), timeout)
        except BaseException:  # timeout, cancellation, broken pipe: the work dies with it
            self.kill()
            raise
        if not line:
            self.kill()
            raise PoolError("the SymPy worker died")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def kill(self) -> None:
        if self.alive:
            assert self.proc is not None
            self.proc.kill()
        self.proc = None


class SympyPool:
    """Up to ``size`` SymPy workers; ``await pool.compare(request, timeout)``."""

    def __init__(self, size: int = 1) -> None:
        if size < 1:
            raise ValueError(f"size={size} must be at least 1")
        self.size = size
        self._idle: asyncio.Queue[_Worker] | None = None
        self._workers: list[_Worker] = []
        self._warming: list[asyncio.Task[None]] = []

    def _queue(self) -> asyncio.Queue[_Worker]:
        if self._idle is None:
            self._idle = asyncio.Queue()
            for _ in range(self.size):
                worker = _Worker()
                self._workers.append(worker)
                self._idle.put_nowait(worker)
        return self._idle

    def warm(self) -> None:
        """Start the workers in the background (once), so the first request finds one ready."""
        if self._warming:
            return
        idle = self._queue()
        self._warming = [asyncio.ensure_future(self._start_one(idle)) for _ in range(self.size)]

    async def _start_one(self, idle: asyncio.Queue[_Worker]) -> None:
        worker = await idle.get()
        try:
            if not worker.alive:
                await worker.start()
        except (OSError, PoolError, TimeoutError):
            pass  # reported by the request that needs the worker
        finally:
            idle.put_nowait(worker)

    async def compare(self, request: Any, timeout: float) -> dict[str, Any]:
        """Run one comparison in a worker; TimeoutError when it exceeds ``timeout``."""
        idle = self._queue()
        worker = await idle.get()
        try:
            if not worker.alive:
                await worker.start()
            return await worker.call(request, timeout)
        finally:
            idle.put_nowait(worker)

    def close(self) -> None:
        """Kill every worker (they also exit on their own when this process ends)."""
        for task in self._warming:
            task.cancel()
        for worker in self._workers:
            worker.kill()
