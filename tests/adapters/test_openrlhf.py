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
