"""The committed JSON Schema and reference docs are fresh, and the shipped files satisfy them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from graders.spec.docs import render_reference
from graders.spec.schema import render_schemas

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schemas_are_fresh() -> None:
    for name, text in render_schemas().items():
        assert (ROOT / "schemas" / name).read_text() == text, (
            f"schemas/{name} is stale: run `graders schema`"
        )
    assert (ROOT / "docs/grader-types.md").read_text() == render_reference(), (
        "docs/grader-types.md is stale: run `graders schema`"
    )


GRADER_FILES = sorted([*ROOT.glob("examples/*/grader.yaml"), *ROOT.glob("examples/*/grader.json")])
TEST_FILES = sorted(ROOT.glob("examples/*/tests.yaml"))


@pytest.mark.parametrize("path", GRADER_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_example_graders_satisfy_the_schema(path: Path) -> None:
    schema = json.loads((ROOT / "schemas/grader.schema.json").read_text())
    jsonschema.validate(yaml.safe_load(path.read_text()), schema)


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_example_test_files_satisfy_the_schema(path: Path) -> None:
    schema = json.loads((ROOT / "schemas/tests.schema.json").read_text())
    jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_the_schema_rejects_what_the_loader_rejects() -> None:
    schema = json.loads((ROOT / "schemas/grader.schema.json").read_text())
    for bad in (
        {"type": "numeric"},
        {"type": "string_check", "input": "a", "reference": "b", "operation": "eqq"},
        {"type": "nope"},
        {"type": "instruction_following", "pass_threshold": 1.5},
        {
            "type": "text_similarity",
            "reference": "a",
            "evaluation_metric": "bleu",
            "pass_threshold": -1,
        },
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_the_schema_bounds_pass_threshold_only_where_scores_have_a_fixed_range() -> None:
    schema = json.loads((ROOT / "schemas/grader.schema.json").read_text())
    jsonschema.validate({"type": "instruction_following", "pass_threshold": 1}, schema)
    jsonschema.validate({"type": "constant", "score": 3, "pass_threshold": 2.5}, schema)
