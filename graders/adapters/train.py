"""``graders train``: TRL's GRPO on a model and a dataset, with a grader as the reward.

One small YAML file sets up the run; everything RL is TRL's (``GRPOTrainer``), this module only
wires the pieces together and checks them before any model is loaded::

    model: Qwen/Qwen2.5-0.5B-Instruct        # a hub name or a local directory
    dataset: {path: train.jsonl, prompt: question, system_prompt: "Answer briefly."}
    grader: grader.yaml
    columns: {answer: solution}               # item field -> dataset column
    grpo: {num_generations: 8, per_device_train_batch_size: 16, max_steps: 200}
    output_dir: runs/gsm8k

Relative paths are read from the config file's folder. ``grpo`` holds ``GRPOConfig`` settings,
passed as they are; ``reward_weights`` comes from the grader. On a machine without CUDA, bf16
and gradient checkpointing (TRL's defaults) are turned off unless the config sets them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from graders.adapters.trl import RewardFunctions, reward_funcs
from graders.core.errors import ConfigError, MissingDependencyError
from graders.core.runner import Grader
from graders.spec.problems import problems_from_validation
from graders.spec.source import Source, parse_file

__all__ = ["DatasetConfig", "TrainConfig", "TrainRun", "load_config", "train"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class DatasetConfig(_Strict):
    """Where the prompts come from and how they become TRL's ``prompt`` column."""

    path: str | None = None
    """A local JSON/JSONL/CSV/parquet file (relative to the config file)."""
    name: str | None = None
    """A ``datasets`` name (loaded with ``datasets.load_dataset``)."""
    subset: str | None = None
    """The dataset's configuration name, if it has several."""
    split: str = "train"
    prompt: str = "prompt"
    """The column holding the prompt text."""
    system_prompt: str | None = None
    """When set, prompts become chat messages with this system message first."""
    chat: bool = False
    """Make prompts chat messages (``[{"role": "user", ...}]``) even without a system prompt."""


class TrainConfig(_Strict):
    """A GRPO run: model, dataset, grader, column mapping and the GRPO settings."""

    model: str
    tokenizer: str | None = None
    """Defaults to the model."""
    dataset: DatasetConfig
    grader: str
    columns: dict[str, str] = {}
    """Item field -> dataset column, for the grader's ``item``."""
    split: Literal["auto", "components", "total"] = "auto"
    """One reward function per component (TRL logs each), one total, or per component when
    the grader's root is a sum."""
    log_reasons: bool = False
    """Add each completion's reason to TRL's completions table."""
    grpo: dict[str, Any] = {}
    """``GRPOConfig`` settings, as TRL names them."""
    output_dir: str = "graders-train"
    seed: int = 0


def _located(source: Source, keys: tuple[str | int, ...], message: str) -> ConfigError:
    return ConfigError([source.problem(keys, message)])


def load_config(path: str | Path) -> tuple[TrainConfig, Path, Source]:
    """Parse and validate a train config; paths inside it are relative to its folder."""
    source = parse_file(path)
    if source.problems:
        raise ConfigError(source.problems)
    try:
        config = TrainConfig.model_validate(source.data)
    except ValidationError as exc:
        raise ConfigError(problems_from_validation(exc, source)) from None
    return config, Path(path).resolve().parent, source


def _local(base: Path, value: str) -> str:
    """``value`` read from the config's folder when it names a file or folder there."""
    candidate = base / value
    return str(candidate) if candidate.exists() else value


