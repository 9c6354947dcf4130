"""What a batch of grades adds up to: counts, mean reward, pass rate, per-component means, and
what model calls spent (the ``usage`` that judge nodes record in their details)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graders.core.result import Result

__all__ = ["SKIPPED_KIND", "BatchSummary", "ComponentStats"]

SKIPPED_KIND = "bad_sample"
"""The error kind of a batch row that could not be read (it is skipped, not graded)."""


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _add_usage(total: dict[str, Any], usage: Any) -> None:
    """Sum a node's ``details["usage"]`` into ``total`` (a None cost makes the total unknown)."""
    if not isinstance(usage, dict):
        return
    for key, value in usage.items():
        if value is None or total.get(key, 0) is None:
            total[key] = None
        elif isinstance(value, int | float) and not isinstance(value, bool):
            total[key] = total.get(key, 0) + value


@dataclass
class ComponentStats:
    """Mean score and pass rate of one top-level component over the batch."""

    mean: float | None
    scored: int
    pass_rate: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "scored": self.scored, "pass_rate": self.pass_rate}


@dataclass
class BatchSummary:
    """Counts and means over a batch.

    ``scored`` and ``abstained`` split the rows that were graded (``total - skipped``);
    ``errored`` counts graded rows whose tree recorded at least one error (some of them may
    still be scored, through ``on_error: zero`` or ``fallback``); ``skipped`` counts unreadable
    rows.
    """

    total: int = 0
    scored: int = 0
    abstained: int = 0
    errored: int = 0
    skipped: int = 0
    mean_reward: float | None = None
    pass_rate: float | None = None
    components: dict[str, ComponentStats] = field(default_factory=dict)
    elapsed_s: float = 0.0
    error_kinds: dict[str, int] = field(default_factory=dict)
    usage: dict[str, Any] = field(default_factory=dict)
    """Model calls summed over every node: ``calls``, ``cached``, tokens, ``cost_usd``."""

    @classmethod
    def from_results(cls, results: Iterable[Result], *, elapsed_s: float = 0.0) -> BatchSummary:
        summary = cls(elapsed_s=elapsed_s)
        rewards: list[float] = []
        passes: list[bool] = []
        comp_scores: dict[str, list[float]] = {}
        comp_passes: dict[str, list[bool]] = {}
        for result in results:
            summary.total += 1
            if result.error is not None and result.error.kind == SKIPPED_KIND:
                summary.skipped += 1
                continue
            errors = []
            for node in result.walk():  # one walk for errors and model-call usage
                if node.error is not None:
                    errors.append(node)
                if node.details and "usage" in node.details:
                    _add_usage(summary.usage, node.details["usage"])
            if errors:
                summary.errored += 1
                for node in errors:
                    assert node.error is not None
                    kinds = summary.error_kinds
                    kinds[node.error.kind] = kinds.get(node.error.kind, 0) + 1
            if result.score is None:
                summary.abstained += 1
            else:
                summary.scored += 1
                rewards.append(result.score)
            if result.passed is not None:
                passes.append(result.passed)
            for child in result.children:
                scores = comp_scores.setdefault(child.label, [])
                flags = comp_passes.setdefault(child.label, [])
                if child.score is not None:
                    scores.append(child.score)
                if child.passed is not None:
                    flags.append(child.passed)
        summary.mean_reward = _mean(rewards)
        summary.pass_rate = _mean([float(p) for p in passes])
        summary.components = {
            name: ComponentStats(
                mean=_mean(scores),
                scored=len(scores),
                pass_rate=_mean([float(p) for p in comp_passes[name]]),
            )
            for name, scores in comp_scores.items()
        }
        return summary

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "scored": self.scored,
            "abstained": self.abstained,
            "errored": self.errored,
            "skipped": self.skipped,
            "mean_reward": self.mean_reward,
            "pass_rate": self.pass_rate,
            "components": {k: v.to_dict() for k, v in self.components.items()},
            "error_kinds": dict(self.error_kinds),
            **({"usage": dict(self.usage)} if self.usage else {}),
            "elapsed_s": round(self.elapsed_s, 4),
        }
