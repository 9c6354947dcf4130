"""The table of instruction checks: each id, the kwargs it takes, and a small check function.

An entry is declared with :func:`instruction` on a function ``check(view, kwargs) -> (ok,
reason)``; its parameters are :class:`Param` s, ``requires`` names the packages its check
imports (only rows using it need them), and ``validate`` rejects kwargs that are fine one by one
but impossible together. :func:`alias` lists an existing check under a second id (benchmarks
that name the same check differently). :func:`bind` validates one row's id and kwargs against
the table, so an unknown or unsupported id, a bad kwarg or a missing package is reported with the
id and what was expected, before any response is checked. ``None`` values are ignored, as in the
IFEval and IFBench datasets, whose rows list every kwarg name with ``null`` for the unused ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from difflib import get_close_matches
from importlib.util import find_spec
from typing import Any, Literal

from graders.checks.ifeval.text import TextView

__all__ = [
    "INSTRUCTIONS",
    "RELATIONS",
    "UNSUPPORTED",
    "Bound",
    "Instruction",
    "InstructionError",
    "Param",
    "alias",
    "bind",
    "compare",
    "instruction",
]

Kind = Literal[
    "int", "positive", "number", "str", "word", "words", "relation", "letter", "language"
]
Check = Callable[[TextView, Mapping[str, Any]], tuple[bool, str]]
Validate = Callable[[Mapping[str, Any]], str | None]
"""Says what is wrong with a row's (individually valid) kwargs together, or None."""

WHERE_LISTED = (
    "the supported ids are listed under instruction_following in docs/grader-types.md "
    "(and in graders.checks.ifeval.INSTRUCTIONS)"
)

RELATIONS = ("less than", "at least")
"""IFEval's comparison relations."""

_KIND_TEXT = {
    "int": "a non-negative integer",
    "positive": "a positive integer",
    "number": "a number",
    "str": "a string",
    "word": "one word (letters or digits, no spaces)",
    "words": "a list of strings",
    "relation": "'less than' or 'at least'",
    "letter": "one letter a-z",
    "language": "a language code langdetect knows (en, de, zh-cn, ...)",
}


class InstructionError(ValueError):
    """An unknown instruction id, or kwargs that do not fit the instruction."""


