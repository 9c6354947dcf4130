"""Benchmark: the ``math`` grader against HuggingFace's math-verify on the same labelled pairs.

    pip install -e '.[math,bench]'                  # not with dev: see pyproject's bench extra
    python benchmarks/math/bench.py                 # accuracy table + GRPO-style throughput
    python benchmarks/math/bench.py --groups 50     # a shorter throughput run

Accuracy: every labelled pair of ``tests/checks/math/cases/*.yaml`` (rows that set grader
options are left out: math-verify has no such options) is verified by both, each pair in a
child process with a watchdog, so a hang counts as a hang (the child is killed and replaced).
math-verify is used as documented: the gold wrapped in ``$...$`` (unless it already has math
delimiters or a ``\\boxed``), ``parse`` both, then ``verify(gold, answer)``. Latency is the
wall time of one verification inside the child. Errors, timeouts and hangs count as wrong.

Throughput (GRPO-style): for each distinct gold, 16 rollouts (that gold's labelled responses,
then the same responses behind different reasoning prefixes). Ours grades each group with
``grade_batch_sync``; math-verify parses the gold once per group (its best case) and each
rollout. Both run in one child each, one core each, after a warm-up.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.checks.math.math_cases import Case, load_cases  # noqa: E402

GRPO_GROUP = 16


# -- the two verifiers, as they run inside a child process -----------------------------------------


def _mv_gold(gold: str) -> str:
    if "$" in gold or "\\boxed" in gold or "\\(" in gold or "\\[" in gold:
        return gold
    return f"${gold}$"


class _MathVerify:
    def __init__(self) -> None:
        from math_verify import parse, verify

        self.parse, self.verify = parse, verify
        self.one("\\frac{1}{2}", "The answer is $\\boxed{0.5}$.")  # warm-up

    def one(self, gold: str, output: str) -> bool:
        return bool(self.verify(self.parse(_mv_gold(gold)), self.parse(output)))

    def group(self, gold: str, outputs: list[str]) -> list[bool]:
        parsed = self.parse(_mv_gold(gold))
        return [bool(self.verify(parsed, self.parse(o))) for o in outputs]


class _Ours:
    def __init__(self) -> None:
        import graders

        self.grader = graders.load({"type": "math", "reference": "{{ item.answer }}"})
        self.one("f(y)", "\\boxed{f(x)}")  # warm-up: this pair needs the SymPy workers

    def one(self, gold: str, output: str) -> bool | None:
        result = self.grader.grade_sync(output, {"answer": gold})
        return None if result.error is not None else bool(result.passed)

    def group(self, gold: str, outputs: list[str]) -> list[bool | None]:
        batch = self.grader.grade_batch_sync([(o, {"answer": gold}) for o in outputs])
        return [None if r.error is not None else bool(r.passed) for r in batch.results]


def _child(name: str, conn: Any) -> None:
    verifier = _Ours() if name == "ours" else _MathVerify()
    conn.send("ready")
    while True:
        task = conn.recv()
        if task is None:
            return
        kind, gold, payload = task
        start = time.perf_counter()
        try:
            if kind == "one":
                verdict: Any = verifier.one(gold, payload)
            else:
                verdict = verifier.group(gold, payload)
        except Exception as exc:  # a crash in the verifier is a wrong answer, not a stop
            verdict = f"error: {type(exc).__name__}"
        conn.send((verdict, time.perf_counter() - start))


class Runner:
    """A verifier in a child process, replaced when the watchdog fires."""

    def __init__(self, name: str, watchdog_s: float) -> None:
        self.name, self.watchdog_s = name, watchdog_s
        self.ctx = mp.get_context("spawn")
        self.proc: Any = None
        self.conn: Any = None
        self.hangs = 0

    def start(self) -> None:
        parent, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_child, args=(self.name, child), daemon=True)
        self.proc.start()
        self.conn = parent
        if not parent.poll(300) or parent.recv() != "ready":
            raise RuntimeError(f"{self.name} did not start")

    def run(self, task: tuple[str, str, Any], watchdog_s: float | None = None) -> tuple[Any, float]:
        if self.proc is None:
            self.start()
        self.conn.send(task)
        limit = watchdog_s or self.watchdog_s
        if self.conn.poll(limit):
            result: tuple[Any, float] = self.conn.recv()
            return result
        self.proc.kill()  # a hang: kill it, count it, start a fresh child next time
        self.proc.join()
        self.proc = None
        self.hangs += 1
        return "hang", limit

    def close(self) -> None:
        if self.proc is not None:
            self.conn.send(None)
            self.proc.join(5)
            if self.proc.is_alive():
                self.proc.kill()
            self.proc = None


# -- accuracy --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    case: Case
    verdict: Any
    seconds: float

    @property
    def correct(self) -> bool:
        return self.verdict is self.case.ok

    @property
    def false_positive(self) -> bool:
        return self.verdict is True and not self.case.ok

    @property
    def false_negative(self) -> bool:
        return self.verdict is False and self.case.ok

    @property
    def failed(self) -> bool:
        return not isinstance(self.verdict, bool)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _row(label: str, outcomes: list[Outcome]) -> str:
    times = [o.seconds for o in outcomes]
    n = len(outcomes)
    acc = sum(o.correct for o in outcomes) / n
    fp = sum(o.false_positive for o in outcomes)
    fn = sum(o.false_negative for o in outcomes)
    err = sum(o.failed for o in outcomes)
    rate = n / sum(times) if sum(times) else float("inf")
    return (
        f"| {label:<12} | {n:>4} | {acc:6.1%} | {fp:>3} | {fn:>3} | {err:>3} | {rate:>8.0f} "
        f"| {statistics.median(times) * 1e3:>7.2f} | {_percentile(times, 0.99) * 1e3:>7.2f} "
        f"| {max(times) * 1e3:>8.1f} |"
    )


def accuracy(cases: list[Case], runners: dict[str, Runner]) -> dict[str, list[Outcome]]:
    results: dict[str, list[Outcome]] = {name: [] for name in runners}
    for i, case in enumerate(cases, 1):
        for name, runner in runners.items():
            verdict, seconds = runner.run(("one", case.gold, case.output))
            results[name].append(Outcome(case, verdict, seconds))
        if i % 100 == 0:
            print(f"  ... {i}/{len(cases)} pairs", file=sys.stderr, flush=True)
    return results


def print_accuracy(results: dict[str, list[Outcome]]) -> None:
    header = (
        "| category     |    n |    acc |  FP |  FN | err |  pairs/s | p50 ms  | p99 ms  "
        "|   max ms |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for name, outcomes in results.items():
        print(f"\n### {name}\n\n{header}")
        by_category: dict[str, list[Outcome]] = defaultdict(list)
        for o in outcomes:
            by_category[o.case.category].append(o)
        for category in sorted(by_category):
            print(_row(category, by_category[category]))
        print(_row("ALL", outcomes))
    names = list(results)
    if len(names) == 2:
        a, b = (results[n] for n in names)
        print(f"\nper category, accuracy {names[0]} vs {names[1]}:")
        cats = sorted({o.case.category for o in a})
        for cat in cats:
            acc_a = [o.correct for o in a if o.case.category == cat]
            acc_b = [o.correct for o in b if o.case.category == cat]
            print(f"  {cat:<12} {sum(acc_a) / len(acc_a):6.1%} vs {sum(acc_b) / len(acc_b):6.1%}")


# -- GRPO-style throughput -------------------------------------------------------------------------


def grpo_groups(cases: list[Case], groups: int) -> list[tuple[str, list[str]]]:
    """Up to ``groups`` golds, each with 16 distinct rollouts: the gold's own labelled
    responses, then responses to other golds of the same category (mostly wrong answers),
    each behind its own reasoning line so that no two rollouts are the same text."""
    realistic = [c for c in cases if c.category != "safety"]
    by_gold: dict[str, list[Case]] = defaultdict(list)
    for case in realistic:
        by_gold[case.gold].append(case)
    out = []
    for gold, own in list(by_gold.items())[:groups]:
        others = [c for c in realistic if c.category == own[0].category and c.gold != gold]
        pool = [c.output for c in own] + [c.output for c in others]
        rollouts = [
            f"Rollout {k}: we reason step by step and check the result.\n\n{pool[k % len(pool)]}"
            for k in range(GRPO_GROUP)
        ]
        out.append((gold, rollouts))
    return out


def throughput(groups: list[tuple[str, list[str]]], runners: dict[str, Runner]) -> dict[str, float]:
    """Rollouts per second of each verifier; groups alternate between them, so a change in
    the machine's load during the run affects both alike."""
    for runner in runners.values():
        runner.run(("group", groups[0][0], groups[0][1]), 600)  # warm-up (imports, pools)
    total = dict.fromkeys(runners, 0.0)
    rewarded = dict.fromkeys(runners, 0)
    count = 0
    for i, (gold, outputs) in enumerate(groups):
        order = list(runners.items())
        for name, runner in order if i % 2 == 0 else order[::-1]:
            verdicts, seconds = runner.run(("group", gold, outputs), 600)
            total[name] += seconds
            rewarded[name] += sum(v is True for v in verdicts) if isinstance(verdicts, list) else 0
        count += len(outputs)
    rates = {}
    for name in runners:
        rates[name] = count / total[name]
        print(
            f"  {name:<12} {count} rollouts in {total[name]:.2f} s = {rates[name]:,.0f} "
            f"rollouts/s ({rewarded[name]} rewarded)"
        )
    return rates


