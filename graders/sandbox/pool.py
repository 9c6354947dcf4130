"""A pool of sandbox slots: at most ``size`` run at once, started lazily, replaced when broken.

Pools live in a grader's runtime (``ctx.runtime.resource``) and are closed with it; a finalizer
kills whatever is left and removes its cgroups if a pool is dropped without closing (or at
interpreter exit), and bubblewrap's
``--die-with-parent`` ends every sandbox if the grading process itself dies.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from graders.sandbox.slot import Slot, SlotConfig

__all__ = ["SlotPool"]

_names = itertools.count()


def _abandon_all(slots: set[Slot]) -> None:
    for slot in list(slots):
        slot.kill_now()
    for slot in list(slots):
        slot.abandon()


class SlotPool:
    """Up to ``size`` slots sharing one configuration."""

    def __init__(self, config: SlotConfig, size: int) -> None:
        if size < 1:
            raise ValueError(f"size={size} must be at least 1")
        self.config = config
        self.size = size
        self._free = asyncio.Semaphore(size)
        self._idle: list[Slot] = []
        self._slots: set[Slot] = set()
        self._finalizer = weakref.finalize(self, _abandon_all, self._slots)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[Slot]:
        """A started slot for the duration of the block; a slot that broke is replaced."""
        async with self._free:
            slot = await self._take()
            try:
                yield slot
            finally:
                if slot.broken:
                    self._slots.discard(slot)
                    await slot.close()
                else:
                    self._idle.append(slot)

    async def _take(self) -> Slot:
        while self._idle:
            slot = self._idle.pop()
            if not slot.broken and slot.proc is not None and slot.proc.returncode is None:
                return slot
            self._slots.discard(slot)
            await slot.close()
        slot = Slot(self.config, f"s{next(_names)}", self._quietest_cpu())
        self._slots.add(slot)
        try:
            await slot.start()
        except BaseException:
            self._slots.discard(slot)
            raise
        return slot

    def _quietest_cpu(self) -> int | None:
        """The CPU the fewest of this pool's slots are kept on (ties: from an offset that
        differs between processes, so that several graders on one host spread out)."""
        cpus = self.config.cpus
        if not cpus:
            return None
        taken = [slot.cpu for slot in self._slots]
        start = os.getpid() % len(cpus)
        order = cpus[start:] + cpus[:start]
        return min(order, key=taken.count)

    async def aclose(self) -> None:
        """Stop every slot."""
        slots = list(self._slots)
        self._slots.clear()
        self._idle.clear()
        await asyncio.gather(*(slot.close() for slot in slots), return_exceptions=True)
