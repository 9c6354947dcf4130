"""Parsers compared: ours against ``latex2sympy2_extended`` (the LaTeX parser math-verify uses).

    python benchmarks/math/parsers.py

Both parse every distinct gold answer of the labelled set (the answers as datasets store them)
in one process; the table gives how many each parsed without an error, and the time per answer.
A parse that "succeeds" may still be wrong; the accuracy of whole verifications is what
``bench.py`` measures. Ours builds only its own nodes; latex2sympy2_extended builds SymPy
objects (and evaluates them: ``2^{10^{7}}`` is computed), so hostile golds are left out here.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from graders.checks.math.judge import prepare_gold  # noqa: E402
from graders.checks.math.parser import parse  # noqa: E402
from tests.checks.math.math_cases import load_cases  # noqa: E402


def _time(func: Callable[[str], Any], answers: list[str]) -> tuple[int, list[float]]:
    ok, times = 0, []
    for answer in answers:
        start = time.perf_counter()
        try:
            func(answer)
            ok += 1
        except Exception:  # any failure to parse counts as not parsed
            pass
        times.append(time.perf_counter() - start)
    return ok, times


def main() -> None:
    from latex2sympy2_extended import latex2sympy

    golds = {c.gold for c in load_cases() if c.category != "safety"}
    answers = sorted({prepare_gold(g).text for g in golds})
    print(f"{len(answers)} distinct gold answers\n")
    print("| parser | parsed | mean us | p50 us | max us |\n|---|---:|---:|---:|---:|")
    uncached = parse.__wrapped__  # our parser memoizes; time the parsing itself
    for name, func in (("ours", uncached), ("latex2sympy2_extended", latex2sympy)):
        func(answers[0])  # warm-up
        ok, times = _time(func, answers)
        print(
            f"| {name} | {ok}/{len(answers)} | {statistics.mean(times) * 1e6:,.0f} "
            f"| {statistics.median(times) * 1e6:,.0f} | {max(times) * 1e6:,.0f} |"
        )


if __name__ == "__main__":
    main()
