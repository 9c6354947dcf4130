"""``graders grade --engine ray`` with no cluster running: it starts a local one and stops it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ANSWER_SHORT_GRADER

pytest.importorskip("ray")


def test_grade_engine_ray_starts_and_stops_its_own_cluster(tmp_path: Path) -> None:
    grader = tmp_path / "grader.yaml"
    grader.write_text(ANSWER_SHORT_GRADER, encoding="utf-8")
    samples = tmp_path / "samples.jsonl"
    rows = [{"sample": f"= {i}", "item": {"answer": str(i % 5)}} for i in range(40)]
    samples.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "graders.cli", "grade", str(grader), str(samples)]
    command += ["--engine", "ray", "--workers", "2", "-o", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rewards = [json.loads(line)["reward"] for line in out.read_text().splitlines()]
    assert rewards == [1.5 if i < 5 else 0.5 for i in range(40)]
    assert "mean reward" in done.stdout
