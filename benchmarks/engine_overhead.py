"""Engine overhead per leaf: a 10-leaf tree of string checks through the batch API.

The peer is the same ten checks written as a plain Python function (no engine, no Result
tree), run on the same samples in the same process. Our figure is the whole engine: template
rendering, extraction, normalization, the Result tree with reasons and timing, on_error
handling, the summary. The goal is under 20 us per leaf on one core.

    python benchmarks/engine_overhead.py [--samples 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import time
from typing import Any

import graders

GRADER: dict[str, Any] = {
    "type": "weighted",
    "graders": {
        "exact": {
            "type": "string_check",
            "name": "exact",
            "input": "{{ sample.output_text }}",
            "reference": "{{ item.answer }}",
            "operation": "eq",
        },
        "ilike": {
            "type": "string_check",
            "name": "ilike",
            "input": "{{ sample.output_text }}",
            "reference": "{{ item.answer }}",
            "operation": "ilike",
        },
        "contains": {"type": "contains", "reference": "{{ item.answer }}"},
        "starts": {"type": "starts_with", "reference": "The"},
        "ends": {"type": "ends_with", "reference": ".", "normalize": ["strip"]},
        "equals": {
            "type": "equals",
            "reference": "{{ item.answer }}",
            "normalize": ["strip", "lowercase"],
        },
        "regex": {"type": "regex", "pattern": r"answer is \w+"},
        "no_comma": {"type": "contains", "reference": ",", "not": True},
        "one_of": {"type": "one_of", "references": ["{{ item.answer }}", "unknown"]},
        "tagged": {
            "type": "equals",
            "reference": "{{ item.answer }}",
            "extract": [{"step": "xml_tag", "tag": "answer"}],
        },
    },
}
LEAVES = len(GRADER["graders"])
_REGEX = re.compile(r"answer is \w+")
_TAG = re.compile(r"<answer>(.*?)</answer>", re.S)


def bare(text: str, answer: str) -> float:
    """The same ten checks with no engine around them."""
    tag = _TAG.findall(text)
    checks = (
        text == answer,
        answer.casefold() in text.casefold(),
        answer in text,
        text.startswith("The"),
        text.strip().endswith("."),
        text.strip().casefold() == answer.strip().casefold(),
        _REGEX.search(text) is not None,
        "," not in text,
        text in (answer, "unknown"),
        bool(tag) and tag[-1].strip() == answer,
    )
    return float(sum(checks))


def samples(n: int) -> list[tuple[str, dict[str, str]]]:
    rng = random.Random(0)
    words = ["Paris", "London", "Rome", "Madrid", "Berlin"]
    rows = []
    for _ in range(n):
        answer = rng.choice(words)
        said = rng.choice(words)
        text = f"The answer is {said}. <answer>{said}</answer>" + " filler" * rng.randint(0, 30)
        rows.append((text, {"answer": answer}))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    rows = samples(args.samples)
    grader = graders.load(GRADER)
    batch = grader.grade_batch_sync(rows[:200])  # warm up caches and the loop thread
    ours_scores = [r.score for r in grader.grade_batch_sync(rows).results]
    bare_scores = [bare(text, item["answer"]) for text, item in rows]
    assert ours_scores == bare_scores, "the engine and the bare checks disagree"
    ours_t, bare_t = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        batch = grader.grade_batch_sync(rows)
        ours_t.append(time.perf_counter() - start)
        start = time.perf_counter()
        for text, item in rows:
            bare(text, item["answer"])
        bare_t.append(time.perf_counter() - start)
    per_leaf = 1e6 / (args.samples * LEAVES)
    ours, peer = statistics.median(ours_t) * per_leaf, statistics.median(bare_t) * per_leaf
    print(f"samples={args.samples} leaves={LEAVES} repeat={args.repeat} (one core, median)")
    print(
        f"graders batch API : {ours:7.2f} us per leaf "
        f"({ours * LEAVES:.1f} us per sample, mean reward {batch.summary.mean_reward:.3f})"
    )
    print(f"bare Python checks: {peer:7.2f} us per leaf")
    print(
        f"engine overhead   : {ours - peer:7.2f} us per leaf (ratio {ours / peer:.1f}x); "
        f"goal < 20 us per leaf: {'met' if ours < 20 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
