"""Responses checked per second on 5-constraint IFEval rows: graders vs the reference checkers.

Both sides check the same responses against the same rows in one process. The reference
(``if-verifiable``: Google's IFEval code) always computes strict and loose verdicts in one call.
graders is timed strict alone and loose alone; a loose result also carries the strict verdicts
(``details["strict_followed"]``; each instruction's child says whether it passed only through a
loose variant), so the loose run is the like-for-like comparison with the reference: both
verdicts from one call. The
sum of a strict and a loose run (two graders, as a user running both modes separately pays) is
printed too. Verdicts are compared: the numbers only count if both sides agree on both modes.

Each side is timed ``--repeats`` times, interleaved, after a garbage collection, and the best
run counts: single runs of ~0.1 s on a shared machine swing by 2-4x with the load and with
collections triggered by the other side's garbage.

Language detection keeps each word's n-grams (a bounded cache); the responses here draw on a
25-word vocabulary, so that cache is warm. ``--no-word-cache`` shows the other end: every word
extracted afresh, as if no word had been seen before.

Run: ``python -m benchmarks.ifeval_rows [--responses N] [--repeats K] [--no-word-cache]``.
"""

from __future__ import annotations

import argparse
import gc
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


def _best(repeats: int, fns: dict[str, Any]) -> tuple[dict[str, float], dict[str, Any]]:
    """Each function's best time over ``repeats`` interleaved runs, and its last value."""
    times = {name: float("inf") for name in fns}
    values: dict[str, Any] = {}
    for _ in range(repeats):
        for name, fn in fns.items():
            gc.collect()
            start = time.perf_counter()
            values[name] = fn()
            times[name] = min(times[name], time.perf_counter() - start)
    return times, values


def _reference(common: Any, registry: Any, texts: list[str], ids: Any, kwargs: Any) -> list[Any]:
    return [common.evaluate_instructions(t, ids, kwargs, "", registry)[1] for t in texts]


def _strict_from_loose(result: Any) -> float:
    """The all-or-nothing strict verdict a loose result carries."""
    return float(result.details["strict_followed"] == result.details["total"])


def run_row(common: Any, registry: Any, label: str, texts: list[str], repeats: int) -> None:
    ids, kwargs = ROWS[label]
    rows = [{"sample": t, "item": {"instruction_id_list": ids, "kwargs": kwargs}} for t in texts]
    strict = graders.load({"type": "instruction_following", "reward": "all"})
    loose = graders.load({"type": "instruction_following", "reward": "all", "mode": "loose"})
    # warm both sides (imports, model loading) outside the timings
    strict.grade_batch_sync(rows[:3]), loose.grade_batch_sync(rows[:3])
    _reference(common, registry, texts[:3], ids, kwargs)

    times, values = _best(
        repeats,
        {
            "reference": lambda: _reference(common, registry, texts, ids, kwargs),
            "strict": lambda: strict.grade_batch_sync(rows).results,
            "loose": lambda: loose.grade_batch_sync(rows).results,
        },
    )
    ref, ref_s = values["reference"], times["reference"]
    agree = sum(
        (r.binary_strict, r.binary_loose) == (s.score, lo.score)
        and r.binary_strict == _strict_from_loose(lo)
        for r, s, lo in zip(ref, values["strict"], values["loose"], strict=True)
    )
    n = len(texts)
    print(
        f"5-constraint row, {label}: {n} responses "
        f"({sum(r.binary_strict for r in ref):.0f} pass strict, "
        f"{sum(r.binary_loose for r in ref):.0f} loose); verdicts agree on {agree}/{n}; "
        f"best of {repeats}"
    )

    def line(name: str, seconds: float) -> None:
        print(f"  {name:38s} {n / seconds:9.1f} responses/s -> {ref_s / seconds:.1f}x")

    print(f"  {'reference (strict+loose, one call)':38s} {n / ref_s:9.1f} responses/s")
    line("graders strict", times["strict"])
    line("graders loose (strict+loose verdicts)", times["loose"])
    line("graders strict run + loose run", times["strict"] + times["loose"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--no-word-cache",
        action="store_true",
        help="extract every word's n-grams afresh in language detection (as if every word were "
        "new: the responses here draw on 25 words, so graders' per-word cache is otherwise warm)",
    )
    args = parser.parse_args()
    if args.no_word_cache:
        from graders.checks.ifeval import language

        language._word_rows = language._word_rows.__wrapped__  # type: ignore[assignment]
    texts = responses(args.responses)
    with offline_reference() as common:
        from if_verifiable.ifeval.instructions_registry import INSTRUCTION_DICT

        for label in ROWS:
            run_row(common, INSTRUCTION_DICT, label, texts, args.repeats)


if __name__ == "__main__":
    main()
