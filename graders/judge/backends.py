"""The two ways to reach a model: the ``openai`` SDK and ``litellm``, behind one small protocol.

Both SDKs are imported lazily (litellm alone takes seconds to import) and run with their own
retries off: retries, backoff, limits, caching and budgets live in :mod:`graders.judge.service`,
the same for every backend. litellm's exceptions derive from the ``openai`` SDK's, so one
translation turns either SDK's failures into :class:`~graders.judge.calls.CallError`.
"""

from __future__ import annotations

import json
import os
from typing import Any, Protocol

from graders.judge.calls import CallError, ChatReply, ChatRequest, EmbedReply, EmbedRequest, redact
from graders.judge.endpoint import Endpoint
from graders.judge.retry import is_retryable_status, retry_after

__all__ = ["Backend", "LiteLLMBackend", "OpenAIBackend", "make_backend"]

_NO_KEY = "no-key"  # OpenAI-compatible local servers (vLLM, llama.cpp) accept any key
_PATHS = ("chat/completions", "embeddings")


class Backend(Protocol):
    """What the call service needs from a provider SDK."""

    async def chat(self, request: ChatRequest, *, schema: bool, timeout_s: float) -> ChatReply: ...

    async def embed(self, request: EmbedRequest, *, timeout_s: float) -> EmbedReply: ...

    async def aclose(self) -> None: ...

    def knows_price(self, model: str) -> bool:
        """Whether the replies of ``model`` come with their cost (needed by a dollar budget
        when the endpoint sets no ``price``)."""
        ...


def _response_format(request: ChatRequest) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {"name": request.schema_name, "schema": request.schema, "strict": False},
    }


def _translate(exc: Exception, secret: str | None, timeout_s: float) -> CallError:
    """Any SDK failure as a CallError with a redacted message."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return CallError(f"request timed out after {timeout_s:g}s", kind="timeout", retryable=True)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None) or getattr(
            exc, "litellm_response_headers", None
        )
        message = redact(f"HTTP {status}: {exc.message}", secret)
        lowered = message.lower()
        return CallError(
            message,
            status=status,
            retryable=is_retryable_status(status),
            retry_after_s=retry_after(headers),
            unsupported_schema=status == 400
            and ("response_format" in lowered or "json_schema" in lowered),
        )
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc
        return CallError(
            redact(f"connection failed: {type(cause).__name__}: {cause}", secret), retryable=True
        )
    if isinstance(exc, openai.OpenAIError | ValueError | KeyError | TypeError | IndexError):
        # includes a 200 whose body is not a chat completion (malformed JSON, no choices)
        return CallError(
            redact(f"malformed response: {type(exc).__name__}: {exc}", secret), retryable=True
        )
    raise exc


def _chat_reply(data: Any, cost: float | None = None) -> ChatReply:
    """A chat completion (parsed JSON) as a ChatReply; raises on a body of another shape."""
    choice = data["choices"][0]
    message = choice["message"]
    text = message.get("content")
    if text is None:
        refusal = message.get("refusal")
        if refusal:
            raise CallError(f"the model refused: {refusal}", kind="refusal")
        text = ""
    if not isinstance(text, str):
        raise ValueError(f"message content is {type(text).__name__}, not text")
    usage = data.get("usage") or {}
    return ChatReply(
        text=text,
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        model=data.get("model"),
        finish_reason=choice.get("finish_reason"),
        cost_usd=cost,
    )


def _embed_reply(data: Any, count: int) -> EmbedReply:
    items = sorted(data["data"], key=lambda d: d["index"])
    if len(items) != count:
        raise ValueError(f"{len(items)} vectors for {count} texts")
    usage = data.get("usage") or {}
    return EmbedReply(
        vectors=[[float(x) for x in d["embedding"]] for d in items],
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        model=data.get("model"),
    )


def _http_client(openai: Any) -> Any:
    """The SDK's HTTP client with our transport (:mod:`graders.judge.transport`) where the SDK
    runs on httpx2; with an older SDK, its aiohttp client where installed, else its default."""
    factory = getattr(openai, "DefaultAsyncHttpx2Client", None)
    if factory is not None:
        from graders.judge.transport import Http11Transport

        return factory(transport=Http11Transport())
    fallback = getattr(openai, "DefaultAioHttpClient", None)
    if fallback is None:
        return None
    try:
        return fallback()
    except RuntimeError:  # the aiohttp transport package is not installed
        return None


class OpenAIBackend:
    """Any OpenAI-compatible endpoint through ``openai.AsyncOpenAI``."""

    def __init__(self, endpoint: Endpoint) -> None:
        import openai

        self._secret = endpoint.api_key()
        base_url = endpoint.resolved_base_url()
        if self._secret is None and base_url is None:
            variable = endpoint.api_key_env or "OPENAI_API_KEY"
            raise CallError(
                f"no API key: set {variable} (or point endpoint.base_url elsewhere)",
                kind="missing_credentials",
            )
        self._client = openai.AsyncOpenAI(
            api_key=self._secret or _NO_KEY,
            base_url=base_url,
            max_retries=0,
            timeout=endpoint.request_timeout_s,
            http_client=_http_client(openai),
        )
        # absolute URLs: the SDK then skips joining each request's path to the base URL
        self._urls = {path: f"{self._client.base_url}{path}" for path in _PATHS}

    async def _post(self, path: str, body: dict[str, Any], timeout_s: float) -> Any:
        # the SDK's documented raw call: its auth, headers, timeouts and errors, without the
        # per-call transformation of typed params (over 1 ms of CPU a call, measured)
        raw = await self._client.post(
            self._urls[path], cast_to=bytes, body=body, options={"timeout": timeout_s}
        )
        return json.loads(raw)

    async def chat(self, request: ChatRequest, *, schema: bool, timeout_s: float) -> ChatReply:
        body: dict[str, Any] = {"model": request.model, "messages": request.messages}
        body.update(request.params)
        if schema and request.schema is not None:
            body["response_format"] = _response_format(request)
        try:
            return _chat_reply(await self._post("chat/completions", body, timeout_s))
        except CallError:
            raise
        except Exception as exc:
            raise _translate(exc, self._secret, timeout_s) from None

    async def embed(self, request: EmbedRequest, *, timeout_s: float) -> EmbedReply:
        body: dict[str, Any] = {
            "model": request.model,
            "input": request.texts,
            "encoding_format": "float",
        }
        if request.dimensions is not None:
            body["dimensions"] = request.dimensions
        try:
            data = await self._post("embeddings", body, timeout_s)
            return _embed_reply(data, len(request.texts))
        except Exception as exc:
            raise _translate(exc, self._secret, timeout_s) from None

    async def aclose(self) -> None:
        await self._client.close()

    def knows_price(self, model: str) -> bool:
        return False  # an OpenAI-compatible server reports tokens, never dollars


class _NoRetries(int):
    """A zero that is true: litellm's OpenAI embeddings path reads ``max_retries or 2``, so a
    plain 0 would turn the SDK's own retries back on, beneath ours."""

    def __bool__(self) -> bool:
        return True


