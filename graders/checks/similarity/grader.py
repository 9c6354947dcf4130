"""OpenAI's ``text_similarity`` grader, plus token F1, exact match and edit similarities.

Loads unchanged from OpenAI grader JSON (``input``, ``reference``, ``evaluation_metric``,
``pass_threshold``) and scores in [0, 1]. The lexical metrics are computed by the libraries that
define them (see :mod:`graders.checks.similarity.metrics` for the exact function and settings of
each); ``cosine`` embeds both texts through the judges' model-call layer or a local
sentence-transformers model (:mod:`graders.checks.similarity.embeddings`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import model_validator

from graders.checks.base import ReferenceCheck
from graders.checks.extract import ExtractionFailed
from graders.checks.similarity.embeddings import EmbeddingsConfig, cosine
from graders.checks.similarity.metrics import LEXICAL_METRICS, MetricValue
from graders.core.context import GradeContext
from graders.core.errors import GradeFailure
from graders.core.registry import register
from graders.core.result import Result

__all__ = ["TextSimilarity"]

Metric = Literal[
    "fuzzy_match",
    "bleu",
    "gleu",
    "meteor",
    "cosine",
    "rouge_1",
    "rouge_2",
    "rouge_3",
    "rouge_4",
    "rouge_5",
    "rouge_l",
    "token_f1",
    "exact_match",
    "char_edit_similarity",
    "word_edit_similarity",
]


@register
class TextSimilarity(ReferenceCheck):
    """OpenAI's text similarity: how close the input is to the reference, in [0, 1].

    ``fuzzy_match`` (RapidFuzz ratio), ``bleu`` (sacrebleu), ``gleu`` and ``meteor`` (NLTK;
    METEOR without WordNet synonyms), ``rouge_1`` … ``rouge_5`` and ``rouge_l`` (rouge-score
    F-measure), ``cosine`` (embeddings; negative cosines score 0), and our additions
    ``token_f1`` and ``exact_match`` (SQuAD normalization) and ``char_edit_similarity`` /
    ``word_edit_similarity`` (1 - normalized Levenshtein distance). With ``pass_threshold`` the
    node passes when the score reaches it.

    ``cosine`` reads ``embeddings``: ``model`` and ``endpoint`` (a judge's endpoint block:
    provider, base_url, api_key_env, concurrency, retries, price), optionally ``dimensions`` and
    ``batch_size``; calls are cached, budgeted and report their usage like a judge's. Or
    ``local: true``: all-MiniLM-L6-v2 (or ``model``, a directory) on the CPU, no network.
    """

    type: Literal["text_similarity"] = "text_similarity"
    evaluation_metric: Metric
    """The metric; OpenAI's names plus ``token_f1``, ``exact_match``, ``char_edit_similarity``
    and ``word_edit_similarity``."""
    embeddings: EmbeddingsConfig | None = None
    """For ``cosine``: the embedding ``model`` and its ``endpoint`` (a judge's endpoint block),
    or ``local: true``; default: OpenAI's text-embedding-3-large."""

    requires: ClassVar[tuple[str, ...]] = ("rapidfuzz", "sacrebleu", "nltk", "rouge_score", "punkt")
    extra: ClassVar[str | None] = "similarity"
    score_range: ClassVar[tuple[float, float] | None] = (0.0, 1.0)
    example: ClassVar[dict[str, Any]] = {
        "type": "text_similarity",
        "name": "close_to_answer",
        "input": "{{ sample.output_text }}",
        "reference": "{{ item.answer }}",
        "evaluation_metric": "fuzzy_match",
        "pass_threshold": 0.8,
    }

    @model_validator(mode="after")
    def _consistent(self) -> TextSimilarity:
        if self.negate:
            raise ValueError(
                "not: true has no meaning for a graded similarity; use a formula (1 - score)"
            )
        if self.embeddings is not None and self.evaluation_metric != "cosine":
            raise ValueError(
                f"embeddings is only used with evaluation_metric='cosine' "
                f"(evaluation_metric={self.evaluation_metric!r})"
            )
        if self.evaluation_metric == "cosine" and self.embeddings is None:
            _ = EmbeddingsConfig()  # the default backend's library must be installed
        return self

    def waits_itself(self) -> bool:
        return self.evaluation_metric == "cosine"  # only cosine waits on anything

    async def grade(self, ctx: GradeContext) -> Result:
        try:
            text = self.read(ctx)
        except ExtractionFailed as exc:
            return Result(score=0.0, passed=False, reason=str(exc))
        reference = self.read_reference(ctx)
        metric = self.evaluation_metric
        if metric == "cosine":
            score, details = await self._cosine(ctx, text, reference)
        else:
            score, details = LEXICAL_METRICS[metric](text, reference)
        score = min(1.0, max(0.0, score))
        reason = f"{metric} {score:.4f}"
        if self.pass_threshold is not None:
            relation = ">=" if score >= self.pass_threshold else "<"
            reason += f" {relation} pass_threshold {self.pass_threshold}"
        return Result(score=score, reason=reason, details=details or None)

    async def _cosine(self, ctx: GradeContext, text: str, reference: str) -> MetricValue:
        if not text.strip() or not reference.strip():
            both = not text.strip() and not reference.strip()
            return float(both), {"cosine": "empty text has no embedding"}
        config = self.embeddings or EmbeddingsConfig()
        try:
            (vec_text, vec_ref), usage = await config.embed(ctx.runtime, [text, reference])
            value = cosine(vec_text, vec_ref)
        except GradeFailure:
            raise
        except Exception as exc:  # a local model that fails, vectors of different lengths
            raise GradeFailure(
                "embedding_error", f"{config.model_name}: {type(exc).__name__}: {exc}"
            ) from None
        details: dict[str, Any] = {"cosine": round(value, 6), "model": config.model_name}
        if usage is not None:
            details["usage"] = usage.to_dict()
        return value, details
