"""``math``: the final answer of a response is mathematically equivalent to the reference.

Tiers, cheapest first: locate the final answer; identical canonical text; choice letters; our
own parser with exact rationals, structure (sets, intervals, tuples, matrices, relations) and
numeric probing, all in this process; then SymPy in a pool of worker processes, under a hard
deadline that kills the work. The gold is parsed once per distinct reference and identical
predictions are judged once (both cached), which is what GRPO's 8-64 rollouts per prompt need.
"""

from __future__ import annotations

import asyncio
import importlib.util
from time import perf_counter
from typing import Any, ClassVar, Literal

from pydantic import Field

from graders.checks.base import ReferenceCheck, excerpt
from graders.checks.extract import ExtractionFailed
from graders.checks.math import mpprobe
from graders.checks.math.compare import Options
from graders.checks.math.judge import Gold, Judgement, judge, prepare_gold
from graders.checks.math.locate import NoAnswer, locate
from graders.checks.math.pool import PoolError, SympyPool
from graders.core.context import GradeContext
from graders.core.errors import GradeFailure
from graders.core.registry import register
from graders.core.result import Result

__all__ = ["Math"]

_POOL_KEY = "math:sympy-pool"
_MPMATH_KEY = "math:mpmath"
_CACHE_KEY = "math:sympy-verdicts"
_CACHE_SIZE = 8192
_HAS_SYMPY = importlib.util.find_spec("sympy") is not None


