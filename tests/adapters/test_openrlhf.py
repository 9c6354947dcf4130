"""OpenRLHF's reward contract, as its loader and its payloads define it.

OpenRLHF's own client code drives the adapter in ``test_openrlhf_client.py`` where it is
importable; these tests replicate what its file-mode loader does and need nothing installed.
"""

from __future__ import annotations

import importlib.util
import pickle
from pathlib import Path
from typing import Any

import pytest

import graders.adapters.openrlhf as openrlhf_adapter
from graders.adapters.openrlhf import make_reward_func


def load_like_openrlhf(path: str) -> Any:
    """What OpenRLHF's SingleTurnAgentExecutor does with a ``.py`` reward URL."""
    spec = importlib.util.spec_from_file_location("reward_func", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.reward_func


def test_file_mode_reward_func(grader_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADERS_GRADER", str(grader_file))
    monkeypatch.setenv("GRADERS_EOS_TOKENS", "</s>")
    reward_func = load_like_openrlhf(openrlhf_adapter.__file__)
    out = reward_func(["Q? 12</s>", "Q? 12 and"], ["Q?", "Q?"], ["12", "12"])
    assert out["rewards"] == [1.5, 1.0]  # the second was cut off: "short" fails
    assert out["scores"] == [1.0, 0.0]
    assert out["extra_logs"]["graders/short"] == [1.0, 0.0]
    assert set(out["extra_logs"]) == {
        "graders/abstained",
        "graders/errored",
        "graders/answer",
        "graders/short",
    }


def test_file_mode_needs_the_grader_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRADERS_GRADER", raising=False)
    with pytest.raises(RuntimeError, match="GRADERS_GRADER"):
        openrlhf_adapter.reward_func(["x"], ["x"], ["x"])


def test_prompt_is_stripped_even_when_decoding_added_a_prefix(grader_file: Path) -> None:
    func = make_reward_func(grader_file, eos_tokens=["<|im_end|>"])
    out = func(["<s>user: 3+4?\nassistant: 7<|im_end|>"], ["user: 3+4?\nassistant:"], ["7"])
    assert out["rewards"] == [1.5]


def test_mapping_labels_are_items_and_abstain_reward_is_explicit(grader_file: Path) -> None:
    func = make_reward_func(grader_file, label_field="gold", abstain_reward=-0.5)
    grader = make_reward_func(
        {"type": "numeric", "reference": "{{ item.gold }}", "extract": ["last_number"]},
        label_field="gold",
    )
    assert grader(["5"], None, ["5"])["rewards"] == [1.0]
    out = func(["5", "5"], None, [{"answer": "5"}, {"answer": None}])
    assert out["rewards"] == [1.5, -0.5]
    assert out["extra_logs"]["graders/abstained"] == [0.0, 1.0]


def test_reward_func_pickles(grader_file: Path) -> None:
    func = pickle.loads(pickle.dumps(make_reward_func(grader_file, eos_tokens=["</s>"])))
    assert func(["a 3</s>"], ["a"], ["3"])["rewards"] == [1.5]


def test_without_eos_tokens_a_well_known_end_token_is_stripped_and_marks_a_stop() -> None:
    func = make_reward_func(
        {
            "type": "weighted",
            "graders": {
                "answer": {"type": "string_check", "operation": "eq", "reference": "7"},
                "stop": {"type": "length", "min": 0, "allow_truncated": False, "weight": 0.5},
            },
        }
    )
    queries = [
        "user: 3+4?<|im_end|>\nassistant:7<|im_end|><|endoftext|><|endoftext|>",
        "user: 3+4?<|eot_id|>assistant:7<|eot_id|>",
        "user: 3+4? assistant:7</s>",
        "user: 3+4? assistant:7",  # no known end token: truncation unknown, not a stop
    ]
    prompts = ["user: 3+4?<|im_end|>\nassistant:", "user: 3+4?<|eot_id|>assistant:"]
    prompts += ["user: 3+4? assistant:"] * 2
    out = func(queries, prompts, ["7"] * 4)
    assert out["rewards"] == [1.5, 1.5, 1.5, 1.5]
    samples = [s for s, _ in openrlhf_adapter.rows(queries, prompts, None, func.options)]
    assert [s.output_text for s in samples] == ["7"] * 4
    assert [s.truncated for s in samples] == [False, False, False, None]


def test_explicit_eos_tokens_replace_the_defaults(grader_file: Path) -> None:
    func = make_reward_func(grader_file, eos_tokens=["<end>"])
    out = func(["Q? 12<end>", "Q? 12<|im_end|>"], ["Q?", "Q?"], ["12", "12"])
    # "<|im_end|>" is not this model's token: the second is cut off and its text keeps it
    assert out["rewards"] == [1.5, 1.0]
    (sample, _), *_ = openrlhf_adapter.rows(["Q? 12<|im_end|>"], ["Q?"], None, func.options)
    assert sample.output_text == " 12<|im_end|>" and sample.truncated is True


def test_a_prompt_missing_from_its_query_warns_once(
    grader_file: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(openrlhf_adapter, "_warned_prompt_missing", False)
    func = make_reward_func(grader_file)
    with caplog.at_level("WARNING", logger="graders.openrlhf"):
        func(["A: 12", "B: 12", "Q? 12"], ["Q?", "Q?", "Q?"], ["12"] * 3)
        func(["A: 12"], ["Q?"], ["12"])
    warnings = [r for r in caplog.records if r.name == "graders.openrlhf"]
    assert len(warnings) == 1
    assert "query[0] does not contain its prompt" in warnings[0].getMessage()
