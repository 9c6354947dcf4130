"""Reward functions for TRL's ``GRPOTrainer`` and ``RLOOTrainer``, made from one grader.

TRL calls each reward function with ``prompts``, ``completions``, ``completion_ids``, every
dataset column, ``trainer_state``, ``log_extra`` and ``log_metric`` as keyword arguments, and
takes back one ``float | None`` per completion (``None`` leaves that function out for the
completion). It sums the functions with ``reward_weights`` and logs each one as
``rewards/<__name__>/mean``.

:func:`reward_funcs` gives one function per top-level component of the grader, with the weights
that make TRL's weighted sum equal the grader's own reward, so every component shows in TRL's
logs; or, for a root that is not a sum, one function for the total with the component means
logged through ``log_metric``. All the functions of one grader share a single evaluation per
completion. They are picklable, named, and ``async`` when the grader waits on anything.

TRL strips end-of-sequence tokens from the completion text; the functions rebuild
``sample.truncated`` from ``completion_ids`` when they know the stop tokens (pass the
tokenizer and the model), so a format or length check can tell a stopped completion from a
cut-off one.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from graders.adapters.split import split_weights, unique_names
from graders.adapters.stops import model_eos_ids, stop_token_ids, warn_truncation_unknown
from graders.core.result import Result
from graders.core.runner import BatchResult, Grader
from graders.core.sample import Sample

__all__ = [
    "AsyncRewardFunction",
    "RewardFunction",
    "RewardFunctions",
    "model_eos_ids",
    "reward_funcs",
]

_TRL_KEYWORDS = frozenset({"trainer_state", "log_extra", "log_metric", "environments"})
"""Keyword arguments TRL adds that are not dataset columns."""


def _as_grader(grader: Grader | str | Path | Mapping[str, Any]) -> Grader:
    return grader if isinstance(grader, Grader) else Grader.load(grader)


def _text_of(content: Any) -> str:
    """A message's text: a string, or the text parts of a list of content blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, Mapping)]
        return "".join(p for p in parts if isinstance(p, str))
    return ""


def completion_sample(
    prompt: Any,
    completion: Any,
    ids: Sequence[int] | None,
    stop_ids: frozenset[int] | None,
    metadata: dict[str, Any],
) -> Sample:
    """The Sample for one TRL completion, standard (a string) or conversational (messages)."""
    truncated = None
    if ids is not None:
        ids = ids if isinstance(ids, list) else list(ids)
        if stop_ids is not None and ids:
            truncated = ids[-1] not in stop_ids
    if isinstance(completion, str):
        return Sample(
            output_text=completion, completion_ids=ids, truncated=truncated, metadata=metadata
        )
    messages = list(completion) if isinstance(completion, list) else []
    assistant = [m for m in messages if isinstance(m, Mapping) and m.get("role") == "assistant"]
    tools = [call for m in assistant for call in (m.get("tool_calls") or [])]
    history = list(prompt) + messages if isinstance(prompt, list) else messages
    return Sample(
        output_text=_text_of(assistant[-1].get("content")) if assistant else "",
        output_tools=tools or None,
        messages=history,
        completion_ids=ids,
        truncated=truncated,
        metadata=metadata,
    )


