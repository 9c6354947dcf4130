"""verl's reward contract, driven through verl's own loader and reward-loop worker (0.9)."""

from __future__ import annotations

import asyncio
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graders.adapters import verl as verl_adapter
from graders.adapters.verl import compute_score, verl_rows, write_parquet

from .conftest import ANSWER_SHORT_GRADER

OTHER_GRADER = """\
type: weighted
graders:
  exact: {type: equals, reference: "{{ item.answer }}", normalize: [strip]}
"""


@pytest.fixture
def two_graders(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "math.yaml").write_text(ANSWER_SHORT_GRADER, encoding="utf-8")
    (tmp_path / "text.yaml").write_text(OTHER_GRADER, encoding="utf-8")
    return {"gsm8k": str(tmp_path / "math.yaml"), "default": str(tmp_path / "text.yaml")}


def verl_config(model_dir: Path, name: str, reward_kwargs: dict[str, Any]) -> Any:
    from omegaconf import OmegaConf

    return OmegaConf.create(
        {
            "actor_rollout_ref": {"model": {"path": str(model_dir), "tokenizer_path": None}},
            "reward": {
                "custom_reward_function": {
                    "path": "pkg://graders.adapters.verl",
                    "name": name,
                    "reward_kwargs": reward_kwargs,
                },
                "reward_manager": {"source": "register", "name": "naive"},
                "reward_model": {"enable": False},
            },
        }
    )


def rollouts(tokenizer: Any, items: list[tuple[str, str, str, Any]]) -> Any:
    """A DataProto as verl's rollout leaves it: (data_source, prompt, response, ground truth)."""
    import torch
    from verl import DataProto

    def padded(texts: list[str], left: bool, eos: bool) -> tuple[torch.Tensor, torch.Tensor]:
        ids = [tokenizer(t)["input_ids"] + ([tokenizer.eos_token_id] if eos else []) for t in texts]
        width = max(map(len, ids))
        pad = tokenizer.pad_token_id
        rows = [
            ([pad] * (width - len(i)) + i) if left else (i + [pad] * (width - len(i))) for i in ids
        ]
        mask = [[int(t != pad) for t in row] for row in rows]
        return torch.tensor(rows), torch.tensor(mask)

    prompts, prompt_mask = padded([p for _, p, _, _ in items], left=True, eos=False)
    responses, response_mask = padded([r for _, _, r, _ in items], left=False, eos=True)
    return DataProto.from_dict(
        tensors={
            "prompts": prompts,
            "responses": responses,
            "attention_mask": torch.cat([prompt_mask, response_mask], dim=1),
        },
        non_tensors={
            "data_source": np.array([d for d, _, _, _ in items], dtype=object),
            "reward_model": np.array([{"ground_truth": g} for *_, g in items], dtype=object),
            "extra_info": np.array([{"index": i} for i in range(len(items))], dtype=object),
        },
    )


def reward_loop(config: Any, data: Any) -> tuple[list[float], dict[str, np.ndarray], bool]:
    """verl's RewardLoopWorker on the batch, then RewardLoopManager.compute_rm_score's collation."""
    from verl.experimental.reward_loop.reward_loop import RewardLoopWorker

    worker = RewardLoopWorker(config)
    try:
        outputs = worker.loop.run_until_complete(worker.compute_score_batch(data))  # its own loop
    finally:
        worker.loop.close()
        asyncio.set_event_loop(None)
    scores = [out["reward_score"] for out in outputs]
    infos = [out.get("reward_extra_info", {}) for out in outputs]
    keys = list(infos[0].keys())  # verl takes the keys from the first sample
    extra = {key: np.array([info[key] for info in infos]) for key in keys}
    worker.reward_manager.assemble_rm_scores(data, scores)  # verl's own placement
    return scores, extra, worker.reward_manager.is_async_reward_score


ITEMS = [
    ("gsm8k", "Q: 6*7?", "6*7 = 42", "42"),
    ("gsm8k", "Q: 2+2?", "it is 5", "4"),
    ("gsm8k", "Q: 1+1?", "2", "two"),  # an unreadable gold: the grader abstains
    ("trivia", "Q: capital of France?", " Paris ", "Paris"),
]


@pytest.mark.parametrize("name", ["compute_score", "compute_score_async"])
def test_verl_reward_loop_with_graders_per_data_source(
    tiny_model_dir: Path, two_graders: dict[str, str], name: str
) -> None:
    from graders.testing.tiny_lm import char_tokenizer

    config = verl_config(tiny_model_dir, name, {"graders": two_graders, "abstain_score": -1.0})
    scores, extra, awaited = reward_loop(config, rollouts(char_tokenizer(), ITEMS))
    assert awaited == (name == "compute_score_async")  # verl saw the async variant as async
    assert scores == [1.5, 0.5, -1.0, 1.0]
    assert list(extra) == [
        "score",
        "acc",
        "abstained",
        "errored",
        "graders/answer",
        "graders/short",
        "graders/exact",
    ]
    assert extra["acc"].tolist() == [1.0, 0.0, 0.0, 1.0]
    assert extra["abstained"].tolist() == [0.0, 0.0, 1.0, 0.0]
    assert extra["errored"].tolist() == [0.0, 0.0, 1.0, 0.0]
    assert extra["graders/answer"].tolist()[:3] == [1.0, 0.0, -1.0]
    assert math.isnan(extra["graders/answer"][3])  # the trivia grader has no "answer"
    assert all(v.dtype == np.float64 for v in extra.values())


