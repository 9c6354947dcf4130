"""Per-sample grading state and per-run shared resources.

``GradeContext`` is what every node's ``grade`` receives: the sample, the item, the template
variables and a render cache (ten leaves reading ``{{ sample.output_text }}`` render it once).
``Runtime`` holds what samples share on one event loop: semaphores that bound a resource's
concurrency, worker pools, HTTP clients, caches. Families create them lazily by key, so a run that
never uses a judge never opens a client.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from graders.core.sample import Sample

__all__ = ["GradeContext", "Runtime"]

T = TypeVar("T")


class Runtime:
    """Resources shared by all samples graded on one event loop.

    ``settings`` holds per-run options that are not part of the grader file, keyed by family
    (``{"judge": {"cache": False, "budget_usd": 5}}``); each family reads its own key.
    """

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        self._resources: dict[str, Any] = {}
        self.settings: Mapping[str, Any] = MappingProxyType(dict(settings or {}))

    def resource(self, key: str, factory: Callable[[], T]) -> T:
        """The resource stored under ``key``, created by ``factory`` on first use."""
        try:
            return self._resources[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self._resources[key] = factory()
            return value

    def limit(self, key: str, concurrency: int) -> asyncio.Semaphore:
        """A semaphore bounding how many grades use the resource ``key`` at once."""
        return self.resource(f"limit:{key}", lambda: asyncio.Semaphore(concurrency))

    async def aclose(self) -> None:
        """Close every resource that knows how (``aclose`` or ``close``), newest first."""
        resources = list(self._resources.values())[::-1]
        self._resources.clear()
        for res in resources:
            closer = getattr(res, "aclose", None) or getattr(res, "close", None)
            if closer is None:
                continue
            outcome = closer()
            if inspect.isawaitable(outcome):
                await outcome


class GradeContext:
    """The state one sample's grading shares across the nodes of the tree."""

    __slots__ = ("cache", "item", "runtime", "sample", "variables")

    def __init__(self, sample: Sample, item: dict[str, Any], runtime: Runtime) -> None:
        self.sample = sample
        self.item = item
        self.runtime = runtime
        self.variables: dict[str, Any] = {"sample": sample.template_view(), "item": item}
        self.cache: dict[Any, Any] = {}
