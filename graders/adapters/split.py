"""Splitting a grader's reward into weighted components, for trainers that sum reward functions.

TRL computes ``nansum(weight_i * reward_i)`` over its reward functions (a ``None`` reward is
left out); one function per top-level component reproduces the grader's reward exactly when
the root is a plain or normalised sum of its children and a failure abstains.
"""

from __future__ import annotations

from collections.abc import Iterable

from graders.spec.base import GraderSpec

__all__ = ["split_weights", "unique_names"]


def split_weights(spec: GraderSpec) -> tuple[list[float], bool] | str:
    """The weights that make TRL's weighted sum of components equal the grader's reward.

    Returns (weights, abstain counts as zero), or why the root cannot be split. TRL computes
    ``nansum(weight * component)``, so the root must be a plain or normalised sum of its
    children; a root that fails over to a fixed score cannot be split among them.
    """
    if spec.on_error not in ("abstain", "raise"):
        return f"the root's on_error={spec.on_error!r} scores a failure the components cannot share"
    children = [child for _, child in spec.children()]
    if not children:
        return [1.0], False
    policy = getattr(spec, "on_child_abstain", None)
    if spec.type == "weighted":
        weights = [child.weight for child in children]
        if getattr(spec, "normalize", False):
            if policy == "skip":
                return "a normalised sum that skips abstaining children renormalises per sample"
            total = sum(weights)
            if total == 0:
                return "a normalised sum whose weights add up to 0 has no reward to split"
            weights = [w / total for w in weights]
        return weights, policy == "zero"
    if spec.type == "mean":
        if policy == "skip":
            return "a mean that skips abstaining children renormalises per sample"
        return [1.0 / len(children)] * len(children), policy == "zero"
    return f"a {spec.type!r} root is not a sum of its children"


def unique_names(names: Iterable[str]) -> list[str]:
    """Names made unique in order (``a, a`` -> ``a, a_2``): TRL logs each function by name."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}_{count + 1}")
    return out
