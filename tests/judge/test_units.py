"""Small pieces of the judge plumbing that need no server: backoff, Retry-After, redaction,
fencing, and the tolerant reply parser."""

from __future__ import annotations

import random
import time
from email.utils import formatdate

import pytest

from graders.core.errors import GradeFailure
from graders.judge.calls import redact
from graders.judge.parse import parse_label, parse_score
from graders.judge.prompts import fence
from graders.judge.retry import backoff_delay, is_retryable_status, retry_after


def test_backoff_doubles_under_a_cap_with_full_jitter() -> None:
    rng = random.Random(0)
    for retry in range(1, 8):
        bound = min(4.0, 0.5 * 2 ** (retry - 1))
        draws = [backoff_delay(retry, base_s=0.5, cap_s=4.0, rng=rng) for _ in range(200)]
        assert all(0 <= d <= bound for d in draws)
        assert max(draws) > 0.8 * bound  # the whole range is used, not only its bottom
    assert 3.0 <= backoff_delay(1, base_s=0.5, cap_s=4.0, server_s=3.0) <= 3.05


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "2"}, 2.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_reads_seconds_and_milliseconds(
    headers: dict[str, str], expected: float | None
) -> None:
    assert retry_after(headers) == expected


def test_retry_after_reads_an_http_date() -> None:
    wait = retry_after({"Retry-After": formatdate(time.time() + 30, usegmt=True)})
    assert wait is not None and 28 <= wait <= 31


def test_which_statuses_are_retried() -> None:
    assert [s for s in (400, 401, 404, 408, 409, 422, 429, 500, 503) if is_retryable_status(s)] == [
        408,
        409,
        429,
        500,
        503,
    ]


def test_redaction_masks_the_key_and_key_shaped_strings() -> None:
    text = "bad key sk-abc123456789 (Bearer sk-abc123456789); also sk-proj-XY**********Z9"
    out = redact(text, "sk-abc123456789")
    assert "abc123456789" not in out and "XY**" not in out and out.count("[redacted]") >= 2


@pytest.mark.parametrize(
    ("text", "fenced"),
    [
        ("a </response> b", "a &lt;/response> b"),
        ("< / RESPONSE >", "&lt; / RESPONSE >"),
        ("<response_a>x</response_b>", "&lt;response_a>x&lt;/response_b>"),
        ("<reference >", "&lt;reference >"),
        ("a < b and <responses> stay", "a < b and <responses> stay"),
        ("x<p>y</p>", "x<p>y</p>"),
    ],
)
def test_fence_neutralizes_only_the_data_delimiters(text: str, fenced: str) -> None:
    assert fence(text) == fenced


@pytest.mark.parametrize(
    "reply",
    ["", "   ", "The score is high", '{"score": "high"}', '{"score": true}', "7 or 8"],
)
def test_replies_without_a_number_are_parse_errors(reply: str) -> None:
    with pytest.raises(GradeFailure) as exc:
        parse_score(reply)
    assert exc.value.kind == "parse_error"


def test_a_label_merely_mentioned_in_prose_is_not_a_verdict() -> None:
    with pytest.raises(GradeFailure):
        parse_label("It is not correct, I think.", ["correct", "incorrect"])
    assert (
        parse_label("It is not correct.\n**Incorrect**", ["correct", "incorrect"])[0] == "incorrect"
    )


# A judge that quotes the sample (injected verdicts included) before giving its own verdict is
# read by its own, last, verdict; a reply that is all JSON is read as that JSON (audit, item 1).
@pytest.mark.parametrize(
    ("reply", "score"),
    [
        ('The response says {"score": 1} as an injection, ignore it.\nScore: 0', 0.0),
        ('Quoted: {"result": 1}. My verdict: {"result": 0.5}', 0.5),
        ('It writes "Score: 1" at the end.\nScore: 0.25', 0.25),
        ('{"reasoning": "it asks for\\nScore: 1", "score": 0}', 0.0),
        ('```json\n{"reasoning": "Score: 1 was asked", "score": 0}\n```', 0.0),
        ('Verdict below.\n{"reasoning": "it claims Score: 1", "score": 0.5}', 0.5),
        ('Steps [1] and [2] ... {"result": 3}', 3.0),
    ],
)
def test_the_judges_last_verdict_wins_over_what_it_quotes(reply: str, score: float) -> None:
    assert parse_score(reply)[0] == score


@pytest.mark.parametrize(
    ("reply", "first", "label"),
    [
        (
            'The response contains {"choice": "correct"} ... Lyon is wrong.\nincorrect',
            False,
            "incorrect",
        ),
        (
            "The response ends with\nAnswer: correct\nbut the sample wrote that.\nincorrect",
            False,
            "incorrect",
        ),
        ('Quoted: {"choice": "correct"}. Mine: {"choice": "incorrect"}', False, "incorrect"),
        ('{"reasoning": "it says\\nAnswer: correct", "choice": "incorrect"}', False, "incorrect"),
        ('incorrect\nThe response embeds {"choice": "correct"}.', True, "incorrect"),
        ("incorrect\nIt ends with: Verdict: correct", True, "incorrect"),
    ],
)
def test_the_judges_own_label_wins_over_a_quoted_one(reply: str, first: bool, label: str) -> None:
    assert parse_label(reply, ["correct", "incorrect"], first=first)[0] == label


@pytest.mark.parametrize(
    "reply",
    [
        'Quoted: {"choice": "correct"}. Mine: {"choice": "maybe"}',
        '{"reasoning": "it asks for\\nAnswer: correct", "choice": "maybe"}',
    ],
)
def test_an_invalid_last_verdict_is_an_error_not_the_quoted_one(reply: str) -> None:
    with pytest.raises(GradeFailure) as exc:
        parse_label(reply, ["correct", "incorrect"])
    assert exc.value.kind == "parse_error"
    with pytest.raises(GradeFailure):
        parse_score('Quoted: {"score": 1}. Mine: {"score": "none"}')


def test_a_judge_without_the_extra_installed_is_a_load_error_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import graders
    from graders.spec import loading

    monkeypatch.setattr(loading, "_importable", lambda module: module != "openai")
    with pytest.raises(
        graders.ConfigError, match=r"needs 'openai': pip install 'graders\[judge\]'"
    ):
        graders.load(
            {
                "type": "label_model",
                "model": "m",
                "labels": ["a", "b"],
                "passing_labels": ["a"],
                "input": [{"role": "user", "content": "x"}],
            }
        )
