"""OpenRLHF's reward contract: ``reward_func`` for its file mode and the ``/get_reward`` protocol.

OpenRLHF (``--reward.remote_url``, ``--remote_rm_url`` before 0.10.2) either posts
``{"query": [...], "prompts": [...], "labels": [...]}`` to a reward server or, when the flag
names a ``.py`` file, calls its ``reward_func(queries, prompts, labels, **kwargs)``; both give
back ``{"rewards": [...], "scores": [...], "extra_logs": {...}}``. Each ``query`` is the prompt
and the response decoded together with special tokens left in, so the prompt is stripped before
grading and a trailing end-of-sequence token is stripped and marks the response as stopped.
With ``eos_tokens`` set (``--eos-token``, ``GRADERS_EOS_TOKENS``) only those count, and a
response that does not end with one is truncated. With none set, any of
:data:`DEFAULT_EOS_TOKENS` (the end-of-turn and end-of-text tokens of the common model
families) is stripped the same way, and a response ending with none of them is of unknown
truncation (``truncated`` None): name your model's tokens to have cut-off responses caught.
A prompt that cannot be found in its query is logged once as a warning (the whole query is
graded then).

OpenRLHF has no notion of abstaining: an abstaining sample gets ``abstain_reward`` (0.0 unless
set) and is flagged in ``extra_logs["graders/abstained"]``; errors in ``graders/errored``.

File mode: point ``--reward.remote_url`` at this file and name the grader in the environment::

    export GRADERS_GRADER=grader.yaml GRADERS_EOS_TOKENS='<|im_end|>'
    file=$(python -c 'import graders.adapters.openrlhf as m; print(m.__file__)')
    ... --reward.remote_url "$file"

(``GRADERS_LABEL_FIELD``, default ``answer``, and ``GRADERS_ABSTAIN_REWARD`` are read too.)
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from graders.core.result import Result
from graders.core.runner import Grader
from graders.core.sample import Sample

__all__ = [
    "DEFAULT_EOS_TOKENS",
    "OpenRLHFOptions",
    "RewardFunc",
    "make_reward_func",
    "response",
    "reward_func",
    "rows",
]

log = logging.getLogger("graders.openrlhf")

DEFAULT_EOS_TOKENS: tuple[str, ...] = (
    "<|im_end|>",  # ChatML: Qwen, Yi, many fine-tunes
    "<|endoftext|>",  # GPT-2 family, Qwen's end of text and padding
    "<|eot_id|>",  # Llama 3 end of turn
    "<|end_of_text|>",  # Llama 3 end of text
    "<|end|>",  # Phi-3
    "<end_of_turn>",  # Gemma end of turn
    "<eos>",  # Gemma end of text
    "</s>",  # Llama 2, Mistral, T5
)
"""End-of-turn and end-of-text token strings stripped from a response when no eos tokens are
set; finding one marks the response as stopped. Explicit ``eos_tokens`` replace this list."""


class OpenRLHFOptions:
    """How OpenRLHF's fields become samples and items, and what an abstention scores."""

    __slots__ = ("abstain_reward", "eos_tokens", "label_field")

    def __init__(
        self,
        *,
        label_field: str = "answer",
        eos_tokens: Sequence[str] = (),
        abstain_reward: float = 0.0,
    ) -> None:
        if not label_field:
            raise ValueError("label_field must name an item field")
        if any(not token for token in eos_tokens):
            raise ValueError("eos_tokens must not contain an empty string")
        self.label_field = label_field
        self.eos_tokens = tuple(eos_tokens)
        self.abstain_reward = float(abstain_reward)

    def __repr__(self) -> str:
        return (
            f"OpenRLHFOptions(label_field={self.label_field!r}, eos_tokens={self.eos_tokens!r}, "
            f"abstain_reward={self.abstain_reward!r})"
        )

    def __getstate__(self) -> tuple[str, tuple[str, ...], float]:
        return self.label_field, self.eos_tokens, self.abstain_reward

    def __setstate__(self, state: tuple[str, tuple[str, ...], float]) -> None:
        self.label_field, self.eos_tokens, self.abstain_reward = state

    @classmethod
    def from_env(cls) -> OpenRLHFOptions:
        eos = os.environ.get("GRADERS_EOS_TOKENS", "")
        return cls(
            label_field=os.environ.get("GRADERS_LABEL_FIELD", "answer"),
            eos_tokens=[t for t in eos.split(",") if t],
            abstain_reward=float(os.environ.get("GRADERS_ABSTAIN_REWARD", "0")),
        )


_warned_prompt_missing = False


def _warn_prompt_missing(index: int) -> None:
    global _warned_prompt_missing
    if not _warned_prompt_missing:
        _warned_prompt_missing = True
        log.warning(
            "OpenRLHF query[%d] does not contain its prompt: the whole query is graded as the "
            "response (are the prompts sent decoded the same way as the queries?); "
            "this warning is shown once",
            index,
        )


