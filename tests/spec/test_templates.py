"""Templates: compiled at load, strict at render, and model output is never a template."""

from __future__ import annotations

import pickle
import re

import pytest

import graders
from graders import ConfigError
from graders.core.context import GradeContext, Runtime
from graders.core.errors import GradeFailure
from graders.core.sample import Sample
from graders.spec.templates import Template


def ctx(sample: object = "", item: dict[str, object] | None = None) -> GradeContext:
    return GradeContext(Sample.coerce(sample), item or {}, Runtime())


def test_constant_path_expression_and_mixed_templates() -> None:
    c = ctx("out", {"a": {"b": [10, 20]}, "n": 3, "name": "Ada"})
    assert Template("plain").render_value(c) == "plain"
    assert Template("{{ item.a.b }}").render_value(c) == [10, 20]
    assert Template("{{ item.a.b[1] }}").render_value(c) == 20
    assert Template("{{ item.n * 2 }}").render_value(c) == 6
    assert Template("{{ item['name'] }}").render_value(c) == "Ada"
    assert Template("Hi {{ item.name }}, {{ item.a }}").render_text(c) == 'Hi Ada, {"b": [10, 20]}'
    assert Template("{{ item.n }}").render_text(c) == "3"


def test_model_output_is_data_never_a_template() -> None:
    c = ctx("{{ 7*7 }} {% for x in range(3) %}x{% endfor %}")
    assert Template("{{ sample.output_text }}").render_text(c) == (
        "{{ 7*7 }} {% for x in range(3) %}x{% endfor %}"
    )
    assert Template("<<{{ sample.output_text }}>>").render_text(c) == (
        "<<{{ 7*7 }} {% for x in range(3) %}x{% endfor %}>>"
    )


def test_missing_values_are_template_errors_with_the_fields_that_exist() -> None:
    c = ctx("", {"answer": 1, "question": "q"})
    with pytest.raises(GradeFailure) as exc:
        Template("{{ item.gold }}").render_value(c)
    assert exc.value.kind == "template_error"
    assert exc.value.message == "item.gold is undefined (item has fields: answer, question)"
    with pytest.raises(GradeFailure, match="no attribute 'gold'") as exc:
        Template("{{ item.gold | upper }}").render_value(c)
    assert exc.value.kind == "template_error"
    with pytest.raises(GradeFailure):
        Template("x {{ item.gold }}").render_text(c)


def test_output_json_is_parsed_from_text_only_when_used() -> None:
    c = ctx('{"a": {"b": 5}}')
    assert Template("{{ sample.output_json.a.b }}").render_value(c) == 5
    with pytest.raises(GradeFailure, match="output_json"):
        Template("{{ sample.output_json.a }}").render_value(ctx("not json"))


def test_sandbox_blocks_unsafe_attribute_access() -> None:
    with pytest.raises(GradeFailure):
        Template("{{ item.__class__.__mro__ }}").render_value(ctx("", {"x": 1}))


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ itm.x }}", "unknown template variable 'itm' (did you mean 'item'?)"),
        (
            "{{ sample.output_txt }}",
            "unknown sample field 'sample.output_txt' (did you mean 'sample.output_text'?)",
        ),
        ("{{ item.x ", "template syntax error"),
        ("{{ item.x | lowr }}", "template error: unknown filter 'lowr' (did you mean 'lower'?)"),
        ("{{ item.x is nosuchtest }}", "template error: unknown test 'nosuchtest'"),
        ("{% for x in item.xs %}{{ x | nope }}{% endfor %}", "unknown filter 'nope'"),
    ],
)
def test_bad_templates_fail_at_load(source: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        graders.load({"type": "contains", "reference": source})


def test_templates_pickle_and_compare_by_source() -> None:
    t = Template("{{ item.a }}")
    assert pickle.loads(pickle.dumps(t)) == t
    assert hash(Template("x")) == hash(Template("x"))
    assert repr(t) == "Template('{{ item.a }}')"


def test_render_is_cached_per_sample() -> None:
    c = ctx("abc")
    t = Template("{{ sample.output_text | upper }}")
    first = t.render_value(c)
    c.variables["sample"]["output_text"] = "changed"
    assert t.render_value(c) == first == "ABC"


@pytest.mark.parametrize(
    "source",
    [
        "Q: {{ item.q }}\nA: {{ sample.output_text }}\n",
        "{{ item.q }}{{ item.n }}",
        "a {{- item.n -}}  b {{ item.l }} {{ item['q'] }}",
        "{{ item.none }} and {{ item.l[1] }}",
    ],
)
def test_text_around_plain_paths_renders_as_jinja_does(source: str) -> None:
    from graders.spec.templates import _ENV, _TEMPLATE

    variables = {
        "item": {"q": "why {{ 7*7 }}?", "n": 3.5, "l": [1, {"x": "y"}], "none": None},
        "sample": {"output_text": "because"},
    }
    template = Template(source)
    assert template._kind != _TEMPLATE, "should not need Jinja"
    assert template.render(variables) == _ENV.from_string(source).render(variables)


@pytest.mark.parametrize(
    "source", ["{{ 'x' * 1000000000 }}", "{{ item.n * 'ab' }}", "{{ 10 ** 100000000 }}"]
)
def test_huge_products_are_refused_not_computed(source: str) -> None:
    # a CPU-bound expression would block the grading thread where no timeout can stop it
    result = graders.load({"type": "equals", "reference": source}).grade_sync("x", {"n": 10**9})
    assert result.error is not None and result.error.kind == "template_error"
    assert "SecurityError" in result.error.message
    assert result.elapsed_s is not None and result.elapsed_s < 1


def test_ordinary_products_still_work() -> None:
    grader = graders.load({"type": "equals", "reference": "{{ 'ab' * item.n }}{{ 2 ** 3 }}"})
    assert grader.grade_sync("ababab8", {"n": 3}).score == 1.0
