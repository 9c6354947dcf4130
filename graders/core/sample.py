"""What a grader looks at: the model's sample and the dataset item it answers.

``Sample`` mirrors OpenAI's grader namespace (``output_text``, ``output_json``, ``output_tools``)
and adds what training loops know: the chat ``messages``, the ``completion_ids`` and whether the
completion was ``truncated`` (TRL strips end-of-sequence tokens from the text, so only the ids or
this flag can tell a stopped completion from a cut-off one).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import Any

from graders.core.errors import SampleError

__all__ = ["SAMPLE_FIELDS", "Sample", "coerce_item"]

_UNSET: Any = object()

SAMPLE_FIELDS: tuple[str, ...] = (
    "output_text",
    "output_json",
    "output_tools",
    "messages",
    "completion_ids",
    "truncated",
    "metadata",
)
"""The names a template may read as ``sample.<name>``."""


class _SampleView(dict[str, Any]):
    """The ``sample`` variable of templates; parses ``output_json`` from the text on first use."""

    __slots__ = ()

    def __missing__(self, key: str) -> Any:
        if key == "output_json":
            try:
                value = json.loads(self["output_text"])
            except ValueError:
                raise KeyError(
                    "output_json (the sample has no output_json and its "
                    "output_text is not valid JSON)"
                ) from None
            self["output_json"] = value
            return value
        raise KeyError(key)


@dataclass(frozen=True, slots=True)
class Sample:
    """One model output to grade."""

    output_text: str = ""
    output_json: Any = _UNSET
    """Structured output; when absent, templates get ``output_text`` parsed as JSON."""
    output_tools: list[Any] | None = None
    messages: list[Any] | None = None
    completion_ids: list[int] | None = None
    truncated: bool | None = None
    """True when generation stopped at the length limit rather than at end-of-sequence."""
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def has_json(self) -> bool:
        return self.output_json is not _UNSET

    def template_view(self) -> dict[str, Any]:
        """The mapping templates see as ``sample``."""
        view = _SampleView(
            output_text=self.output_text,
            output_tools=self.output_tools,
            messages=self.messages,
            completion_ids=self.completion_ids,
            truncated=self.truncated,
            metadata=self.metadata,
        )
        if self.output_json is not _UNSET:
            view["output_json"] = self.output_json
        return view

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"output_text": self.output_text}
        if self.output_json is not _UNSET:
            out["output_json"] = self.output_json
        for name in ("output_tools", "messages", "completion_ids", "truncated"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.metadata:
            out["metadata"] = self.metadata
        return out

    @classmethod
    def coerce(cls, value: Any) -> Sample:
        """Accept a Sample, a plain string (the output text) or a mapping of sample fields."""
        if isinstance(value, Sample):
            return value
        if isinstance(value, str):
            return cls(output_text=value)
        if not isinstance(value, Mapping):
            raise SampleError(f"sample must be a string or an object, got {type(value).__name__}")
        unknown = [k for k in value if k not in SAMPLE_FIELDS]
        if unknown:
            key = unknown[0]
            near = get_close_matches(str(key), SAMPLE_FIELDS, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise SampleError(
                f"unknown sample field {key!r}{hint}; known fields: {', '.join(SAMPLE_FIELDS)}"
            )
        text = value.get("output_text", "")
        if not isinstance(text, str):
            raise SampleError(f"sample.output_text must be a string, got {type(text).__name__}")
        ids = value.get("completion_ids")
        if ids is not None and not (isinstance(ids, list) and all(isinstance(i, int) for i in ids)):
            raise SampleError("sample.completion_ids must be a list of integers")
        truncated = value.get("truncated")
        if truncated is not None and not isinstance(truncated, bool):
            raise SampleError("sample.truncated must be true, false or null")
        metadata = value.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise SampleError("sample.metadata must be an object")
        return cls(
            output_text=text,
            output_json=value.get("output_json", _UNSET),
            output_tools=value.get("output_tools"),
            messages=value.get("messages"),
            completion_ids=ids,
            truncated=truncated,
            metadata=metadata,
        )


def coerce_item(value: Any) -> dict[str, Any]:
    """The dataset row a sample answers: a mapping (``None`` means an empty one)."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    raise SampleError(f"item must be an object, got {type(value).__name__}")
