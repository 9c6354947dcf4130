"""Stop tokens: which token ids end a completion, so a stopped completion can be told from a
cut-off one (TRL strips them from the text; the adapters rebuild ``sample.truncated``)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from graders.core.runner import Grader

__all__ = ["model_eos_ids", "stop_token_ids", "warn_truncation_unknown"]


def _ids(value: Any) -> list[int]:
    """An eos id setting (an int, a list of ints or None) as a list."""
    if isinstance(value, int):
        return [value]
    return [int(i) for i in value if i is not None] if isinstance(value, Iterable) else []


def model_eos_ids(model: Any) -> list[int]:
    """The eos ids of ``model``'s generation config, which TRL also stops completions at.

    ``model`` is a loaded model, or a local folder or hub name (its ``generation_config.json``,
    else its ``config.json``, as ``from_pretrained`` builds the generation config).
    """
    config = getattr(model, "generation_config", None)
    if config is None and isinstance(model, str | Path):
        from transformers import AutoConfig, GenerationConfig

        try:
            config = GenerationConfig.from_pretrained(model)
        except (OSError, ValueError):
            try:
                config = GenerationConfig.from_model_config(AutoConfig.from_pretrained(model))
            except (OSError, ValueError):
                return []
    return _ids(getattr(config, "eos_token_id", None))


def stop_token_ids(
    eos_token_ids: int | Iterable[int] | None, tokenizer: Any, model: Any
) -> frozenset[int] | None:
    """The ids that end a completion: the given ones, the tokenizer's eos and pad tokens and
    the model's generation-config eos ids (as TRL counts them); None when none is known."""
    ids = set(_ids(eos_token_ids))
    if tokenizer is not None:
        for attr in ("eos_token_id", "pad_token_id"):
            value = getattr(tokenizer, attr, None)
            if isinstance(value, int):
                ids.add(value)
    if model is not None:
        ids.update(model_eos_ids(model))
    return frozenset(ids) if ids else None


def warn_truncation_unknown(grader: Grader) -> None:
    """Warn when a check must fail cut-off completions but the stop tokens are unknown."""
    sensitive = [n for n in grader.spec.walk() if getattr(n, "allow_truncated", True) is False]
    if sensitive:
        where = ", ".join(f"{n.path} ({n.type})" for n in sensitive[:3])
        warnings.warn(
            f"{where} fails truncated completions (allow_truncated: false), but reward_funcs "
            "knows no stop tokens, so every completion counts as not truncated: pass "
            "tokenizer=... (and model=...), or eos_token_ids=...",
            UserWarning,
            stacklevel=3,
        )
