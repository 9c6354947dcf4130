"""Model calls for graders: judge and embedding clients, reply cache, limits, retries, budget.

``graders.checks.judge`` holds the judge grader types; this package holds what every type that
calls a model shares: :class:`~graders.judge.endpoint.Endpoint` (where and how to call),
:func:`~graders.judge.service.chat` and :func:`~graders.judge.service.embed` (one cached,
limited, retried, budgeted and counted call; embeddings micro-batched across concurrent callers
by :mod:`~graders.judge.embedder`), the tolerant reply parser and the built-in prompts.
"""

from graders.judge.calls import CallOutcome, ChatReply, ChatRequest, EmbedReply, EmbedRequest, Usage
from graders.judge.endpoint import Endpoint, Price
from graders.judge.service import ModelSettings, chat, embed

__all__ = [
    "CallOutcome",
    "ChatReply",
    "ChatRequest",
    "EmbedReply",
    "EmbedRequest",
    "Endpoint",
    "ModelSettings",
    "Price",
    "Usage",
    "chat",
    "embed",
]
