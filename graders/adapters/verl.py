"""verl's reward contract: ``compute_score`` for ``custom_reward_function``, and its data layout.

verl loads ``reward.custom_reward_function.{path,name}`` (a file path or ``pkg://module``;
``custom_reward_function.*`` at the top level in older releases) and calls
``compute_score(data_source, solution_str, ground_truth, extra_info, **reward_kwargs)``; an
``async def`` one is awaited on its reward loop. Point it at this module::

    reward.custom_reward_function.path=pkg://graders.adapters.verl
    reward.custom_reward_function.name=compute_score        # or compute_score_async
    +reward.custom_reward_function.reward_kwargs.grader=grader.yaml
    # or one grader per data source (a dict value: Hydra keys cannot hold a "/"), quoted
    # for the shell; the key "default" serves data sources not named:
    '+reward.custom_reward_function.reward_kwargs.graders={openai/gsm8k:gsm8k.yaml}'

(or set ``GRADERS_GRADER``). The returned dict has the same keys for every sample, as verl
requires (it takes the key list from the first sample): ``score`` (the reward, or
``abstain_score`` when the grader abstains), ``acc`` (1.0 when the grader passes), ``abstained``,
``errored`` and ``graders/<component>`` for the top-level components of every configured grader
(NaN where a sample's grader has no such component). All values are floats.

The item a grader sees is ``extra_info`` updated with ``ground_truth`` (a mapping ground truth
is merged; any other value is ``item[label_field]``, ``answer`` by default) and ``data_source``.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from graders.checks.children import is_pass
from graders.core.result import Result
from graders.core.runner import Grader

__all__ = ["compute_score", "compute_score_async", "verl_rows", "write_parquet"]

DEFAULT = "default"
"""The ``graders`` key used for data sources without a grader of their own."""

_lock = threading.Lock()
_loaded: dict[str, Grader] = {}


def _grader_at(path: str) -> Grader:
    with _lock:
        grader = _loaded.get(path)
        if grader is None:
            grader = _loaded[path] = Grader.load(path)
        return grader


class _Choice:
    """The grader for a sample and the component keys every sample must carry."""

    def __init__(self, grader: Grader, keys: list[str]) -> None:
        self.grader = grader
        self.keys = keys


def _choose(data_source: str, grader: Any, graders: Any) -> _Choice:
    if grader is not None and graders is not None:
        raise ValueError("pass grader= (one grader) or graders= (per data source), not both")
    if graders is not None:
        if not isinstance(graders, Mapping) or not graders:
            raise ValueError("graders= must map data sources to grader files")
        paths = {str(source): str(path) for source, path in graders.items()}
        every = [_grader_at(p) for p in dict.fromkeys(paths.values())]
        path = paths.get(str(data_source), paths.get(DEFAULT))
        if path is None:
            known = ", ".join(sorted(paths))
            raise ValueError(f"no grader for data_source={data_source!r} (graders has {known})")
    else:
        path = str(grader) if grader is not None else os.environ.get("GRADERS_GRADER")
        if not path:
            raise ValueError(
                "compute_score needs a grader: reward_kwargs.grader=FILE, "
                "reward_kwargs.graders={data_source: FILE}, or GRADERS_GRADER"
            )
        every = [_grader_at(path)]
    names = dict.fromkeys(name for g in every for name in g.components)
    return _Choice(_grader_at(path), list(names))


def _item(data_source: str, ground_truth: Any, extra_info: Any, label_field: str) -> dict[str, Any]:
    item = dict(extra_info) if isinstance(extra_info, Mapping) else {}
    if isinstance(ground_truth, Mapping):
        item.update(ground_truth)
    else:
        item[label_field] = ground_truth
    item.setdefault("data_source", data_source)
    return item


def _score_dict(result: Result, keys: list[str], abstain_score: float) -> dict[str, float]:
    by_label = {child.label: child.score for child in result.children}
    out = {
        "score": abstain_score if result.score is None else float(result.score),
        "acc": float(is_pass(result)),
        "abstained": float(result.score is None),
        "errored": float(bool(result.errors())),
    }
    for key in keys:
        if key not in by_label:
            out[f"graders/{key}"] = math.nan  # this sample's grader has no such component
        else:
            score = by_label[key]
            out[f"graders/{key}"] = abstain_score if score is None else float(score)
    return out


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Any = None,
    *,
    grader: str | Path | None = None,
    graders: Mapping[str, str | Path] | None = None,
    label_field: str = "answer",
    abstain_score: float = 0.0,
    **kwargs: Any,
) -> dict[str, float]:
    """Grade one verl rollout; see the module docstring for the keys returned."""
    choice = _choose(data_source, grader, graders)
    item = _item(data_source, ground_truth, extra_info, label_field)
    result = choice.grader.grade_sync(solution_str, item)
    return _score_dict(result, choice.keys, abstain_score)


async def compute_score_async(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Any = None,
    *,
    grader: str | Path | None = None,
    graders: Mapping[str, str | Path] | None = None,
    label_field: str = "answer",
    abstain_score: float = 0.0,
    **kwargs: Any,
) -> dict[str, float]:
    """:func:`compute_score` awaited on verl's reward loop (for graders that wait)."""
    choice = _choose(data_source, grader, graders)
    item = _item(data_source, ground_truth, extra_info, label_field)
    result = await choice.grader.grade(solution_str, item)
    return _score_dict(result, choice.keys, abstain_score)


# -- verl's dataset layout ---------------------------------------------------------------------


def verl_rows(
    rows: Iterable[Mapping[str, Any]],
    *,
    data_source: str,
    question_field: str = "question",
    answer_field: str = "answer",
    system_prompt: str | None = None,
    ability: str = "",
    split: str = "train",
) -> list[dict[str, Any]]:
    """Rows in verl's RL dataset layout: chat ``prompt``, ``reward_model.ground_truth``, ...

    Every other field of a row goes into ``extra_info`` (with ``index`` and ``split``), so it
    reaches the grader as an item field again.
    """
    out = []
    for index, row in enumerate(rows):
        missing = [f for f in (question_field, answer_field) if f not in row]
        if missing:
            raise ValueError(f"row {index} has no field {missing[0]!r} (fields: {', '.join(row)})")
        messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
        messages.append({"role": "user", "content": row[question_field]})
        extra: dict[str, Any] = {"index": index, "split": split}
        extra.update((k, v) for k, v in row.items() if k not in (question_field, answer_field))
        out.append(
            {
                "data_source": data_source,
                "prompt": messages,
                "ability": ability,
                "reward_model": {"style": "rule", "ground_truth": row[answer_field]},
                "extra_info": extra,
            }
        )
    return out


def write_parquet(rows: Iterable[Mapping[str, Any]], path: str | Path, **layout: Any) -> Path:
    """Write ``rows`` as a verl parquet file (``layout`` goes to :func:`verl_rows`)."""
    try:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError as exc:
        from graders.core.errors import MissingDependencyError

        raise MissingDependencyError(
            "writing verl parquet files needs pyarrow: pip install 'graders[verl]'"
        ) from exc
    target = Path(path)
    pq.write_table(pa.Table.from_pylist(verl_rows(rows, **layout)), target)
    return target
