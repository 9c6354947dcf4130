"""Judge throughput: 1,000 judge calls to a local server with 50 ms latency at concurrency 32.

Ours is a ``score_model`` grader run through the batch API (templates, the call service with its
limits, retries and cache, reply parsing, Result trees, the summary). The peer is the bare
``openai`` SDK making the same 1,000 requests under an ``asyncio.Semaphore(32)``, with nothing
around them. Both talk to the same server, which runs in another process so that its CPU is not
counted. Reported:

* throughput against the ideal (concurrency / latency = 640 calls/s): the goal is >= 85%;
* CPU per call (this process, all threads), ours minus the bare SDK's: the goal is < 2 ms;
* a fully cached rerun (a new grader, replies read from the on-disk cache): < 5% of the first.

    python benchmarks/judge_throughput.py [--calls 1000] [--concurrency 32] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

import graders


def start_server(latency_ms: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "graders.testing.openai_server",
            "--latency-ms",
            str(latency_ms),
            "--default",
            '{"reasoning": "fine", "result": 0.75}',
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        proc.kill()
        raise SystemExit(f"the test server did not start: {line!r}")
    return proc, line.split()[-1]


def cpu_of(pid: int) -> float:
    """CPU seconds a process has used (Linux), to report the server's share."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def grader_config(base_url: str, concurrency: int, provider: str = "openai") -> dict[str, Any]:
    return {
        "type": "score_model",
        "model": "openai/judge-bench" if provider == "litellm" else "judge-bench",
        "input": [
            {"role": "system", "content": "Score the answer against the reference, 0 to 1."},
            {
                "role": "user",
                "content": "Reference: {{ item.answer }}\nAnswer: {{ sample.output_text }}",
            },
        ],
        "sampling_params": {"temperature": 0, "seed": 1},
        "endpoint": {
            "provider": provider,
            "base_url": base_url,
            "api_key_env": "BENCH_KEY",
            "concurrency": concurrency,
        },
    }


def rows(n: int) -> list[tuple[str, dict[str, str]]]:
    return [(f"The answer is {i}.", {"answer": str(i)}) for i in range(n)]


def timed(fn: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def run_ours(config: dict[str, Any], data: list[Any], concurrency: int, cache_dir: str) -> Any:
    grader = graders.load(config, settings={"models": {"cache_dir": cache_dir}})
    try:
        return grader.grade_batch_sync(data, concurrency=concurrency)
    finally:
        grader.close()


def run_peer(base_url: str, data: list[Any], concurrency: int) -> list[str]:
    import openai

    async def go() -> list[str]:
        client = openai.AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0)
        limit = asyncio.Semaphore(concurrency)

        async def one(text: str, answer: str) -> str:
            async with limit:
                resp = await client.chat.completions.create(
                    model="judge-bench",
                    messages=[
                        {"role": "system", "content": "Score the answer, 0 to 1."},
                        {"role": "user", "content": f"Reference: {answer}\nAnswer: {text}"},
                    ],
                    temperature=0,
                    seed=1,
                )
                return resp.choices[0].message.content or ""

        try:
            return await asyncio.gather(*(one(t, item["answer"]) for t, item in data))
        finally:
            await client.close()

    return asyncio.run(go())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--litellm", action="store_true", help="also time ours through litellm")
    args = parser.parse_args()
    os.environ["BENCH_KEY"] = "bench-key"
    proc, base_url = start_server(args.latency_ms)
    try:
        data = rows(args.calls)
        ideal = args.calls * args.latency_ms / 1000 / args.concurrency
        cache = tempfile.mkdtemp(prefix="graders-bench-")
        run_ours(grader_config(base_url, args.concurrency), rows(64), args.concurrency, cache)
        run_peer(base_url, rows(64), args.concurrency)  # warm up imports and connections
        cache = tempfile.mkdtemp(prefix="graders-bench-")
        config = grader_config(base_url, args.concurrency)
        server_cpu = cpu_of(proc.pid)
        first, t1, c1 = timed(lambda: run_ours(config, data, args.concurrency, cache))
        server_cpu = cpu_of(proc.pid) - server_cpu
        assert first.summary.scored == args.calls, first.summary.to_dict()
        second, t2, _ = timed(lambda: run_ours(config, data, args.concurrency, cache))
        assert second.summary.usage["cached"] == args.calls and second.rewards == first.rewards
        replies, tp, cp = timed(lambda: run_peer(base_url, data, args.concurrency))
        assert len(replies) == args.calls
        print(
            f"calls={args.calls} concurrency={args.concurrency} latency={args.latency_ms:g} ms "
            f"ideal={ideal:.3f} s ({args.concurrency / args.latency_ms * 1000:.0f} calls/s)"
        )
        rows_out = [("graders score_model", t1, c1), ("bare openai SDK (peer)", tp, cp)]
        if args.litellm:
            lconf = grader_config(base_url, args.concurrency, "litellm")
            run_ours(lconf, rows(64), args.concurrency, tempfile.mkdtemp())
            _, tl, cl = timed(lambda: run_ours(lconf, data, args.concurrency, tempfile.mkdtemp()))
            rows_out.append(("graders via litellm", tl, cl))
        for name, wall, cpu in rows_out:
            print(
                f"{name:24s}: {wall:6.3f} s  {args.calls / wall:6.0f} calls/s  "
                f"{ideal / wall:6.1%} of ideal  CPU {cpu / args.calls * 1000:5.2f} ms/call"
            )
        print(
            f"(the test server, in its own process, used {server_cpu / args.calls * 1000:.2f} "
            f"ms CPU/call during our first run; {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.2f})"
        )
        overhead = (c1 - cp) / args.calls * 1000
        print(
            f"our CPU overhead over the bare SDK: {overhead:.2f} ms/call (goal < 2 ms: "
            f"{'met' if overhead < 2 else 'NOT met'})"
        )
        print(
            f"throughput: {ideal / t1:.1%} of ideal (goal >= 85%: "
            f"{'met' if ideal / t1 >= 0.85 else 'NOT met'})"
        )
        print(
            f"cached rerun: {t2:.3f} s = {t2 / t1:.1%} of the first run (goal < 5%: "
            f"{'met' if t2 / t1 < 0.05 else 'NOT met'})"
        )
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
