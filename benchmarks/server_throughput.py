"""The reward server's throughput on loopback against calling the grader directly.

    python benchmarks/server_throughput.py [--rows 20000] [--clients 4]

Same rows, same grader (examples/gsm8k/grader.yaml, a cheap numeric check, by default):

- direct: ``grader.grade_batch_sync`` over batches, in this process;
- /v1/grade: ``graders serve`` in its own process on 127.0.0.1, ``--clients`` concurrent
  connections posting batches of the same size;
- /get_reward: OpenRLHF 0.11's pattern, one query per request, 16 concurrent connections.

Prints rows per second and the ratio to direct. The server is one process (one core for
grading, like direct); the client runs beside it, so on a small shared machine the two compete
for cores: read the ratios, and note the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

import graders

ROOT = Path(__file__).resolve().parents[1]


def gsm8k_rows(count: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(count):
        gold = 3 * i + 7
        said = gold if i % 4 else gold + 1
        rows.append(
            {
                "sample": f"We add {i} and {2 * i + 7}, so the total is {said}.\n#### {said:,}",
                "item": {
                    "answer": f"{i} + {2 * i + 7} = <<{i}+{2 * i + 7}={gold}>>{gold}\n#### {gold}"
                },
            }
        )
    return rows


def direct(grader: graders.Grader, rows: list[Any], batch: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(rows), batch):
        grader.grade_batch_sync(rows[i : i + batch])
    return len(rows) / (time.perf_counter() - start)


async def post_all(url: str, bodies: list[bytes], clients: int) -> float:
    queue = iter(bodies)
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client() -> None:
            for body in queue:
                async with session.post(url, data=body) as reply:
                    assert reply.status == 200, await reply.text()
                    await reply.read()

        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return time.perf_counter() - start


def start_server(grader_file: Path) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "graders.cli", "serve", str(grader_file), "--port", "0"]
    command += ["--max-concurrency", "8", "--max-queue", "1024"]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    if " at " not in line:
        proc.kill()
        raise RuntimeError(f"the server did not start: {line}")
    return proc, line.split(" at ", 1)[1].split()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--grader", type=Path, default=ROOT / "examples" / "gsm8k" / "grader.yaml")
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--single", type=int, default=2000, help="rows sent one per request")
    args = parser.parse_args()

    grader = graders.load(args.grader)
    rows = gsm8k_rows(args.rows)
    direct(grader, rows[: args.batch * 4], args.batch)  # warm up
    proc, url = start_server(args.grader)
    try:
        batches = [
            json.dumps({"rows": rows[i : i + args.batch]}).encode()
            for i in range(0, len(rows), args.batch)
        ]
        singles = [
            json.dumps(
                {"query": [row["sample"]], "prompts": [""], "labels": [row["item"]]}
            ).encode()
            for row in rows[: args.single]
        ]
        asyncio.run(post_all(url + "/v1/grade", batches[:4], args.clients))  # warm up
        results = []
        for _ in range(2):  # alternate, so load from other processes falls on both alike
            base = direct(grader, rows, args.batch)
            served = len(rows) / asyncio.run(post_all(url + "/v1/grade", batches, args.clients))
            one = args.single / asyncio.run(post_all(url + "/get_reward", singles, 16))
            results.append((base, served, one))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    base, served, one = (max(r[i] for r in results) for i in range(3))
    print(f"grader {args.grader.relative_to(ROOT)}, {args.rows} rows, best of 2 rounds")
    print(f"{'path':50} {'rows/s':>9} {'vs direct':>10}")
    print(f"{'direct grade_batch_sync, batches of ' + str(args.batch):50} {base:9.0f} {1:10.0%}")
    label = f"POST /v1/grade, batches of {args.batch}, {args.clients} clients"
    print(f"{label:50} {served:9.0f} {served / base:10.0%}")
    label = "POST /get_reward, 1 query a request, 16 clients"
    print(f"{label:50} {one:9.0f} {one / base:10.0%}")


if __name__ == "__main__":
    main()
