"""A real local OpenAI-compatible server per test, and helpers to point graders at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import graders
from graders.testing.openai_server import OpenAIServer, Reply, Request

Responder = Callable[[Request], "Reply | str"]


class Script:
    """The server's responder, replaceable inside a test (``script.reply = ...``)."""

    def __init__(self) -> None:
        self.reply: Responder = lambda request: "Score: 1"

    def __call__(self, request: Request) -> Reply | str:
        return self.reply(request)


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def server(script: Script, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIServer]:
    """The server, with OPENAI_BASE_URL and OPENAI_API_KEY pointing at it."""
    with OpenAIServer(script) as srv:
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789abcdef")
        yield srv


PROVIDERS = pytest.mark.parametrize("provider", ["openai", "litellm"])
"""Run a test through both client paths."""


def endpoint(provider: str, server: OpenAIServer, **more: Any) -> dict[str, Any]:
    """An endpoint block for ``provider`` at the test server, with quick retries."""
    out: dict[str, Any] = {"provider": provider, "backoff_s": 0.01, "max_backoff_s": 1.0}
    if provider == "litellm":
        out |= {"base_url": server.base_url, "api_key_env": "OPENAI_API_KEY"}
    return out | more


def model(provider: str, name: str = "judge-1") -> str:
    """litellm names OpenAI-compatible servers' models ``openai/<name>``."""
    return f"openai/{name}" if provider == "litellm" else name


def grade(
    config: dict[str, Any], sample: Any, item: dict[str, Any] | None = None, **options: Any
) -> graders.Result:
    grader = graders.load(config, **options)
    try:
        return grader.grade_sync(sample, item or {})
    finally:
        grader.close()
