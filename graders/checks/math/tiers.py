"""What every comparison shares: the grader's options, the verdict, and the tier it reached.

Verdicts are three-valued: True, False, or None (undecided by the in-process tiers). A
comparison remembers the highest tier it needed (cheapest first: :data:`TIERS`) and whether a
value was too large to compute, so the caller can report it or refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graders.checks.math.nodes import Node

__all__ = ["TIERS", "Options", "Oracle", "Tiered", "Verdict"]

Oracle = Callable[[Node, Node], "bool | None"]
"""Decides two scalars the in-process tiers cannot (SymPy, in a worker process)."""
TIERS = ("string", "structure", "exact", "numeric", "sympy")


@dataclass(frozen=True, slots=True)
class Options:
    """The comparison settings of a ``math`` grader."""

    percent: str = "either"
    rounded_gold: bool = True
    inequalities: bool = True


@dataclass(slots=True)
class Verdict:
    equal: bool | None
    reason: str
    tier: str = "structure"


class Tiered:
    """One comparison's settings and the highest tier it needed."""

    def __init__(self, options: Options, oracle: Oracle | None = None) -> None:
        self.options = options
        self.oracle = oracle
        self.tier = "structure"
        self.too_large = False

    def used(self, tier: str) -> None:
        if TIERS.index(tier) > TIERS.index(self.tier):
            self.tier = tier
