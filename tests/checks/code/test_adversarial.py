"""The adversarial suite: hostile programs get their verdict and nothing leaks.

All cases run in one subprocess, ``hostile.py``, inside a fresh PID namespace (``unshare --pid
--fork --mount-proc``): a program calling kill(-1) as root outside one would kill every process
on the machine. That needs root; elsewhere the suite is skipped, saying why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.checks.code.hostile import load_cases

ROOT = Path(__file__).resolve().parents[3]
CASES = load_cases()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("hostile programs run only in a fresh PID namespace: needs root and unshare")
    out = tmp_path_factory.mktemp("hostile") / "report.json"
    command = ["unshare", "--pid", "--fork", "--mount-proc", sys.executable]
    command += ["-m", "tests.checks.code.hostile", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    data: dict[str, Any] = json.loads(out.read_text())
    return data


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_hostile_program_gets_its_verdict_and_leaks_nothing(
    case: dict[str, Any], report: dict[str, Any]
) -> None:
    got = report["cases"][case["name"]]
    assert got["error"] is None, got["reason"]
    assert len(got["verdicts"]) == len(case["expect"]), got["reason"]
    for verdict, expected in zip(got["verdicts"], case["expect"], strict=True):
        assert verdict in expected.split("|"), got["reason"]
    assert got["leaks"] == [], "processes outlived the run"
    assert got["connections"] == 0, "a connection reached the host's listener"
    assert not got["secret_in_output"], "the host's secret reached the program"
    assert got["isolation"].startswith("bwrap+uid+cgroup-v")


def test_nothing_outside_the_sandboxes_was_touched(report: dict[str, Any]) -> None:
    assert report["sentinels_alive"], "a process outside the sandboxes was killed"
    assert not report["escaped_file"], "a program wrote to the host's /tmp"


def test_every_case_ran(report: dict[str, Any]) -> None:
    assert sorted(report["cases"]) == sorted(case["name"] for case in CASES)
