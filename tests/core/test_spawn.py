"""Child processes whose start is cancelled end cleanly (asyncio's own hang on 3.11 did not)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

from graders.core.spawn import spawn

SLEEPER = [
    sys.executable,
    "-c",
    "import sys, time; sys.stdout.write('ready\\n'); sys.stdout.flush(); time.sleep(60)",
]


def _run_script(source: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_spawn_cancelled_at_once_does_not_hang_the_loop() -> None:
    # the shape of asyncio.create_subprocess_exec's hang: a task starting a process, then
    # asyncio.run ending (and cancelling it) before the pipes are connected
    done = _run_script(
        """
        import asyncio, sys
        from graders.core.spawn import spawn

        async def start():
            child = await spawn([sys.executable, "-c", "import time; time.sleep(60)"])
            await child.stdout.readline()

        async def main():
            asyncio.ensure_future(start())

        asyncio.run(main())
        print("exited")
        """
    )
    assert done.returncode == 0 and done.stdout.strip() == "exited", done.stderr


def test_a_script_ending_right_after_a_math_grade_exits() -> None:
    done = _run_script(
        """
        import asyncio, graders

        async def main():
            grader = graders.load({"type": "math", "reference": "{{ item.gold }}"})
            result = await grader.grade("\\\\boxed{1}", {"gold": "1"})
            print(result.score)

        asyncio.run(main())
        """
    )
    assert done.returncode == 0 and done.stdout.strip() == "1.0", done.stderr


def test_pipes_kill_and_wait() -> None:
    async def go() -> tuple[bytes, int | None, int]:
        child = await spawn(SLEEPER)
        line = await child.stdout.readline()
        running = child.returncode
        child.kill()
        return line, running, await child.wait()

    line, running, code = asyncio.run(go())
    assert line == b"ready\n" and running is None and code == -9


def test_stdin_reaches_the_child_and_stderr_can_be_captured() -> None:
    echo = (
        "import sys; data = sys.stdin.readline(); print(data.upper(), end='');"
        " print('e', file=sys.stderr)"
    )

    async def go() -> tuple[bytes, bytes, int]:
        child = await spawn([sys.executable, "-c", echo], capture_stderr=True)
        child.stdin.write(b"hello\n")
        await child.stdin.drain()
        out = await child.stdout.readline()
        assert child.stderr is not None
        err = await child.stderr.read()
        return out, err, await child.wait()

    assert asyncio.run(go()) == (b"HELLO\n", b"e\n", 0)
