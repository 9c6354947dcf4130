"""text_similarity throughput per metric: graders vs the defining library called directly.

For each metric the same (output, reference) pairs are scored by ``Grader.grade_batch_sync``
(templates, Result tree, batching) and by the bare library call, in one run; the ratio is what
the grader layer costs on top of the library. ``cosine`` runs the local all-MiniLM-L6-v2 model
when the ``similarity-local`` extra is installed.

Run: ``python -m benchmarks.text_similarity [--pairs N]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import time
from collections.abc import Callable
from typing import Any

import graders
from graders.checks.similarity.metrics import LEXICAL_METRICS

_PROSE = "the model answered that the capital of france is paris and that the river seine \
runs through the city past old stone bridges museums and busy markets every single day"
WORDS = _PROSE.split()


def pairs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        reference = rng.choices(WORDS, k=rng.randint(10, 30))
        output = [w if rng.random() < 0.7 else rng.choice(WORDS) for w in reference]
        out.append((" ".join(output), " ".join(reference)))
    return out


def _peers() -> dict[str, Callable[[str, str], Any]]:
    """The bare library call behind each OpenAI metric."""
    import sacrebleu
    from rapidfuzz import fuzz
    from rouge_score.rouge_scorer import RougeScorer

    scorers = {n: RougeScorer([f"rouge{n}"]) for n in ("1", "2", "L")}
    return {
        "fuzzy_match": fuzz.ratio,
        "bleu": lambda a, b: sacrebleu.sentence_bleu(a, [b]),
        "rouge_1": lambda a, b: scorers["1"].score(b, a),
        "rouge_2": lambda a, b: scorers["2"].score(b, a),
        "rouge_l": lambda a, b: scorers["L"].score(b, a),
    }


def _rate(n: int, fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=500)
    args = parser.parse_args()
    data = pairs(args.pairs)
    rows = [{"sample": out, "item": {"reference": ref}} for out, ref in data]
    peers = _peers()
    metrics = sorted(LEXICAL_METRICS)
    if importlib.util.find_spec("sentence_transformers") is not None:
        metrics.append("cosine")
    print(f"{len(data)} pairs of 10-30 words; pairs/s (higher is better)")
    for metric in metrics:
        config: dict[str, Any] = {
            "type": "text_similarity",
            "input": "{{ sample.output_text }}",
            "reference": "{{ item.reference }}",
            "evaluation_metric": metric,
        }
        if metric == "cosine":
            config["embeddings"] = {"provider": "local"}
        grader = graders.load(config)
        grader.grade_batch_sync(rows[:5])  # imports and model loading outside the timing
        ours = _rate(len(rows), lambda g=grader: g.grade_batch_sync(rows))
        line = f"  {metric:22s} graders {ours:9.0f}"
        peer = peers.get(metric)
        if peer is not None:
            bare = _rate(len(data), lambda p=peer: [p(a, b) for a, b in data])
            line += f"   library alone {bare:9.0f}   graders/library {ours / bare:.2f}"
        print(line)
        grader.close()


if __name__ == "__main__":
    main()