_PEERS = ("math-verify", "latex2sympy2_extended", "antlr4-python3-runtime", "sympy", "mpmath")


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--watchdog", type=float, default=10.0, help="seconds before a hang")
    parser.add_argument("--groups", type=int, default=100, help="GRPO groups of 16 to time")
    parser.add_argument("--only", choices=["ours", "math-verify"], help="run one verifier")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()

    cases = [c for c in load_cases() if not c.options]
    names = [args.only] if args.only else ["ours", "math-verify"]
    runners = {name: Runner(name, args.watchdog) for name in names}
    print(f"# math verification benchmark: {len(cases)} labelled pairs")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    print(", ".join(f"{pkg} {_version(pkg)}" for pkg in _PEERS))
    try:
        print_accuracy(accuracy(cases, runners))
        for name, runner in runners.items():
            print(f"{name}: {runner.hangs} hang(s) killed by the {args.watchdog:g} s watchdog")
        if not args.skip_throughput:
            for runner in runners.values():  # fresh children: no cache warmed by the pass above
                runner.close()
            runners = {name: Runner(name, args.watchdog) for name in names}
            groups = grpo_groups(cases, args.groups)
            print(f"\n### GRPO-style throughput ({len(groups)} golds x {GRPO_GROUP} rollouts)\n")
            rates = throughput(groups, runners)
            if len(rates) == 2:
                print(f"  ratio ours / math-verify: {rates['ours'] / rates['math-verify']:.1f}x")
        print(f"load at the end {os.getloadavg()}")
    finally:
        for runner in runners.values():
            runner.close()


if __name__ == "__main__":
    main()
