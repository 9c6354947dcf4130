"""Child processes with their pipes on the event loop, whose start cannot hang on cancellation.

On Python 3.11, ``asyncio.create_subprocess_exec`` never returns when the task awaiting it is
cancelled while it connects the pipes: the transport then waits for pipe disconnections that
never come. A grader's worker pool that was starting a worker when its caller was cancelled
(a timeout, ``Grader.aclose()``, or a script's ``asyncio.run`` ending just after a grade)
would hang there for good. Here the process is started synchronously with ``subprocess.Popen``
(what asyncio does inside too: a vfork and exec, a few milliseconds) and only its pipes are
attached to the loop, so a cancellation at any await leaves a process that :meth:`Child.kill`
and :meth:`Child.wait` always end.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Mapping, Sequence

__all__ = ["Child", "spawn"]

_POLL_S = 0.005


class Child:
    """A running child: ``stdin`` (a StreamWriter), ``stdout`` and ``stderr`` (StreamReaders,
    ``stderr`` None unless captured), ``returncode`` (None while it runs), kill and wait."""

    def __init__(
        self,
        popen: subprocess.Popen[bytes],
        stdin: asyncio.StreamWriter,
        stdout: asyncio.StreamReader,
        stderr: asyncio.StreamReader | None,
    ) -> None:
        self._popen = popen
        self.pid = popen.pid
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr

    @property
    def returncode(self) -> int | None:
        """The exit status once the child has ended (and is reaped), else None."""
        return self._popen.poll()

    def kill(self) -> None:
        """SIGKILL the child if it still runs."""
        if self._popen.poll() is None:
            self._popen.kill()

    async def wait(self) -> int:
        """Wait for the child to end; its exit status."""
        while (code := self._popen.poll()) is None:
            await asyncio.sleep(_POLL_S)
        return code


async def spawn(
    argv: Sequence[str],
    *,
    capture_stderr: bool = False,
    env: Mapping[str, str] | None = None,
    pass_fds: Sequence[int] = (),
    start_new_session: bool = False,
) -> Child:
    """Start ``argv`` with piped stdin and stdout (and stderr when ``capture_stderr``; else it
    goes to /dev/null) and attach the pipes to the running loop."""
    loop = asyncio.get_running_loop()
    popen = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if capture_stderr else subprocess.DEVNULL,
        env=dict(env) if env is not None else None,
        pass_fds=tuple(pass_fds),
        start_new_session=start_new_session,
    )
    try:
        assert popen.stdin is not None and popen.stdout is not None
        stdout = await _reader(loop, popen.stdout)
        stderr = await _reader(loop, popen.stderr) if popen.stderr is not None else None
        transport, protocol = await loop.connect_write_pipe(
            lambda: asyncio.streams.FlowControlMixin(loop=loop), popen.stdin
        )
        stdin = asyncio.StreamWriter(transport, protocol, None, loop)
    except BaseException:
        popen.kill()
        popen.wait()  # at once: it was just killed
        raise
    return Child(popen, stdin, stdout, stderr)


async def _reader(loop: asyncio.AbstractEventLoop, pipe: object) -> asyncio.StreamReader:
    reader = asyncio.StreamReader(loop=loop)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader, loop=loop), pipe)
    return reader
