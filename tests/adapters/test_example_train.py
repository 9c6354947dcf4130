"""examples/train/train_tiny.py runs end to end (a few steps; the full curve is its own run)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "train" / "train_tiny.py"


def test_train_tiny_example_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("train_tiny", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    status = module.main(["--steps", "4", "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    assert "steps  reward  answer    stop" in printed and "1-4" in printed
    assert status == 1  # four steps cannot show the rise; the script says so
    assert "did not rise" in printed
    assert (tmp_path / "trained" / "config.json").exists()
