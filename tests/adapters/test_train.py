"""``graders train``: a few real GRPO steps from one config, and config errors before any model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from graders.adapters.train import train
from graders.core.errors import ConfigError

from .conftest import COPY_DIGIT_GRADER, copy_digit_rows

GRPO = {
    "num_generations": 8,
    "per_device_train_batch_size": 16,
    "max_completion_length": 3,
    "max_steps": 3,
    "learning_rate": 0.01,
    "disable_tqdm": True,
}


def write_run(folder: Path, model_dir: Path, **changes: Any) -> Path:
    """A run folder: data.jsonl ("question", "digit"), grader.yaml and train.yaml."""
    rows = [{"question": r["prompt"], "digit": r["answer"]} for r in copy_digit_rows(64)]
    (folder / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "grader.yaml").write_text(COPY_DIGIT_GRADER)
    config: dict[str, Any] = {
        "model": str(model_dir),
        "dataset": {"path": "data.jsonl", "prompt": "question"},
        "grader": "grader.yaml",
        "columns": {"answer": "digit"},
        "grpo": dict(GRPO),
        "output_dir": "out",
    }
    config.update(changes)
    path = folder / "train.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_train_api_with_chat_prompts_logs_each_component(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """A ``datasets`` name (here a local folder of JSONL, nothing downloaded) and chat prompts."""
    folder = tmp_path / "dataset"
    folder.mkdir()
    config = write_run(
        tmp_path,
        tiny_model_dir,
        dataset={"name": str(folder), "prompt": "question", "system_prompt": "Copy the digit."},
    )
    (tmp_path / "data.jsonl").rename(folder / "train.jsonl")
    run = train(config)
    steps = [entry for entry in run.log_history if "reward" in entry]
    assert len(steps) == 3
    assert run.reward_names == ["answer", "stop"]
    for log in steps:
        assert log["reward"] == pytest.approx(
            log["rewards/answer/mean"] + 0.5 * log["rewards/stop/mean"], abs=1e-5
        )


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the trainer (and so the model) is ever reached."""
    import trl

    def reached(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the model was loaded before the config was checked")

    monkeypatch.setattr(trl, "GRPOTrainer", reached)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"grpo": {**GRPO, "num_generation": 8}},
            "unknown GRPOConfig setting 'num_generation' (did you mean 'num_generations'?)",
        ),
        ({"grpo": {**GRPO, "reward_weights": [1, 1]}}, "reward_weights come from the grader"),
        ({"grpo": {**GRPO, "per_device_train_batch_size": 12}}, "GRPOConfig rejected the settings"),
        ({"columns": {"answer": "solution"}}, "maps item.answer to 'solution'"),
        ({"dataset": {"path": "data.jsonl"}}, "no column 'prompt' (columns: question, digit)"),
        ({"dataset": {"path": "data.jsonl", "name": "x"}}, "exactly one of path and name"),
        ({"dataset": {"path": "nothing.jsonl"}}, "cannot load the dataset"),
        ({"grader": "missing.yaml"}, "no grader file 'missing.yaml'"),
        ({"model": "/no/such/model"}, "cannot load a tokenizer"),
        ({"epochs": 3}, "epochs"),
    ],
)
def test_config_errors_come_before_the_model(
    tiny_model_dir: Path, tmp_path: Path, no_model: None, changes: dict[str, Any], message: str
) -> None:
    config = write_run(tmp_path, tiny_model_dir, **changes)
    with pytest.raises(ConfigError) as info:
        train(config)
    assert message in str(info.value)
    assert "train.yaml:" in str(info.value)  # located in the run's config


def test_the_models_generation_eos_ids_are_stop_ids(
    tiny_model_dir: Path, tmp_path: Path, no_model: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from transformers import GenerationConfig

    import graders.adapters.train as train_module

    model_dir = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model_dir)
    GenerationConfig(eos_token_id=[1, 40, 41]).save_pretrained(model_dir)
    made: list[Any] = []
    original = train_module.reward_funcs

    def recording(*args: Any, **kwargs: Any) -> Any:
        made.append(original(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(train_module, "reward_funcs", recording)
    with pytest.raises(AssertionError, match="the model was loaded"):
        train(write_run(tmp_path, model_dir))
    [funcs] = made
    assert {1, 40, 41} <= funcs[0].scorer.stop_ids
