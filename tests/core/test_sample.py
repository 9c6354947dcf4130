"""Samples: the shapes accepted, and clear errors for the rest."""

from __future__ import annotations

import re

import pytest

from graders import Sample, SampleError
from graders.core.sample import coerce_item


def test_string_shorthand_and_full_mapping() -> None:
    assert Sample.coerce("hi").output_text == "hi"
    s = Sample.coerce(
        {
            "output_text": "x",
            "output_json": {"a": 1},
            "completion_ids": [1, 2],
            "truncated": True,
            "messages": [{"role": "assistant", "content": "x"}],
        }
    )
    assert s.output_json == {"a": 1} and s.completion_ids == [1, 2] and s.truncated is True
    assert Sample.coerce(s) is s
    assert s.to_dict()["completion_ids"] == [1, 2]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (42, "sample must be a string or an object, got int"),
        ({"output_txt": "x"}, "unknown sample field 'output_txt' (did you mean 'output_text'?)"),
        ({"output_text": 3}, "sample.output_text must be a string, got int"),
        ({"completion_ids": ["a"]}, "completion_ids must be a list of integers"),
        ({"truncated": "yes"}, "sample.truncated must be true, false or null"),
    ],
)
def test_bad_samples_name_the_problem(value: object, message: str) -> None:
    with pytest.raises(SampleError, match=re.escape(message)):
        Sample.coerce(value)


def test_items() -> None:
    assert coerce_item(None) == {}
    assert coerce_item({"a": 1}) == {"a": 1}
    with pytest.raises(SampleError, match="item must be an object"):
        coerce_item([1])
