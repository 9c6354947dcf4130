"""The labelled regression set: loading ``cases/*.yaml`` (shared by the tests and the benchmark).

Each file is one category; each row is ``[gold, response, equivalent, why]`` or a mapping with
``gold``, ``output``, ``ok``, ``why`` and optionally ``options`` (grader fields such as
``mode: lenient``) and ``filler`` / ``times`` (the response starts with ``filler`` repeated
``times`` times: megabyte-long outputs without megabyte-long files). In single-quoted rows
``⏎`` stands for a line break, so LaTeX backslashes stay literal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["CASES_DIR", "Case", "load_cases"]

CASES_DIR = Path(__file__).parent / "cases"


@dataclass(frozen=True)
class Case:
    category: str
    index: int
    gold: str
    output: str
    ok: bool
    why: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.category}-{self.index:03d}"


def _case(category: str, index: int, row: Any) -> Case:
    if isinstance(row, list):
        if len(row) != 4:
            raise ValueError(f"{category} row {index}: expected 4 items, got {row!r}")
        gold, output, ok, why = row
        options: dict[str, Any] = {}
    else:
        gold, output, ok, why = row["gold"], row["output"], row["ok"], row["why"]
        options = dict(row.get("options", {}))
        output = str(row.get("filler", "")) * int(row.get("times", 0)) + str(output)
    if not isinstance(ok, bool) or not why:
        raise ValueError(f"{category} row {index}: needs a boolean label and a reason")
    text = str(output).replace("⏎", "\n")
    return Case(category, index, str(gold).replace("⏎", "\n"), text, ok, str(why), options)


def load_cases(directory: Path = CASES_DIR) -> list[Case]:
    """Every labelled pair, in file order, grouped by category (the file's name)."""
    cases: list[Case] = []
    for path in sorted(directory.glob("*.yaml")):
        rows = yaml.safe_load(path.read_text(encoding="utf-8"))
        cases.extend(_case(path.stem, i, row) for i, row in enumerate(rows, 1))
    return cases
