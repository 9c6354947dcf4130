"""Each instruction type with following and violating responses; load and sample errors."""

from __future__ import annotations

from typing import Any

import pytest

import graders
from graders.checks.ifeval import INSTRUCTIONS
from tests.checks.ifeval.cases import IFEVAL_CASES

IFEVAL_IDS = sorted({case[0] for case in IFEVAL_CASES})


def grade(ids: list[str], kwargs: list[dict[str, Any]], response: str, **options: Any) -> Any:
    grader = graders.load({"type": "instruction_following", **options})
    return grader.grade_sync(response, {"instruction_id_list": ids, "kwargs": kwargs})


def test_all_25_ifeval_types_are_known_and_covered() -> None:
    assert len(IFEVAL_IDS) == 25
    assert set(IFEVAL_IDS) <= set(INSTRUCTIONS)
    for id in IFEVAL_IDS:
        outcomes = {case[3] for case in IFEVAL_CASES if case[0] == id}
        assert outcomes == {True, False}, f"{id} needs a following and a violating case"


@pytest.mark.parametrize(
    ("id", "kwargs", "response", "followed"),
    IFEVAL_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(IFEVAL_CASES)],
)
def test_instruction(id: str, kwargs: dict[str, Any], response: str, followed: bool) -> None:
    result = grade([id], [kwargs], response)
    assert result.error is None, result.error
    child = result.children[0]
    assert child.passed is followed, child.reason
    assert child.name == id and child.reason
    assert result.score == float(followed)


def test_reasons_say_what_was_counted() -> None:
    result = grade(
        ["punctuation:no_comma", "length_constraints:number_words"],
        [{}, {"relation": "at least", "num_words": 300}],
        "One, two, three.",
    )
    reasons = [c.reason for c in result.children]
    assert reasons == ["found 2 commas", "3 words; needs at least 300"]
    assert result.reason.startswith("0/2 instructions followed (strict)")
    assert result.children[1].path == "$.instruction_id_list[1]"


def test_fraction_and_all_or_nothing_rewards() -> None:
    ids = ["punctuation:no_comma", "startend:quotation"]
    partial = grade(ids, [{}, {}], "no commas")
    strict_all = grade(ids, [{}, {}], "no commas", reward="all")
    assert partial.score == 0.5 and partial.passed is False
    assert strict_all.score == 0.0
    assert grade(ids, [{}, {}], '"no commas"', reward="all").score == 1.0


def test_loose_mode_tries_ifevals_variants() -> None:
    response = 'Sure, here it is:\n"*The* whole answer."'
    strict = grade(["startend:quotation", "punctuation:no_comma"], [{}, {}], response)
    loose = grade(["startend:quotation", "punctuation:no_comma"], [{}, {}], response, mode="loose")
    assert strict.score == 0.0
    assert loose.score == 1.0
    assert loose.children[0].details == {"loose_variant": "without the first line"}
    assert "(without the first line)" in loose.children[1].reason


def test_loose_results_carry_the_strict_verdicts() -> None:
    ids = ["startend:quotation", "punctuation:no_comma", "change_case:english_lowercase"]
    for response in [
        'Sure, here it is:\n"*the* whole answer."',
        '"the whole, answer."',
        "plain text here",
        "Sure:\nthe whole answer",
        "",
    ]:
        strict = grade(ids, [{}, {}, {}], response)
        loose = grade(ids, [{}, {}, {}], response, mode="loose")
        assert loose.details["strict_followed"] == strict.details["followed"], response
        assert "strict_followed" not in strict.details
    assert loose.details["strict_followed"] == 0 and loose.details["followed"] == 0


