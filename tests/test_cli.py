"""The command line: validate, schema, grade, explain, test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graders.cli import app

runner = CliRunner(env={"COLUMNS": "200"})
ROOT = Path(__file__).resolve().parents[1]
GSM8K = ROOT / "examples/gsm8k"


def test_validate_ok_and_every_problem(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["validate", str(GSM8K / "grader.yaml"), str(GSM8K / "tests.yaml")])
    assert ok.exit_code == 0, ok.output
    assert "ok  " in ok.output and "(8 cases)" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("type: numeric\nrefrence: x\n")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:1:1 $: missing required field 'reference'" in result.output
    assert (
        f"{bad}:2:1 $.refrence: unknown field 'refrence' (did you mean 'reference'?)"
        in result.output
    )


def test_grade_writes_one_line_per_input_line_and_a_summary(tmp_path: Path) -> None:
    samples = tmp_path / "s.jsonl"
    samples.write_text(
        '{"sample": "#### 5", "item": {"answer": "#### 5"}}\n'
        "not json\n"
        "\n"
        '{"sample": "#### 6", "item": {"answer": "#### 5"}}\n'
        '{"sample": "#### 6"}\n'
        '["a list"]\n'
        '{"sample": {"output_txt": "#### 5"}, "item": {"answer": "#### 5"}}\n'
        '{"sample": "#### 5", "item": ["not", "an", "object"]}\n'
    )
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["grade", str(GSM8K / "grader.yaml"), str(samples), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["reward"] for line in lines] == [1.0, None, 0.0, None, None, None, None]
    assert lines[1]["result"]["error"]["kind"] == "bad_sample"
    assert "line 2: invalid JSON" in lines[1]["result"]["error"]["message"]
    assert lines[3]["result"]["error"]["kind"] == "template_error"
    assert f"{samples}:2: skipped: invalid JSON" in result.output
    assert f"{samples}:6: skipped: expected an object" in result.output
    assert (
        f"{samples}:7: skipped: unknown sample field 'output_txt' (did you mean 'output_text'?)"
        in result.output
    )
    assert f"{samples}:8: skipped: " in result.output
    assert "line 7: unknown sample field" in lines[5]["result"]["error"]["message"]
    for label, value in [
        ("rows", "7"),
        ("scored", "2"),
        ("errored", "1"),
        ("skipped (bad lines)", "4"),
        ("mean reward", "0.5000"),
    ]:
        assert any(
            label in row and row.rstrip(" │").endswith(value) for row in result.output.splitlines()
        ), label


def test_grade_main_example_prints_the_summary() -> None:
    result = runner.invoke(app, ["grade", str(GSM8K / "grader.yaml"), str(GSM8K / "samples.jsonl")])
    assert result.exit_code == 0, result.output
    assert "mean reward" in result.output and "0.8000" in result.output


def test_grade_with_a_bad_grader_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "g.yaml"
    bad.write_text("type: nope\n")
    result = runner.invoke(app, ["grade", str(bad), str(GSM8K / "samples.jsonl")])
    assert result.exit_code == 2
    assert "unknown grader type 'nope'" in result.output


def test_explain_prints_the_tree(tmp_path: Path) -> None:
    sample = tmp_path / "one.json"
    sample.write_text(
        json.dumps({"sample": "<think>a</think><answer>17</answer>", "item": {"answer": "17"}})
    )
    grader = ROOT / "examples/format_answer/grader.yaml"
    result = runner.invoke(app, ["explain", str(grader), str(sample)])
    assert result.exit_code == 0, result.output
    for text in ("weighted", "$.graders.answer", "17 == 17", "tag_format"):
        assert text in result.output
    as_json = runner.invoke(app, ["explain", str(grader), str(sample), "--json"])
    assert json.loads(as_json.output)["score"] == 1.2
    line3 = runner.invoke(
        app, ["explain", str(grader), str(grader.parent / "samples.jsonl"), "--line", "3"]
    )
    assert "missing <think>" in line3.output


def test_test_command_reports_pass_and_fail(tmp_path: Path) -> None:
    passing = runner.invoke(app, ["test", str(GSM8K / "tests.yaml")])
    assert passing.exit_code == 0 and "8 passed, 0 failed" in passing.output
    suite = tmp_path / "tests.yaml"
    suite.write_text(
        f"grader: {GSM8K / 'grader.yaml'}\n"
        "cases:\n"
        "  - {name: right, sample: '#### 3', item: {answer: '#### 3'}, expect: {reward: 1}}\n"
        "  - {name: wrongly expected, sample: '#### 3', item: {answer: '#### 4'},\n"
        "     expect: {reward: 1}}\n"
    )
    failing = runner.invoke(app, ["test", str(suite)])
    assert failing.exit_code == 1
    assert "FAIL" in failing.output and "reward: expected 1, got 0" in failing.output
    assert "1 passed, 1 failed" in failing.output


def test_schema_check_detects_staleness(tmp_path: Path) -> None:
    fresh = runner.invoke(
        app,
        [
            "schema",
            "--check",
            "--directory",
            str(ROOT / "schemas"),
            "--reference",
            str(ROOT / "docs/grader-types.md"),
        ],
    )
    assert fresh.exit_code == 0, fresh.output
    stale = runner.invoke(
        app,
        [
            "schema",
            "--check",
            "--directory",
            str(tmp_path),
            "--reference",
            str(tmp_path / "ref.md"),
        ],
    )
    assert stale.exit_code == 1 and "stale" in stale.output
    written = runner.invoke(
        app, ["schema", "--directory", str(tmp_path), "--reference", str(tmp_path / "ref.md")]
    )
    assert written.exit_code == 0
    assert (tmp_path / "grader.schema.json").read_text() == (
        ROOT / "schemas/grader.schema.json"
    ).read_text()


def test_schema_finds_the_checkout_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["schema", "--check"])
    assert result.exit_code == 0, result.output
    assert str(ROOT / "schemas" / "grader.schema.json") in result.output
    assert list(tmp_path.iterdir()) == []  # nothing written where it was run
