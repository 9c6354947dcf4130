"""Running graders' coroutines from synchronous code, wherever that code runs.

One daemon thread owns graders' own event loop; synchronous calls hand their coroutine to it
and wait. That works the same from the main thread, from worker threads (TRL's reward threads,
thread pools) and from inside a running event loop (Jupyter), and it keeps loop-bound resources
(semaphores, HTTP clients) on one loop for the life of the process. After ``fork`` the child
starts a loop of its own.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["background_loop", "run_sync"]

T = TypeVar("T")

_lock = threading.Lock()
_state: dict[str, Any] = {"loop": None, "pid": None}


def background_loop() -> asyncio.AbstractEventLoop:
    """graders' event loop thread, started on first use (and again in a forked child)."""
    with _lock:
        loop = _state["loop"]
        if loop is not None and _state["pid"] == os.getpid() and loop.is_running():
            return loop  # type: ignore[no-any-return]
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()

        thread = threading.Thread(target=serve, name="graders-loop", daemon=True)
        thread.start()
        ready.wait()
        _state["loop"], _state["pid"] = loop, os.getpid()
        return loop


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on graders' loop and wait for its result from any thread."""
    loop = background_loop()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        coro.close()
        raise RuntimeError(
            "a synchronous graders call was made from graders' own event loop; "
            "await the async API instead"
        )
    future = asyncio.run_coroutine_threadsafe(coro, loop)
    try:
        return future.result()
    except BaseException:
        future.cancel()
        raise
