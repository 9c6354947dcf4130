"""``graders train CONFIG``: the command runs a few GRPO steps and saves the model."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from graders.cli import app

from .test_train import write_run


def test_graders_train_command(tiny_model_dir: Path, tmp_path: Path) -> None:
    config = write_run(tmp_path, tiny_model_dir)
    result = CliRunner().invoke(app, ["train", str(config), "--max-steps", "2"])
    assert result.exit_code == 0, result.output
    assert "reward:" in result.output and "answer:" in result.output and "stop:" in result.output
    assert (tmp_path / "out" / "config.json").exists()  # the trained model was saved