class _BatchScorer:
    """Grades one TRL batch once and hands the results to every function made from the grader.

    TRL passes the same ``prompts`` and ``completions`` lists to each of its reward functions in
    one step; the scorer keeps the last batch's lists (strong references, so their identity
    cannot be reused) and its results, or the task computing them when the functions are async.
    """

    def __init__(
        self,
        grader: Grader,
        columns: Mapping[str, str],
        stop_ids: frozenset[int] | None,
        log_reasons: bool,
        log_components: bool,
    ) -> None:
        self.grader = grader
        self.columns = dict(columns)
        self.stop_ids = stop_ids
        self.log_reasons = log_reasons
        self.log_components = log_components
        self._reset()

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[Any, Any] | None = None
        self._results: list[Result] | None = None
        self._task: asyncio.Task[list[Result]] | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for key in ("_lock", "_key", "_results", "_task"):
            state.pop(key)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset()

    # -- building rows ----------------------------------------------------------------------------

    def rows(
        self,
        prompts: Sequence[Any],
        completions: Sequence[Any],
        completion_ids: Sequence[Sequence[int]] | None,
        kwargs: Mapping[str, Any],
    ) -> list[tuple[Sample, dict[str, Any]]]:
        """(sample, item) for each completion: dataset columns become item fields."""
        count = len(completions)
        if len(prompts) != count:
            raise ValueError(f"{len(prompts)} prompts for {count} completions")
        if completion_ids is not None and len(completion_ids) != count:
            raise ValueError(f"{len(completion_ids)} completion_ids for {count} completions")
        columns = {k: v for k, v in kwargs.items() if k not in _TRL_KEYWORDS}
        for field, column in self.columns.items():
            if column not in columns:
                known = ", ".join(sorted(columns)) or "none"
                raise ValueError(
                    f"columns maps item.{field} to the dataset column {column!r}, which TRL did "
                    f"not pass (columns passed: {known})"
                )
        per_row = {
            k: v for k, v in columns.items() if isinstance(v, list | tuple) and len(v) == count
        }
        shared = {k: v for k, v in columns.items() if k not in per_row}
        step = getattr(kwargs.get("trainer_state"), "global_step", None)
        items: list[dict[str, Any]] = [dict(shared) for _ in range(count)]
        for key, values in per_row.items():  # column by column: the cheapest way to fill rows
            for item, value in zip(items, values, strict=True):
                item[key] = value
        for field, column in self.columns.items():
            for item in items:
                item[field] = item[column]
        for item, prompt in zip(items, prompts, strict=True):
            item.setdefault("prompt", prompt)
        stop_ids = self.stop_ids
        samples = [
            completion_sample(
                prompts[i],
                completions[i],
                None if completion_ids is None else completion_ids[i],
                stop_ids,
                {} if step is None else {"step": step},
            )
            for i in range(count)
        ]
        return list(zip(samples, items, strict=True))

    # -- grading once per batch -------------------------------------------------------------------

    def score(self, prompts: Any, completions: Any, ids: Any, kwargs: Any) -> list[Result]:
        """The batch's results, graded on the first call and reused by the others."""
        with self._lock:
            if self._key is not None and self._key[0] is prompts and self._key[1] is completions:
                assert self._results is not None
                return self._results
            rows = self.rows(prompts, completions, ids, kwargs)
            batch = self.grader.grade_batch_sync(rows)
            self._key, self._results, self._task = (prompts, completions), batch.results, None
        self._log(batch, kwargs)
        return batch.results

    async def ascore(self, prompts: Any, completions: Any, ids: Any, kwargs: Any) -> list[Result]:
        """:meth:`score` for async functions: concurrent callers await one grading task."""
        task = self._task
        loop = asyncio.get_running_loop()
        if (
            task is None
            or task.get_loop() is not loop
            or self._key is None
            or self._key[0] is not prompts
            or self._key[1] is not completions
        ):
            rows = self.rows(prompts, completions, ids, kwargs)
            task = loop.create_task(self._grade(rows, kwargs))
            self._key, self._results, self._task = (prompts, completions), None, task
        return await asyncio.shield(task)

    async def _grade(self, rows: list[tuple[Sample, dict[str, Any]]], kwargs: Any) -> list[Result]:
        batch = await self.grader.grade_batch(rows)
        self._log(batch, kwargs)
        return batch.results

    def _log(self, batch: BatchResult, kwargs: Mapping[str, Any]) -> None:
        """Report what TRL's own logs cannot show: errors, abstentions, components, reasons."""
        log_metric = kwargs.get("log_metric")
        summary = batch.summary
        if callable(log_metric) and summary.total:
            log_metric("graders/errored", summary.errored / summary.total)
            log_metric("graders/abstained", summary.abstained / summary.total)
            if self.log_components:
                for name, stats in summary.components.items():
                    if stats.mean is not None:
                        log_metric(f"graders/{name}/mean", stats.mean)
        log_extra = kwargs.get("log_extra")
        if self.log_reasons and callable(log_extra):
            log_extra("graders/reason", [_reason(r) for r in batch.results])


def _reason(result: Result) -> str:
    if result.error is not None:
        return f"{result.error.kind}: {result.error.message}"
    return result.reason


# -- the functions TRL calls ----------------------------------------------------------------------


