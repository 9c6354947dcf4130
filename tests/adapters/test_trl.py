"""The TRL adapter against TRL's reward-function contract (``GRPOTrainer._calculate_rewards``)."""

from __future__ import annotations

import asyncio
import inspect
import math
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graders
from graders.adapters.trl import AsyncRewardFunction, RewardFunction, reward_funcs

WEIGHTED = """\
type: weighted
on_child_abstain: {policy}
graders:
  answer: {{type: equals, reference: "{{{{ item.answer }}}}", normalize: [strip], weight: 2}}
  format: {{type: regex, pattern: "^\\\\d+$", weight: 0.5}}
  hedge: {{type: numeric, reference: "{{{{ item.answer }}}}", extract: [last_number], weight: -1}}
"""


class Recorder:
    """TRL's ``log_metric`` and ``log_extra`` callbacks, recording what they receive."""

    def __init__(self) -> None:
        self.metrics: dict[str, list[float]] = {}
        self.extra: dict[str, list[Any]] = {}

    def log_metric(self, name: str, value: float) -> None:
        self.metrics.setdefault(name, []).append(value)

    def log_extra(self, column: str, values: list[Any]) -> None:
        self.extra.setdefault(column, []).extend(values)


def call(funcs: Any, completions: list[Any], recorder: Recorder | None = None, **columns: Any):
    """Call every function the way TRL's GRPOTrainer does, with the same list objects."""
    prompts = columns.pop("prompts", ["q"] * len(completions))
    ids = columns.pop("completion_ids", [[5, 1]] * len(completions))
    kwargs: dict[str, Any] = dict(columns)
    if recorder is not None:
        kwargs.update(log_metric=recorder.log_metric, log_extra=recorder.log_extra)
    return [
        f(prompts=prompts, completions=completions, completion_ids=ids, **kwargs) for f in funcs
    ]


def total(funcs: Any, outputs: list[list[float | None]], index: int) -> float | None:
    """TRL's reward for one completion: nansum of weighted functions, NaN when all are None."""
    values = [out[index] for out in outputs]
    if all(v is None for v in values):
        return None
    return math.fsum(w * v for w, v in zip(funcs.weights, values, strict=True) if v is not None)


@pytest.mark.parametrize("policy", ["abstain", "skip", "zero"])
def test_split_weights_reproduce_the_grader_reward(policy: str) -> None:
    grader = graders.loads(WEIGHTED.format(policy=policy))
    funcs = reward_funcs(grader)
    assert funcs.names == ["answer", "format", "hedge"]
    assert funcs.weights == [2.0, 0.5, -1.0]
    texts = ["42", " 42 ", "41", "no number", "", "4 2"]
    outputs = call(funcs, texts, answer=["42"] * len(texts))
    for i, text in enumerate(texts):
        expected = grader.grade_sync(text, {"answer": "42"}).score
        got = total(funcs, outputs, i)
        assert (got is None) == (expected is None), (text, outputs)
        if expected is not None:
            assert got == pytest.approx(expected), text


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=8), st.booleans())
def test_split_matches_total_for_any_batch(texts: list[str], normalize: bool) -> None:
    config = WEIGHTED.format(policy="zero") + f"normalize: {str(normalize).lower()}\n"
    grader = graders.loads(config)
    split, whole = reward_funcs(grader), reward_funcs(grader, split=False)
    outputs = call(split, texts, answer=["7"] * len(texts))
    [totals] = call(whole, texts, answer=["7"] * len(texts))
    for i in range(len(texts)):
        if totals[i] is None:
            assert total(split, outputs, i) is None
        else:
            assert total(split, outputs, i) == pytest.approx(totals[i])


def test_a_root_that_is_not_a_sum_gives_one_total_and_logs_components() -> None:
    grader = graders.loads(
        """
type: min
graders:
  answer: {type: equals, reference: "{{ item.answer }}"}
  short: {type: length, unit: chars, max: 3}
"""
    )
    with pytest.raises(ValueError, match="'min' root is not a sum"):
        reward_funcs(grader, split=True)
    funcs = reward_funcs(grader, name="copy")
    assert funcs.names == ["copy"] and funcs.weights == [1.0]
    recorder = Recorder()
    [rewards] = call(funcs, ["ab", "abcd", "x"], recorder, answer=["ab", "abcd", "ab"])
    assert rewards == [1.0, 0.0, 0.0]
    assert recorder.metrics["graders/answer/mean"] == [pytest.approx(2 / 3)]
    assert recorder.metrics["graders/short/mean"] == [pytest.approx(2 / 3)]
    assert recorder.metrics["graders/errored"] == [0.0]


def test_a_leaf_grader_is_one_component_named_after_it() -> None:
    funcs = reward_funcs(graders.loads('{type: equals, name: exact, reference: "a"}'))
    assert funcs.names == ["exact"]
    assert call(funcs, ["a", "b"]) == [[1.0, 0.0]]