def _grpo_args(config: TrainConfig, funcs: RewardFunctions, source: Source) -> Any:
    import torch

    GRPOConfig = _trl().GRPOConfig
    known = {f.name for f in fields(GRPOConfig)}
    for key in config.grpo:
        if key not in known:
            near = get_close_matches(key, known, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise _located(source, ("grpo", key), f"unknown GRPOConfig setting {key!r}{hint}")
    if "reward_weights" in config.grpo:
        raise _located(
            source, ("grpo", "reward_weights"), "reward_weights come from the grader's weights"
        )
    settings: dict[str, Any] = {"report_to": "none", "seed": config.seed, "logging_steps": 1}
    if not torch.cuda.is_available():
        settings.update(bf16=False, gradient_checkpointing=False, use_cpu=True)
    settings.update(config.grpo)
    settings.update(output_dir=config.output_dir, reward_weights=funcs.weights)
    try:
        return GRPOConfig(**settings)
    except (ValueError, TypeError) as exc:
        raise _located(source, ("grpo",), f"GRPOConfig rejected the settings: {exc}") from None


def _dataset(config: TrainConfig, base: Path, source: Source) -> Any:
    import datasets  # type: ignore[import-untyped]

    spec = config.dataset
    if (spec.path is None) == (spec.name is None):
        raise _located(source, ("dataset",), "dataset needs exactly one of path and name")
    try:
        if spec.path is not None:
            file = Path(_local(base, spec.path))
            kinds = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet"}
            if file.suffix not in kinds:
                message = f"unknown data file type {file.suffix!r}"
                raise _located(source, ("dataset", "path"), message)
            data = datasets.load_dataset(kinds[file.suffix], data_files=str(file), split=spec.split)
        else:
            data = datasets.load_dataset(spec.name, spec.subset, split=spec.split)
    except (OSError, ValueError) as exc:
        raise _located(source, ("dataset",), f"cannot load the dataset: {exc}") from None
    if spec.prompt not in data.column_names:
        columns = ", ".join(data.column_names)
        message = f"the dataset has no column {spec.prompt!r} (columns: {columns})"
        raise _located(source, ("dataset", "prompt"), message)
    if spec.prompt != "prompt":
        if "prompt" in data.column_names:
            data = data.remove_columns("prompt")
        data = data.rename_column(spec.prompt, "prompt")
    if spec.system_prompt is not None or spec.chat:
        system = [{"role": "system", "content": spec.system_prompt}] if spec.system_prompt else []

        def to_chat(row: Mapping[str, Any]) -> dict[str, Any]:
            return {"prompt": [*system, {"role": "user", "content": row["prompt"]}]}

        data = data.map(to_chat)
    return data


@dataclass
class TrainRun:
    """What a finished run leaves: TRL's log of every step and where the model was saved."""

    log_history: list[dict[str, Any]]
    output_dir: Path
    reward_names: list[str]


def train(
    config: TrainConfig | str | Path,
    *,
    output_dir: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> TrainRun:
    """Run GRPO as ``config`` says (a TrainConfig, or a YAML file); ``overrides`` go to ``grpo``.

    The grader, the dataset, the column mapping, the tokenizer and the GRPO settings are all
    checked before the model is loaded.
    """
    _trl()
    if isinstance(config, TrainConfig):
        base, source = Path.cwd(), Source(data=config.model_dump(), file="<config>")
    else:
        config, base, source = load_config(config)
    where = str(output_dir) if output_dir is not None else config.output_dir
    updates: dict[str, Any] = {"output_dir": _output_dir(base, where)}
    if overrides:
        updates["grpo"] = {**config.grpo, **overrides}
    config = config.model_copy(update=updates)
    grader_path = Path(_local(base, config.grader))
    if not grader_path.is_file():
        raise _located(source, ("grader",), f"no grader file {config.grader!r} in {base}")
    grader = Grader.load(grader_path)
    data = _dataset(config, base, source)
    try:
        tokenizer = _tokenizer(_local(base, config.tokenizer or config.model))
    except (OSError, ValueError) as exc:
        where = "tokenizer" if config.tokenizer else "model"
        raise _located(source, (where,), f"cannot load a tokenizer from it: {exc}") from None
    try:
        funcs = reward_funcs(
            grader,
            split={"auto": None, "components": True, "total": False}[config.split],
            columns=config.columns,
            tokenizer=tokenizer,
            model=_local(base, config.model),
            log_reasons=config.log_reasons,
        )
        funcs.check_columns(data.column_names)
    except ValueError as exc:
        raise _located(source, ("columns",), str(exc)) from None
    args = _grpo_args(config, funcs, source)
    trainer = _trl().GRPOTrainer(
        model=_local(base, config.model),
        processing_class=tokenizer,
        reward_funcs=funcs,
        args=args,
        train_dataset=data,
    )
    trainer.train()
    trainer.save_model(args.output_dir)
    return TrainRun(list(trainer.state.log_history), Path(args.output_dir), funcs.names)


def _trl() -> Any:
    """TRL, imported when a run starts (it is an optional dependency: the ``trl`` extra)."""
    import importlib

    try:
        return importlib.import_module("trl")
    except ImportError as exc:
        raise MissingDependencyError("graders train needs TRL: pip install 'graders[trl]'") from exc


def _output_dir(base: Path, value: str) -> str:
    path = Path(value)
    return str(path if path.is_absolute() else base / path)


def _tokenizer(name: str) -> Any:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(name)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer
