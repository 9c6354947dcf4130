"""The ``instruction_following`` type: verifiable constraints in the IFEval / IFBench row layout.

A row lists ``instruction_id_list`` and one ``kwargs`` object per instruction; by default both
are read from the item, so an IFEval- or IFBench-style JSONL grades with no conversion::

    {"type": "instruction_following", "mode": "loose", "reward": "all"}

Each instruction becomes a child result with a reason ("found 2 commas", "212 words; needs at
least 300"); the node scores the fraction followed or, with ``reward: all``, 1 only when every
instruction is followed.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, ClassVar, Literal

from pydantic import model_validator

from graders.checks.base import OUTPUT_TEXT
from graders.checks.extract import ExtractionFailed, Steps, run_steps
from graders.checks.ifeval import (  # noqa: F401  (importing them fills the table)
    ifbench_custom,
    ifbench_format,
    ifbench_rules,
    ifeval_rules,
)
from graders.checks.ifeval.ifevalg import IFEVALG_IDS
from graders.checks.ifeval.table import INSTRUCTIONS, Bound, InstructionError, bind
from graders.checks.ifeval.text import TextView
from graders.core.context import GradeContext
from graders.core.errors import GradeFailure
from graders.core.registry import register
from graders.core.result import Result
from graders.spec.base import GraderSpec
from graders.spec.templates import Template, to_text

__all__ = ["InstructionFollowing"]

UNSUPPORTED_NOTE = (
    "Not supported: IFBench's `words:start_verb` and `ratio:stop_words`, which need NLTK's "
    "part-of-speech tagger model and stop-word corpus: NLTK data that no dependency ships, and "
    "nothing is downloaded at run time. Using either is a load error that says so."
)

IFEVALG_NOTE = (
    "IFEvalG, open-instruct's constraint set for RLVR training (Tulu 3, OLMo), is IFEval's 25 "
    "types and the 29 ids listed under it (IFBench's IFTrain). Where one of its checkers decides "
    "against its own instruction, we follow the instruction; each check's docstring says where."
)

_IDS = Template("{{ item.instruction_id_list }}")
_KWARGS = Template("{{ item.kwargs }}")


@lru_cache(maxsize=4096)
def _bind_row(ids: tuple[Any, ...], kwargs_json: str) -> tuple[Bound, ...]:
    kwargs = json.loads(kwargs_json)
    if kwargs is None:
        kwargs = [None] * len(ids)
    if not isinstance(kwargs, list):
        raise InstructionError(f"kwargs must be a list of objects, got {type(kwargs).__name__}")
    if len(kwargs) != len(ids):
        raise InstructionError(
            f"instruction_id_list has {len(ids)} ids but kwargs has {len(kwargs)} objects"
        )
    if not ids:
        raise InstructionError("instruction_id_list is empty")
    return tuple(bind(id, kw) for id, kw in zip(ids, kwargs, strict=True))


def bind_row(ids: Any, kwargs: Any) -> tuple[Bound, ...]:
    """Validate one row's instructions (cached: datasets repeat the same few rows)."""
    if isinstance(ids, str) or not isinstance(ids, list | tuple):
        raise InstructionError(f"instruction_id_list must be a list of ids, got {ids!r}")
    try:
        key = json.dumps(kwargs, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise InstructionError(f"kwargs are not plain JSON values: {exc}") from None
    return _bind_row(tuple(ids), key)


@register
class InstructionFollowing(GraderSpec):
    """Checks verifiable instructions (IFEval's 25 types, IFBench's and IFEvalG's families).

    Strict mode checks the response as written. Loose mode, as in IFEval, also accepts an
    instruction when it holds for the response without its first line, its last line, both,
    or its markdown asterisks. An empty response follows nothing. Unknown ids and bad kwargs
    are load errors when written in the config, sample errors (``bad_instructions``) when read
    from the item; the message names the id and what was expected.
    """

    type: Literal["instruction_following"] = "instruction_following"
    input: Template = OUTPUT_TEXT
    """The response to check; by default the sample's output text."""
    extract: Steps = ()
    """Extraction steps applied first (e.g. ``after_think`` to drop the reasoning)."""
    instruction_id_list: Template | tuple[str, ...] = _IDS
    """The instruction ids, e.g. ``["punctuation:no_comma"]``, or a template reading them."""
    kwargs: Template | tuple[dict[str, Any] | None, ...] | None = None
    """One kwargs object per instruction, or a template reading them; by default
    ``{{ item.kwargs }}`` when the ids are templated, and no kwargs when they are written out."""
    mode: Literal["strict", "loose"] = "strict"
    """``strict``: the response as written; ``loose``: IFEval's loose variants also count (the
    result's details also give ``strict_followed``, so one loose run yields both IFEval
    scores)."""
    reward: Literal["fraction", "all"] = "fraction"
    """``fraction`` of instructions followed, or ``all`` (1 only when every one is)."""

    requires: ClassVar[tuple[str, ...]] = ("langdetect", "numpy", "nltk", "punkt")
    """What every row may need; ``emoji`` and ``syllapy`` (also in the ``ifeval`` extra) are
    asked for only by the rows using ``format:emoji`` or ``words:odd_even_syllables``."""
    extra: ClassVar[str | None] = "ifeval"
    score_range: ClassVar[tuple[float, float] | None] = (0.0, 1.0)
    example: ClassVar[dict[str, Any]] = {
        "type": "instruction_following",
        "instruction_id_list": ["punctuation:no_comma", "length_constraints:number_words"],
        "kwargs": [{}, {"relation": "less than", "num_words": 50}],
        "mode": "loose",
    }

    @classmethod
    def reference_notes(cls) -> str:
        """Every supported instruction id, by benchmark, and what is left out."""
        benchmarks: dict[str, list[str]] = {"IFEval": [], "IFBench": [], "IFEvalG": []}
        for id, entry in sorted(INSTRUCTIONS.items()):
            if id in IFEVALG_IDS:
                name = "IFEvalG"
            elif entry.check.__module__.endswith(".ifeval_rules"):
                name = "IFEval"
            else:
                name = "IFBench"
            benchmarks[name].append(f"`{id}`")
        lines = [f"Supported instruction ids ({len(INSTRUCTIONS)}):", ""]
        lines += [f"- {name} ({len(ids)}): {', '.join(ids)}" for name, ids in benchmarks.items()]
        lines += ["", IFEVALG_NOTE, "", UNSUPPORTED_NOTE]
        return "\n".join(lines)

    @model_validator(mode="after")
    def _literal_rows_are_valid(self) -> InstructionFollowing:
        ids, kwargs = self.instruction_id_list, self.kwargs
        if isinstance(ids, tuple) and not isinstance(kwargs, Template):
            try:
                bind_row(list(ids), None if kwargs is None else list(kwargs))
            except InstructionError as exc:
                raise ValueError(str(exc)) from None
        return self

    def _instructions(self, ctx: GradeContext) -> tuple[Bound, ...]:
        ids: Any = self.instruction_id_list
        if isinstance(ids, Template):
            ids = ids.render_value(ctx)
        kwargs: Any = self.kwargs
        if kwargs is None:
            kwargs = (
                _KWARGS.render_value(ctx)
                if isinstance(self.instruction_id_list, Template)
                else None
            )
        elif isinstance(kwargs, Template):
            kwargs = kwargs.render_value(ctx)
        else:
            kwargs = list(kwargs)
        if isinstance(ids, str):  # a JSON-encoded column
            ids = _decode(ids, "instruction_id_list")
        if isinstance(kwargs, str):
            kwargs = _decode(kwargs, "kwargs")
        try:
            return bind_row(ids, kwargs)
        except InstructionError as exc:
            raise GradeFailure("bad_instructions", str(exc)) from None

    async def grade(self, ctx: GradeContext) -> Result:
        instructions = self._instructions(ctx)
        value = self.input.render_value(ctx)
        try:
            value = run_steps(self.extract, value)
        except ExtractionFailed as exc:
            return Result(score=0.0, passed=False, reason=str(exc))
        text = value if isinstance(value, str) else to_text(value)
        children = self._check_all(text, instructions)
        followed = sum(1 for child in children if child.passed)
        total = len(children)
        score = followed / total if self.reward == "fraction" else float(followed == total)
        reason = f"{followed}/{total} instructions followed ({self.mode})"
        failed = next((c for c in children if not c.passed), None)
        if failed is not None:
            reason += f"; {failed.name}: {failed.reason}"
        details: dict[str, Any] = {"followed": followed, "total": total, "mode": self.mode}
        if self.mode == "loose":  # followed as written: passed, and not through a variant
            details["strict_followed"] = sum(1 for c in children if c.passed and not c.details)
        return Result(
            score=score,
            passed=followed == total,
            reason=reason,
            children=children,
            details=details,
        )

    def _check_all(self, text: str, instructions: tuple[Bound, ...]) -> list[Result]:
        if not text.strip():
            return [self._child(i, b, False, "empty response") for i, b in enumerate(instructions)]
        view = TextView(text)
        children = []
        for index, bound in enumerate(instructions):
            ok, reason = bound.check(view)
            variant = None
            if not ok and self.mode == "loose":
                for label, other in view.variants:
                    loose_ok, loose_reason = bound.check(other)
                    if loose_ok:
                        ok, reason, variant = True, f"{loose_reason} ({label})", label
                        break
            children.append(self._child(index, bound, ok, reason, variant))
        return children

    def _child(
        self, index: int, bound: Bound, ok: bool, reason: str, variant: str | None = None
    ) -> Result:
        return Result(
            score=1.0 if ok else 0.0,
            passed=ok,
            reason=reason,
            type="instruction",
            name=bound.instruction.id,
            path=f"{self.path}.instruction_id_list[{index}]",
            details={"loose_variant": variant} if variant else None,
        )


def _decode(value: str, field: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        raise GradeFailure(
            "bad_instructions", f"{field} is a string that is not JSON: {value[:80]!r}"
        ) from None