def test_all_components_share_one_evaluation_per_batch() -> None:
    grader = graders.loads(WEIGHTED.format(policy="skip"))
    calls: list[int] = []
    original = grader.grade_batch

    async def counting(rows: Any, **kw: Any) -> Any:
        rows = list(rows)
        calls.append(len(rows))
        return await original(rows, **kw)

    grader.grade_batch = counting  # type: ignore[method-assign]
    funcs = reward_funcs(grader)
    call(funcs, ["42", "41"], answer=["42", "42"])
    assert calls == [2]
    call(funcs, ["42", "41"], answer=["42", "42"])  # a new step: new lists, graded again
    assert calls == [2, 2]


def test_async_functions_run_concurrently_on_one_shared_evaluation() -> None:
    grader = graders.loads(WEIGHTED.format(policy="skip"))
    funcs = reward_funcs(grader, use_async=True)
    assert all(isinstance(f, AsyncRewardFunction) for f in funcs)
    assert all(inspect.iscoroutinefunction(f.__call__) for f in funcs)
    calls: list[int] = []
    original = grader.grade_batch

    async def counting(rows: Any, **kw: Any) -> Any:
        calls.append(1)
        await asyncio.sleep(0.01)  # the others arrive while the first is still grading
        return await original(rows, **kw)

    grader.grade_batch = counting  # type: ignore[method-assign]
    prompts, completions, ids = ["q", "q"], ["42", "x"], [[1], [1]]

    async def step() -> list[list[float | None]]:
        return list(
            await asyncio.gather(
                *(
                    f(
                        prompts=prompts,
                        completions=completions,
                        completion_ids=ids,
                        answer=["42"] * 2,
                    )
                    for f in funcs
                )
            )
        )

    assert asyncio.run(step()) == [[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]]
    assert calls == [1]


def test_async_is_chosen_only_for_graders_that_wait() -> None:
    funcs = reward_funcs(graders.loads('{type: equals, reference: "a"}'))
    assert isinstance(funcs[0], RewardFunction)


def test_conversational_completions() -> None:
    grader = graders.loads(
        """
type: weighted
graders:
  answer: {type: equals, reference: "{{ item.answer }}"}
  turns: {type: equals, input: "{{ sample.messages | length }}", reference: "3"}
  tools: {type: equals, input: "{{ sample.output_tools | length }}", reference: "1"}
"""
    )
    prompt = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "2+2?"}]
    completion = [
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "4"}],
            "tool_calls": [{"type": "function", "function": {"name": "calc"}}],
        }
    ]
    outputs = call(reward_funcs(grader), [completion], prompts=[prompt], answer=["4"])
    assert outputs == [[1.0], [1.0], [1.0]]


def test_truncation_is_read_from_completion_ids() -> None:
    class Tokenizer:
        eos_token_id = 1
        pad_token_id = 0

    grader = graders.loads("{type: length, unit: tokens, min: 0, allow_truncated: false}")
    ids = [[7, 8, 1], [7, 8, 9], [7, 0], []]
    texts = ["ab", "abc", "a", ""]
    [stopped] = call(reward_funcs(grader, tokenizer=Tokenizer()), texts, completion_ids=ids)
    assert stopped == [1.0, 0.0, 1.0, 1.0]
    with pytest.warns(UserWarning, match="knows no stop tokens"):
        funcs = reward_funcs(grader)
    [unknown] = call(funcs, texts, completion_ids=ids)
    assert unknown == [1.0, 1.0, 1.0, 1.0]  # without stop tokens truncation is unknown
    [explicit] = call(reward_funcs(grader, eos_token_ids=[9]), texts, completion_ids=ids)
    assert explicit == [0.0, 1.0, 0.0, 1.0]


def test_column_mapping_and_prompt() -> None:
    grader = graders.loads(
        """
type: weighted
graders:
  answer: {type: equals, reference: "{{ item.answer }}"}
  prompt: {type: equals, input: "{{ item.prompt }}", reference: "{{ item.level }}"}
"""
    )
    funcs = reward_funcs(grader, columns={"answer": "solution"})
    outputs = call(
        funcs, ["7", "8"], prompts=["easy", "hard"], solution=["7", "7"], level=["easy", "easy"]
    )
    assert outputs == [[1.0, 0.0], [1.0, 0.0]]
    with pytest.raises(ValueError, match=r"'solution', which TRL did not pass .*answer"):
        call(funcs, ["7"], answer=["7"])
    funcs.check_columns(["prompt", "solution"])
    with pytest.raises(ValueError, match=r"maps item\.answer to 'solution'"):
        funcs.check_columns(["prompt", "answer"])


def test_trainer_step_reaches_the_grader_as_metadata() -> None:
    class State:
        global_step = 3

    grader = graders.loads('{type: equals, input: "{{ sample.metadata.step }}", reference: "3"}')
    assert call(reward_funcs(grader), ["x"], trainer_state=State()) == [[1.0]]