class _Function:
    """What the sync and async reward functions share: a name, a scorer and a column."""

    def __init__(self, name: str, scorer: _BatchScorer, index: int | None, zero: bool) -> None:
        self.__name__ = name
        self.__qualname__ = name
        self.scorer = scorer
        self.index = index
        """The top-level component this function returns; None for the total reward."""
        self.zero = zero
        """Count an abstaining component as 0, as the grader's ``on_child_abstain: zero`` does."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.__name__!r} of {self.scorer.grader!r}>"

    def values(self, results: list[Result]) -> list[float | None]:
        if self.index is None:
            return [r.score for r in results]
        out: list[float | None] = []
        for result in results:
            if result.score is None or self.index >= len(result.children):
                out.append(None)  # the total abstained: TRL leaves the completion out
                continue
            score = result.children[self.index].score
            out.append(0.0 if score is None and self.zero else score)
        return out


class RewardFunction(_Function):
    """A synchronous TRL reward function (graded on graders' own event loop thread)."""

    def __call__(
        self,
        prompts: list[Any],
        completions: list[Any],
        completion_ids: list[list[int]] | None = None,
        **kwargs: Any,
    ) -> list[float | None]:
        return self.values(self.scorer.score(prompts, completions, completion_ids, kwargs))


class AsyncRewardFunction(_Function):
    """An ``async`` TRL reward function: TRL gathers these concurrently on its own loop."""

    def __init__(self, name: str, scorer: _BatchScorer, index: int | None, zero: bool) -> None:
        super().__init__(name, scorer, index, zero)
        _mark_coroutine_function(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        _mark_coroutine_function(self)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_is_coroutine_marker", None)
        return state

    async def __call__(
        self,
        prompts: list[Any],
        completions: list[Any],
        completion_ids: list[list[int]] | None = None,
        **kwargs: Any,
    ) -> list[float | None]:
        return self.values(await self.scorer.ascore(prompts, completions, completion_ids, kwargs))


def _mark_coroutine_function(func: object) -> None:
    """Let ``inspect.iscoroutinefunction`` see the instance as async (Python 3.12+).

    TRL 1.16 also checks ``__call__``; older TRL releases check only the object itself.
    """
    mark = getattr(inspect, "markcoroutinefunction", None)
    if mark is not None:
        mark(func)


def _async_detected() -> bool:
    """Whether the installed TRL awaits a callable object whose ``__call__`` is async."""
    if sys.version_info >= (3, 12):
        return True
    try:
        from trl.trainer import utils
    except ImportError:
        return False
    return hasattr(utils, "is_async_callable")


class RewardFunctions(list[_Function]):
    """The reward functions for ``reward_funcs=`` and their ``weights`` for ``reward_weights=``."""

    def __init__(self, funcs: Iterable[_Function], weights: Iterable[float]) -> None:
        super().__init__(funcs)
        self.weights = list(weights)

    @property
    def names(self) -> list[str]:
        return [f.__name__ for f in self]

    def check_columns(self, columns: Iterable[str]) -> None:
        """Raise before training if the column mapping names a column the dataset lacks."""
        have = set(columns)
        for field, column in self[0].scorer.columns.items():
            if column not in have:
                raise ValueError(
                    f"columns maps item.{field} to {column!r}, but the dataset's columns are "
                    f"{', '.join(sorted(have)) or 'none'}"
                )


def reward_funcs(
    grader: Grader | str | Path | Mapping[str, Any],
    *,
    split: bool | None = None,
    columns: Mapping[str, str] | None = None,
    tokenizer: Any = None,
    eos_token_ids: int | Iterable[int] | None = None,
    model: Any = None,
    use_async: bool | None = None,
    name: str | None = None,
    prefix: str = "",
    log_reasons: bool = False,
) -> RewardFunctions:
    """TRL reward functions for ``grader``, with matching ``.weights`` for ``reward_weights``.

    - ``split``: one function per top-level component (True), one for the total (False), or
      per component whenever the root is a sum (None). Splitting a root that is not a sum
      raises, naming why.
    - ``columns``: item field -> dataset column (``{"answer": "solution"}``); every dataset
      column is also an item field under its own name, and ``item.prompt`` is the prompt.
    - ``tokenizer`` / ``eos_token_ids`` / ``model``: the stop tokens that tell a stopped
      completion from a truncated one: the tokenizer's eos and pad tokens, and, as TRL counts
      them, every eos id in the model's generation config (Llama 3 stops at three). ``model``
      is the model given to the trainer, or its folder or hub name. With none of them, a
      check with ``allow_truncated: false`` cannot fail a cut-off completion: that warns.
    - ``use_async``: async functions (TRL runs them concurrently); by default when the grader
      waits on anything (judges, sandboxes, worker processes) and the installed TRL awaits them.
    - ``name`` names the total function (default: the root's name, else ``graders``);
      ``prefix`` goes before every function name.
    - ``log_reasons``: add each completion's reason to TRL's completions table.
    """
    grader = _as_grader(grader)
    spec = grader.spec
    split_or_why = split_weights(spec)
    if split and isinstance(split_or_why, str):
        raise ValueError(f"cannot split this grader's reward into components: {split_or_why}")
    per_component = split is not False and not isinstance(split_or_why, str)
    components = grader.components or [spec.name or spec.type]
    stop_ids = stop_token_ids(eos_token_ids, tokenizer, model)
    if stop_ids is None:
        warn_truncation_unknown(grader)
    scorer = _BatchScorer(
        grader,
        columns or {},
        stop_ids,
        log_reasons,
        log_components=not per_component and bool(grader.components),
    )
    if use_async is None:
        use_async = spec.waits and _async_detected()
    cls: type[_Function] = AsyncRewardFunction if use_async else RewardFunction
    if per_component:
        assert not isinstance(split_or_why, str)
        weights, zero = split_or_why
        leaf = not grader.components
        names = unique_names(prefix + c for c in components)
        funcs = [cls(n, scorer, None if leaf else i, zero) for i, n in enumerate(names)]
        return RewardFunctions(funcs, weights)
    total = cls(prefix + (name or spec.name or "graders"), scorer, None, False)
    return RewardFunctions([total], [1.0])