class LiteLLMBackend:
    """Any provider litellm supports (``anthropic/...``, ``openai/...`` at a ``base_url``)."""

    def __init__(self, endpoint: Endpoint) -> None:
        # litellm fetches its price table from the network at import unless told not to
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        litellm.telemetry = False
        litellm.suppress_debug_info = True
        self._litellm = litellm
        self._secret = endpoint.api_key()
        self._base = endpoint.resolved_base_url()
        self._priced: dict[str, bool] = {}

    def knows_price(self, model: str) -> bool:
        """Whether litellm's (local) price table has ``model``: then it costs each reply."""
        known = self._priced.get(model)
        if known is None:
            try:
                info = self._litellm.get_model_info(model)
                known = info.get("input_cost_per_token") is not None
            except Exception:  # litellm raises its own errors for a model it has not mapped
                known = False
            self._priced[model] = known
        return known

    def _common(self, timeout_s: float) -> dict[str, Any]:
        out: dict[str, Any] = {"timeout": timeout_s, "num_retries": 0, "max_retries": 0}
        if self._base is not None:
            out["api_base"] = self._base
        if self._secret is not None:
            out["api_key"] = self._secret
        return out

    async def chat(self, request: ChatRequest, *, schema: bool, timeout_s: float) -> ChatReply:
        kwargs = self._common(timeout_s) | dict(request.params)
        if schema and request.schema is not None:
            kwargs["response_format"] = _response_format(request)
        try:
            resp = await self._litellm.acompletion(
                model=request.model, messages=request.messages, drop_params=True, **kwargs
            )
            hidden = getattr(resp, "_hidden_params", None) or {}
            cost = hidden.get("response_cost") if isinstance(hidden, dict) else None
            return _chat_reply(resp.model_dump(), float(cost) if cost is not None else None)
        except CallError:
            raise
        except Exception as exc:
            raise _translate(exc, self._secret, timeout_s) from None

    async def embed(self, request: EmbedRequest, *, timeout_s: float) -> EmbedReply:
        kwargs = self._common(timeout_s) | {"max_retries": _NoRetries(0)}
        if request.dimensions is not None:
            kwargs["dimensions"] = request.dimensions
        try:
            resp = await self._litellm.aembedding(
                model=request.model, input=request.texts, encoding_format="float", **kwargs
            )
            return _embed_reply(resp.model_dump(), len(request.texts))
        except Exception as exc:
            raise _translate(exc, self._secret, timeout_s) from None

    async def aclose(self) -> None:
        return None


def make_backend(endpoint: Endpoint) -> Backend:
    """The backend for an endpoint's provider."""
    if endpoint.provider == "litellm":
        return LiteLLMBackend(endpoint)
    return OpenAIBackend(endpoint)