def test_loose_mode_strips_markdown_asterisks() -> None:
    response = "**Title**\n\nBody text without the marker"
    kwargs = [{"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "title"}]
    ids = ["length_constraints:nth_paragraph_first_word"]
    assert grade(ids, kwargs, response).score == 0.0
    assert grade(ids, kwargs, response, mode="loose").score == 1.0


def test_empty_response_follows_nothing() -> None:
    result = grade(
        ["punctuation:no_comma", "keywords:forbidden_words"],
        [{}, {"forbidden_words": ["x"]}],
        "   \n",
        mode="loose",
    )
    assert result.score == 0.0
    assert {c.reason for c in result.children} == {"empty response"}


def test_ifeval_dataset_rows_with_null_kwargs_load_as_is() -> None:
    # rows of google/IFEval list every kwarg name, null where unused
    row_kwargs = {"num_words": 3, "relation": "at least", "keywords": None, "language": None}
    assert grade(["length_constraints:number_words"], [row_kwargs], "a b c").score == 1.0


def test_extract_after_think_drops_the_reasoning() -> None:
    grader = graders.load(
        {
            "type": "instruction_following",
            "instruction_id_list": ["punctuation:no_comma"],
            "extract": ["after_think"],
        }
    )
    assert grader.grade_sync("<think>hmm, well, ok</think>Final answer.").score == 1.0
    assert (
        graders.load(
            {"type": "instruction_following", "instruction_id_list": ["punctuation:no_comma"]}
        )
        .grade_sync("<think>hmm, well</think>Final answer.")
        .score
        == 0.0
    )


@pytest.mark.parametrize(
    ("ids", "kwargs", "message"),
    [
        (
            ["punctuation:no_comas"],
            [{}],
            "unknown instruction id 'punctuation:no_comas' (did you mean 'punctuation:no_comma'?)",
        ),
        (
            ["length_constraints:number_words"],
            [{"num_words": 10}],
            "length_constraints:number_words: missing kwarg 'relation'; expected kwargs num_words: "
            "a non-negative integer, relation: 'less than' or 'at least'",
        ),
        (
            ["length_constraints:number_words"],
            [{"num_words": 10, "relation": "more than"}],
            "kwarg relation='more than' must be 'less than' or 'at least'",
        ),
        (
            ["length_constraints:number_words"],
            [{"num_words": "ten", "relation": "at least"}],
            "kwarg num_words='ten' must be a non-negative integer",
        ),
        (["punctuation:no_comma"], [{"comma": 1}], "unexpected kwarg 'comma'; expected no kwargs"),
        (
            ["language:response_language"],
            [{"language": "english"}],
            "language='english' must be a language code",
        ),
        (
            ["keywords:letter_frequency"],
            [{"letter": "ab", "let_frequency": 1, "let_relation": "at least"}],
            "must be one letter",
        ),
        (
            ["punctuation:no_comma", "startend:quotation"],
            [{}],
            "instruction_id_list has 2 ids but kwargs has 1 objects",
        ),
    ],
)
def test_bad_rows_are_sample_errors_naming_the_id(
    ids: list[str], kwargs: list[dict[str, Any]], message: str
) -> None:
    result = grade(ids, kwargs, "anything")
    assert result.score is None and result.error is not None
    assert result.error.kind == "bad_instructions"
    assert message in result.error.message


def test_bad_instructions_written_in_the_config_fail_at_load() -> None:
    with pytest.raises(graders.ConfigError) as info:
        graders.load(
            {
                "type": "instruction_following",
                "instruction_id_list": ["detectable_format:title", "keywords:existence"],
                "kwargs": [{}, {"keywords": "ocean"}],
            }
        )
    assert "keywords:existence: kwarg keywords='ocean' must be a list of strings" in str(info.value)


def test_json_encoded_columns_are_read() -> None:
    grader = graders.load({"type": "instruction_following"})
    item = {"instruction_id_list": '["punctuation:no_comma"]', "kwargs": "[{}]"}
    assert grader.grade_sync("fine", item).score == 1.0


def test_very_long_response_is_fast_enough_to_grade() -> None:
    response = ("A sentence without commas. " * 4000).strip()
    result = grade(
        [
            "punctuation:no_comma",
            "length_constraints:number_sentences",
            "length_constraints:number_words",
        ],
        [
            {},
            {"num_sentences": 4000, "relation": "at least"},
            {"num_words": 10000, "relation": "at least"},
        ],
        response,
    )
    assert result.score == 1.0, result.format_tree()
