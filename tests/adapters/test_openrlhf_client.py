"""OpenRLHF's own client code (0.11) posting to ``graders serve`` and loading the file mode.

OpenRLHF cannot be pip-installed on a machine without CUDA: it requires flash-attn and
deepspeed, which build against CUDA. Its client code needs neither, so these tests run where
``pip install --no-deps openrlhf`` brought it in, and are skipped elsewhere.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import graders
import graders.adapters.openrlhf as openrlhf_adapter
from graders.adapters.openrlhf import OpenRLHFOptions
from graders.testing.tiny_lm import char_tokenizer

from .test_server import running

agent = pytest.importorskip(
    "openrlhf.utils.agent",
    reason="OpenRLHF is not installed: `pip install openrlhf` builds flash-attn and deepspeed "
    "against CUDA; `pip install --no-deps openrlhf` brings in the client code these tests use",
)


class FakeEngine:
    """Stands in for vLLM: 'generates' a fixed continuation of token ids."""

    def __init__(self, token_ids: list[int], finish_reason: str) -> None:
        self.output = SimpleNamespace(
            token_ids=token_ids, finish_reason=finish_reason, logprobs=None
        )

    async def generate(self, prompt_token_ids: list[int], params: Any, **kw: Any) -> Any:
        return SimpleNamespace(outputs=[self.output])


def rollout(executor: Any, tokenizer: Any, completion: str, stopped: bool) -> dict[str, Any]:
    ids = tokenizer(completion, add_special_tokens=False)["input_ids"]
    ids += [tokenizer.eos_token_id] if stopped else []
    engine = FakeEngine(ids, "stop" if stopped else "length")
    params = SimpleNamespace(max_tokens=8, logprobs=None)
    coro = executor.execute("Q: 6*7? A:", "42", params, 64, tokenizer, engine)
    return asyncio.run(coro)  # type: ignore[no-any-return]


def test_openrlhf_posts_to_get_reward(grader_file: Path) -> None:
    from graders.testing.tiny_lm import char_tokenizer

    tokenizer = char_tokenizer()
    grader = graders.load(grader_file)

    async def go() -> list[dict[str, Any]]:
        options = OpenRLHFOptions(eos_tokens=[tokenizer.eos_token])
        async with running(grader, openrlhf=options) as url:
            executor = agent.SingleTurnAgentExecutor(remote_rm_url=[url + "/get_reward"])
            outs = [
                await asyncio.to_thread(rollout, executor, tokenizer, " 42", True),
                await asyncio.to_thread(rollout, executor, tokenizer, " 42 and more", False),
            ]
            return outs

    stopped, cut = asyncio.run(go())
    assert stopped["reward"] == [1.5] and stopped["scores"] == [1.0]
    assert stopped["extra_logs"]["graders/short"] == [1.0]
    assert cut["reward"] == [1.0]  # the answer is right, but it never stopped
    assert cut["extra_logs"]["graders/short"] == [0.0]


def test_openrlhf_loads_the_file_mode_reward_func(
    grader_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokenizer = char_tokenizer()
    monkeypatch.setenv("GRADERS_GRADER", str(grader_file))
    monkeypatch.setenv("GRADERS_EOS_TOKENS", tokenizer.eos_token)
    executor = agent.SingleTurnAgentExecutor(remote_rm_url=openrlhf_adapter.__file__)
    assert executor.reward_func is not None
    out = rollout(executor, tokenizer, " 42", True)
    assert out["reward"] == [1.5] and out["scores"] == [1.0]
