"""The Result tree: every reward, explained.

Each grader node produces one ``Result``: its score (``None`` means the node abstains), whether it
passed, a short reason, where it sits in the config (``type``, ``name``, JSON ``path``), the
children that produced it, a failure kept as data, timing and small details (what was extracted,
what was compared). A reward can always be traced back to the config nodes that made it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graders.core.errors import ErrorInfo

__all__ = ["Result"]


@dataclass(slots=True, eq=False)
class Result:
    """The outcome of one grader node, with the outcomes of its children."""

    score: float | None = None
    """The node's score; ``None`` when the node abstains (no reward for this sample)."""
    passed: bool | None = None
    """Whether the node passed; ``None`` when the node has no notion of passing."""
    reason: str = ""
    """One short human-readable line saying why the node scored what it did."""
    type: str = ""
    name: str | None = None
    path: str = "$"
    """The node's JSON path in the grader config (``$.graders.answer``)."""
    children: list[Result] = field(default_factory=list)
    error: ErrorInfo | None = None
    elapsed_s: float = 0.0
    details: dict[str, Any] | None = None

    @property
    def reward(self) -> float | None:
        """The score, under the name training loops use."""
        return self.score

    @property
    def label(self) -> str:
        """The node's display name: its ``name``, else the last part of its path."""
        if self.name:
            return self.name
        tail = self.path.rsplit(".", 1)[-1]
        return tail if tail and tail != "$" else self.type

    def walk(self) -> Iterator[Result]:
        """This result and all its descendants, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def errors(self) -> list[Result]:
        """Every node in the tree that recorded an error."""
        return [r for r in self.walk() if r.error is not None]

    def find(self, key: str) -> Result | None:
        """The first node whose path or name equals ``key`` (a top-level child name works too)."""
        for node in self.walk():
            if key in (node.path, node.name):
                return node
        for child in self.children:
            if child.label == key:
                return child
        return None

    def components(self) -> dict[str, float | None]:
        """Scores of the top-level children by label (the reward's components)."""
        return {child.label: child.score for child in self.children}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; keys with empty values are left out to keep output short."""
        out: dict[str, Any] = {"type": self.type, "path": self.path, "score": self.score}
        if self.name is not None:
            out["name"] = self.name
        out["passed"] = self.passed
        if self.reason:
            out["reason"] = self.reason
        if self.error is not None:
            out["error"] = self.error.to_dict()
        if self.details:
            out["details"] = self.details
        out["elapsed_ms"] = round(self.elapsed_s * 1000, 3)
        if self.children:
            out["children"] = [child.to_dict() for child in self.children]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        """Rebuild a Result from :meth:`to_dict` output (for reports and remote workers)."""
        err = data.get("error")
        return cls(
            score=data.get("score"),
            passed=data.get("passed"),
            reason=data.get("reason", ""),
            type=data.get("type", ""),
            name=data.get("name"),
            path=data.get("path", "$"),
            children=[cls.from_dict(c) for c in data.get("children", [])],
            error=ErrorInfo(err["kind"], err["message"]) if err else None,
            elapsed_s=data.get("elapsed_ms", 0.0) / 1000,
            details=data.get("details"),
        )

    def format_tree(self, *, indent: str = "") -> str:
        """A plain-text rendering of the tree, one node a line (used in test failure reports)."""
        score = "abstain" if self.score is None else f"{self.score:.4g}"
        mark = {True: "pass", False: "fail", None: "-"}[self.passed]
        line = f"{indent}{self.label} [{self.type}] {score} ({mark})"
        if self.reason:
            line += f": {self.reason}"
        if self.error is not None:
            line += f" !{self.error.kind}: {self.error.message}"
        lines = [line]
        lines.extend(child.format_tree(indent=indent + "  ") for child in self.children)
        return "\n".join(lines)
