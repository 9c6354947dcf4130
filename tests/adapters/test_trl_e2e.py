"""End to end: TRL's real GRPOTrainer and RLOOTrainer train a tiny local model with a grader.

Nothing is downloaded: the model has random weights and the tokenizer is built locally. The
run is a few steps on the CPU; what it checks is TRL's own log of each step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graders.adapters.trl import reward_funcs

from .conftest import copy_digit_rows


def grpo_run(
    model_dir: Path, grader: Path, out: Path, trainer: str = "GRPO", **options: Any
) -> list[dict[str, Any]]:
    """A few steps of TRL's ``GRPOTrainer`` (or ``RLOOTrainer``) on CPU; the per-step logs."""
    import trl
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    funcs = reward_funcs(grader, tokenizer=tokenizer, model=model, **options)
    args = getattr(trl, f"{trainer}Config")(
        output_dir=str(out),
        per_device_train_batch_size=16,
        num_generations=8,
        max_completion_length=3,
        max_steps=3,
        learning_rate=1e-2,
        logging_steps=1,
        reward_weights=funcs.weights,
        report_to="none",
        bf16=False,
        gradient_checkpointing=False,
        use_cpu=True,
        save_strategy="no",
        disable_tqdm=True,
        seed=0,
    )
    run = getattr(trl, f"{trainer}Trainer")(
        model=model,
        processing_class=tokenizer,
        reward_funcs=funcs,
        args=args,
        train_dataset=Dataset.from_list(copy_digit_rows(64)),
    )
    run.train()
    return [entry for entry in run.state.log_history if "reward" in entry]


@pytest.mark.parametrize(
    ("trainer", "use_async"),
    [("GRPO", False), ("GRPO", True), ("RLOO", False)],
    ids=["grpo-sync", "grpo-async", "rloo"],
)
def test_trainer_logs_each_component(
    tiny_model_dir: Path, copy_digit_grader: Path, tmp_path: Path, trainer: str, use_async: bool
) -> None:
    steps = grpo_run(tiny_model_dir, copy_digit_grader, tmp_path, trainer, use_async=use_async)
    assert len(steps) == 3
    assert any(0 < log["completions/clipped_ratio"] < 1 for log in steps)  # both kinds occur
    for log in steps:
        answer, stop = log["rewards/answer/mean"], log["rewards/stop/mean"]
        # TRL's total is the weighted sum of the components: the grader's own reward.
        assert log["reward"] == pytest.approx(1.0 * answer + 0.5 * stop, abs=1e-5)
        # "stop" passes exactly when the completion ended with end-of-sequence, which TRL
        # strips from the text: the adapter read it from completion_ids, as TRL itself does.
        assert stop == pytest.approx(1.0 - log["completions/clipped_ratio"], abs=1e-6)
        # logged by our functions through TRL's log_metric: they graded every step
        assert log["graders/errored"] == 0.0
        assert log["graders/abstained"] == 0.0


def test_grpo_with_one_total_function_logs_components_as_metrics(
    tiny_model_dir: Path, copy_digit_grader: Path, tmp_path: Path
) -> None:
    steps = grpo_run(tiny_model_dir, copy_digit_grader, tmp_path, split=False, name="copy")
    for log in steps:
        assert log["rewards/copy/mean"] == pytest.approx(log["reward"], abs=1e-6)
        expected = log["graders/answer/mean"] + 0.5 * log["graders/stop/mean"]
        assert log["reward"] == pytest.approx(expected, abs=1e-5)
