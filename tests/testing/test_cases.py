"""Loading grader test files: their problems are located, named as test-file problems, and
unknown keys get a did-you-mean from the test file's own models."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders.core.errors import ConfigError
from graders.testing.cases import load_suite


def _problems(tmp_path: Path, text: str) -> str:
    path = tmp_path / "g.tests.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_suite(path)
    return str(err.value).replace(str(path), "F")


def test_unknown_keys_of_a_test_file_suggest_the_nearest_field(tmp_path: Path) -> None:
    text = _problems(
        tmp_path,
        "grader: {type: contains, reference: a}\n"
        "cases:\n"
        "  - name: x\n"
        "    sample: a\n"
        "    expect: {rewrd: 1}\n"
        "    itme: {}\n",
    )
    assert text.startswith("2 problems in grader test file:")
    assert "F:5:14 $.cases[0].expect.rewrd: unknown field 'rewrd' (did you mean 'reward'?)" in text
    assert "F:6:5 $.cases[0].itme: unknown field 'itme' (did you mean 'item'?)" in text


def test_a_missing_grader_file_is_a_test_file_problem(tmp_path: Path) -> None:
    text = _problems(
        tmp_path, "grader: nowhere.yaml\ncases:\n  - {name: x, sample: a, expect: {reward: 1}}\n"
    )
    assert text.startswith("1 problem in grader test file:")
    assert "grader file not found" in text
