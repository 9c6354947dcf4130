"""The shapes of a model call: requests, replies, usage, and the one error backends raise.

Backends (``openai``, ``litellm``) translate their SDK's exceptions into :class:`CallError`, which
says whether a retry may help and how long the server asked us to wait. Every message that leaves
this package goes through :func:`redact`, so an API key never reaches a log, a result or an error.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

__all__ = [
    "CACHE_VERSION",
    "CallError",
    "CallOutcome",
    "ChatReply",
    "ChatRequest",
    "EmbedReply",
    "EmbedRequest",
    "Usage",
    "digest",
    "redact",
]

CACHE_VERSION = 1
"""Bumped when the meaning of a cached entry changes, so old entries are never read."""

_KEYLIKE = re.compile(r"(?i)\b(?:sk|key|api[_-]?key)[-_][A-Za-z0-9_\-\*\.]{4,}|bearer\s+\S+")


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with the given secrets and anything shaped like an API key masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return _KEYLIKE.sub("[redacted]", text)


def digest(payload: Any) -> str:
    """A cache key: the SHA-256 of ``payload`` as canonical JSON."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """One chat-completions request, in OpenAI's vocabulary."""

    model: str
    messages: list[dict[str, Any]]
    params: dict[str, Any] = field(default_factory=dict)
    """Sampling parameters: temperature, top_p, seed, max_completion_tokens, reasoning_effort."""
    schema: dict[str, Any] | None = None
    """A JSON Schema the reply must follow (sent as ``response_format`` where supported)."""
    schema_name: str = "verdict"
    draw: int = 0
    """Which of several independent samples of the same request this is (panels)."""

    def cache_key(self, endpoint_id: str) -> str:
        """A digest of everything that changes the answer (never the credentials)."""
        return digest(
            [
                "chat",
                CACHE_VERSION,
                endpoint_id,
                self.model,
                self.messages,
                self.params,
                self.schema,
                self.schema_name,
                self.draw,
            ]
        )


@dataclass(frozen=True, slots=True)
class ChatReply:
    """What a chat call returned: the text and what it cost in tokens."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model: str | None = None
    finish_reason: str | None = None
    cost_usd: float | None = None
    """The provider-reported cost, when the backend knows it (litellm)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "model": self.model,
            "finish_reason": self.finish_reason,
            "cost_usd": self.cost_usd,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChatReply:
        return cls(**data)


@dataclass(frozen=True, slots=True)
class EmbedRequest:
    """One embeddings request: several texts, one model."""

    model: str
    texts: list[str]
    dimensions: int | None = None


@dataclass(frozen=True, slots=True)
class EmbedReply:
    """One vector per input text, in order, and the tokens spent."""

    vectors: list[list[float]]
    prompt_tokens: int = 0
    model: str | None = None
    cost_usd: float | None = None


@dataclass
class Usage:
    """What calls spent: requests sent, answers served from the cache, tokens, dollars.

    ``cached`` counts a judge's replies, and an embedding's texts, served from the cache
    instead of a request.
    """

    calls: int = 0
    cached: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0
    """None when some call's price is unknown (set ``endpoint.price``)."""

    def add(self, other: Usage) -> None:
        self.calls += other.calls
        self.cached += other.cached
        self.retries += other.retries
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        if self.cost_usd is None or other.cost_usd is None:
            self.cost_usd = None
        else:
            self.cost_usd += other.cost_usd

    def to_dict(self) -> dict[str, Any]:
        cost = self.cost_usd
        return {
            "calls": self.calls,
            "cached": self.cached,
            "retries": self.retries,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": None if cost is None else round(cost, 8),
        }


R = TypeVar("R", ChatReply, EmbedReply)


@dataclass
class CallOutcome(Generic[R]):
    """A reply and what getting it spent."""

    reply: R
    usage: Usage = field(default_factory=Usage)


class CallError(Exception):
    """A failed model call, as data: HTTP status, whether to retry, the server's Retry-After."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after_s: float | None = None,
        kind: str = "api_error",
        unsupported_schema: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable
        self.retry_after_s = retry_after_s
        self.kind = kind
        self.unsupported_schema = unsupported_schema