def test_failures_are_none_and_counted_never_a_silent_zero() -> None:
    grader = graders.loads(
        """
type: weighted
graders:
  answer: {type: numeric, reference: "{{ item.answer }}"}
  format: {type: regex, pattern: "^\\\\d+$"}
"""
    )
    recorder = Recorder()
    funcs = reward_funcs(grader, log_reasons=True)
    outputs = call(funcs, ["4", "4"], recorder, answer=["4", "four"])
    assert outputs == [[1.0, None], [1.0, None]]  # the bad gold abstains the whole row
    assert recorder.metrics["graders/errored"] == [0.5]
    assert recorder.metrics["graders/abstained"] == [0.5]
    assert len(recorder.extra["graders/reason"]) == 2
    assert "abstained" in recorder.extra["graders/reason"][1]


def test_functions_pickle_with_their_names_weights_and_shared_evaluation() -> None:
    funcs = reward_funcs(graders.loads(WEIGHTED.format(policy="zero")), use_async=True)
    copy = pickle.loads(pickle.dumps(funcs))
    assert copy.names == funcs.names and copy.weights == funcs.weights
    assert copy[0].scorer is copy[1].scorer
    assert all(inspect.iscoroutinefunction(f.__call__) for f in copy)

    async def run() -> list[Any]:
        return [
            await f(prompts=["q"], completions=["42"], completion_ids=[[1]], answer=["42"])
            for f in copy
        ]

    assert asyncio.run(run()) == [[1.0], [1.0], [1.0]]


def test_names_are_unique_and_prefixed() -> None:
    grader = graders.loads(
        """
type: weighted
graders:
  a: {type: equals, name: same, reference: "x"}
  b: {type: equals, name: same, reference: "y"}
"""
    )
    assert reward_funcs(grader, prefix="g_").names == ["g_same", "g_same_2"]


def test_trl_recognises_the_functions() -> None:
    from trl.trainer.utils import get_callable_name, is_async_callable

    grader = graders.loads(WEIGHTED.format(policy="zero"))
    sync, asynchronous = reward_funcs(grader), reward_funcs(grader, use_async=True)
    assert [get_callable_name(f) for f in sync] == ["answer", "format", "hedge"]
    assert not any(is_async_callable(f) for f in sync)
    assert all(is_async_callable(f) for f in asynchronous)


def test_roots_whose_sum_cannot_be_split_fall_back_to_one_total() -> None:
    zero_sum = """
type: weighted
normalize: true
graders:
  a: {type: equals, reference: "x", weight: 1}
  b: {type: equals, reference: "y", weight: -1}
"""
    fallback = """
type: weighted
on_error: fallback
fallback: 0
graders:
  a: {type: equals, reference: "x"}
"""
    for config, why in [(zero_sum, "add up to 0"), (fallback, "on_error='fallback'")]:
        grader = graders.loads(config)
        assert reward_funcs(grader).names == ["graders"]
        with pytest.raises(ValueError, match=why):
            reward_funcs(grader, split=True)


def test_every_eos_id_of_the_models_generation_config_is_a_stop(tmp_path: Any) -> None:
    """TRL stops at each ``generation_config.eos_token_id`` (Llama 3: 128001, 128008, 128009)."""
    from types import SimpleNamespace

    class Tokenizer:
        eos_token_id = 128001
        pad_token_id = 128004

    grader = graders.loads("{type: length, unit: tokens, min: 0, allow_truncated: false}")
    ids = [[7, 128001], [7, 128008], [7, 128009], [7, 8]]
    texts = ["a"] * 4
    for eos in ([128001, 128008, 128009], 128009):
        model = SimpleNamespace(generation_config=SimpleNamespace(eos_token_id=eos))
        funcs = reward_funcs(grader, tokenizer=Tokenizer(), model=model)
        [stopped] = call(funcs, texts, completion_ids=ids)
        assert stopped == ([1.0, 1.0, 1.0, 0.0] if isinstance(eos, list) else [1.0, 0.0, 1.0, 0.0])


def test_model_eos_ids_read_from_a_saved_model(tmp_path: Any) -> None:
    from transformers import GenerationConfig, LlamaConfig

    from graders.adapters.trl import model_eos_ids

    LlamaConfig(eos_token_id=[2, 5]).save_pretrained(tmp_path)  # no generation_config.json
    assert model_eos_ids(str(tmp_path)) == [2, 5]
    GenerationConfig(eos_token_id=[1, 7, 9]).save_pretrained(tmp_path)
    assert model_eos_ids(tmp_path) == [1, 7, 9]
    assert model_eos_ids(str(tmp_path / "missing")) == []


def test_a_truncation_check_without_stop_tokens_warns_at_construction() -> None:
    import warnings

    grader = graders.loads(
        """
type: weighted
graders:
  answer: {type: equals, reference: "4"}
  format: {type: tag_format, tags: [answer]}
  short: {type: length, max: 9, allow_truncated: false}
"""
    )
    with pytest.warns(UserWarning) as record:
        reward_funcs(grader)
    [warning] = record
    message = str(warning.message)
    assert "$.graders.format (tag_format), $.graders.short (length)" in message
    assert "pass tokenizer=..." in message
    assert warning.filename == __file__  # pointed at the caller
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reward_funcs(grader, eos_token_ids=[1])
        reward_funcs(graders.loads("{type: length, max: 9}"))  # truncation is allowed
