"""OpenAI's ``python`` grader: ``source`` defines ``grade(sample, item) -> float``.

Loads unchanged from OpenAI grader JSON (``type``, ``name``, ``source``, ``image_tag``,
``pass_threshold``) and runs the source in the same sandbox as model programs, because it reads
the model's output: no network, and OpenAI's documented limits as defaults (2 GB of memory,
2 minutes, source under 256 kB). ``grade`` gets ``sample`` (``output_text``, ``output_json``,
``output_tools`` and graders' other sample fields) and ``item``; its return value, a number, is
the score. A grader that raises, runs out of time or memory, or returns something that is not a
number is an error on the result (abstain by default), never a silent 0.
"""

from __future__ import annotations

import json
import math
from typing import Any, ClassVar, Literal

from pydantic import field_validator

from graders.checks.code.options import SandboxOptions, open_backend
from graders.checks.code.report import run_details
from graders.checks.code.verdicts import Verdict, classify, read_records
from graders.core.context import GradeContext
from graders.core.errors import GradeFailure
from graders.core.registry import register
from graders.core.result import Result
from graders.sandbox.languages import LANGUAGES
from graders.sandbox.limits import Limits
from graders.sandbox.payload import codec
from graders.sandbox.runs import Program, SandboxError, Task
from graders.spec.base import GraderSpec

__all__ = ["MAX_SOURCE_BYTES", "PythonGrader"]

MAX_SOURCE_BYTES = 256 * 1024
"""OpenAI's limit on a python grader's source."""

_FAILURE_KIND = {Verdict.TLE: "timeout", Verdict.MLE: "memory_limit", Verdict.OLE: "output_limit"}


def sample_view(ctx: GradeContext) -> dict[str, Any]:
    """The ``sample`` argument: OpenAI's fields (``output_json`` None when the text is not JSON)."""
    data = ctx.sample.to_dict()
    if "output_json" not in data:
        try:
            data["output_json"] = json.loads(ctx.sample.output_text)
        except ValueError:
            data["output_json"] = None
    data.setdefault("output_tools", [])
    return data


@register
class PythonGrader(GraderSpec):
    """OpenAI's python grader: runs ``grade(sample, item)`` from ``source`` in the sandbox."""

    type: Literal["python"] = "python"
    source: str
    """Python source defining ``grade(sample, item) -> float``."""
    image_tag: str | None = None
    """Accepted for OpenAI compatibility; the sandbox's own Python runs the source."""
    limits: Limits = Limits(cpu_s=120.0, wall_s=120.0, memory_mb=2048, stdout_mb=1.0)
    """Limits of one ``grade`` call (OpenAI's: 2 minutes, 2 GB)."""
    sandbox: SandboxOptions = SandboxOptions()
    """Where and how the source runs."""

    concurrent: ClassVar[bool] = True
    example: ClassVar[dict[str, Any]] = {
        "type": "python",
        "name": "contains_answer",
        "source": (
            "def grade(sample, item) -> float:\n"
            "    return 1.0 if item['answer'] in sample['output_text'] else 0.0\n"
        ),
    }

    @field_validator("source")
    @classmethod
    def _source_size(cls, value: str) -> str:
        size = len(value.encode())
        if size > MAX_SOURCE_BYTES:
            raise ValueError(f"source is {size} bytes; the limit is {MAX_SOURCE_BYTES} (256 kB)")
        if "grade" not in value:
            raise ValueError("source must define grade(sample, item)")
        return value

    def environment_problems(self) -> list[str]:
        return self.sandbox.problems()

    async def grade(self, ctx: GradeContext) -> Result:
        data = {"sample": sample_view(ctx), "item": ctx.item}
        try:
            json.dumps(data)
        except (TypeError, ValueError) as exc:
            raise GradeFailure("bad_sample", f"sample or item is not JSON data: {exc}") from None
        backend = open_backend(ctx, self.sandbox, self.limits)
        try:
            program = Program(LANGUAGES["python"], self.source, self.limits, self.sandbox.mode)
            async with backend.session(program) as session:
                outcome = await session.run(Task("grade", data=data))
                isolation = session.isolation
        except SandboxError as exc:
            raise GradeFailure("sandbox_error", str(exc)) from None
        details = {"isolation": isolation, **run_details(outcome)}
        ended = classify(outcome, self.limits)
        if ended is not None:
            kind = _FAILURE_KIND.get(
                ended.verdict, "sandbox_error" if ended.verdict == Verdict.SE else "grader_error"
            )
            raise GradeFailure(kind, f"grade() {ended.verdict.meaning}: {ended.message}", **details)
        score = _score(read_records(outcome.result) or [])
        return Result(score=score, reason=f"grade() returned {score:g}", details=details)


def _score(records: list[dict[str, Any]]) -> float:
    values = [r for r in records if "value" in r or "unserializable" in r]
    if len(values) != 1:
        raise GradeFailure("grader_error", "grade() returned nothing (the source exited first)")
    if "unserializable" in values[0]:
        raise GradeFailure(
            "bad_score", f"grade() returned {values[0]['unserializable']}, not a number"
        )
    try:
        value = codec.from_json(values[0]["value"])
    except (ValueError, RecursionError):
        raise GradeFailure(
            "bad_score", "grade() returned a value the grader could not read"
        ) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GradeFailure(
            "bad_score", f"grade() returned {type(value).__name__} {value!r:.60}, not a number"
        )
    score = float(value)
    if not math.isfinite(score):
        raise GradeFailure("bad_score", f"grade() returned {score}")
    return score
