"""Every example in the README runs: Python blocks execute, YAML graders load, commands succeed."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import graders
from graders.cli import app
from tests.conftest import BAD_OPERATION_YAML

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, flags=re.S)


def _blocks(lang: str) -> list[str]:
    return [body for kind, body in BLOCKS if kind == lang]


def _commands() -> list[str]:
    out = []
    for body in _blocks("bash"):
        for line in body.splitlines():
            # the README's first command installs, then runs graders from the venv
            command = line.split("&& .venv/bin/", 1)[-1] if "&& .venv/bin/graders" in line else line
            if command.startswith("graders "):
                out.append(command)
    return out


def test_the_readme_opens_with_the_two_commands() -> None:
    main = re.search(r"<!-- main-command -->\n```bash\n(.*?)\n```", README, flags=re.S)
    tests = re.search(r"<!-- test-command -->\n```bash\n(.*?)\n```", README, flags=re.S)
    assert main and "graders grade examples/" in main.group(1)
    assert tests and "pytest" in tests.group(1)
    assert (
        README.index("<!-- main-command -->")
        < README.index("<!-- test-command -->")
        < (README.index("## "))
    )


@pytest.mark.parametrize("command", _commands())
def test_readme_commands_succeed(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, shlex.split(command)[1:])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("code", _blocks("python"))
def test_readme_python_runs(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(code, "README.md", "exec"), {})  # our own documentation, not model output


@pytest.mark.parametrize("text", _blocks("yaml"))
def test_readme_yaml_is_valid(text: str, tmp_path: Path) -> None:
    data = yaml.safe_load(text)
    if "cases" in data:
        from graders.testing.cases import TestSuite

        TestSuite.model_validate(data)
    else:
        graders.load(data)


def test_readme_error_examples_are_real(tmp_path: Path) -> None:
    shown = re.search(r"```text\n(.*?)```", README, flags=re.S)
    assert shown is not None
    path = tmp_path / "grader.yaml"
    path.write_text(BAD_OPERATION_YAML)
    with pytest.raises(graders.ConfigError) as exc:
        graders.load(path)
    got = [str(p).replace(str(path), "grader.yaml") for p in exc.value.problems]
    assert got == shown.group(1).strip().splitlines()
