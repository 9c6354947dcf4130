"""IFEvalG's 29 training constraints (open-instruct's ``open_instruct/IFEvalG``): the id list,
following and breaking responses, reasons, load errors, and agreement with the reference.

IFEvalG is not on PyPI, so the agreement tests run only where ``GRADERS_IFEVALG_REFERENCE``
names an open-instruct checkout (they were run against commit e6c3044 before this was
committed); without one they are skipped, and the hand-written cases below carry the reference's
verdicts: every case in :data:`IFEVALG_CASES` was checked against it, and
:data:`IFEVALG_DIFFERENCES` lists where we decide otherwise on purpose, each with its reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import graders
from graders.checks.ifeval import INSTRUCTIONS
from graders.checks.ifeval.ifevalg import IFEVALG_IDS
from graders.checks.ifeval.table import UNSUPPORTED
from tests.checks.ifeval.cases import IFEVAL_CASES, variants
from tests.checks.ifeval.ifevalg_cases import IFEVALG_CASES, IFEVALG_DIFFERENCES

REFERENCE_IDS = {
    *("copy:repeat_phrase", "copy:copy", "copy:copying_simple", "copy:copying_multiple"),
    *("new:copy_span_idx", "paragraphs:paragraphs", "paragraphs:paragraphs2"),
    *("detectable_format:sentence_hyphens", "detectable_format:square_brackets"),
    "detectable_format:bigram_wrapping",
    *("keywords:no_adjacent_consecutive", "keywords:word_once", "keywords:exclude_word_harder"),
    *("keywords:word_count_different_numbers", "keywords:palindrome", "keywords:start_end"),
    "keywords:keyword_specific_position",
    *("first_word:first_word_sent", "first_word:first_word_answer"),
    *("last_word:last_word_sent", "last_word:last_word_answer"),
    *("punctuation:punctuation_dot", "punctuation:punctuation_exclamation"),
    *("count:lowercase_counting", "count:counting_composition", "count:count_unique"),
    *("count:count_increment_word", "letters:letter_counting", "letters:letter_counting2"),
}
"""IFEvalG's ``INSTRUCTION_DICT`` less IFEval's 25 (its commented-out ids, such as
``keywords:key_sentences``, are not in it)."""


def check(id: str, kwargs: dict[str, Any], response: str, mode: str = "strict") -> Any:
    grader = graders.load(
        {"type": "instruction_following", "instruction_id_list": [id], "kwargs": [kwargs]}
        | {"mode": mode}
    )
    result = grader.grade_sync(response)
    assert result.error is None, result.error
    return result.children[0]


def test_all_54_ifevalg_ids_are_supported_and_covered() -> None:
    assert len(REFERENCE_IDS) == 29 and set(IFEVALG_IDS) == REFERENCE_IDS
    assert len(IFEVALG_IDS) == len(set(IFEVALG_IDS))
    assert {case[0] for case in IFEVAL_CASES} | REFERENCE_IDS <= set(INSTRUCTIONS)
    for id in REFERENCE_IDS:
        outcomes = {case[3] for case in IFEVALG_CASES if case[0] == id}
        assert outcomes == {True, False}, f"{id} needs a following and a violating case"


@pytest.mark.parametrize(
    ("id", "kwargs", "response", "followed"),
    IFEVALG_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(IFEVALG_CASES)],
)
def test_ifevalg_case(id: str, kwargs: dict[str, Any], response: str, followed: bool) -> None:
    child = check(id, kwargs, response)
    assert child.passed is followed, child.reason
    assert child.name == id and child.reason


@pytest.mark.parametrize(
    ("id", "kwargs", "response", "ours", "theirs"),
    IFEVALG_DIFFERENCES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(IFEVALG_DIFFERENCES)],
)
def test_where_the_reference_decides_against_its_instruction_we_follow_the_instruction(
    id: str, kwargs: dict[str, Any], response: str, ours: bool, theirs: bool
) -> None:
    assert ours is not theirs
    child = check(id, kwargs, response)
    assert child.passed is ours, child.reason


@pytest.mark.parametrize(
    ("id", "kwargs", "response", "reason"),
    [
        ("copy:repeat_phrase", {"phrase": "a b c d", "small_n": 3}, "a x c d", "appears 1 times"),
        (
            "copy:repeat_phrase",
            {"phrase": "a b c d", "small_n": 1},
            "a b x y d",
            "repetition 1 has 5 words; the phrase 4",
        ),
        ("copy:copying_multiple", {"prompt_to_repeat": "Hi", "N": 3}, "Hi ****** Hi", "2 parts"),
        ("keywords:word_once", {"keyword": "tea"}, "tea tea", "'tea' appears 2 times"),
        ("keywords:exclude_word_harder", {"keyword": "tea"}, "Tea!", "uses 'Tea'"),
        ("first_word:first_word_sent", {"first_word": "tea"}, "Tea. So tea.", "sentence 2 starts"),
        ("last_word:last_word_answer", {"last_word": "tea"}, "tea time", "ends with 'time'"),
        ("paragraphs:paragraphs", {}, "a\n***\n***\nb", "an empty paragraph between ***"),
        ("paragraphs:paragraphs2", {}, "a\n\nb\n\nc", "3 paragraphs; needs 2"),
        ("detectable_format:bigram_wrapping", {}, "<<a b>> c d", "'c d' is not a wrapped"),
        ("detectable_format:square_brackets", {}, "[a] b", "'b' is not in square brackets"),
        ("punctuation:punctuation_dot", {}, "a. b.", "found 2 dots"),
        ("count:lowercase_counting", {"N": 1}, "a b C", "2 lowercase words; needs at most 1"),
        ("letters:letter_counting", {"N": 3, "relation": "at least"}, "é ab", "2 letters a-z"),
        ("count:count_unique", {}, "Tea, TEA", "'tea' appears 2 times"),
        (
            "count:counting_composition",
            {"n_sent": 1, "n_words": 2},
            "a b\n***\nc d\n***\ne f g",
            "paragraph 3 sentence 1 has 3 words; needs 2",
        ),
        (
            "keywords:palindrome",
            {},
            "Was it a car or a cat I saw?",
            "'Was it a car or a cat I saw?'",
        ),
        ("keywords:start_end", {}, "Tea or coffee", "starts with 'Tea', ends with 'coffee'"),
        ("keywords:no_adjacent_consecutive", {}, "big (cat)", "'big' then '(cat)'"),
    ],
)
def test_reasons_say_what_was_found(
    id: str, kwargs: dict[str, Any], response: str, reason: str
) -> None:
    child = check(id, kwargs, response)
    assert child.passed is ("palindrome" in id), child.reason
    assert reason in child.reason


@pytest.mark.parametrize(
    ("id", "kwargs", "response", "followed"),
    [
        # other scripts: words and sentences are not ASCII-only, the letter rules are
        ("first_word:first_word_answer", {"first_word": "café"}, "«Café», s'il vous plaît.", True),
        ("last_word:last_word_sent", {"last_word": "茶"}, "我喜欢 茶.", True),
        ("detectable_format:square_brackets", {}, "[茶] [は] [いい]", True),
        ("keywords:no_adjacent_consecutive", {}, "Ábel bought", True),
        ("keywords:palindrome", {}, "Ésé", True),
        ("keywords:palindrome", {}, "It grew 2.82% in 1991.", False),  # numbers are not words
        ("count:count_unique", {}, "Straße STRASSE", True),  # casefold is not applied
        ("punctuation:punctuation_exclamation", {}, "¡Hola", True),  # "¡" is not "!"
        # markdown
        ("last_word:last_word_answer", {"last_word": "tea"}, "Drink **tea**", True),
        ("detectable_format:square_brackets", {}, "**[a]**", False),
        ("paragraphs:paragraphs", {}, "# Tea\n\n***\n\n# Coffee", True),
        # nothing to go on
        ("keywords:start_end", {}, "Tea", False),
        ("first_word:first_word_sent", {"first_word": "tea"}, "...", False),
        ("count:counting_composition", {"n_sent": 1, "n_words": 1}, "***", False),
    ],
)
def test_unicode_markdown_and_degenerate_responses(
    id: str, kwargs: dict[str, Any], response: str, followed: bool
) -> None:
    child = check(id, kwargs, response)
    assert child.passed is followed, child.reason


@pytest.mark.parametrize("id", sorted(REFERENCE_IDS))
def test_an_empty_response_follows_nothing(id: str) -> None:
    kwargs = next(case[1] for case in IFEVALG_CASES if case[0] == id)
    child = check(id, kwargs, "  \n")
    assert child.passed is False and child.reason == "empty response"


def test_loose_mode_drops_a_preamble_line_and_markdown() -> None:
    kwargs = {"first_word": "tea"}
    response = "Sure, here it is:\nTea is calm."
    assert check("first_word:first_word_answer", kwargs, response).passed is False
    loose = check("first_word:first_word_answer", kwargs, response, mode="loose")
    assert loose.passed is True and loose.reason.endswith("(without the first line)")
    bold = check("keywords:start_end", {}, "**Tea is what I want, tea**", mode="loose")
    assert bold.passed is True and "asterisks" in bold.reason


@pytest.mark.parametrize(
    ("id", "kwargs", "message"),
    [
        ("copy:repeat_phrase", {"phrase": "a b", "small_n": 2}, "phrase must have 3 or more"),
        ("copy:repeat_phrase", {"phrase": "a b c"}, "missing kwarg 'small_n'"),
        ("copy:repeat_phrase", {"phrase": "a b c", "small_n": 0}, "small_n=0 must be a positive"),
        ("copy:copy", {"prompt_to_repeat": " "}, "prompt_to_repeat must not be blank"),
        ("copy:copying_simple", {}, "missing kwarg 'prompt_to_repeat'"),
        ("copy:copying_multiple", {"prompt_to_repeat": "x", "N": 1.5}, "N=1.5 must be a positive"),
        (
            "new:copy_span_idx",
            {"prompt_to_repeat": "abc", "n_start": 2, "n_end": 9},
            "needs n_start < n_end <= 3",
        ),
        (
            "new:copy_span_idx",
            {"prompt_to_repeat": "a   b", "n_start": 1, "n_end": 2},
            "the span 1..2 of prompt_to_repeat is blank",
        ),
        ("first_word:first_word_sent", {"first_word": "two words"}, "must be one word"),
        ("last_word:last_word_answer", {"last_word": "..."}, "must be one word"),
        ("keywords:word_once", {"keyword": ""}, "keyword must not be blank"),
        ("count:count_increment_word", {"keyword1": "a"}, "missing kwarg 'keyword2'"),
        ("count:counting_composition", {"n_sent": 2, "n_words": 0}, "n_words=0 must be a"),
        ("letters:letter_counting", {"N": 3, "relation": "most"}, "'less than' or 'at least'"),
        ("letters:letter_counting2", {"letter": "ab", "let_frequency": 1}, "one letter a-z"),
        ("keywords:palindrome", {"N": 3}, "unexpected kwarg 'N'; expected no kwargs"),
    ],
)
def test_bad_kwargs_are_load_errors_naming_the_id(
    id: str, kwargs: dict[str, Any], message: str
) -> None:
    config = {"type": "instruction_following", "instruction_id_list": [id], "kwargs": [kwargs]}
    with pytest.raises(graders.ConfigError, match=id) as info:
        graders.load(config)
    assert message in str(info.value)
    row = graders.load({"type": "instruction_following"}).grade_sync(
        "text", {"instruction_id_list": [id], "kwargs": [kwargs]}
    )
    assert row.error is not None and message in row.error.message


def test_the_docs_list_every_ifevalg_id_and_the_unsupported_ids_say_why() -> None:
    root = Path(__file__).resolve().parents[3]
    readme = (root / "README.md").read_text()
    paragraph = readme[readme.index("All 25 IFEval instruction types") :]
    paragraph = " ".join(paragraph[: paragraph.index("\n\n")].split())
    for id in REFERENCE_IDS:
        family, name = id.split(":")
        assert f"`{family}:`" in paragraph or f"`{id}`" in paragraph, id
        assert f"`{name}`" in paragraph or f"`{id}`" in paragraph, id
    reference = (root / "docs" / "grader-types.md").read_text()
    assert "- IFEvalG (29): " in reference
    for id, why in UNSUPPORTED.items():
        with pytest.raises(graders.ConfigError, match=f"{id} is not supported: {why}"):
            graders.load({"type": "instruction_following", "instruction_id_list": [id]})


# -- agreement with the reference (needs an open-instruct checkout) --------------------------


@pytest.fixture(scope="module")
def reference() -> Iterator[tuple[Any, Any]]:
    pytest.importorskip("if_verifiable")
    from tests.checks.ifeval.reference import IFEVALG_ENV, ifevalg_registry, offline_reference

    with offline_reference() as common:
        registry = ifevalg_registry()
        if registry is None:
            pytest.skip(f"set {IFEVALG_ENV} to an allenai/open-instruct checkout")
        yield common, registry


def _theirs(reference: tuple[Any, Any], id: str, kwargs: dict[str, Any], response: str) -> Any:
    common, registry = reference
    results, _ = common.evaluate_instructions(response, [id], [kwargs], "", registry)
    return results[0].strict_pass, results[0].loose_pass


def test_the_reference_gives_every_case_its_verdict(reference: tuple[Any, Any]) -> None:
    for id, kwargs, response, followed in IFEVALG_CASES:
        assert _theirs(reference, id, kwargs, response)[0] is followed, (id, response)
    for id, kwargs, response, _, theirs in IFEVALG_DIFFERENCES:
        assert _theirs(reference, id, kwargs, response)[0] is theirs, (id, response)


VARIANT_DIFFERENCES = {
    # markdown before a word: "**Drinking Earl" starts with "*" there, so d-e goes unseen
    ("keywords:no_adjacent_consecutive", "**Drinking Earl Grey tea.**"),
    # the keyword in another case is still the keyword
    ("keywords:exclude_word_harder", "I DRINK TEA EVERY DAY."),
    # "**Tea" is the word Tea in bold (the reference agrees in loose mode)
    ("first_word:first_word_sent", "**Tea is calm. TEA is warm! tea rules?**"),
    ("first_word:first_word_answer", "**Tea is what I drink.**"),
    ("last_word:last_word_sent", "**I love tea. You love tea!**"),
    # asterisks are not words, so they neither repeat nor lengthen a sentence
    ("count:count_unique", "**Tea calms me**"),
    (
        "count:counting_composition",
        "**Tea is very calm\n***\nCoffee is too loud\n***\nMilk is quite soft**",
    ),
    # the reference takes "*" ... "*" for the same first and last word
    ("keywords:start_end", "**Tea is what I want, tea**"),
    ("keywords:start_end", "**Tea is what I want, tea.**"),
    ("keywords:start_end", "**Tea is what I want**"),
}
"""Where the deliberate differences show up in the case variants (strict or loose verdict)."""


def test_strict_and_loose_agree_with_the_reference_on_case_variants(
    reference: tuple[Any, Any],
) -> None:
    """Each case as written, after an opening line, in bold, before a sign-off and in upper
    case: both verdicts agree except where a deliberate difference applies."""
    differ = set()
    for id, kwargs, response, _ in IFEVALG_CASES:
        for variant in variants(response):
            ours = tuple(check(id, kwargs, variant, mode).passed for mode in ("strict", "loose"))
            if ours != _theirs(reference, id, kwargs, variant):
                differ.add((id, variant))
    assert differ == VARIANT_DIFFERENCES
