"""Fixtures shared by the adapter tests: a toy task, its grader and a tiny local model."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

COPY_DIGIT_GRADER = """\
type: weighted
graders:
  answer: {type: starts_with, reference: "{{ item.answer }}"}
  stop: {type: length, unit: tokens, min: 0, allow_truncated: false, weight: 0.5}
"""
"""The toy task's reward: the digit comes first (1.0); the completion stopped (0.5)."""


ANSWER_SHORT_GRADER = """\
type: weighted
graders:
  answer: {type: numeric, reference: "{{ item.answer }}", extract: [last_number]}
  short: {type: length, unit: chars, max: 20, allow_truncated: false, weight: 0.5}
"""
"""The right number (1.0), in a short completion that stopped (0.5)."""


def copy_digit_rows(count: int, seed: int = 0) -> list[dict[str, str]]:
    """Prompts asking the model to copy one digit, with the digit as the answer."""
    rng = random.Random(seed)
    digits = [str(rng.randrange(10)) for _ in range(count)]
    return [{"prompt": f"copy {d}:", "answer": d} for d in digits]


@pytest.fixture
def copy_digit_grader(tmp_path: Path) -> Path:
    path = tmp_path / "grader.yaml"
    path.write_text(COPY_DIGIT_GRADER, encoding="utf-8")
    return path


@pytest.fixture
def grader_file(tmp_path: Path) -> Path:
    path = tmp_path / "answer_short.yaml"
    path.write_text(ANSWER_SHORT_GRADER, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight model and character tokenizer saved like any hub model."""
    from graders.testing.tiny_lm import save_tiny_model

    return save_tiny_model(tmp_path_factory.mktemp("tiny-model"))
