"""Shared fixtures: a loader from inline YAML and a one-call grading helper."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import graders
from graders import Grader, Result

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _no_real_model_calls(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No test reaches a real provider or the user's cache: model credentials and endpoints
    from the environment are removed, and the reply cache lives in a temporary directory."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GRADERS_CACHE_DIR", str(tmp_path_factory.mktemp("graders-cache")))


@pytest.fixture
def load_yaml(tmp_path: Path) -> Callable[..., Grader]:
    """Write YAML text to a file (and any extra files) and load it as a grader."""

    def load(text: str, name: str = "grader.yaml", **files: str) -> Grader:
        for fname, body in files.items():
            (tmp_path / fname.replace("__", ".")).write_text(textwrap.dedent(body))
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return graders.load(path)

    return load


BAD_OPERATION_YAML = (
    "type: multi\n"
    "graders:\n"
    "  answer:\n"
    "    type: string_check\n"
    "    input: '{{ sample.output_text }}'\n"
    "    reference: '{{ item.answer }}'\n"
    "    operation: eqq\n"
    "  c:\n"
    "    type: contains\n"
    "    reference: '{{ itme.x }}'\n"
    "calculate_output: answer + c\n"
)
"""A grader with two mistakes, whose messages the README shows."""


def grade(config: dict[str, Any], sample: Any, item: dict[str, Any] | None = None) -> Result:
    """Load ``config`` and grade one sample synchronously."""
    return graders.load(config).grade_sync(sample, item or {})
