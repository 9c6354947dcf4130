"""OpenAI's score_model and label_model against a real local server, through openai and litellm."""

from __future__ import annotations

import json
from typing import Any

import pytest

import graders
from graders.testing.openai_server import OpenAIServer, Reply, Request
from tests.judge.conftest import PROVIDERS, Script, endpoint, grade, model

# An OpenAI grader JSON as its docs write it: content parts, a name, every sampling param.
OPENAI_SCORE_JSON = """{
  "type": "score_model",
  "name": "Example score model grader",
  "input": [
    {"role": "developer", "content": "Score the answer against the reference, 0 to 1."},
    {"role": "user", "type": "message", "content": [
      {"type": "input_text", "text": "Reference answer: {{item.reference_answer}}"},
      {"type": "input_text", "text": "\\nModel answer: {{sample.output_text}}"}
    ]}
  ],
  "model": "gpt-5-mini",
  "range": [0, 1],
  "pass_threshold": 0.6,
  "sampling_params": {"temperature": 1, "top_p": 1, "seed": 42,
                      "max_completions_tokens": 512, "reasoning_effort": "low"}
}"""


def score_config(provider: str, server: OpenAIServer, **more: Any) -> dict[str, Any]:
    return {
        "type": "score_model",
        "model": model(provider),
        "input": [
            {"role": "system", "content": "Rate the answer."},
            {"role": "user", "content": "Q: {{ item.q }}\nA: {{ sample.output_text }}"},
        ],
        "endpoint": endpoint(provider, server),
        **more,
    }


@PROVIDERS
def test_score_model_scores_with_the_models_number(
    provider: str, server: OpenAIServer, script: Script
) -> None:
    script.reply = lambda r: '{"reasoning": "mostly right", "result": 0.8}'
    result = grade(score_config(provider, server, pass_threshold=0.5), "Paris", {"q": "Capital?"})
    assert (result.score, result.passed, result.error) == (0.8, True, None)
    details = result.details or {}
    assert details["reasoning"] == "mostly right"
    assert details["usage"]["calls"] == 1 and details["usage"]["prompt_tokens"] > 0
    body = server.chat_requests[0].body
    assert body["messages"][1]["content"] == "Q: Capital?\nA: Paris"
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["reasoning", "result"]


def test_openai_grader_json_loads_unchanged_and_means_the_same(
    server: OpenAIServer, script: Script, tmp_path: Any
) -> None:
    path = tmp_path / "grader.json"
    path.write_text(OPENAI_SCORE_JSON)
    script.reply = lambda r: '{"reasoning": "same words", "result": 1}'
    grader = graders.load(path)
    result = grader.grade_sync("fuzzy wuzzy", {"reference_answer": "fuzzy wuzzy"})
    grader.close()
    assert (result.score, result.passed, result.name) == (1.0, True, "Example score model grader")
    body = server.chat_requests[0].body
    assert body["model"] == "gpt-5-mini"
    assert body["messages"][0]["role"] == "system"  # developer is sent as system
    assert (
        body["messages"][1]["content"] == "Reference answer: fuzzy wuzzy\nModel answer: fuzzy wuzzy"
    )
    sent = {k: body[k] for k in ("temperature", "top_p", "seed", "max_completion_tokens")}
    assert sent == {"temperature": 1, "top_p": 1, "seed": 42, "max_completion_tokens": 512}
    assert body["reasoning_effort"] == "low"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Score: 7", 7.0),
        ("I weighed it.\nRating = 4/10", 4.0),
        ('```json\n{"score": 9}\n```', 9.0),
        ("3", 3.0),
        ('Sure. {"result": 6.5, "reasoning": "ok"} Hope that helps.', 6.5),
    ],
)
def test_score_model_reads_text_replies(
    reply: str, expected: float, server: OpenAIServer, script: Script
) -> None:
    script.reply = lambda r: reply
    result = grade(score_config("openai", server, range=[0, 10]), "x", {"q": "q"})
    assert result.score == expected


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("I cannot decide.", "no score found"),
        ('{"result": 11}', "outside range [0, 10]"),
        ('{"result": -1}', "outside range [0, 10]"),
    ],
)
def test_an_unreadable_or_out_of_range_reply_is_a_parse_error_not_a_score(
    reply: str, message: str, server: OpenAIServer, script: Script
) -> None:
    script.reply = lambda r: reply
    result = grade(score_config("openai", server, range=[0, 10]), "x", {"q": "q"})
    assert result.score is None and result.error is not None
    assert result.error.kind == "parse_error" and message in result.error.message
    assert (result.details or {})["usage"]["calls"] == 1  # what the call spent is still shown