@dataclass(frozen=True, slots=True)
class Param:
    """One kwarg of an instruction."""

    name: str
    kind: Kind
    required: bool = True

    def convert(self, value: Any) -> Any:
        """The validated value; raises ValueError saying what was expected."""
        kind = self.kind
        if kind in ("int", "positive", "number"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError
            if kind == "number":
                return float(value)
            if value != int(value) or value < (1 if kind == "positive" else 0):
                raise ValueError
            return int(value)
        if kind == "words":
            if isinstance(value, str) or not isinstance(value, list | tuple):
                raise ValueError
            if not all(isinstance(w, str) and w.strip() for w in value):
                raise ValueError
            return tuple(value)
        if not isinstance(value, str):
            raise ValueError
        if kind == "relation" and value not in RELATIONS:
            raise ValueError
        if kind == "word":
            value = value.strip()
            if not _WORD.search(value) or any(ch.isspace() for ch in value):
                raise ValueError
        if kind == "letter":
            value = value.strip().lower()
            if len(value) != 1 or not "a" <= value <= "z":
                raise ValueError
        if kind == "language":
            from graders.checks.ifeval.text import language_codes

            if value not in language_codes():
                raise ValueError
        return value

    def describe(self) -> str:
        return f"{self.name}: {_KIND_TEXT[self.kind]}" + ("" if self.required else " (optional)")


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instruction type: its id, kwargs and check."""

    id: str
    params: tuple[Param, ...]
    check: Check
    doc: str
    requires: tuple[str, ...] = ()
    validate: Validate | None = None

    def expected(self) -> str:
        if not self.params:
            return "no kwargs"
        return "kwargs " + ", ".join(p.describe() for p in self.params)


INSTRUCTIONS: dict[str, Instruction] = {}
"""Every known instruction, by id (IFEval's 25, the IFBench families, IFEvalG's additions)."""

UNSUPPORTED = {
    "words:start_verb": "it needs NLTK's part-of-speech tagger model",
    "ratio:stop_words": "it needs NLTK's stop-word corpus",
}
"""Ids of the benchmarks that code here cannot check, and why (NLTK data that no dependency
ships, and nothing is downloaded at run time)."""

_WORD = re.compile(r"\w")


def instruction(
    id: str, *params: Param, requires: tuple[str, ...] = (), validate: Validate | None = None
) -> Callable[[Check], Check]:
    """Add the decorated check to the table under ``id``; ``requires``: modules it imports;
    ``validate``: what to say about kwargs that cannot go together."""

    def add(check: Check) -> Check:
        _add(Instruction(id, params, check, (check.__doc__ or "").strip(), requires, validate))
        return check

    return add


def alias(id: str, of: str) -> None:
    """List the instruction ``of`` under ``id`` too (same kwargs, same check)."""
    _add(replace(INSTRUCTIONS[of], id=id))


def _add(entry: Instruction) -> None:
    if entry.id in INSTRUCTIONS:
        raise ValueError(f"instruction {entry.id!r} is declared twice")
    INSTRUCTIONS[entry.id] = entry


@dataclass(frozen=True, slots=True)
class Bound:
    """An instruction with validated kwargs, ready to check responses."""

    instruction: Instruction
    kwargs: Mapping[str, Any]

    def check(self, view: TextView) -> tuple[bool, str]:
        return self.instruction.check(view, self.kwargs)


def bind(id: Any, kwargs: Any) -> Bound:
    """Validate one instruction id and its kwargs; raises InstructionError naming both."""
    if not isinstance(id, str):
        raise InstructionError(f"an instruction id must be a string, got {id!r}")
    entry = INSTRUCTIONS.get(id)
    if entry is None and id in UNSUPPORTED:
        raise InstructionError(f"{id} is not supported: {UNSUPPORTED[id]}; {WHERE_LISTED}")
    if entry is None:
        near = get_close_matches(id, list(INSTRUCTIONS), n=1, cutoff=0.75)
        hint = f" (did you mean {near[0]!r}?)" if near else f"; {WHERE_LISTED}"
        raise InstructionError(f"unknown instruction id {id!r}{hint}")
    missing = [module for module in entry.requires if not _importable(module)]
    if missing:
        raise InstructionError(
            f"{id}: needs the {missing[0]!r} package: pip install 'graders[ifeval]'"
        )
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, Mapping):
        raise InstructionError(f"{id}: kwargs must be an object, got {type(kwargs).__name__}")
    given = {k: v for k, v in kwargs.items() if v is not None}
    names = {p.name for p in entry.params}
    unknown = sorted(set(given) - names)
    if unknown:
        raise InstructionError(
            f"{id}: unexpected kwarg {unknown[0]!r}; expected {entry.expected()}"
        )
    values: dict[str, Any] = {}
    for param in entry.params:
        if param.name not in given:
            if param.required:
                raise InstructionError(
                    f"{id}: missing kwarg {param.name!r}; expected {entry.expected()}"
                )
            continue
        try:
            values[param.name] = param.convert(given[param.name])
        except ValueError:
            raise InstructionError(
                f"{id}: kwarg {param.name}={given[param.name]!r} must be {_KIND_TEXT[param.kind]}"
            ) from None
    problem = entry.validate(values) if entry.validate is not None else None
    if problem:
        raise InstructionError(f"{id}: {problem}")
    return Bound(entry, values)


def _importable(module: str) -> bool:
    try:
        return find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def compare(
    count: int | float, relation: str, threshold: int | float, what: str
) -> tuple[bool, str]:
    """IFEval's comparison: ``less than`` is ``<``, ``at least`` is ``>=``; with a reason."""
    ok = count < threshold if relation == "less than" else count >= threshold
    return ok, f"{count} {what}; needs {relation} {threshold}"
