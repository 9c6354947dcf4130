"""A tiny causal language model and a character tokenizer, built locally with random weights.

Tests and examples train with them where nothing may be downloaded from a model hub: the
tokenizer maps each printable ASCII character (and newline) to one token, the model is a
two-layer Llama of about 20k parameters. Needs the ``trl`` extra (torch, transformers).
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

__all__ = ["ALPHABET", "CHAT_TEMPLATE", "char_tokenizer", "save_tiny_model", "tiny_model"]

ALPHABET = string.printable[:95] + "\n"
"""Every character the tokenizer knows: printable ASCII and newline."""

PAD, EOS, UNK = "<pad>", "<eos>", "<unk>"

CHAT_TEMPLATE = (
    "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant: {% endif %}"
)
"""A plain chat format, so conversational datasets work with the tiny tokenizer."""


def char_tokenizer() -> Any:
    """A fast tokenizer with one token per character; ids 0-2 are pad, eos and unk."""
    from tokenizers import (  # type: ignore[import-untyped]
        Regex,
        Tokenizer,
        decoders,
        models,
        pre_tokenizers,
    )
    from transformers import PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate([PAD, EOS, UNK, *ALPHABET])}
    core = Tokenizer(models.WordLevel(vocab, unk_token=UNK))
    core.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    core.decoder = decoders.Fuse()
    tokenizer = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=core, pad_token=PAD, eos_token=EOS, unk_token=UNK
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def tiny_model(
    tokenizer: Any, *, hidden_size: int = 32, layers: int = 2, seed: int = 0, max_length: int = 128
) -> Any:
    """A Llama causal LM with random weights sized for ``tokenizer``."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=max_length,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    return LlamaForCausalLM(config)  # type: ignore[no-untyped-call]


def save_tiny_model(directory: str | Path, **options: Any) -> Path:
    """Build the tokenizer and model and save both, loadable by ``from_pretrained(directory)``."""
    path = Path(directory)
    tokenizer = char_tokenizer()
    tiny_model(tokenizer, **options).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
