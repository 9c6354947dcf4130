"""Grading a large batch on a Ray cluster: the ``ray`` engine of ``graders grade``.

The grader is shipped once to ``num_workers`` actors (one CPU each); the rows go out in chunks
and come back in input order, with the same results the local engine gives. Each worker is a
process with its own grader runtime, so the limits an expensive family sets (sandbox slots,
judge concurrency, math worker pools) hold *per worker*: a cluster of N workers runs up to N
times those limits in all. So does the model-call budget (``budget_usd``, ``budget_tokens``):
N workers may spend up to N times the cap, so divide it by the number of workers for a hard
total.

Connects to ``address`` (``"auto"`` for a running cluster) or starts a local one; a cluster this
module started is shut down when the batch is done, one that was already running is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from time import perf_counter
from typing import Any

from graders.core.errors import MissingDependencyError
from graders.core.result import Result
from graders.core.runner import BatchResult, Grader, Row
from graders.core.summary import BatchSummary

__all__ = ["grade_batch"]


class _Worker:
    """A Ray actor holding one copy of the grader (and so its own runtime and limits)."""

    def __init__(self, grader: Grader, concurrency: int | None) -> None:
        self.grader = grader
        self.concurrency = concurrency

    def grade(self, start: int, rows: list[Row]) -> tuple[int, list[Result]]:
        batch = self.grader.grade_batch_sync(rows, concurrency=self.concurrency)
        return start, batch.results


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise MissingDependencyError(
            "the ray engine needs Ray: pip install 'graders[ray]'"
        ) from exc
    return ray


def grade_batch(
    grader: Grader | str | Path | Mapping[str, Any],
    rows: Iterable[Row],
    *,
    address: str | None = None,
    num_workers: int | None = None,
    chunk_size: int = 256,
    concurrency: int | None = None,
    on_result: Callable[[int, Result], None] | None = None,
) -> BatchResult:
    """Grade ``rows`` on Ray; results in input order, as :meth:`Grader.grade_batch` gives them.

    ``num_workers`` defaults to the cluster's CPUs; ``chunk_size`` rows travel per task;
    ``concurrency`` bounds rows graded at once inside each worker; ``on_result(index, result)``
    is called as chunks come back.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size={chunk_size} must be at least 1")
    if num_workers is not None and num_workers < 1:
        raise ValueError(f"num_workers={num_workers} must be at least 1")
    ray = _ray()
    if not isinstance(grader, Grader):
        grader = Grader.load(grader)
    rows = list(rows)
    start = perf_counter()
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    try:
        results = _run(ray, grader, rows, num_workers, chunk_size, concurrency, on_result)
    finally:
        if started:
            ray.shutdown()
    return BatchResult(
        results, BatchSummary.from_results(results, elapsed_s=perf_counter() - start)
    )


def _run(
    ray: Any,
    grader: Grader,
    rows: list[Row],
    num_workers: int | None,
    chunk_size: int,
    concurrency: int | None,
    on_result: Callable[[int, Result], None] | None,
) -> list[Result]:
    if not rows:
        return []
    chunks = [(i, rows[i : i + chunk_size]) for i in range(0, len(rows), chunk_size)]
    cpus = int(ray.cluster_resources().get("CPU", 1)) or 1
    count = min(num_workers or cpus, len(chunks))
    actor = ray.remote(num_cpus=1)(_Worker)
    shared = ray.put(grader)
    workers = [actor.remote(shared, concurrency) for _ in range(count)]
    results: list[Result | None] = [None] * len(rows)
    try:
        pending = {}
        queue = iter(chunks)
        for worker, (first, chunk) in zip(workers, queue, strict=False):
            pending[worker.grade.remote(first, chunk)] = worker
        while pending:
            [done], _ = ray.wait(list(pending), num_returns=1)
            worker = pending.pop(done)
            first, chunk_results = ray.get(done)
            for offset, result in enumerate(chunk_results):
                results[first + offset] = result
                if on_result is not None:
                    on_result(first + offset, result)
            following = next(queue, None)
            if following is not None:
                pending[worker.grade.remote(*following)] = worker
    finally:
        for worker in workers:
            ray.kill(worker)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]
