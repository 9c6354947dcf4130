"""Reading a judge's reply: the whole reply as JSON, else its last verdict, by position.

Replies are model output, so they are read as data only: ``json.loads`` and bounded regexes,
never evaluated. What cannot be read is a :class:`ParseFailure` (``parse_error`` on the Result),
never a silent score. Accepted forms: ``{"score": 0.8}`` (also ``result``, ``rating``, ``grade``),
fenced JSON, ``Score: 7``, ``Rating = 4/5``, a bare number; for labels ``{"label": "yes"}``,
``Label: yes``, a bare label, or a label alone on the last line.

A reply that is entirely JSON (optionally fenced) is used as such. Otherwise the verdict is the
*last* verdict-bearing element of the reply (a JSON object with a verdict key, a ``Score:`` or
``Label:`` line, the label on the last line), wherever it stands: a judge that quotes a sample's
injected ``{"choice": "correct"}`` before giving its own verdict is read by that verdict, not by
the quote. Text inside an embedded JSON object is never read as a line of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import regex

from graders.core.errors import GradeFailure
from graders.spec.fields import REGEX_TIMEOUT_S

__all__ = ["find_json", "parse_error", "parse_label", "parse_score", "reason_in"]

SCORE_KEYS = ("result", "score", "rating", "grade")
LABEL_KEYS = ("label", "choice", "answer", "verdict", "result")
REASON_KEYS = ("reason", "reasoning", "explanation", "rationale", "steps")

_WHOLE_FENCE = regex.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", regex.S)
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
_NOT_JSON = object()


def parse_error(message: str, reply: str) -> GradeFailure:
    """A ``parse_error`` failure that shows the start of the reply."""
    shown = reply if len(reply) <= _EXCERPT else reply[: _EXCERPT - 1] + "…"
    return GradeFailure("parse_error", f"{message}; reply: {shown!r}")


class _Embedded(NamedTuple):
    start: int
    end: int
    value: Any


def _whole_json(text: str) -> Any:
    """The JSON value the whole reply is (bare, or alone in one fence), else ``_NOT_JSON``."""
    stripped = text.strip()
    fenced = _WHOLE_FENCE.fullmatch(stripped, timeout=REGEX_TIMEOUT_S)
    for candidate in (stripped, fenced.group(1) if fenced else None):
        if candidate is not None:
            try:
                return json.loads(candidate)
            except ValueError:
                pass
    return _NOT_JSON


def _embedded(text: str) -> list[_Embedded]:
    """The top-level JSON objects (and lists of objects) inside the text, in order; not ``[1]``
    in ``steps [1] ... {"result": 3}``, nor the objects nested in one already found."""
    decoder = json.JSONDecoder()
    found: list[_Embedded] = []
    end = 0
    for match in _OPENER.finditer(text, timeout=REGEX_TIMEOUT_S):
        if match.start() < end:
            continue
        try:
            value, stop = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict) or (value and all(isinstance(v, dict) for v in value)):
            found.append(_Embedded(match.start(), stop, value))
            end = stop
    return found


def find_json(text: str, accept: Callable[[Any], bool] = lambda value: True) -> Any:
    """The JSON value the whole reply is (bare or fenced), else the last embedded object or list
    of objects that ``accept`` takes, or None."""
    whole = _whole_json(text)
    if whole is not _NOT_JSON:
        return whole
    taken = [e.value for e in _embedded(text) if accept(e.value)]
    return taken[-1] if taken else None


class _Verdict(NamedTuple):
    at: int
    value: Any
    """None when the element names a verdict that is not a valid one."""
    reason: str | None


def _chosen(verdicts: list[_Verdict], first: bool = False) -> _Verdict | None:
    """The last verdict by position (the first with ``first``), or None."""
    if not verdicts:
        return None
    return (min if first else max)(verdicts, key=lambda v: v.at)


def _outside(spans: list[_Embedded], at: int) -> bool:
    return not any(e.start <= at < e.end for e in spans)


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


def _score_in(data: dict[str, Any]) -> float | None:
    for key in SCORE_KEYS:
        value = _number(data.get(key))
        if value is not None:
            return value
    return None


def parse_score(text: str) -> tuple[float, str | None]:
    """(score, reasoning) from a reply; raises a ``parse_error`` failure."""
    whole = _whole_json(text)
    if whole is not _NOT_JSON:
        value = _score_in(whole) if isinstance(whole, dict) else _number(whole)
        if value is None:
            raise parse_error("no score found in the JSON reply", text)
        return value, reason_in(whole)
    bare = _BARE.match(text, timeout=REGEX_TIMEOUT_S)
    if bare:
        return float(bare.group(1)), None
    spans = _embedded(text)
    verdicts = [
        _Verdict(e.start, _score_in(e.value), reason_in(e.value))
        for e in spans
        if isinstance(e.value, dict) and any(key in e.value for key in SCORE_KEYS)
    ]
    verdicts += [
        _Verdict(m.start(), float(m.group(1)), None)
        for m in _SCORE_LINE.finditer(text, timeout=REGEX_TIMEOUT_S)
        if _outside(spans, m.start())
    ]
    last = _chosen(verdicts)
    if last is None or last.value is None:
        raise parse_error(
            "no score found" if last is None else "the last verdict is no number", text
        )
    return last.value, last.reason


def _norm(text: str) -> str:
    return text.strip().strip("*`'\".:()[] ").casefold()


def _label_in(data: dict[str, Any], table: dict[str, str]) -> str | None:
    for key in LABEL_KEYS:
        value = data.get(key)
        if isinstance(value, str) and _norm(value) in table:
            return table[_norm(value)]
    return None


_LINE = regex.compile(r"(?m)^[^\n]*\S[^\n]*$")


def parse_label(text: str, labels: Sequence[str], *, first: bool = False) -> tuple[str, str | None]:
    """(label, reasoning): which of ``labels`` the reply chose; raises ``parse_error``.

    The verdict is the reply's last verdict-bearing element; with ``first=True``
    (verdict-then-reasoning replies) its first, and a label alone on the first line, not the
    last, counts."""
    table = {_norm(label): label for label in labels}
    missing = f"no label among {', '.join(labels)} found"
    whole = _whole_json(text)
    if isinstance(whole, dict):
        label = _label_in(whole, table)
        if label is None:
            raise parse_error(missing + " in the JSON reply", text)
        return label, reason_in(whole)
    if isinstance(whole, str) and _norm(whole) in table:
        return table[_norm(whole)], None
    if _norm(text) in table:
        return table[_norm(text)], None
    spans = _embedded(text)
    verdicts = [
        _Verdict(e.start, _label_in(e.value, table), reason_in(e.value))
        for e in spans
        if isinstance(e.value, dict) and any(key in e.value for key in LABEL_KEYS)
    ]
    verdicts += [
        _Verdict(m.start(), table[_norm(m.group(1))], text.strip())
        for m in _LABEL_LINE.finditer(text, timeout=REGEX_TIMEOUT_S)
        if _norm(m.group(1)) in table and _outside(spans, m.start())
    ]
    lines = list(_LINE.finditer(text, timeout=REGEX_TIMEOUT_S))
    if lines:
        alone = lines[0] if first else lines[-1]
        if _norm(alone.group()) in table and _outside(spans, alone.start()):
            rest = "\n".join(line.group() for line in lines if line is not alone)
            verdicts.append(
                _Verdict(alone.start(), table[_norm(alone.group())], rest.strip() or None)
            )
    chosen = _chosen(verdicts, first)
    if chosen is None or chosen.value is None:
        raise parse_error(missing, text)
    return chosen.value, chosen.reason
