"""Rules every registered grader type must follow, checked over the whole registry."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
import yaml

import graders
from graders.core import registry
from graders.spec.base import GraderSpec
from graders.spec.problems import PLANNED_TYPES

ROOT = Path(__file__).resolve().parents[2]
TYPES = registry.types()


def test_the_registry_holds_the_builtin_families() -> None:
    assert {"string_check", "multi", "numeric", "weighted", "gate", "cascade"} <= set(TYPES)
    assert not set(TYPES) & set(PLANNED_TYPES), "a planned type is registered: drop it"


@pytest.mark.parametrize("tag", sorted(TYPES))
def test_every_type_is_documented(tag: str) -> None:
    cls = TYPES[tag]
    assert cls.__doc__ and cls.__doc__.strip(), f"{tag} has no docstring"
    for name, info in cls.model_fields.items():
        if name == "type":
            continue
        assert info.description, f"{tag}.{name} has no attribute docstring"
    assert f"## `{tag}`" in (ROOT / "docs/grader-types.md").read_text()


@pytest.mark.parametrize("tag", sorted(TYPES))
def test_every_type_has_a_schema_entry(tag: str) -> None:
    schema = json.loads((ROOT / "schemas/grader.schema.json").read_text())
    entry = schema["$defs"][TYPES[tag].__name__]
    assert entry["properties"]["type"]["const"] == tag
    assert "type" in entry["required"]


@pytest.mark.parametrize("tag", sorted(TYPES))
def test_every_example_loads_round_trips_pickles_and_grades(tag: str) -> None:
    cls = TYPES[tag]
    assert cls.example.get("type") == tag, f"{tag} needs an example of itself"
    grader = graders.load(cls.example)
    dumped = grader.spec.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert graders.load(dumped).spec == grader.spec
    assert graders.load(json.loads(json.dumps(dumped))).spec == grader.spec
    clone = pickle.loads(pickle.dumps(grader))
    assert clone.spec == grader.spec
    item = {"answer": "42", "aliases": ["forty-two"]}
    sample = "<think>so</think><answer>42</answer> \\boxed{42} #### 42 Please"
    first, second = grader.grade_sync(sample, item), clone.grade_sync(sample, item)
    assert first.to_dict() | {"elapsed_ms": 0} == second.to_dict() | {"elapsed_ms": 0} or (
        first.score == second.score
    )
    assert first.type == tag


@pytest.mark.parametrize("tag", sorted(TYPES))
def test_every_type_is_used_in_the_examples_or_golden_tests(tag: str) -> None:
    files = [
        *ROOT.glob("examples/**/*.yaml"),
        *ROOT.glob("examples/**/*.json"),
        *ROOT.glob("tests/**/*.tests.yaml"),
    ]
    used = set()
    for path in files:
        data = yaml.safe_load(path.read_text())
        used |= {m for m in _types_in(data)}
    assert tag in used, f"no example or golden test uses {tag!r}"


def _types_in(data: object) -> set[str]:
    found: set[str] = set()
    if isinstance(data, dict):
        if isinstance(data.get("type"), str):
            found.add(data["type"])
        for value in data.values():
            found |= _types_in(value)
    elif isinstance(data, list):
        for value in data:
            found |= _types_in(value)
    return found


def test_repr_shows_the_construction() -> None:
    spec = graders.load({"type": "contains", "reference": "x", "normalize": ["lowercase"]}).spec
    assert (
        repr(spec) == "Contains(type='contains', normalize=('lowercase',), reference=Template('x'))"
    )


def test_registering_a_duplicate_tag_is_refused() -> None:
    class Impostor(GraderSpec):
        type: str = "contains"

    with pytest.raises(ValueError, match="already registered"):
        registry.register(Impostor)


def test_types_registered_later_are_accepted_inside_composites() -> None:
    from tests.core.fakes import fake_types

    graders.load({"type": "mean", "graders": {"a": {"type": "constant", "score": 1}}})
    for _ in range(2):  # register, unregister, register again: each rebuild sees the new set
        with fake_types():
            grader = graders.load({"type": "mean", "graders": {"a": {"type": "test_counter"}}})
            assert grader.grade_sync("x").score == 1.0
        with pytest.raises(graders.ConfigError, match="unknown grader type 'test_counter'"):
            graders.load({"type": "mean", "graders": {"a": {"type": "test_counter"}}})


def test_plugins_register_through_the_entry_point_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from importlib.metadata import EntryPoint

    good = EntryPoint("fakes", "tests.core.plugin_module", registry.ENTRY_POINT_GROUP)
    broken = EntryPoint("broken", "tests.core.no_such_module", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [good, broken])
    try:
        with pytest.warns(RuntimeWarning, match="plugin 'broken'"):
            registry._load_plugins()
        assert graders.load({"type": "test_plugin_type"}).grade_sync("x").score == 0.5
    finally:
        registry.unregister("test_plugin_type")
