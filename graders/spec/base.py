"""``GraderSpec``: the base of every grader type. The spec class *is* the implementation.

A grader type is one pydantic model with a ``type`` literal (the tag users write), fields with
attribute docstrings (they become the JSON Schema descriptions editors show) and an
``async def grade(ctx) -> Result``. This base adds what every node shares (``name``, ``weight``,
``on_error``, ``fallback``, ``timeout_s``, ``pass_threshold``) and :meth:`GraderSpec.run`, the one
wrapper that times a node, enforces its timeout, turns failures into data and applies
``on_error``, so no grader type repeats that logic.

Composite types declare child fields with the forward reference ``"AnyGrader"``; the registry
resolves it to the discriminated union of every registered type (plugins included).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from time import perf_counter
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from graders.core.context import GradeContext
from graders.core.errors import ErrorInfo, GradeFailure, GradingError
from graders.core.result import Result
from graders.spec.paths import join

__all__ = ["AnyGrader", "GraderSpec", "OnError"]

OnError = Literal["abstain", "zero", "raise", "fallback"]

if TYPE_CHECKING:
    AnyGrader: TypeAlias = "GraderSpec"


class GraderSpec(BaseModel):
    """Base of all grader types; subclasses define ``type`` and ``grade``."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        use_attribute_docstrings=True,
        revalidate_instances="never",
    )

    type: str
    name: str | None = None
    """A name for this node, shown in results, summaries and logs."""
    weight: float = 1.0
    """This node's weight in a parent ``weighted`` sum."""
    on_error: OnError = "abstain"
    """What a failure of this node scores: abstain (None), zero, raise to the caller, or
    ``fallback``. The error is kept on the result in every case."""
    fallback: float | None = None
    """The score used when ``on_error`` is ``fallback``."""
    timeout_s: float | None = Field(default=None, gt=0)
    """A hard time limit for this node; exceeding it is a ``timeout`` error."""
    pass_threshold: float | None = None
    """When set, the node passes exactly when its score is at least this value (finite, and
    within the type's scores when they have a fixed range, such as [0, 1])."""

    concurrent: ClassVar[bool] = False
    """True for types that wait (network, worker processes): run them alongside siblings."""
    requires: ClassVar[tuple[str, ...]] = ()
    """Importable modules this type needs; checked at load time."""
    extra: ClassVar[str | None] = None
    """The pip extra that installs ``requires``."""
    example: ClassVar[dict[str, Any]] = {}
    """A minimal config of this type, used in the reference docs and the registry tests."""
    score_range: ClassVar[tuple[float, float] | None] = None
    """The range every score of this type lies in, when it is fixed; ``pass_threshold`` must
    lie in it (a threshold outside it would make the node always or never pass)."""

    # Bound once after loading (see bind); plain slots because the engine reads them for every
    # node of every sample, and pydantic's private attributes cost ~40x more to read.
    __slots__ = ("node_path", "waits")
    if TYPE_CHECKING:  # declared for type checkers only: at run time they are slots, not fields
        node_path: str
        """The node's JSON path in the config."""
        waits: bool
        """Whether this node or a descendant waits (is ``concurrent``)."""

    def model_post_init(self, context: Any, /) -> None:
        object.__setattr__(self, "node_path", "$")
        object.__setattr__(self, "waits", self.waits_itself())

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        state["graders_bound"] = (self.node_path, self.waits)
        return state

    def __setstate__(self, state: dict[Any, Any]) -> None:
        path, waits = state.pop("graders_bound", ("$", False))
        super().__setstate__(state)
        object.__setattr__(self, "node_path", path)
        object.__setattr__(self, "waits", waits)

    @field_validator("pass_threshold")
    @classmethod
    def _threshold_in_range(cls, value: float | None) -> float | None:
        if value is None:
            return None
        if not math.isfinite(value):
            raise ValueError(f"pass_threshold={value} must be a finite number")
        if cls.score_range is not None:
            low, high = cls.score_range
            if not low <= value <= high:
                tag = cls.model_fields["type"].default
                raise ValueError(
                    f"pass_threshold={value} is outside the scores {tag} gives, [{low:g}, {high:g}]"
                )
        return value

    @model_validator(mode="after")
    def _check_fallback(self) -> GraderSpec:
        if self.on_error == "fallback" and self.fallback is None:
            raise ValueError("on_error='fallback' needs a fallback score")
        if self.on_error != "fallback" and self.fallback is not None:
            raise ValueError(
                f"fallback={self.fallback} is only used with on_error='fallback' "
                f"(on_error={self.on_error!r})"
            )
        return self

    # -- tree structure ---------------------------------------------------------------------------

    def children(self) -> Iterator[tuple[tuple[str | int, ...], GraderSpec]]:
        """The child nodes with their key paths relative to this node; leaves have none."""
        return iter(())

    def waits_itself(self) -> bool:
        """Whether this node (not counting children) waits; by default the class's
        ``concurrent``. Override when it depends on the config (e.g. only one metric waits)."""
        return self.concurrent

    def bind(self, path: str = "$") -> None:
        """Record each node's JSON path and whether its subtree waits on anything."""
        concurrent = self.waits_itself()
        for keys, child in self.children():
            child_path = path
            for key in keys:
                child_path = join(child_path, key)
            child.bind(child_path)
            concurrent = concurrent or child.waits
        object.__setattr__(self, "node_path", path)
        object.__setattr__(self, "waits", concurrent)

    @property
    def path(self) -> str:
        return self.node_path

    def walk(self) -> Iterator[GraderSpec]:
        yield self
        for _, child in self.children():
            yield from child.walk()

    @classmethod
    def reference_notes(cls) -> str:
        """Markdown appended to this type's section of the generated reference (e.g. the
        values a field accepts, when they come from a table rather than the schema)."""
        return ""

    def environment_problems(self) -> list[str]:
        """What this node needs from the host that is missing; checked when a grader is loaded.

        A type that depends on the machine (a sandbox, a system tool) overrides this so that a
        grader that cannot run here fails at load, with every reason, instead of at grading.
        """
        return []

    # -- grading ----------------------------------------------------------------------------------

    async def grade(self, ctx: GradeContext) -> Result:
        """Score one sample. Subclasses implement this; :meth:`run` wraps it."""
        raise NotImplementedError

    async def run(self, ctx: GradeContext) -> Result:
        """Grade with timing, timeout, failures as data and the ``on_error`` policy applied."""
        start = perf_counter()
        limit: asyncio.Timeout | None = None
        try:
            if self.timeout_s is None:
                result = await self.grade(ctx)
            else:
                async with asyncio.timeout(self.timeout_s) as limit:
                    result = await self.grade(ctx)
        except GradingError:
            raise
        except GradeFailure as exc:
            result = Result(error=ErrorInfo(exc.kind, exc.message), details=exc.details or None)
        except TimeoutError as exc:
            # this node's timeout_s, or a limit of its own inside (a regex's matching time, ...)
            why = (
                f"timeout_s={self.timeout_s} exceeded"
                if limit is not None and limit.expired()
                else f"{exc or 'a time limit inside the check was exceeded'}"
            )
            result = Result(error=ErrorInfo("timeout", why))
        except Exception as exc:  # a bug or bad data inside a grader must not reach the caller
            result = Result(error=ErrorInfo("exception", f"{type(exc).__name__}: {exc}"))
        result.type = self.type
        result.name = self.name
        result.path = self.node_path
        result.elapsed_s = perf_counter() - start
        if result.error is not None:
            self._apply_on_error(result)
        elif self.pass_threshold is not None and result.score is not None:
            result.passed = result.score >= self.pass_threshold
        return result

    def _apply_on_error(self, result: Result) -> None:
        policy = self.on_error
        result.passed = None
        if policy == "abstain":
            result.score = None
        elif policy == "zero":
            result.score = 0.0
            result.passed = False
        elif policy == "fallback":
            result.score = self.fallback
        else:
            raise GradingError(result)
        assert result.error is not None
        if not result.reason:
            result.reason = f"{result.error.kind}: {result.error.message}"

    def __repr_args__(self) -> Any:
        # show the construction, not every default: GraderSpec(type='contains', reference=...)
        explicit = self.model_fields_set | {"type"}
        for key in type(self).model_fields:
            if key in explicit:
                yield key, getattr(self, key)
