"""Extraction steps, one table per step; each row says what it pins."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from graders.checks.extract import ExtractionFailed, Steps, run_steps

STEPS = TypeAdapter(Steps)


def extract(steps: list[Any], value: Any) -> Any:
    return run_steps(STEPS.validate_python(steps), value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\\boxed{42}", "42"),
        ("first \\boxed{1} then corrected \\boxed{2}", "2"),  # the last answer wins
        ("\\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),  # nested braces
        ("\\boxed{ {a} }", "{a}"),
        ("\\fbox{7}", "7"),
        ("$\\boxed 4$.", "4"),  # \boxed followed by a space and a token
        ("\\boxed{x} and later \\fbox{y}", "y"),
        ("\\boxed{unclosed and \\boxed{3}", "3"),  # an unclosed one is skipped
    ],
)
def test_last_boxed(text: str, expected: str) -> None:
    assert extract(["last_boxed"], text) == expected


@pytest.mark.parametrize("text", ["no box", "\\boxed{never closed", "\\boxed"])
def test_last_boxed_finds_nothing(text: str) -> None:
    with pytest.raises(ExtractionFailed, match="extract last_boxed: no"):
        extract(["last_boxed"], text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 apples and 4 pears", "4"),
        ("The answer is 7/9.", "7/9"),  # the full stop is not a decimal point
        ("costs $1,234.50 total", "$1,234.50"),
        ("a list 1,2,3", "3"),
        ("temperature -4.5 today", "-4.5"),
        ("half is \\frac{1}{2}", "\\frac{1}{2}"),
        ("rate of 12%", "12%"),
        ("version v2 and x3y", None),  # digits inside words are not numbers
    ],
)
def test_last_number(text: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(ExtractionFailed):
            extract(["last_number"], text)
    else:
        assert extract(["last_number"], text) == expected


def test_after_think() -> None:
    assert extract(["after_think"], "<think>x</think> answer") == "answer"
    assert extract(["after_think"], "<think>a</think><think>b</think>c") == "c"
    assert extract(["after_think"], "no tags at all") == "no tags at all"
    with pytest.raises(ExtractionFailed, match="never closed"):
        extract(["after_think"], "<think>truncated reasoning 42")
    with pytest.raises(ExtractionFailed, match="no </think> found"):
        extract([{"step": "after_think", "required": True}], "plain")


def test_regex_groups_and_which() -> None:
    text = "Answer: 1\nAnswer: 2"
    assert extract([{"step": "regex", "pattern": r"Answer:\s*(\d)"}], text) == "2"
    assert extract([{"step": "regex", "pattern": r"Answer:\s*(\d)", "which": "first"}], text) == "1"
    assert (
        extract([{"step": "regex", "pattern": r"Answer:\s*(?P<n>\d)", "group": "n"}], text) == "2"
    )
    assert extract([{"step": "regex", "pattern": r"\d"}], text) == "2"
    assert (
        extract([{"step": "regex", "pattern": "answer: (.)", "flags": ["ignorecase"]}], text) == "2"
    )
    with pytest.raises(ExtractionFailed, match="no group 3"):
        extract([{"step": "regex", "pattern": "(A)", "group": 3}], text)


def test_xml_tag() -> None:
    text = "<answer>1</answer> then <answer> 2 </answer>"
    assert extract([{"step": "xml_tag", "tag": "answer"}], text) == "2"
    assert extract([{"step": "xml_tag", "tag": "answer", "which": "first"}], text) == "1"
    with pytest.raises(ExtractionFailed, match="no <final>"):
        extract([{"step": "xml_tag", "tag": "final"}], text)


def test_json_path() -> None:
    data = {"a": {"b": [{"c": 5}]}}
    assert extract([{"step": "json_path", "path": "a.b[0].c"}], data) == 5
    assert extract([{"step": "json_path", "path": "$.a.b[-1].c"}], '{"a": {"b": [{"c": 6}]}}') == 6
    with pytest.raises(ExtractionFailed, match="not found at 'x'"):
        extract([{"step": "json_path", "path": "a.x"}], data)
    with pytest.raises(ExtractionFailed, match="not valid JSON"):
        extract([{"step": "json_path", "path": "a"}], "{oops")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The answer is (B).", "B"),
        ("I think A is wrong. Answer: C", "C"),
        ("**D**", "D"),
        ("Reasoning...\nB\n", "B"),
        ("\\boxed{A}", "A"),
        ("option (a) looks right", "A"),
    ],
)
def test_choice_letter(text: str, expected: str) -> None:
    assert extract(["choice_letter"], text) == expected


def test_choice_letter_ignores_words_and_other_letters() -> None:
    with pytest.raises(ExtractionFailed, match="no choice letter"):
        extract(["choice_letter"], "A quick brown fox.")
    with pytest.raises(ExtractionFailed):
        extract(["choice_letter"], "The answer is (E).")


def test_steps_chain_in_order() -> None:
    text = "<think>\\boxed{1}</think> final \\boxed{2}"
    assert extract(["after_think", "last_boxed"], text) == "2"
