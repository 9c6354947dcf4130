"""Loading: YAML and JSON, every problem at once with file:line:col and JSON path, $ref reuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import graders
from graders import ConfigError
from graders.spec.problems import PLANNED_TYPES
from tests.conftest import BAD_OPERATION_YAML


def problems(exc: pytest.ExceptionInfo[ConfigError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_the_issue_message_shape_is_pinned(tmp_path: Path) -> None:
    path = tmp_path / "grader.yaml"
    path.write_text(BAD_OPERATION_YAML)
    with pytest.raises(ConfigError) as exc:
        graders.load(path)
    assert problems(exc)[0] == (
        f"{path}:7:16 $.graders.answer.operation: unknown operation 'eqq' "
        "(did you mean 'eq'?); expected one of eq, ne, like, ilike"
    )


def test_every_problem_is_reported_at_once_in_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a planned type of its own, so the test holds whichever families have landed
    monkeypatch.setitem(PLANNED_TYPES, "future_type", "a future family")
    path = tmp_path / "g.yaml"
    path.write_text(
        "type: weighted\n"  # 1
        "graders:\n"  # 2
        "  a:\n"  # 3
        "    type: numeric\n"  # 4
        "    referenc: '{{ item.answer }}'\n"  # 5
        "  b:\n"  # 6
        "    type: tag_fromat\n"  # 7
        "  c:\n"  # 8
        "    type: contains\n"  # 9
        "    reference: '{{ itme.x }}'\n"  # 10
        "  d:\n"  # 11
        "    type: regex\n"  # 12
        "    pattern: '(unclosed'\n"  # 13
        "  e:\n"  # 14
        "    type: numeric\n"  # 15
        "    reference: '1'\n"  # 16
        "    extract: [last_numbr]\n"  # 17
        "  f:\n"  # 18
        "    type: future_type\n"  # 19
    )
    with pytest.raises(ConfigError) as exc:
        graders.load(path)
    got = problems(exc)
    assert got == [
        f"{path}:4:5 $.graders.a: missing required field 'reference'",
        f"{path}:5:5 $.graders.a.referenc: unknown field 'referenc' (did you mean 'reference'?)",
        f"{path}:7:11 $.graders.b.type: unknown grader type 'tag_fromat' "
        "(did you mean 'tag_format'?)",
        f"{path}:10:16 $.graders.c.reference: unknown template variable 'itme' "
        "(did you mean 'item'?); templates may read item, sample",
        f"{path}:13:14 $.graders.d.pattern: invalid regex '(unclosed': missing ) at position 9",
        f"{path}:17:15 $.graders.e.extract[0]: unknown extract step 'last_numbr' "
        "(did you mean 'last_number'?)",
        f"{path}:19:11 $.graders.f.type: grader type 'future_type' (an OpenAI grader type) is "
        "not available in this version of graders; it comes with a future family",
    ]


def test_json_problems_carry_lines_too(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text(
        json.dumps(
            {
                "type": "string_check",
                "input": "x",
                "reference": "y",
                "operation": "like",
                "extra_field": 1,
            },
            indent=2,
        )
    )
    with pytest.raises(ConfigError) as exc:
        graders.load(path)
    assert problems(exc) == [f"{path}:6:3 $.extra_field: unknown field 'extra_field'"]


def test_invalid_yaml_and_json_syntax_are_located(tmp_path: Path) -> None:
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("type: contains\nreference: [unclosed\n")
    with pytest.raises(ConfigError) as exc:
        graders.load(bad_yaml)
    assert problems(exc)[0].startswith(f"{bad_yaml}:3:1 $: invalid YAML")
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"type": "contains",\n "reference": }')
    with pytest.raises(ConfigError) as exc:
        graders.load(bad_json)
    assert problems(exc) == [f"{bad_json}:2:15 $: invalid JSON: Expecting value"]


def test_duplicate_yaml_keys_are_problems_not_silent_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("type: contains\nreference: a\nreference: b\n")
    with pytest.raises(ConfigError) as exc:
        graders.load(path)
    assert problems(exc) == [f"{path}:3:1 $.reference: duplicate key 'reference'"]


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read file"):
        graders.load(tmp_path / "nope.yaml")


def test_impossible_combinations_raise_at_load() -> None:
    with pytest.raises(ConfigError, match="on_error='fallback' needs a fallback score"):
        graders.load({"type": "constant", "score": 1, "on_error": "fallback"})
    with pytest.raises(ConfigError, match="scoring='linear' needs a scale"):
        graders.load({"type": "numeric", "reference": "1", "scoring": "linear"})
    with pytest.raises(ConfigError, match="graders must hold at least one grader"):
        graders.load({"type": "mean", "graders": {}})


def test_pass_threshold_outside_a_types_scores_fails_at_load(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(
        "type: weighted\n"  # 1
        "graders:\n"  # 2
        "  sim:\n"  # 3
        "    type: text_similarity\n"  # 4
        "    reference: '{{ item.answer }}'\n"  # 5
        "    evaluation_metric: fuzzy_match\n"  # 6
        "    pass_threshold: 1.5\n"  # 7
        "  ifs:\n"  # 8
        "    type: instruction_following\n"  # 9
        "    pass_threshold: -0.1\n"  # 10
        "  big:\n"  # 11
        "    type: constant\n"  # 12
        "    score: 3\n"  # 13
        "    pass_threshold: .nan\n"  # 14
    )
    with pytest.raises(ConfigError) as exc:
        graders.load(path)
    assert problems(exc) == [
        f"{path}:7:21 $.graders.sim.pass_threshold: pass_threshold=1.5 is outside the scores "
        "text_similarity gives, [0, 1]",
        f"{path}:10:21 $.graders.ifs.pass_threshold: pass_threshold=-0.1 is outside the scores "
        "instruction_following gives, [0, 1]",
        f"{path}:14:21 $.graders.big.pass_threshold: pass_threshold=nan must be a finite number",
    ]


def test_pass_threshold_bounds_and_types_without_a_fixed_range_load() -> None:
    for threshold in (0, 0.5, 1):
        graders.load({"type": "instruction_following", "pass_threshold": threshold})
    # a constant (or a formula, or a judge's own range) may score outside [0, 1]
    assert (
        graders.load({"type": "constant", "score": 3, "pass_threshold": 2.5}).grade_sync("x").passed
    )


def test_definitions_and_refs_with_overrides(load_yaml) -> None:
    grader = load_yaml(
        """
        definitions:
          answer: {type: numeric, reference: "{{ item.answer }}", extract: [last_number]}
        grader:
          type: weighted
          graders:
            a: {$ref: "#/definitions/answer", weight: 2}
            b: {$ref: "#/definitions/answer"}
        """
    )
    result = grader.grade_sync("so 42", {"answer": "42"})
    assert result.score == 3.0
    assert [c.path for c in result.children] == ["$.graders.a", "$.graders.b"]


def test_refs_into_other_files_and_whole_files(load_yaml) -> None:
    grader = load_yaml(
        """
        type: mean
        graders:
          fmt: {$ref: "common.yaml#/definitions/think"}
          len: {$ref: "length.yaml"}
        """,
        common__yaml="""
        definitions:
          think: {type: tag_format, tags: [think, answer]}
        grader: {type: constant, score: 0}
        """,
        length__yaml="{type: length, unit: words, max: 5}",
    )
    assert grader.grade_sync("<think>a</think><answer>b</answer>").score == 1.0


def test_problems_inside_referenced_files_point_at_that_file(load_yaml, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load_yaml(
            """
            type: mean
            graders:
              a: {$ref: "other.yaml#/definitions/x"}
            """,
            other__yaml="""
            definitions:
              x: {type: contains, referenc: y}
            grader: {type: constant, score: 1}
            """,
        )
    got = problems(exc)
    other = tmp_path / "other.yaml"
    assert (
        f"{other}:3:23 $.graders.a.referenc: unknown field 'referenc' "
        "(did you mean 'reference'?)" in got
    )


def test_bad_refs_are_reported(load_yaml) -> None:
    with pytest.raises(ConfigError) as exc:
        load_yaml(
            """
            definitions:
              loop: {$ref: "#/definitions/loop"}
            grader:
              type: mean
              graders:
                a: {$ref: "#/definitions/missing"}
                b: {$ref: "missing.yaml"}
                c: {$ref: "#/definitions/loop"}
                d: {type: contains, referenc: x}
            """
        )
    text = "\n".join(problems(exc))
    assert "$ref target not found: '#/definitions/missing' (definitions: loop)" in text
    assert "$ref file not found: 'missing.yaml'" in text
    assert "circular $ref" in text
    assert "unknown field 'referenc'" in text  # other problems still reported


def test_unknown_document_keys(load_yaml) -> None:
    with pytest.raises(ConfigError, match="unknown document key 'graderz'"):
        load_yaml("grader: {type: constant, score: 1}\ngraderz: 1\n")


def test_openai_grader_json_loads_unchanged() -> None:
    spec = {
        "type": "multi",
        "name": "m",
        "graders": {
            "g1": {
                "type": "string_check",
                "name": "g1",
                "input": "{{ sample.output_text }}",
                "reference": "{{ item.ref }}",
                "operation": "ilike",
            },
        },
        "calculate_output": "g1 * 2",
    }
    grader = graders.load(spec)
    assert grader.grade_sync("I say HELLO", {"ref": "hello"}).score == 2.0
    assert grader.spec.model_dump(mode="json", by_alias=True, exclude_unset=True) == spec


def test_loads_text_yaml_and_json() -> None:
    assert graders.loads("{type: constant, score: 3}").grade_sync("x").score == 3.0
    assert graders.loads('{"type": "constant", "score": 4}', fmt="json").grade_sync("").score == 4.0


def test_an_unknown_list_item_names_its_list(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text("type: regex\npattern: a\nflags: [multiline, ignorcase]\n")
    with pytest.raises(ConfigError) as err:
        graders.load(path)
    assert (
        f"{path}:3:20 $.flags[1]: unknown value 'ignorcase' in 'flags' "
        "(did you mean 'ignorecase'?); expected one of"
    ) in str(err.value)


@pytest.mark.parametrize(
    ("formula", "hint"), [("mni(a, 1)", "'min'"), ("sq(a)", "'sqrt'"), ("frobnicate(a)", None)]
)
def test_unknown_formula_functions_suggest_the_nearest(formula: str, hint: str | None) -> None:
    config = {
        "type": "multi",
        "graders": {"a": {"type": "constant", "score": 1}},
        "calculate_output": formula,
    }
    with pytest.raises(ConfigError) as err:
        graders.load(config)
    name = formula.split("(")[0]
    assert f"unknown function {name!r}" in str(err.value)
    if hint is None:
        assert "did you mean" not in str(err.value)
    else:
        assert f"(did you mean {hint}?)" in str(err.value)


def test_paths_in_a_document_with_definitions_are_document_paths(load_yaml) -> None:
    with pytest.raises(ConfigError) as err:
        load_yaml(
            """\
            definitions:
              ok: {type: contains, reference: a}
            grader:
              type: mean
              graders:
                missing: {$ref: "#/definitions/nope"}
                bad: {type: regex, pattern: a, tagz: 1}
            """
        )
    text = str(err.value)
    assert "$.grader.graders.missing['$ref']: $ref target not found" in text
    assert "$.grader.graders.bad.tagz: unknown field 'tagz'" in text