@register
class Math(ReferenceCheck):
    """The response's final answer is mathematically equivalent to the reference.

    ``input`` is the whole response: the grader finds the final answer itself (``\\boxed{}``,
    ``<answer>`` tags, "the final answer is", ``####``). ``reference`` is the gold as datasets
    store it (``\\frac{1}{2}``, ``[1,2)``, ``x=3``, ``10\\%``, ``\\text{Tuesday}``, ``(B)``,
    or a whole solution ending in ``\\boxed{...}`` or ``#### 72``). The result says what was
    extracted on each side, which tier decided and why."""

    type: Literal["math"] = "math"
    mode: Literal["reward", "lenient"] = "reward"
    """``reward``: only an anchored final answer counts (no reward for the last number of a
    truncated output). ``lenient`` (evaluation): fall back to the last math span or number."""
    percent: Literal["either", "as_written", "fraction"] = "either"
    """When one side has ``%`` and the other not: ``either`` accepts ``12`` or ``0.12`` for
    ``12\\%``; ``as_written`` only ``12``; ``fraction`` only ``0.12``."""
    rounded_gold: bool = True
    """A decimal gold (``0.33``) accepts an exact answer that rounds to it and that no finite
    decimal writes (``1/3``, not ``33/100 + 1/1000``); decimal answers are always compared
    exactly, and no relative tolerance is ever applied."""
    inequalities: bool = True
    """Whether an inequality (``-2 \\le x \\le 7``) may match an interval (``[-2, 7]``)."""
    deadline_s: float = Field(default=5.0, gt=0)
    """A hard limit for one verification; a SymPy tier running past it is killed and the
    result is a ``timeout`` error, not a wrong answer."""
    sympy: bool = True
    """Use the SymPy tier (needs the ``math`` extra) when cheaper tiers cannot decide."""
    workers: int = Field(default=1, ge=1, le=64)
    """SymPy worker processes shared by every ``math`` grader on one event loop."""

    concurrent: ClassVar[bool] = True  # the SymPy tier waits on worker processes
    example: ClassVar[dict[str, Any]] = {
        "type": "math",
        "input": "{{ sample.output_text }}",
        "reference": "{{ item.answer }}",
    }

    @property
    def options(self) -> Options:
        return Options(self.percent, self.rounded_gold, self.inequalities)

    async def grade(self, ctx: GradeContext) -> Result:
        start = perf_counter()
        try:
            text = self.read(ctx)
        except ExtractionFailed as exc:
            return Result(score=0.0, passed=False, reason=str(exc))
        raw_gold = self.read_reference(ctx)
        if not raw_gold.strip():
            raise GradeFailure("bad_reference", "the reference is empty")
        gold = prepare_gold(raw_gold)
        if self.sympy and _HAS_SYMPY:  # start the SymPy workers before anyone waits on them
            ctx.runtime.resource(_POOL_KEY, lambda: SympyPool(self.workers)).warm()
        # import mpmath (about 40 ms) with the first grade, not inside the first answer that
        # needs many-digit probing
        ctx.runtime.resource(_MPMATH_KEY, lambda: mpprobe.backend(60))
        try:
            located = locate(text, lenient=self.mode == "lenient")
        except NoAnswer as exc:
            return self.verdict(False, str(exc), reference=gold.text)
        found = judge(gold, tuple(located.answers), self.options)
        if found.equal and located.afterthought is not None and not gold.multi:
            after = judge(gold, (located.afterthought,), self.options)
            if after.equal is False:
                reason = f"retracted: the response ends with {located.afterthought}"
                found = Judgement(False, reason, "string", found.answer)
        details: dict[str, Any] = {"answer": found.answer, "reference": gold.text}
        details["anchor"] = located.anchor
        if located.superseded:
            details["superseded"] = located.superseded
        if found.equal is None:
            found = await self._sympy_tier(ctx, gold, found, start)
        details["tier"] = found.tier
        ok = bool(found.equal)
        shown = f"{excerpt(found.answer, 40)} {'==' if ok else '!='} {excerpt(gold.text, 40)}"
        return self.verdict(ok, f"{shown} ({found.tier}: {found.reason})", **details)

    async def _sympy_tier(
        self, ctx: GradeContext, gold: Gold, found: Judgement, start: float
    ) -> Judgement:
        if found.too_large:
            raise GradeFailure(
                "too_large", f"answer {excerpt(found.answer)} is too large to compare (refused)"
            )
        if not self.sympy or not _HAS_SYMPY:
            raise GradeFailure(
                "undecided",
                f"cannot decide {excerpt(found.answer)} without the SymPy tier "
                "(pip install 'graders[math]')",
            )
        cache: dict[Any, asyncio.Task[Judgement]] = ctx.runtime.resource(_CACHE_KEY, dict)
        key = (gold.raw, found.answer, self.options)
        task = cache.get(key)
        if task is None:  # identical undecided answers share one worker request
            task = asyncio.ensure_future(self._ask_pool(ctx, found, start))
            cache[key] = task
            if len(cache) > _CACHE_SIZE:
                cache.pop(next(iter(cache)))
        try:
            return await asyncio.shield(task)
        except GradeFailure:
            if cache.get(key) is task:
                del cache[key]  # timeouts and worker failures are not remembered
            raise

    async def _ask_pool(self, ctx: GradeContext, found: Judgement, start: float) -> Judgement:
        pool = ctx.runtime.resource(_POOL_KEY, lambda: SympyPool(self.workers))
        remaining = self.deadline_s - (perf_counter() - start)
        if remaining <= 0:
            raise GradeFailure("timeout", f"deadline_s={self.deadline_s} exceeded")
        assert found.pending is not None
        gold_node, pred_node = found.pending
        try:
            reply = await pool.compare((gold_node, pred_node, self.options), remaining)
        except TimeoutError:
            raise GradeFailure(
                "timeout", f"deadline_s={self.deadline_s} exceeded in the SymPy tier"
            ) from None
        except PoolError as exc:
            raise GradeFailure("worker_error", str(exc)) from None
        if "error" in reply:
            raise GradeFailure("worker_error", f"SymPy tier failed: {reply['error']}")
        equal = reply["equal"]
        reason = reply["reason"] if equal is not None else "not proven equal"
        return Judgement(bool(equal), reason, reply.get("tier", "sympy"), found.answer)
