"""Judge graders: a language model scores the sample (OpenAI's model graders and our own)."""

from graders.checks.judge.classify import Classify
from graders.checks.judge.openai_types import LabelModel, ScoreModel
from graders.checks.judge.pairwise import Pairwise
from graders.checks.judge.panel import Panel
from graders.checks.judge.rubric import Criterion, Rubric

__all__ = ["Classify", "Criterion", "LabelModel", "Pairwise", "Panel", "Rubric", "ScoreModel"]
