"""IFBench families on their own (no ``if-verifiable`` needed): the case table, the supported
ids, and the checks whose meaning is easy to get wrong, with the reasons they give."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import graders
from graders.checks.ifeval import INSTRUCTIONS
from graders.checks.ifeval.ifevalg import IFEVALG_IDS
from tests.checks.ifeval.cases import IFEVAL_CASES
from tests.checks.ifeval.ifbench_cases import _PRODUCT_CSV, IFBENCH_CASES

UNSUPPORTED = {"words:start_verb", "ratio:stop_words"}
"""IFBench's ids that need an NLTK model or corpus (part-of-speech tagger, stop words)."""
SUPPORTED = set(
    [
        "count:word_count_range",
        "count:unique_word_count",
        "count:conjunctions",
        "count:person_names",
        "count:numbers",
        "count:punctuation",
        "count:words_japanese",
        "count:pronouns",
        "count:keywords_multiple",
        "ratio:sentence_type",
        "ratio:sentence_balance",
        "ratio:overlap",
        "ratio:sentence_words",
        "words:alphabet",
        "words:vowel",
        "words:consonants",
        "words:palindrome",
        "words:prime_lengths",
        "words:repeats",
        "words:odd_even_syllables",
        "words:last_first",
        "words:paragraph_last_first",
        "words:no_consecutive",
        "words:keywords_specific_position",
        "words:words_position",
        "sentence:alliteration_increment",
        "sentence:keyword",
        "sentence:increment",
        "format:parentheses",
        "format:quotes",
        "format:options",
        "format:newline",
        "format:emoji",
        "format:line_indent",
        "format:quote_unquote",
        "format:list",
        "format:thesis",
        "format:sub-bullets",
        "format:no_bullets_bullets",
        "format:title_case",
        "format:output_template",
        "format:no_whitespace",
        "custom:multiples",
        "custom:mcq_count_length",
        "custom:reverse_newline",
        "custom:word_reverse",
        "custom:character_reverse",
        "custom:sentence_alphabet",
        "custom:european_capitals_sort",
        "custom:csv_city",
        "custom:csv_special_character",
        "custom:csv_quotes",
        "custom:date_format_list",
        "repeat:repeat_change",
        "repeat:repeat_simple",
        "repeat:repeat_span",
    ]
)
"""IFBench's 58 ids (its ``instructions_registry.INSTRUCTION_DICT``) less the unsupported two."""


def check(id: str, kwargs: dict[str, Any], response: str) -> tuple[bool, str]:
    grader = graders.load(
        {"type": "instruction_following", "instruction_id_list": [id], "kwargs": [kwargs]}
    )
    result = grader.grade_sync(response)
    assert result.error is None, result.error
    child = result.children[0]
    return bool(child.passed), child.reason


def test_every_model_free_ifbench_id_is_supported_and_covered() -> None:
    assert len(SUPPORTED | UNSUPPORTED) == 58
    ifeval = {case[0] for case in IFEVAL_CASES}
    assert set(INSTRUCTIONS) - ifeval - set(IFEVALG_IDS) == SUPPORTED
    for id in SUPPORTED:
        outcomes = {case[3] for case in IFBENCH_CASES if case[0] == id}
        assert outcomes == {True, False}, f"{id} needs a following and a violating case"


@pytest.mark.parametrize(
    ("id", "kwargs", "response", "followed"),
    IFBENCH_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(IFBENCH_CASES)],
)
def test_ifbench_case(id: str, kwargs: dict[str, Any], response: str, followed: bool) -> None:
    ok, reason = check(id, kwargs, response)
    assert ok is followed, reason
    assert reason


@pytest.mark.parametrize(
    ("id", "kwargs", "response", "followed", "reason"),
    [
        ("format:emoji", {}, "Tea time ☕️. Bed 😴", True, "2 sentences, each ending with an emoji"),
        ("format:emoji", {}, "Tea time. 😴 Bed 😴", True, "2 sentences, each ending with an emoji"),
        ("format:emoji", {}, "Tea ☕. Bed.", False, "sentence 2 'Bed' does not end with an emoji"),
        ("format:line_indent", {}, "a\n  b\n  c", False, "line 3 is indented 2, line 2 2"),
        ("format:line_indent", {}, "a\n b\n\n\n  c", True, "indents [0, 1, 2]"),
        ("format:thesis", {}, "<em></em> text", False, "the italic thesis is empty"),
        ("format:thesis", {}, "<i>Thesis.</i>  ", False, "no text after the thesis"),
        (
            "count:person_names",
            {"N": 2},
            "Avalon and Leonardo",
            True,
            "2 listed names; needs at least 2",
        ),
        ("count:person_names", {"N": 1}, "emma", False, "0 listed names; needs at least 1"),
        ("words:odd_even_syllables", {}, "happy water", False, "'happy' and 'water' are both even"),
        ("custom:date_format_list", {}, "1800-02-30", False, "1800-02-30 is not a date"),
        (
            "custom:date_format_list",
            {},
            "1850-01-01",
            False,
            "1850-01-01: the year is not in 1769-1821",
        ),
        ("custom:date_format_list", {}, "1800-02-29, 1769-08-15", True, "every date in YYYY-MM-DD"),
        ("custom:european_capitals_sort", {}, "Paris", False, "1 names; needs 27"),
        ("custom:csv_special_character", {}, _PRODUCT_CSV + ",6", False, "a row has not 5 fields"),
        ("custom:word_reverse", {}, "Eagle bald.", True, "one sentence in reverse word order"),
        (
            "repeat:repeat_span",
            {"prompt_to_repeat": "One Two three four", "n_start": 0, "n_end": 2},
            "one two",
            True,
            "the span repeated",
        ),
        (
            "words:keywords_specific_position",
            {"keyword": "tea", "n": 3, "m": 1},
            "Hi. I like tea.",
            False,
            "2 sentences; no sentence 3",
        ),
    ],
)
def test_ifbench_checks_and_reasons(
    id: str, kwargs: dict[str, Any], response: str, followed: bool, reason: str
) -> None:
    assert check(id, kwargs, response) == (followed, reason)


