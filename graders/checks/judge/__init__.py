"""Judge graders: a language model scores the sample (OpenAI's model graders and our own)."""

from graders.checks.judge.openai_types import LabelModel, ScoreModel

__all__ = ["LabelModel", "ScoreModel"]
