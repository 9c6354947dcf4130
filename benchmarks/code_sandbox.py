"""Sandboxed Python tests per second: warm and cold paths against a bare subprocess per test.

All three run the same trivial stdin/stdout program (echo a number doubled) on the same inputs,
in one process, with the same concurrency (the sandbox's slot count):

* bare: ``python3 -c PROGRAM`` per test with asyncio subprocesses; no isolation at all;
* warm: ``code_tests`` with ``mode: warm``: each test forks the slot's pre-imported worker;
* cold: ``code_tests`` with ``mode: cold``: each test starts a fresh interpreter in the slot.

The sandboxed paths grade submissions of ``--tests`` tests each through the public API (code
extraction, the sandbox, verdicts, the Result tree). CPU is counted for every process involved
(this one, the sandboxes and everything they ran), sandbox start and stop included: each phase
ends with its sandboxes stopped and reaped, so their CPU is in this process's children's times.
The three paths alternate for ``--rounds`` rounds (a shared machine's load drifts) and the
median of each figure is shown. Goals on a 2-core machine: warm >= 4x the bare rate (<= ~6 ms
CPU a test), cold >= 0.8x, and a 10-test submission through the warm path in under 60 ms CPU.

    python benchmarks/code_sandbox.py [--submissions 60] [--tests 10] [--slots 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import time
from collections.abc import Awaitable, Callable

import graders
from graders.sandbox.probe import probe

PROGRAM = "print(int(input()) * 2)"
OUTPUT = f"```python\n{PROGRAM}\n```"


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


async def bare(inputs: list[int], concurrency: int, python: str) -> int:
    """Run each test as `python3 -c PROGRAM`; the number that printed the right answer."""
    limit = asyncio.Semaphore(concurrency)

    async def one(value: int) -> bool:
        async with limit:
            proc = await asyncio.create_subprocess_exec(
                python, "-c", PROGRAM,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, _ = await proc.communicate(f"{value}\n".encode())
            return out.strip() == str(value * 2).encode()

    return sum(await asyncio.gather(*(one(v) for v in inputs)))


async def sandboxed(inputs: list[int], tests: int, slots: int, mode: str) -> int:
    """Grade submissions of `tests` tests each; the number of tests that passed."""
    grader = graders.load(
        {
            "type": "code_tests",
            "tests": "{{ item.tests }}",
            "sandbox": {"mode": mode, "slots": slots},
        }
    )
    rows = []
    for start in range(0, len(inputs), tests):
        chunk = inputs[start : start + tests]
        item = {"tests": [{"stdin": f"{v}\n", "expected_stdout": str(2 * v)} for v in chunk]}
        rows.append((OUTPUT, item))
    try:
        batch = await grader.grade_batch(rows, concurrency=slots)
    finally:
        await grader.aclose()
    return sum(round((r.score or 0.0) * tests) for r in batch.results)


async def measure(name: str, run: Callable[[], Awaitable[int]], count: int) -> dict[str, float]:
    cpu, start = cpu_seconds(), time.perf_counter()
    passed = await run()
    wall, used = time.perf_counter() - start, cpu_seconds() - cpu
    assert passed == count, f"{name}: {passed} of {count} tests passed"
    return {"rate": count / wall, "cpu_ms": used / count * 1000, "wall": wall}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=60)
    parser.add_argument("--tests", type=int, default=10)
    parser.add_argument("--slots", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    host = probe()
    assert host.python is not None and not host.problems("full"), host.problems("full")
    count = args.submissions * args.tests
    inputs = list(range(count))
    print(f"{count} tests ({args.submissions} submissions x {args.tests}), {args.slots} at once,")
    print(f"isolation {host.level()}, interpreter {host.python}, {os.cpu_count()} CPUs")
    await sandboxed(inputs[: args.tests], args.tests, 1, "warm")  # warm the page cache
    paths: dict[str, Callable[[], Awaitable[int]]] = {
        "bare python3 -c": lambda: bare(inputs, args.slots, host.python or ""),
        "warm (fork)": lambda: sandboxed(inputs, args.tests, args.slots, "warm"),
        "cold (exec)": lambda: sandboxed(inputs, args.tests, args.slots, "cold"),
    }
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in paths}
    for _ in range(args.rounds):
        for name, run in paths.items():
            runs[name].append(await measure(name, run, count))
    median = {
        name: {key: statistics.median(r[key] for r in rs) for key in ("rate", "cpu_ms")}
        for name, rs in runs.items()
    }
    base = median["bare python3 -c"]
    print(f"{'path':<18} {'tests/s':>9} {'vs bare':>8} {'CPU ms/test':>12} {'vs bare':>8}")
    for name, r in median.items():
        print(
            f"{name:<18} {r['rate']:>9.1f} {r['rate'] / base['rate']:>7.2f}x"
            f" {r['cpu_ms']:>12.2f} {base['cpu_ms'] / r['cpu_ms']:>7.2f}x"
        )
    warm = median["warm (fork)"]["cpu_ms"] * args.tests
    print(f"a {args.tests}-test submission through the warm path: {warm:.1f} ms CPU (goal < 60)")
    print(f"medians of {args.rounds} alternating rounds; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