def test_new_kwargs_are_validated_at_load() -> None:
    with pytest.raises(graders.ConfigError, match="missing kwarg 'n_end'"):
        graders.load(
            {
                "type": "instruction_following",
                "instruction_id_list": ["repeat:repeat_span"],
                "kwargs": [{"prompt_to_repeat": "a b c", "n_start": 1}],
            }
        )
    with pytest.raises(graders.ConfigError, match="kwarg N=-1 must be a non-negative integer"):
        graders.load(
            {
                "type": "instruction_following",
                "instruction_id_list": ["count:person_names"],
                "kwargs": [{"N": -1}],
            }
        )


@pytest.fixture
def without_emoji_and_syllapy(monkeypatch: pytest.MonkeyPatch) -> None:
    from graders.checks.ifeval.grader import _bind_row

    monkeypatch.setitem(sys.modules, "emoji", None)  # import and find_spec now fail
    monkeypatch.setitem(sys.modules, "syllapy", None)
    _bind_row.cache_clear()


@pytest.mark.usefixtures("without_emoji_and_syllapy")
def test_only_rows_using_emoji_or_syllapy_need_them() -> None:
    grader = graders.load(
        {
            "type": "instruction_following",
            "instruction_id_list": ["punctuation:no_comma", "format:newline"],
        }
    )
    assert grader.grade_sync("one\ntwo").score == 1.0
    for id, package in (("format:emoji", "emoji"), ("words:odd_even_syllables", "syllapy")):
        message = rf"{id}: needs the '{package}' package: pip install 'graders\[ifeval\]'"
        with pytest.raises(graders.ConfigError, match=message):
            graders.load({"type": "instruction_following", "instruction_id_list": [id]})
        result = graders.load({"type": "instruction_following"}).grade_sync(
            "Hi 😀", {"instruction_id_list": [id], "kwargs": [{}]}
        )
        assert result.error is not None and package in result.error.message


def test_emoji_and_syllapy_are_in_the_extra_and_not_required_by_every_row() -> None:
    from graders.checks.ifeval.grader import InstructionFollowing

    assert "emoji" not in InstructionFollowing.requires
    assert "syllapy" not in InstructionFollowing.requires
    assert INSTRUCTIONS["format:emoji"].requires == ("emoji",)
    assert INSTRUCTIONS["words:odd_even_syllables"].requires == ("syllapy",)


ROOT = Path(__file__).resolve().parents[3]


def test_an_unknown_id_says_where_the_supported_ids_are_listed() -> None:
    with pytest.raises(graders.ConfigError) as info:
        graders.load({"type": "instruction_following", "instruction_id_list": ["custom:haiku"]})
    message = str(info.value)
    assert "unknown instruction id 'custom:haiku'; the supported ids are listed under " in message
    assert "instruction_following in docs/grader-types.md" in message
    near = grade_row(["format:thesiss"])
    assert near.error is not None
    assert (
        near.error.message
    ) == "unknown instruction id 'format:thesiss' (did you mean 'format:thesis'?)"


def grade_row(ids: list[str]) -> Any:
    grader = graders.load({"type": "instruction_following"})
    return grader.grade_sync("text", {"instruction_id_list": ids, "kwargs": [{}] * len(ids)})


def test_the_reference_and_the_readme_list_every_supported_id() -> None:
    reference = (ROOT / "docs" / "grader-types.md").read_text()
    section = reference[reference.index("## `instruction_following`") :]
    for id in INSTRUCTIONS:
        assert f"`{id}`" in section
    readme = (ROOT / "README.md").read_text()
    paragraph = readme[readme.index("All 25 IFEval instruction types") :]
    paragraph = " ".join(paragraph[: paragraph.index("\n\n")].split())
    for id in SUPPORTED:
        family, name = id.split(":")
        assert f"`{family}:`" in paragraph and f"`{name}`" in paragraph, id
    assert "56 of IFBench's 58 families" in paragraph
    for id in UNSUPPORTED:
        assert f"`{id}`" in paragraph and f"`{id}`" in section
