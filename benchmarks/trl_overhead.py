"""What the TRL adapter adds to the grader's own time, per batch of completions.

    python benchmarks/trl_overhead.py [--batch 256] [--repeat 200]

Both sides grade the same completions with examples/format_answer/grader.yaml (four components:
format, answer, overlong, repetition):

- raw: ``grader.grade_batch_sync(rows)`` / ``await grader.grade_batch(rows)`` on rows built
  beforehand, the grader's own time;
- adapter: TRL's call, every reward function once with TRL's keyword arguments (prompts,
  completions, completion_ids, the dataset columns, trainer_state, log_metric, log_extra), the
  way GRPOTrainer._calculate_rewards makes it: rows built from TRL's lists, one shared grading,
  one list of rewards per component.

Prints the median of ``--repeat`` runs of each (run alternately) and the median over adjacent
pairs of (adapter - raw) / raw. The machine may be shared: read the ratio, not the times.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from pathlib import Path
from typing import Any

import graders
from graders.adapters.trl import reward_funcs

GRADER = Path(__file__).resolve().parents[1] / "examples" / "format_answer" / "grader.yaml"


class State:
    global_step = 10


def completions(
    count: int, seed: int = 0
) -> tuple[list[str], list[str], list[list[int]], list[str]]:
    """Prompts, completions (right, wrong, unformatted, long), completion ids and gold answers."""
    rng = random.Random(seed)
    prompts, texts, ids, answers = [], [], [], []
    for i in range(count):
        a, b = rng.randrange(100), rng.randrange(100)
        gold = str(a + b)
        said = gold if i % 3 else str(a + b + 1)
        words = " ".join(["so"] * rng.randrange(5, 120))
        text = {
            0: f"<think>{a}+{b} {words}</think>\n<answer>{said}</answer>",
            1: f"The sum is {said}. <answer>{said}</answer>",
            2: f"<think>{words} {words}</think><answer>{said}</answer>",
        }[i % 3]
        prompts.append(f"What is {a}+{b}?")
        texts.append(text)
        ids.append([*range(len(text) // 4 + 1), 2])
        answers.append(gold)
    return prompts, texts, ids, answers


def interleaved(
    raw: Any, adapted: Any, repeat: int, batches: list[Any]
) -> tuple[float, float, float]:
    """Median seconds of ``raw(batch)`` and ``adapted(batch)`` and the median overhead of each
    adjacent pair: run alternately, so load from other processes falls on both alike. TRL
    hands over new lists each step (built beforehand, untimed)."""
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(repeat):
        batch = batches[i % len(batches)]
        order = ((0, raw), (1, adapted)) if i % 2 else ((1, adapted), (0, raw))
        for slot, run in order:
            start = time.perf_counter()
            run(batch)
            times[slot].append(time.perf_counter() - start)
    pairs = [a / r - 1 for r, a in zip(*times, strict=True)]
    return statistics.median(times[0]), statistics.median(times[1]), statistics.median(pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    grader = graders.load(GRADER)
    prompts, texts, ids, answers = completions(args.batch)
    metrics: list[tuple[str, float]] = []
    extra: list[tuple[str, list[Any]]] = []
    trl_kwargs = {
        "answer": answers,
        "trainer_state": State(),
        "log_metric": lambda name, value: metrics.append((name, value)),
        "log_extra": lambda column, values: extra.append((column, values)),
    }
    rows = [
        (
            graders.Sample(output_text=t, completion_ids=i, truncated=False),
            {"answer": a, "prompt": p},
        )
        for p, t, i, a in zip(prompts, texts, ids, answers, strict=True)
    ]
    sync_funcs = reward_funcs(grader, eos_token_ids=[2])
    async_funcs = reward_funcs(grader, eos_token_ids=[2], use_async=True)

    def trl_step_sync(batch: Any) -> None:
        for func in sync_funcs:
            func(prompts=batch[0], completions=batch[1], completion_ids=batch[2], **trl_kwargs)

    loop = asyncio.new_event_loop()

    async def gather_async(batch: Any) -> None:
        await asyncio.gather(
            *(
                func(prompts=batch[0], completions=batch[1], completion_ids=batch[2], **trl_kwargs)
                for func in async_funcs
            )
        )

    async def raw_async() -> None:
        await grader.grade_batch(rows)

    # TRL builds new prompt, completion and id lists every step; so do these (not timed).
    batches = [(list(prompts), list(texts), [list(x) for x in ids]) for _ in range(args.repeat)]
    for batch in batches[:5]:  # warm up both paths (regex caches, the loops)
        grader.grade_batch_sync(rows)
        trl_step_sync(batch)
        loop.run_until_complete(raw_async())
        loop.run_until_complete(gather_async(batch))
    cases = [
        (
            "sync (GRPOTrainer's default path)",
            lambda batch: grader.grade_batch_sync(rows),
            trl_step_sync,
        ),
        (
            "async (gathered on TRL's loop)",
            lambda batch: loop.run_until_complete(raw_async()),
            lambda batch: loop.run_until_complete(gather_async(batch)),
        ),
    ]
    print(
        f"batch of {args.batch} completions, {len(sync_funcs)} reward functions "
        f"({', '.join(sync_funcs.names)}), median of {args.repeat} runs"
    )
    print(f"{'path':36} {'raw ms':>8} {'adapter ms':>11} {'overhead':>9}")
    for name, raw, adapted in cases:
        raw_s, adapted_s, overhead = interleaved(raw, adapted, args.repeat, batches)
        print(f"{name:36} {raw_s * 1e3:8.2f} {adapted_s * 1e3:11.2f} {overhead:9.1%}")
    loop.close()


if __name__ == "__main__":
    main()
