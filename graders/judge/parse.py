"""Reading a judge's reply: JSON (bare, fenced or embedded) first, then tolerant text forms.

Replies are model output, so they are read as data only: ``json.loads`` and bounded regexes,
never evaluated. What cannot be read is a :class:`ParseFailure` (``parse_error`` on the Result),
never a silent score. Accepted forms: ``{"score": 0.8}`` (also ``result``, ``rating``, ``grade``),
fenced JSON, ``Score: 7``, ``Rating = 4/5``, a bare number; for labels ``{"label": "yes"}``,
``Label: yes``, a bare label, or a label alone on the last line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import regex

from graders.core.errors import GradeFailure
from graders.spec.fields import REGEX_TIMEOUT_S

__all__ = ["find_json", "parse_error", "parse_label", "parse_score", "reason_in"]

SCORE_KEYS = ("result", "score", "rating", "grade")
LABEL_KEYS = ("label", "choice", "answer", "verdict", "result")
REASON_KEYS = ("reason", "reasoning", "explanation", "rationale", "steps")

_FENCE = regex.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", regex.S)
_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_SCORE_LINE = regex.compile(
    rf"(?i)\b(?:score|rating|grade|result)\b[^\S\n]*(?:is|=|:)?[^\S\n]*\**[^\S\n]*({_NUMBER})"
    rf"(?:\s*/\s*\d+(?:\.\d+)?)?"
)
_BARE = regex.compile(rf"^\s*[\*`'\"]*\s*({_NUMBER})\s*(?:/\s*\d+(?:\.\d+)?)?\s*[\*`'\".]*\s*$")
_LABEL_LINE = regex.compile(
    r"(?im)^[^\S\n]*\**(?:label|answer|choice|verdict|result|classification|score|\[result\])"
    r"\**[^\S\n]*[:=]?[^\S\n]*(.+?)[^\S\n]*$"
)
_OPENER = regex.compile(r"[\[{]")
_EXCERPT = 200


def parse_error(message: str, reply: str) -> GradeFailure:
    """A ``parse_error`` failure that shows the start of the reply."""
    shown = reply if len(reply) <= _EXCERPT else reply[: _EXCERPT - 1] + "…"
    return GradeFailure("parse_error", f"{message}; reply: {shown!r}")


def find_json(text: str) -> Any:
    """The JSON value the reply holds (whole, fenced, or the first embedded object or array),
    or None."""
    stripped = text.strip()
    try:
        return json.loads(stripped)
    except ValueError:
        pass
    for match in _FENCE.finditer(stripped, timeout=REGEX_TIMEOUT_S):
        try:
            return json.loads(match.group(1))
        except ValueError:
            continue
    decoder = json.JSONDecoder()
    for match in _OPENER.finditer(stripped, timeout=REGEX_TIMEOUT_S):
        try:
            value, _ = decoder.raw_decode(stripped, match.start())
        except ValueError:
            continue
        # an object, or a list of objects; not "[1]" in "steps [1] ... {"result": 3}"
        if isinstance(value, dict) or (value and all(isinstance(v, dict) for v in value)):
            return value
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        match = _BARE.match(value, timeout=REGEX_TIMEOUT_S)
        if match:
            return float(match.group(1))
    return None


def reason_in(data: Any) -> str | None:
    """The judge's stated reasoning in a JSON reply, as text."""
    if isinstance(data, dict):
        for key in REASON_KEYS:
            if data.get(key):
                value = data[key]
                return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return None


def parse_score(text: str) -> tuple[float, str | None]:
    """(score, reasoning) from a reply; raises a ``parse_error`` failure."""
    data = find_json(text)
    if isinstance(data, dict):
        for key in SCORE_KEYS:
            value = _number(data.get(key))
            if value is not None:
                return value, reason_in(data)
    value = _number(data) if data is not None else None
    if value is not None:
        return value, None
    matches = list(_SCORE_LINE.finditer(text, timeout=REGEX_TIMEOUT_S))
    if matches:
        return float(matches[-1].group(1)), None
    bare = _BARE.match(text, timeout=REGEX_TIMEOUT_S)
    if bare:
        return float(bare.group(1)), None
    raise parse_error("no score found", text)


def _norm(text: str) -> str:
    return text.strip().strip("*`'\".:()[] ").casefold()


def parse_label(text: str, labels: Sequence[str], *, first: bool = False) -> tuple[str, str | None]:
    """(label, reasoning): which of ``labels`` the reply chose; raises ``parse_error``.

    A label alone on a line counts on the last line, or on the first with ``first=True``
    (verdict-then-reasoning replies)."""
    table = {_norm(label): label for label in labels}
    data = find_json(text)
    if isinstance(data, dict):
        for key in LABEL_KEYS:
            value = data.get(key)
            if isinstance(value, str) and _norm(value) in table:
                return table[_norm(value)], reason_in(data)
    if isinstance(data, str) and _norm(data) in table:
        return table[_norm(data)], None
    if _norm(text) in table:
        return table[_norm(text)], None
    for match in reversed(list(_LABEL_LINE.finditer(text, timeout=REGEX_TIMEOUT_S))):
        if _norm(match.group(1)) in table:
            return table[_norm(match.group(1))], text.strip()
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if lines:
        at = 0 if first else -1
        if _norm(lines[at]) in table:
            rest = lines[1:] if first else lines[:-1]
            return table[_norm(lines[at])], "\n".join(rest).strip() or None
    raise parse_error(f"no label among {', '.join(labels)} found", text)
