"""Where a judge (or embedding) model is reached, and how: the ``endpoint`` block of a grader.

Every field has a default, so OpenAI grader JSON (which has no such block) runs as is: the
``openai`` SDK then reads the standard ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` variables.
Credentials never sit in a grader file: ``api_key_env`` *names* the variable that holds the key,
and a literal ``api_key`` is refused at load time without echoing it.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Endpoint", "Price"]

_SECRET_FIELDS = ("api_key", "key", "token", "authorization", "password", "secret")


class Price(BaseModel):
    """A model's price in US dollars per million tokens."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    input: float = Field(ge=0)
    """Dollars per million prompt tokens."""
    output: float = Field(ge=0)
    """Dollars per million completion tokens."""

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input + completion_tokens * self.output) / 1e6


class Endpoint(BaseModel):
    """How to reach a model: provider, URL, credentials by variable name, limits and price."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    provider: Literal["openai", "litellm"] = "openai"
    """``openai``: any OpenAI-compatible server through the ``openai`` SDK (OpenAI, vLLM,
    llama.cpp, ...); ``litellm``: any provider litellm knows (``anthropic/...``, ...)."""
    base_url: str | None = None
    """The API's base URL (``http://localhost:8000/v1``); unset: ``OPENAI_BASE_URL`` or the
    provider's default."""
    api_key_env: str | None = None
    """The name of the environment variable holding the API key; unset: ``OPENAI_API_KEY``
    (openai) or the provider's own variable (litellm). Never the key itself."""
    concurrency: int = Field(default=16, ge=1)
    """Requests in flight at once to this endpoint, across all nodes and samples of a run."""
    request_timeout_s: float = Field(default=60.0, gt=0)
    """The time limit of one HTTP request; a timed-out request is retried."""
    max_retries: int = Field(default=4, ge=0)
    """Retries after a 429, a 5xx, a timeout, a dropped connection or a malformed response."""
    backoff_s: float = Field(default=0.5, ge=0)
    """The first retry's backoff; it doubles on each retry, with full jitter."""
    max_backoff_s: float = Field(default=30.0, ge=0)
    """The longest wait between two tries; a ``Retry-After`` asking for more fails the call."""
    price: Price | None = None
    """The model's price, for the cost on each result and a dollar budget (litellm knows the
    prices of the models it serves; for others, set this)."""
    structured_output: bool = True
    """Ask for JSON-schema output where the judge defines a schema; an endpoint that rejects
    ``response_format`` is asked again without it (the text parser reads the reply)."""

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name in data:
                if str(name).lower() in _SECRET_FIELDS:
                    raise ValueError(
                        f"endpoint.{name}: credentials do not belong in a grader file; put the "
                        "key in an environment variable and name it with api_key_env"
                    )
        return data

    @model_validator(mode="after")
    def _provider_installed(self) -> Endpoint:
        if self.provider == "litellm" and importlib.util.find_spec("litellm") is None:
            raise ValueError(
                "provider='litellm' needs the litellm package: pip install 'graders[judge]'"
            )
        return self

    def api_key(self) -> str | None:
        """The key from the environment (read at call time, never stored in results)."""
        if self.api_key_env is not None:
            return os.environ.get(self.api_key_env)
        return os.environ.get("OPENAI_API_KEY") if self.provider == "openai" else None

    def resolved_base_url(self) -> str | None:
        if self.base_url is not None:
            return self.base_url
        return os.environ.get("OPENAI_BASE_URL") if self.provider == "openai" else None

    def key(self) -> str:
        """Identifies the endpoint for concurrency limits and clients (no credentials in it)."""
        return f"{self.provider}|{self.resolved_base_url() or ''}|{self.api_key_env or ''}"

    def cache_id(self) -> str:
        """Identifies the endpoint in reply-cache keys: the same server answers the same,
        whichever variable holds the key."""
        return f"{self.provider}|{self.resolved_base_url() or ''}"
