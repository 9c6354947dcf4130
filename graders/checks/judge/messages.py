"""OpenAI's grader ``input``: chat messages whose content may hold templates.

The shapes follow OpenAI's SDK (``graders.score_model_grader.Input``): a ``role`` (``system``,
``developer``, ``user``, ``assistant``), an optional ``type: message``, and ``content`` that is a
template string, one content part, or a list of parts (``input_text``, ``output_text``,
``input_image``, ``input_audio``, or plain strings). Rendering turns them into chat-completions
messages; ``developer`` is sent as ``system``, which every OpenAI-compatible server accepts.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from graders.core.context import GradeContext
from graders.spec.templates import Template

__all__ = ["InputMessage", "render_messages", "with_instruction"]

_CONFIG = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class InputText(BaseModel):
    """A text part."""

    model_config = _CONFIG
    type: Literal["input_text"]
    text: Template
    """The text; may hold templates."""


class OutputText(BaseModel):
    """A text part written by a model (sent as text)."""

    model_config = _CONFIG
    type: Literal["output_text"]
    text: Template
    """The text; may hold templates."""


class InputImage(BaseModel):
    """An image by URL (or data URL)."""

    model_config = _CONFIG
    type: Literal["input_image"]
    image_url: Template
    """The image's URL; may hold templates."""
    detail: str | None = None
    """``high``, ``low`` or ``auto``."""


class AudioData(BaseModel):
    """Base64 audio and its format."""

    model_config = _CONFIG
    data: Template
    """Base64-encoded audio; may hold templates."""
    format: Literal["mp3", "wav"]
    """The audio format."""


class InputAudio(BaseModel):
    """An audio part."""

    model_config = _CONFIG
    type: Literal["input_audio"]
    input_audio: AudioData
    """The audio."""


Part = Annotated[InputText | OutputText | InputImage | InputAudio, Field(discriminator="type")]


class InputMessage(BaseModel):
    """One message of the judge's prompt."""

    model_config = _CONFIG
    role: Literal["user", "assistant", "system", "developer"]
    """Who speaks; ``system`` / ``developer`` instructions take precedence over ``user``."""
    content: Template | Part | tuple[Template | Part, ...]
    """The message: a template string, a content part, or a list of them."""
    type: Literal["message"] | None = None
    """Always ``message`` when given."""


def _part(part: Template | Part, ctx: GradeContext) -> dict[str, Any]:
    if isinstance(part, Template):
        return {"type": "text", "text": part.render_text(ctx)}
    if isinstance(part, InputText | OutputText):
        return {"type": "text", "text": part.text.render_text(ctx)}
    if isinstance(part, InputImage):
        image: dict[str, Any] = {"url": part.image_url.render_text(ctx)}
        if part.detail is not None:
            image["detail"] = part.detail
        return {"type": "image_url", "image_url": image}
    audio = part.input_audio
    return {
        "type": "input_audio",
        "input_audio": {"data": audio.data.render_text(ctx), "format": audio.format},
    }


def render_messages(messages: tuple[InputMessage, ...], ctx: GradeContext) -> list[dict[str, Any]]:
    """The chat-completions messages for one sample (all-text content joined into a string)."""
    out: list[dict[str, Any]] = []
    for msg in messages:
        role = "system" if msg.role == "developer" else msg.role
        parts = msg.content if isinstance(msg.content, tuple) else (msg.content,)
        rendered = [_part(p, ctx) for p in parts]
        if all(p["type"] == "text" for p in rendered):
            out.append({"role": role, "content": "".join(p["text"] for p in rendered)})
        else:
            out.append({"role": role, "content": rendered})
    return out


def with_instruction(messages: list[dict[str, Any]], instruction: str) -> list[dict[str, Any]]:
    """``messages`` with the output-format instruction added to the leading system message."""
    if messages and messages[0]["role"] == "system" and isinstance(messages[0]["content"], str):
        head = {"role": "system", "content": messages[0]["content"] + "\n\n" + instruction}
        return [head, *messages[1:]]
    return [{"role": "system", "content": instruction}, *messages]
