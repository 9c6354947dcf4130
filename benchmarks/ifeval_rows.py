"""Responses checked per second on 5-constraint IFEval rows: graders vs the reference checkers.

Both sides check the same responses against the same rows in one process. The reference
(``if-verifiable``: Google's IFEval code) always computes strict and loose verdicts in one call;
graders is timed twice, strict alone and loose alone; ratios are given for each (what one reward
costs) and for their *sum* (both modes, as the reference computes them). Verdicts are compared
too: the numbers only count if both sides agree.

Run: ``python -m benchmarks.ifeval_rows [--responses N]``.
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

import graders
from tests.checks.ifeval.reference import offline_reference

END = "Is there anything else I can help with?"
ROWS: dict[str, tuple[list[str], list[dict[str, Any]]]] = {
    "with language detection": (
        [
            "punctuation:no_comma",
            "length_constraints:number_words",
            "detectable_format:number_highlighted_sections",
            "change_case:english_lowercase",
            "startend:end_checker",
        ],
        [
            {},
            {"relation": "at least", "num_words": 120},
            {"num_highlights": 2},
            {},
            {"end_phrase": END},
        ],
    ),
    "counting only": (
        [
            "punctuation:no_comma",
            "length_constraints:number_words",
            "length_constraints:number_sentences",
            "detectable_format:number_highlighted_sections",
            "startend:end_checker",
        ],
        [
            {},
            {"relation": "at least", "num_words": 120},
            {"relation": "less than", "num_sentences": 12},
            {"num_highlights": 2},
            {"end_phrase": END},
        ],
    ),
}

_PROSE = "the river runs past old stone walls where children play and birds sing in the warm \
light of a slow summer evening while people talk about their day"
WORDS = _PROSE.split()


def responses(n: int, seed: int = 0) -> list[str]:
    """Model-like answers, about half of them breaking one or two constraints."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        sentences = []
        for _ in range(rng.randint(6, 14)):
            words = rng.choices(WORDS, k=rng.randint(8, 18))
            if rng.random() < 0.3:
                words[rng.randrange(len(words))] = f"*{rng.choice(WORDS)}*"
            if rng.random() < 0.05:
                words[0] += ","
            sentences.append(" ".join(words) + ".")
        text = " ".join(sentences)
        if rng.random() < 0.2:
            text = text.capitalize()
        if rng.random() < 0.5:
            text = "sure here you go:\n" + text
        out.append(text + ("\n" + END.lower() if rng.random() < 0.8 else ""))
    return out


def _time(fn: Any, *args: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - start, value


def _reference(common: Any, registry: Any, texts: list[str], ids: Any, kwargs: Any) -> list[Any]:
    return [common.evaluate_instructions(t, ids, kwargs, "", registry)[1] for t in texts]


def run_row(common: Any, registry: Any, label: str, texts: list[str]) -> None:
    ids, kwargs = ROWS[label]
    rows = [{"sample": t, "item": {"instruction_id_list": ids, "kwargs": kwargs}} for t in texts]
    strict = graders.load({"type": "instruction_following", "reward": "all"})
    loose = graders.load({"type": "instruction_following", "reward": "all", "mode": "loose"})
    # warm both sides (imports, model loading) outside the timings
    strict.grade_batch_sync(rows[:3]), loose.grade_batch_sync(rows[:3])
    _reference(common, registry, texts[:3], ids, kwargs)

    ref_s, ref = _time(_reference, common, registry, texts, ids, kwargs)
    strict_s, s_batch = _time(strict.grade_batch_sync, rows)
    loose_s, l_batch = _time(loose.grade_batch_sync, rows)
    agree = sum(
        (r.binary_strict, r.binary_loose) == (s.score, lo.score)
        for r, s, lo in zip(ref, s_batch.results, l_batch.results, strict=True)
    )
    n = len(texts)
    print(
        f"5-constraint row, {label}: {n} responses "
        f"({sum(r.binary_strict for r in ref):.0f} pass strict, "
        f"{sum(r.binary_loose for r in ref):.0f} loose); verdicts agree on {agree}/{n}"
    )
    print(f"  reference (strict+loose): {n / ref_s:9.1f} responses/s")
    print(f"  graders strict:           {n / strict_s:9.1f} responses/s -> {ref_s / strict_s:.1f}x")
    print(f"  graders loose:            {n / loose_s:9.1f} responses/s -> {ref_s / loose_s:.1f}x")
    both = strict_s + loose_s
    print(f"  graders strict+loose:     {n / both:9.1f} responses/s -> {ref_s / both:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=300)
    args = parser.parse_args()
    texts = responses(args.responses)
    with offline_reference() as common:
        from if_verifiable.ifeval.instructions_registry import INSTRUCTION_DICT

        for label in ROWS:
            run_row(common, INSTRUCTION_DICT, label, texts)


if __name__ == "__main__":
    main()
