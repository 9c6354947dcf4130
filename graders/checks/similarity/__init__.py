"""Text similarity: OpenAI's ``text_similarity`` type and the metrics behind it."""

from graders.checks.similarity.grader import EmbeddingsConfig, TextSimilarity

__all__ = ["EmbeddingsConfig", "TextSimilarity"]
