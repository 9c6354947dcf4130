"""Agreement with the reference IFEval / IFBench checkers (the ``if-verifiable`` package, which
carries Google's IFEval code and AllenAI's IFBench code), in strict and loose modes.

Responses: every case of the unit tests, plus the same responses with an opening line, with
markdown bold, with a trailing sign-off and in upper case (variants that move strict and loose
verdicts apart). Agreement is reported per instruction type (run with ``-s`` to see the counts);
it is complete on this set. The deliberate differences are shown in their own tests below:
keywords read as literal text where the reference reads regular expressions, and a few IFBench
checkers whose bugs decide against their own instruction on rare responses.

The reference runs offline as :mod:`tests.checks.ifeval.reference` sets it up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

import graders
from tests.checks.ifeval.cases import IFEVAL_CASES, Case, variants
from tests.checks.ifeval.ifbench_cases import _PRODUCT_CSV, IFBENCH_CASES
from tests.checks.ifeval.reference import offline_reference

pytest.importorskip("if_verifiable")


@pytest.fixture(scope="module")
def reference() -> Iterator[Any]:
    with offline_reference() as common:
        yield common


def _ours(id: str, kwargs: dict[str, Any], response: str, mode: str) -> bool:
    grader = graders.load(
        {
            "type": "instruction_following",
            "instruction_id_list": [id],
            "kwargs": [kwargs],
            "mode": mode,
        }
    )
    result = grader.grade_sync(response)
    assert result.error is None, result.error
    return bool(result.passed)


def _theirs(
    common: Any, registry: Any, id: str, kwargs: dict[str, Any], response: str
) -> tuple[bool, bool]:
    results, _ = common.evaluate_instructions(response, [id], [kwargs], "", registry)
    return results[0].strict_pass, results[0].loose_pass


def _agreement(reference: Any, cases: list[Case], registry: Any) -> dict[str, list[str]]:
    disagreements: dict[str, list[str]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for id, kwargs, response, _ in cases:
        for variant in variants(response):
            strict, loose = _theirs(reference, registry, id, kwargs, variant)
            ours = (_ours(id, kwargs, variant, "strict"), _ours(id, kwargs, variant, "loose"))
            counts[id] += 2
            if ours != (strict, loose):
                disagreements[id].append(
                    f"{variant!r}: ours strict/loose {ours}, reference {(strict, loose)}"
                )
    for id in sorted(counts):
        agree = counts[id] - 2 * len(disagreements.get(id, []))
        print(f"{id}: {agree}/{counts[id]} verdicts agree")
    return dict(disagreements)


def test_ifeval_agreement_per_instruction_type(reference: Any) -> None:
    from if_verifiable.ifeval.instructions_registry import INSTRUCTION_DICT

    assert _agreement(reference, IFEVAL_CASES, INSTRUCTION_DICT) == {}


def test_ifbench_agreement_per_family(reference: Any) -> None:
    from if_verifiable.ifbench.instructions_registry import INSTRUCTION_DICT

    assert _agreement(reference, IFBENCH_CASES, INSTRUCTION_DICT) == {}


def test_the_cases_really_follow_and_break_each_family(reference: Any) -> None:
    """The reference itself says each family has a followed and a broken case."""
    from if_verifiable.ifbench.instructions_registry import INSTRUCTION_DICT as IFBENCH
    from if_verifiable.ifeval.instructions_registry import INSTRUCTION_DICT as IFEVAL

    for cases, registry in ((IFEVAL_CASES, IFEVAL), (IFBENCH_CASES, IFBENCH)):
        for id, kwargs, response, followed in cases:
            strict, _ = _theirs(reference, registry, id, kwargs, response)
            assert strict is followed, (id, response)


def test_keywords_are_literal_where_the_reference_reads_regexes(reference: Any) -> None:
    """The one disagreement by design: IFEval's reference passes keywords, forbidden words,
    postscript markers and section splitters to ``re`` unescaped. A keyword ``a.c`` then matches
    "abc", ``C++`` matches a lone "C", and ``[x`` raises ``re.error`` inside the reference.
    Dataset keywords are plain words, where both agree; we treat every kwarg as literal text so
    data cannot turn a check into a different (or crashing) pattern."""
    import re

    from if_verifiable.ifeval.instructions_registry import INSTRUCTION_DICT

    kwargs = {"keywords": ["a.c"]}
    assert _theirs(reference, INSTRUCTION_DICT, "keywords:existence", kwargs, "abc") == (True, True)
    assert _ours("keywords:existence", kwargs, "abc", "strict") is False
    assert _ours("keywords:existence", kwargs, "see a.c here", "strict") is True
    # on Python 3.11+ "C++" is a possessive "C+": the reference finds it in plain "C"
    cpp = {"keywords": ["C++"]}
    assert _theirs(reference, INSTRUCTION_DICT, "keywords:existence", cpp, "I like C") == (
        True,
        True,
    )
    assert _ours("keywords:existence", cpp, "I like C", "strict") is False
    assert _ours("keywords:existence", cpp, "I like c++", "strict") is True
    with pytest.raises(re.error):  # an unbalanced bracket breaks the reference outright
        _theirs(reference, INSTRUCTION_DICT, "keywords:existence", {"keywords": ["[x"]}, "[x")
    assert _ours("keywords:existence", {"keywords": ["[x"]}, "a [x b", "strict") is True


IFBENCH_BUGS = [
    # (id, kwargs, response, ours, the reference's strict verdict): the reference's bug
    # two blank lines in a row: it removes blank lines from the list it is iterating over
    ("format:line_indent", {}, "a\n b\n\n\n  c", True, False),
    # <em> tags measured as if they were <i>: an empty thesis, or nothing after it, passes
    ("format:thesis", {}, "<em></em> text", False, True),
    ("format:thesis", {}, "<em>Tea wins.</em>", False, True),
    # a blank line between bullets counts as text after the bullets
    (
        "format:no_bullets_bullets",
        {},
        "Tea is good. Coffee is strong.\n* tea\n\n* coffee",
        True,
        False,
    ),
    # month and day 00 are accepted
    ("custom:date_format_list", {}, "1805-00-00", False, True),
    # it returns at the first quoted special field, before looking at the rows after it
    ("custom:csv_special_character", {}, _PRODUCT_CSV + ",extra", False, True),
]


@pytest.mark.parametrize(("id", "kwargs", "response", "ours", "theirs"), IFBENCH_BUGS)
def test_ifbench_checker_bugs_are_not_copied(
    reference: Any, id: str, kwargs: dict[str, Any], response: str, ours: bool, theirs: bool
) -> None:
    """Where an IFBench checker's bug decides against its instruction, we follow the
    instruction (each check's docstring says how the reference differs)."""
    from if_verifiable.ifbench.instructions_registry import INSTRUCTION_DICT

    assert _theirs(reference, INSTRUCTION_DICT, id, kwargs, response)[0] is theirs
    assert _ours(id, kwargs, response, "strict") is ours


def test_ifbench_checker_crashes_are_verdicts(reference: Any) -> None:
    """Responses that make an IFBench checker raise get a verdict here."""
    from if_verifiable.ifbench.instructions_registry import INSTRUCTION_DICT

    with pytest.raises(IndexError):  # nothing left once digits and punctuation are stripped
        _theirs(reference, INSTRUCTION_DICT, "format:quote_unquote", {}, "42.")
    assert _ours("format:quote_unquote", {}, "42.", "strict") is True
