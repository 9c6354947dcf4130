"""JSON Schema for grader files and grader test files (committed under ``schemas/``).

Editors read it through a ``# yaml-language-server: $schema=...`` header to complete and check
grader files. ``graders schema`` regenerates the files; a test fails when they are stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graders.core import registry

__all__ = ["SCHEMA_FILES", "grader_schema", "render_schemas", "tests_schema"]

_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_REFERENCE = {
    "type": "object",
    "description": "A reference to a definition or file ('#/definitions/x', 'other.yaml', "
    "'other.yaml#/definitions/x'); other keys override the target's.",
    "properties": {"$ref": {"type": "string"}},
    "required": ["$ref"],
}


def _replace(node: Any, choices: list[Any], ref: str) -> Any:
    """``node`` with every ``oneOf: choices`` replaced by ``$ref: ref``."""
    if isinstance(node, dict):
        if node.get("oneOf") == choices:
            node = {k: v for k, v in node.items() if k != "oneOf"} | {"$ref": ref}
        return {k: _replace(v, choices, ref) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace(v, choices, ref) for v in node]
    return node


def grader_schema() -> dict[str, Any]:
    """The schema of a grader file: one grader node, or ``{grader, definitions}``."""
    from graders.checks.extract import STEPS

    raw = registry.any_grader().json_schema()
    defs: dict[str, Any] = raw.pop("$defs")
    union = {"oneOf": raw["oneOf"]}
    defs = _replace(defs, raw["oneOf"], "#/$defs/Grader")
    step_refs = [{"$ref": f"#/$defs/{cls.__name__}"} for cls in STEPS.values()]
    defs = _replace(defs, step_refs, "#/$defs/ExtractStep")
    for cls in registry.types().values():
        entry = defs[cls.__name__]
        entry["required"] = sorted({*entry.get("required", []), "type"})
        if cls.score_range is not None:  # editors flag a threshold the scores cannot reach
            low, high = cls.score_range
            for branch in entry["properties"]["pass_threshold"]["anyOf"]:
                if branch.get("type") == "number":
                    branch |= {"minimum": low, "maximum": high}
    for step in STEPS.values():
        entry = defs[step.__name__]
        entry["required"] = sorted({*entry.get("required", []), "step"})
    defs["Grader"] = {"anyOf": [union, {"$ref": "#/$defs/Reference"}]}
    defs["Reference"] = _REFERENCE
    defs["ExtractStep"] = {"anyOf": [{"enum": sorted(STEPS)}, {"oneOf": step_refs}]}
    defs["Document"] = {
        "type": "object",
        "properties": {
            "$schema": {"type": "string"},
            "description": {"type": "string"},
            "definitions": {"type": "object", "additionalProperties": {"$ref": "#/$defs/Grader"}},
            "grader": {"$ref": "#/$defs/Grader"},
        },
        "required": ["grader"],
        "additionalProperties": False,
    }
    return {
        "$schema": _DIALECT,
        "title": "graders grader file",
        "anyOf": [{"$ref": "#/$defs/Grader"}, {"$ref": "#/$defs/Document"}],
        "$defs": dict(sorted(defs.items())),
    }


def tests_schema() -> dict[str, Any]:
    """The schema of a grader test file."""
    from graders.testing.cases import TestSuite

    schema = TestSuite.model_json_schema(by_alias=True)
    return {"$schema": _DIALECT, "title": "graders test file", **schema}


SCHEMA_FILES = {"grader.schema.json": grader_schema, "tests.schema.json": tests_schema}


def render_schemas() -> dict[str, str]:
    """Every schema file's name and text, as committed."""
    return {
        name: json.dumps(build(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
        for name, build in SCHEMA_FILES.items()
    }


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_schemas().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
