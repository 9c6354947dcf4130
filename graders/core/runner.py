"""``Grader``: a loaded grader tree and the engine that runs it.

Async first: ``await grader.grade(sample, item)`` and ``await grader.grade_batch(rows)``. The
``*_sync`` methods are the one synchronous facade (see :mod:`graders.core.syncbridge`). A batch
runs with bounded concurrency when the tree waits on anything (judges, sandboxes, worker
processes) and inline when every node is cheap CPU work, where tasks would only add overhead.
A bad row becomes a ``bad_sample`` result in its place; nothing a sample does stops the batch,
unless a node says ``on_error: raise``.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

from graders.core.context import GradeContext, Runtime
from graders.core.errors import ErrorInfo, SampleError
from graders.core.result import Result
from graders.core.sample import Sample, coerce_item
from graders.core.summary import SKIPPED_KIND, BatchSummary
from graders.core.syncbridge import run_sync
from graders.spec.base import GraderSpec

__all__ = ["BatchResult", "Grader", "Row"]

Row = tuple[Any, Any] | Mapping[str, Any]
"""A batch row: ``(sample, item)`` or ``{"sample": ..., "item": ...}``."""

_YIELD_EVERY = 64  # inline batches give the event loop a turn this often


@dataclass
class BatchResult:
    """The results of a batch, in input order, and their summary."""

    results: list[Result]
    summary: BatchSummary

    @property
    def rewards(self) -> list[float | None]:
        return [r.score for r in self.results]


def _split_row(row: Row) -> tuple[Any, Any]:
    if isinstance(row, Mapping):
        if "sample" not in row:
            raise SampleError("a row needs a 'sample' key (and optionally 'item')")
        extra = set(row) - {"sample", "item"}
        if extra:
            raise SampleError(
                f"unknown row keys: {', '.join(sorted(extra))} (a row has 'sample' and 'item')"
            )
        return row["sample"], row.get("item")
    if isinstance(row, tuple) and len(row) == 2:
        return row
    raise SampleError(
        f"a row is (sample, item) or {{'sample': ..., 'item': ...}}, got {type(row).__name__}"
    )


class Grader:
    """A validated grader tree, ready to score samples."""

    def __init__(
        self,
        spec: GraderSpec,
        *,
        source: str | None = None,
        concurrency: int = 64,
        sample_timeout_s: float | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency={concurrency} must be at least 1")
        if sample_timeout_s is not None and sample_timeout_s <= 0:
            raise ValueError(f"sample_timeout_s={sample_timeout_s} must be positive")
        self.spec = spec
        self.source = source
        self.concurrency = concurrency
        self.sample_timeout_s = sample_timeout_s
        self.settings: dict[str, Any] = dict(settings or {})
        """Per-run options for the families, keyed by family (see ``Runtime.settings``)."""
        self._runtimes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Runtime] = (
            weakref.WeakKeyDictionary()
        )

    @classmethod
    def load(cls, config: str | Path | Mapping[str, Any], **options: Any) -> Grader:
        """Load a grader file (YAML or JSON) or mapping; raises ConfigError with every problem."""
        from graders.spec.loading import load_spec

        source = None if isinstance(config, Mapping) else str(config)
        return cls(load_spec(config), source=source, **options)

    def __repr__(self) -> str:
        where = f" from {self.source!r}" if self.source else ""
        return f"<Grader {self.spec.type}{where}>"

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_runtimes"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        from graders.core import registry

        registry.ensure_loaded()
        self.__dict__.update(state)
        self._runtimes = weakref.WeakKeyDictionary()

    @property
    def components(self) -> list[str]:
        """Names of the root's direct children: the reward's components."""
        names = []
        for keys, child in self.spec.children():
            names.append(child.name or str(keys[-1]))
        return names

    def _runtime(self) -> Runtime:
        loop = asyncio.get_running_loop()
        runtime = self._runtimes.get(loop)
        if runtime is None:
            runtime = self._runtimes[loop] = Runtime(self.settings)
        return runtime

    # -- one sample -------------------------------------------------------------------------------

    async def grade(self, sample: Any, item: Any = None) -> Result:
        """Score one sample (a string, a mapping of sample fields or a Sample) against ``item``."""
        ctx = GradeContext(Sample.coerce(sample), coerce_item(item), self._runtime())
        return await self._run(ctx)

    def grade_sync(self, sample: Any, item: Any = None) -> Result:
        """:meth:`grade` for synchronous code, from any thread or inside a running loop."""
        return run_sync(self.grade(sample, item))

    async def _run(self, ctx: GradeContext) -> Result:
        if self.sample_timeout_s is None:
            return await self.spec.run(ctx)
        start = perf_counter()
        try:
            async with asyncio.timeout(self.sample_timeout_s):
                return await self.spec.run(ctx)
        except TimeoutError:
            return Result(
                type=self.spec.type,
                name=self.spec.name,
                path=self.spec.path,
                reason=f"sample_timeout_s={self.sample_timeout_s} exceeded",
                error=ErrorInfo("timeout", f"sample_timeout_s={self.sample_timeout_s} exceeded"),
                elapsed_s=perf_counter() - start,
            )

    async def _grade_row(self, row: Row, runtime: Runtime) -> Result:
        try:
            sample, item = _split_row(row)
            ctx = GradeContext(Sample.coerce(sample), coerce_item(item), runtime)
        except SampleError as exc:
            return Result(
                type=self.spec.type,
                path=self.spec.path,
                reason=f"skipped: {exc}",
                error=ErrorInfo(SKIPPED_KIND, str(exc)),
            )
        return await self._run(ctx)

    # -- batches ----------------------------------------------------------------------------------

    async def grade_batch(
        self,
        rows: Iterable[Row],
        *,
        concurrency: int | None = None,
        on_result: Callable[[int, Result], None] | None = None,
    ) -> BatchResult:
        """Score many rows; results come back in input order with a summary.

        ``on_result(index, result)`` is called as each row finishes (for progress bars).
        """
        start = perf_counter()
        runtime = self._runtime()
        rows = list(rows)
        results: list[Result | None] = [None] * len(rows)
        if self.spec.waits:
            await self._batch_concurrent(
                rows, results, runtime, concurrency or self.concurrency, on_result
            )
        else:
            for index, row in enumerate(rows):
                result = await self._grade_row(row, runtime)
                results[index] = result
                if on_result is not None:
                    on_result(index, result)
                if index % _YIELD_EVERY == _YIELD_EVERY - 1:
                    await asyncio.sleep(0)
        done = [r for r in results if r is not None]
        return BatchResult(done, BatchSummary.from_results(done, elapsed_s=perf_counter() - start))

    async def _batch_concurrent(
        self,
        rows: list[Row],
        results: list[Result | None],
        runtime: Runtime,
        concurrency: int,
        on_result: Callable[[int, Result], None] | None,
    ) -> None:
        todo: Iterator[tuple[int, Row]] = iter(enumerate(rows))

        async def worker() -> None:
            for index, row in todo:
                result = await self._grade_row(row, runtime)
                results[index] = result
                if on_result is not None:
                    on_result(index, result)

        async with asyncio.TaskGroup() as group:
            for _ in range(min(concurrency, len(rows))):
                group.create_task(worker())

    def grade_batch_sync(
        self,
        rows: Iterable[Row],
        *,
        concurrency: int | None = None,
        on_result: Callable[[int, Result], None] | None = None,
    ) -> BatchResult:
        """:meth:`grade_batch` for synchronous code."""
        return run_sync(self.grade_batch(rows, concurrency=concurrency, on_result=on_result))

    async def aclose(self) -> None:
        """Release the resources (pools, clients) this grader opened on the current loop."""
        runtime = self._runtimes.pop(asyncio.get_running_loop(), None)
        if runtime is not None:
            await runtime.aclose()

    def close(self) -> None:
        """Release resources opened through the synchronous facade."""
        run_sync(self.aclose())
