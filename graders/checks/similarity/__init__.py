"""Text similarity: OpenAI's ``text_similarity`` type and the metrics behind it."""

from graders.checks.similarity.embeddings import EmbeddingsConfig
from graders.checks.similarity.grader import TextSimilarity

__all__ = ["EmbeddingsConfig", "TextSimilarity"]