def test_an_endpoint_without_structured_output_is_asked_again_without_it(
    server: OpenAIServer, script: Script
) -> None:
    def reply(request: Request) -> Reply | str:
        if "response_format" in request.body:
            return Reply.error(400, "response_format is not supported by this model")
        return "Score: 0.5"

    script.reply = reply
    config = score_config("openai", server)
    grader = graders.load(config)
    first = grader.grade_sync("a", {"q": "q"})
    second = grader.grade_sync("b", {"q": "q"})
    grader.close()
    assert (first.score, second.score) == (0.5, 0.5)
    with_format = [r for r in server.chat_requests if "response_format" in r.body]
    assert len(with_format) == 1  # remembered for the rest of the run


def test_sample_text_is_data_not_a_template(server: OpenAIServer, script: Script) -> None:
    script.reply = lambda r: "Score: 1"
    grade(
        score_config("openai", server), "{{ 7*7 }} {% if true %}x{% endif %}", {"q": "{{ item }}"}
    )
    content = server.chat_requests[0].body["messages"][1]["content"]
    assert content == "Q: {{ item }}\nA: {{ 7*7 }} {% if true %}x{% endif %}"


def label_config(provider: str, server: OpenAIServer) -> dict[str, Any]:
    return {
        "type": "label_model",
        "model": model(provider),
        "input": [{"role": "user", "content": "Sentiment of: {{ sample.output_text }}"}],
        "labels": ["positive", "neutral", "negative"],
        "passing_labels": ["positive", "neutral"],
        "endpoint": endpoint(provider, server),
    }


@PROVIDERS
@pytest.mark.parametrize(
    ("reply", "score", "label"),
    [
        ('{"reasoning": "glad", "label": "positive"}', 1.0, "positive"),
        ("It is flat.\nLabel: Neutral", 1.0, "neutral"),
        ("negative", 0.0, "negative"),
    ],
)
def test_label_model_passes_the_passing_labels(
    provider: str, reply: str, score: float, label: str, server: OpenAIServer, script: Script
) -> None:
    script.reply = lambda r: reply
    result = grade(label_config(provider, server), "I love it")
    assert result.score == score and result.passed is (score == 1.0)
    assert (result.details or {})["label"] == label
    schema = server.chat_requests[0].body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["label"]["enum"] == ["positive", "neutral", "negative"]


def test_label_model_refuses_a_label_it_was_not_offered(
    server: OpenAIServer, script: Script
) -> None:
    script.reply = lambda r: '{"label": "ecstatic"}'
    result = grade(label_config("openai", server), "I love it")
    assert result.score is None and result.error is not None
    assert result.error.kind == "parse_error"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"passing_labels": ["great"]}, "passing_labels: 'great' is not one of labels"),
        ({"labels": ["a", "a"], "passing_labels": ["a"]}, "has duplicates"),
    ],
)
def test_label_model_config_errors_fail_at_load(change: dict[str, Any], message: str) -> None:
    config = {
        "type": "label_model",
        "model": "m",
        "input": [{"role": "user", "content": "x"}],
        "labels": ["good", "bad"],
        "passing_labels": ["good"],
    } | change
    with pytest.raises(graders.ConfigError, match=message):
        graders.load(config)


def test_score_model_range_must_be_ordered() -> None:
    with pytest.raises(graders.ConfigError, match=r"range=\[1.0, 0.0\] must be \[low, high\]"):
        graders.load(
            {
                "type": "score_model",
                "model": "m",
                "range": [1, 0],
                "input": [{"role": "user", "content": "x"}],
            }
        )


def test_without_an_endpoint_or_key_the_judge_abstains_with_a_clear_error() -> None:
    result = grade(
        {"type": "score_model", "model": "m", "input": [{"role": "user", "content": "x"}]}, "y"
    )
    assert result.score is None and result.error is not None
    assert "no API key: set OPENAI_API_KEY" in result.error.message


def test_images_and_audio_parts_are_sent_as_chat_content_parts(
    server: OpenAIServer, script: Script
) -> None:
    config = score_config("openai", server)
    config["input"] = [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Does the caption fit? {{ sample.output_text }}"},
                {"type": "input_image", "image_url": "{{ item.url }}", "detail": "low"},
                {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
            ],
        }
    ]
    grade(config, "a cat", {"url": "https://example.invalid/cat.png"})
    parts = server.chat_requests[0].body["messages"][-1]["content"]
    assert [p["type"] for p in parts] == ["text", "image_url", "input_audio"]
    assert parts[1]["image_url"] == {"url": "https://example.invalid/cat.png", "detail": "low"}
    assert json.dumps(parts[2]["input_audio"]) == '{"data": "AAAA", "format": "wav"}'


def test_a_reply_cut_at_the_token_limit_says_so(server: OpenAIServer, script: Script) -> None:
    def cut(request: Request) -> Reply:
        body = {
            "id": "x",
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "length",
                    "message": {"role": "assistant", "content": '{"reasoning": "Long tho'},
                }
            ],
            "usage": {"prompt_tokens": 5, "completion_tokens": 3},
        }
        return Reply(body=body)

    script.reply = cut
    result = grade(score_config("openai", server), "x", {"q": "q"})
    assert result.error is not None and result.error.kind == "parse_error"
    assert "cut off at the token limit" in result.error.message
