"""Reading sample files: one JSON object a line, ``{"sample": ..., "item": {...}}``.

``"sample": "text"`` is shorthand for ``{"output_text": "text"}``. A line that is not valid JSON
or not a row becomes a ``BadLine`` carrying its line number and reason, so a run reports it and
goes on; the output keeps one line per input line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graders.core.errors import ErrorInfo, SampleError
from graders.core.result import Result
from graders.core.sample import Sample, coerce_item
from graders.core.summary import SKIPPED_KIND

__all__ = ["BadLine", "read_rows"]


@dataclass(frozen=True, slots=True)
class BadLine:
    """An input line that could not be read as a row."""

    line: int
    message: str

    def result(self) -> Result:
        return Result(
            reason=f"skipped line {self.line}: {self.message}",
            error=ErrorInfo(SKIPPED_KIND, f"line {self.line}: {self.message}"),
        )


def _row(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise SampleError(
            f"expected an object with 'sample' (and 'item'), got {type(data).__name__}"
        )
    if "sample" not in data:
        raise SampleError("missing 'sample'")
    extra = sorted(set(data) - {"sample", "item"})
    if extra:
        raise SampleError(f"unknown keys {', '.join(extra)} (a row has 'sample' and 'item')")
    Sample.coerce(data["sample"])  # a bad sample or item is this line's problem, reported as such
    coerce_item(data.get("item"))
    return data


def read_rows(path: str | Path) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
    """(line number, row or BadLine) for each non-blank line of a JSONL file."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, _row(json.loads(line))
            except json.JSONDecodeError as exc:
                yield number, BadLine(number, f"invalid JSON: {exc.msg} (column {exc.colno})")
            except SampleError as exc:
                yield number, BadLine(number, str(exc))