def _response_text(
    query: str, prompt: Any, eos_tokens: tuple[str, ...]
) -> tuple[str, bool | None, bool]:
    """The response inside ``query``, whether it was truncated (None when unknown) and whether
    the prompt was found (a missing prompt leaves the whole query as the response)."""
    text = query
    found = True
    if isinstance(prompt, str) and prompt:
        if text.startswith(prompt):
            text = text[len(prompt) :]
        else:
            at = text.find(prompt)
            found = at >= 0
            if found:
                text = text[at + len(prompt) :]
    stopped = False
    trimmed = True
    while trimmed:  # the stop token, then any padding decoded after it
        trimmed = False
        for token in eos_tokens or DEFAULT_EOS_TOKENS:
            if text.endswith(token):
                text, stopped, trimmed = text[: -len(token)], True, True
    truncated = False if stopped else (True if eos_tokens else None)
    return text, truncated, found


def rows(
    queries: Sequence[str],
    prompts: Sequence[Any] | None,
    labels: Sequence[Any] | None,
    options: OpenRLHFOptions,
) -> list[tuple[Sample, dict[str, Any]]]:
    """(sample, item) per query; a mapping label is the item, any other is ``item[label_field]``."""
    count = len(queries)
    for name, values in (("prompts", prompts), ("labels", labels)):
        if values is not None and len(values) != count:
            raise ValueError(f"{len(values)} {name} for {count} queries")
    out = []
    for i, query in enumerate(queries):
        if not isinstance(query, str):
            raise ValueError(f"query[{i}] must be a string, got {type(query).__name__}")
        prompt = prompts[i] if prompts is not None else None
        text, truncated, found = _response_text(query, prompt, options.eos_tokens)
        if not found:
            _warn_prompt_missing(i)
        label = labels[i] if labels is not None else None
        item = dict(label) if isinstance(label, Mapping) else {options.label_field: label}
        item.setdefault("prompt", prompt)
        out.append((Sample(output_text=text, truncated=truncated), item))
    return out


def _value(score: float | None, abstain: float) -> float:
    return abstain if score is None else score


def response(
    results: Sequence[Result], components: Sequence[str], options: OpenRLHFOptions
) -> dict[str, Any]:
    """OpenRLHF's reply: ``rewards``, 0-1 ``scores`` for dynamic filtering, ``extra_logs``.

    ``scores`` is 1/0 by the grader's pass verdict where it has one, else the reward. Every
    ``extra_logs`` value is a list with one number per query, under keys that never change.
    """
    abstain = options.abstain_reward
    rewards = [_value(r.score, abstain) for r in results]
    scores = [
        reward if r.passed is None else float(r.passed)
        for r, reward in zip(results, rewards, strict=True)
    ]
    logs: dict[str, list[float]] = {
        "graders/abstained": [float(r.score is None) for r in results],
        "graders/errored": [float(bool(r.errors())) for r in results],
    }
    for index, name in enumerate(components):
        logs[f"graders/{name}"] = [
            _value(r.children[index].score if index < len(r.children) else None, abstain)
            for r in results
        ]
    return {"rewards": rewards, "scores": scores, "extra_logs": logs}


class RewardFunc:
    """A picklable ``reward_func(queries, prompts, labels, **kwargs)`` for OpenRLHF."""

    def __init__(self, grader: Grader, options: OpenRLHFOptions) -> None:
        self.grader = grader
        self.options = options
        self.__name__ = "reward_func"

    def __repr__(self) -> str:
        return f"<RewardFunc of {self.grader!r} {self.options!r}>"

    def __call__(
        self,
        queries: Sequence[str],
        prompts: Sequence[Any] | None = None,
        labels: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        batch = self.grader.grade_batch_sync(rows(queries, prompts, labels, self.options))
        return response(batch.results, self.grader.components, self.options)


def make_reward_func(
    grader: Grader | str | Path | Mapping[str, Any],
    *,
    label_field: str = "answer",
    eos_tokens: Sequence[str] = (),
    abstain_reward: float = 0.0,
) -> RewardFunc:
    """An OpenRLHF ``reward_func`` for ``grader`` (a Grader, a file or a mapping)."""
    if not isinstance(grader, Grader):
        grader = Grader.load(grader)
    options = OpenRLHFOptions(
        label_field=label_field, eos_tokens=eos_tokens, abstain_reward=abstain_reward
    )
    return RewardFunc(grader, options)


_lock = threading.Lock()
_from_env: dict[str, RewardFunc] = {}


def reward_func(
    queries: Sequence[str],
    prompts: Sequence[Any] | None = None,
    labels: Sequence[Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """OpenRLHF's file-mode entry: grades with the grader named by ``GRADERS_GRADER``."""
    path = os.environ.get("GRADERS_GRADER")
    if not path:
        raise RuntimeError("set GRADERS_GRADER to the grader file OpenRLHF's reward_func uses")
    with _lock:
        func = _from_env.get(path)
        if func is None:
            func = _from_env[path] = RewardFunc(Grader.load(path), OpenRLHFOptions.from_env())
    return func(queries, prompts, labels, **kwargs)