def test_verl_loads_the_adapter_by_file_path(tiny_model_dir: Path, tmp_path: Path) -> None:
    from verl.trainer.ppo.reward import get_custom_reward_fn

    grader = tmp_path / "g.yaml"
    grader.write_text(ANSWER_SHORT_GRADER, encoding="utf-8")
    config = verl_config(tiny_model_dir, "compute_score", {"grader": str(grader)})
    config.reward.custom_reward_function.path = verl_adapter.__file__
    fn = get_custom_reward_fn(config)
    assert fn is not None
    out = fn(data_source="x", solution_str="= 3", ground_truth="3", extra_info={})
    assert out["score"] == 1.5 and out["acc"] == 1.0


def test_grader_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(OTHER_GRADER, encoding="utf-8")
    monkeypatch.setenv("GRADERS_GRADER", str(path))
    assert compute_score("any", "a", "a")["score"] == 1.0
    monkeypatch.delenv("GRADERS_GRADER")
    with pytest.raises(ValueError, match="needs a grader"):
        compute_score("any", "a", "a")


def test_unknown_data_source_and_conflicting_options_are_errors(
    two_graders: dict[str, str],
) -> None:
    only_math = {"gsm8k": two_graders["gsm8k"]}
    with pytest.raises(
        ValueError, match=r"no grader for data_source='trivia' \(graders has gsm8k\)"
    ):
        compute_score("trivia", "x", "x", graders=only_math)
    with pytest.raises(ValueError, match="not both"):
        compute_score("gsm8k", "x", "x", grader=two_graders["gsm8k"], graders=only_math)


def test_mapping_ground_truth_and_extra_info_become_the_item(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(
        '{type: equals, input: "{{ item.unit }}:{{ item.value }}:{{ item.data_source }}", '
        'reference: "{{ sample.output_text }}"}',
        encoding="utf-8",
    )
    out = compute_score("src", "kg:5:src", {"value": 5}, {"unit": "kg"}, grader=str(path))
    assert out["score"] == 1.0
    out = compute_score("src", "g:7:src", 7, {"unit": "g"}, grader=str(path), label_field="value")
    assert out["score"] == 1.0


def test_parquet_in_verls_layout_round_trips_to_the_grader(tmp_path: Path) -> None:
    import datasets

    rows = [
        {"question": "6*7?", "answer": "42", "level": 1},
        {"question": "2+2?", "answer": "4", "level": 2},
    ]
    path = write_parquet(
        rows, tmp_path / "train.parquet", data_source="gsm8k", system_prompt="Be brief."
    )
    loaded = datasets.load_dataset("parquet", data_files=str(path))["train"]  # as verl reads it
    first = loaded[0]
    assert first["data_source"] == "gsm8k"
    assert first["prompt"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "6*7?"},
    ]
    assert first["reward_model"] == {"style": "rule", "ground_truth": "42"}
    assert first["extra_info"] == {"index": 0, "split": "train", "level": 1}
    grader = tmp_path / "g.yaml"
    grader.write_text(ANSWER_SHORT_GRADER, encoding="utf-8")
    for row, answer in zip(loaded, ["= 42", "= 4"], strict=True):
        out = compute_score(
            row["data_source"],
            answer,
            row["reward_model"]["ground_truth"],
            row["extra_info"],
            grader=str(grader),
        )
        assert out["score"] == 1.5
    with pytest.raises(ValueError, match="row 0 has no field 'question'"):
        verl_rows([{"prompt": "x", "answer": "1"}], data_source="d")


def documented_overrides() -> list[str]:
    """The Hydra overrides for ``custom_reward_function`` in verl.py's docstring and the README."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    spans = re.findall(r"`('?\+?reward\.custom_reward_function\.[^`]*=[^`]*)`", readme)
    lines = [line.split("#")[0].strip() for line in (verl_adapter.__doc__ or "").splitlines()]
    lines = [line for line in lines if re.match(r"'?\+?reward\.custom_reward_function\.", line)]
    return [text.strip("'") for text in lines + spans]  # the shell's quotes removed


def test_documented_hydra_overrides_parse_and_configure_compute_score(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    overrides = documented_overrides()
    assert len(overrides) >= 6  # path and name, one grader, one per data source: in both docs
    config = OmegaConf.create({"reward": {"custom_reward_function": {}}})
    per_source = []
    for override in OverridesParser.create().parse_overrides(overrides):
        # what Hydra does with each: ``+`` adds the key, the value is parsed by its grammar
        OmegaConf.update(config, override.key_or_group, override.value(), force_add=True)
        if override.key_or_group.endswith(".graders"):
            per_source.append(override.value())
    assert {"openai/gsm8k": "gsm8k.yaml"} in per_source
    assert all(isinstance(value, dict) and "openai/gsm8k" in value for value in per_source)
    kwargs = config.reward.custom_reward_function.reward_kwargs
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gsm8k.yaml").write_text(ANSWER_SHORT_GRADER, encoding="utf-8")
    (tmp_path / "other.yaml").write_text(OTHER_GRADER, encoding="utf-8")
    out = compute_score("openai/gsm8k", "6*7 = 42", "42", graders=kwargs.graders)
    assert out["score"] == 1.5  # the gsm8k grader was chosen for its data source
