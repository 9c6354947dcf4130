"""Values a program returns, written as JSON inside the sandbox and read back by the grader.

Only exact built-in types are written (``bool``, ``int``, ``float``, ``str``, ``None``, ``list``,
``tuple``, ``dict``, ``set``, ``frozenset``, ``bytes``, ``complex``); a subclass or any other
object is refused. That is what keeps comparisons honest: the grader compares decoded values in
its own process, so an object whose ``__eq__`` always answers True never reaches a comparison.
Types JSON lacks are tagged (``{"$tuple": [...]}``) so they come back as themselves.
"""

from __future__ import annotations

import base64
import math
from typing import Any

__all__ = ["MAX_DEPTH", "Unserializable", "from_json", "to_json"]

MAX_DEPTH = 200
_BIG_INT_DIGITS = 4000  # str(int) is refused past 4300 digits; hex has no such limit
_TAGS = ("$tuple", "$set", "$frozenset", "$dict", "$bytes", "$complex", "$float", "$int")


class Unserializable(TypeError):
    """A value of a type the codec does not write (a custom object, a cycle, too deep)."""


def _float(value: float) -> Any:
    return value if math.isfinite(value) else {"$float": repr(value)}


def to_json(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON data, built-in types only; raises Unserializable otherwise."""
    if depth > MAX_DEPTH:
        raise Unserializable(f"nested deeper than {MAX_DEPTH} levels (or a cycle)")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        if value.bit_length() > _BIG_INT_DIGITS * 3:
            return {"$int": hex(value)}
        return value
    if kind is float:
        return _float(value)
    if kind is list:
        return [to_json(v, depth + 1) for v in value]
    if kind is tuple:
        return {"$tuple": [to_json(v, depth + 1) for v in value]}
    if kind is dict:
        if all(type(k) is str and k not in _TAGS for k in value):
            return {k: to_json(v, depth + 1) for k, v in value.items()}
        return {"$dict": [[to_json(k, depth + 1), to_json(v, depth + 1)] for k, v in value.items()]}
    if kind is set or kind is frozenset:
        tag = "$set" if kind is set else "$frozenset"
        return {tag: [to_json(v, depth + 1) for v in value]}
    if kind is bytes:
        return {"$bytes": base64.b64encode(value).decode()}
    if kind is complex:
        return {"$complex": [_float(value.real), _float(value.imag)]}
    raise Unserializable(f"a {kind.__module__}.{kind.__qualname__} object")


def from_json(data: Any, depth: int = 0) -> Any:
    """The value :func:`to_json` wrote; raises ValueError on anything malformed."""
    if depth > MAX_DEPTH + 2:
        raise ValueError("nested too deeply")
    if isinstance(data, list):
        return [from_json(v, depth + 1) for v in data]
    if not isinstance(data, dict):
        return data
    if len(data) == 1:
        ((tag, body),) = data.items()
        if tag in _TAGS:
            return _tagged(tag, body, depth)
    return {k: from_json(v, depth + 1) for k, v in data.items()}


def _tagged(tag: str, body: Any, depth: int) -> Any:
    try:
        if tag == "$int":
            return int(body, 16)
        if tag == "$float":
            return float(body)
        if tag == "$bytes":
            return base64.b64decode(body, validate=True)
        if tag == "$complex":
            real, imag = (from_json(part, depth + 1) for part in body)
            return complex(real, imag)
        items = [from_json(v, depth + 1) for v in body]
        if tag == "$tuple":
            return tuple(items)
        if tag == "$set":
            return set(items)
        if tag == "$frozenset":
            return frozenset(items)
        return dict(items)  # $dict: [[key, value], ...]
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"malformed {tag} value: {exc}") from None
