"""Comparing what a program produced with what a test expects, in the grader's process.

Output comparison (stdin/stdout tests) has three modes: ``lines`` (the default: every line must
match, trailing whitespace, ``\\r\\n`` line ends and trailing blank lines ignored), ``tokens``
(whitespace-separated tokens, line structure ignored) and ``exact`` (byte for byte). With
``float_tolerance`` set, numeric tokens that differ by at most that (absolute or relative)
amount are equal. Every line is compared: a missing or extra line is a difference.

Value comparison (call and assert tests) compares values decoded from the sandbox's output, so
it only ever sees built-in types. Messages say where the first difference is:
``line 3: got '5', expected '6'``.
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal

__all__ = ["CompareMode", "compare_output", "compare_values", "short", "values_equal"]

CompareMode = Literal["lines", "tokens", "exact"]


def short(value: Any, limit: int = 40) -> str:
    """A short quoted excerpt of a value for messages."""
    try:
        text = value if isinstance(value, str) else repr(value)
    except (ValueError, RecursionError):  # an int past Python's digit limit, a deep list
        return "<a value too large to show>"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text) if isinstance(value, str) else text


def _number(token: str) -> float | None:
    try:
        value = float(token)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _tokens_equal(got: str, want: str, tol: float | None) -> bool:
    if got == want:
        return True
    if tol is None:
        return False
    a, b = _number(got), _number(want)
    return a is not None and b is not None and abs(a - b) <= tol * max(1.0, abs(b))


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _line_equal(got: str, want: str, tol: float | None) -> bool:
    if got == want:
        return True
    if tol is None:
        return False
    a, b = got.split(), want.split()
    return len(a) == len(b) and all(_tokens_equal(x, y, tol) for x, y in zip(a, b, strict=True))


def compare_output(
    got: bytes, expected: str, *, mode: CompareMode = "lines", float_tolerance: float | None = None
) -> tuple[bool, str]:
    """(equal, a one-line message saying where they differ)."""
    if mode == "exact":
        want = expected.encode()
        if got == want:
            return True, "output matches exactly"
        at = next(
            (i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
            min(len(got), len(want)),
        )
        text_got = got[at : at + 20].decode(errors="replace")
        text_want = want[at : at + 20].decode(errors="replace")
        return False, f"byte {at}: got {short(text_got)}, expected {short(text_want)}"
    text = got.decode("utf-8", errors="replace")
    if mode == "tokens":
        a, b = text.split(), expected.split()
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            if not _tokens_equal(x, y, float_tolerance):
                return False, f"token {i + 1}: got {short(x)}, expected {short(y)}"
        if len(a) != len(b):
            return False, f"got {len(a)} tokens, expected {len(b)}"
        return True, f"{len(b)} tokens match"
    a, b = _lines(text), _lines(expected)
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if not _line_equal(x, y, float_tolerance):
            return False, f"line {i + 1}: got {short(x)}, expected {short(y)}"
    if len(a) < len(b):
        return False, f"line {len(a) + 1}: missing, expected {short(b[len(a)])}"
    if len(a) > len(b):
        return False, f"line {len(b) + 1}: extra output {short(a[len(b)])}"
    return True, f"{len(b)} lines match"


def as_json(value: Any) -> Any:
    """A decoded value as JSON would hold it, for call-test comparison: tuples become lists
    and mapping keys become the strings ``json.dumps`` writes (``1`` -> ``"1"``, ``True`` ->
    ``"true"``), since the expected values of call tests are JSON."""
    if isinstance(value, tuple | list):
        return [as_json(v) for v in value]
    if isinstance(value, dict):
        return {_json_key(k): as_json(v) for k, v in value.items()}
    return value


def _json_key(key: Any) -> Any:
    """A mapping key as JSON text writes it: 1 -> "1", 1.5 -> "1.5", True -> "true"."""
    if key is None or isinstance(key, int | float):  # bool is an int
        return json.dumps(key)
    return key


def values_equal(got: Any, want: Any, *, float_tolerance: float | None = None) -> bool:
    """Python equality on decoded built-in values, numbers within ``float_tolerance`` of ``want``
    (absolute, or relative for magnitudes over 1) when it is set."""
    return _equal(got, want, float_tolerance)


def _equal(got: Any, want: Any, tol: float | None) -> bool:
    numbers = isinstance(got, int | float) and isinstance(want, int | float)
    if tol is not None and numbers and not isinstance(got, bool) and not isinstance(want, bool):
        return bool(abs(got - want) <= tol * max(1.0, abs(want)))
    if tol is not None and isinstance(got, list) and isinstance(want, list):
        return len(got) == len(want) and all(
            _equal(x, y, tol) for x, y in zip(got, want, strict=True)
        )
    if tol is not None and isinstance(got, dict) and isinstance(want, dict):
        return got.keys() == want.keys() and all(_equal(got[k], want[k], tol) for k in want)
    try:
        return bool(got == want)
    except RecursionError:
        return False


def compare_values(
    got: Any, want: Any, *, float_tolerance: float | None = None
) -> tuple[bool, str]:
    """(equal, message): Python equality on decoded built-in values, with an optional tolerance."""
    if _equal(got, want, float_tolerance):
        return True, f"returned {short(got)}"
    return False, f"got {short(got)}, expected {short(want)}"
