"""Extraction steps: find the part of an output a check should look at.

``extract: [after_think, last_boxed]`` runs the steps in order on the rendered ``input``. A step
that finds nothing fails the check with a reason ("no \\boxed{} found"): the output did not give
an answer, which scores 0 and says why. Steps are written as a name or as a mapping::

    extract:
      - after_think
      - {step: regex, pattern: "Answer:\\s*(.+)", which: last}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Literal

import regex
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
)

from graders.checks.numbers import NUMBER_TOKEN
from graders.spec.fields import REGEX_TIMEOUT_S, RegexFlag, check_pattern, compile_pattern
from graders.spec.problems import TAG_FIELDS

__all__ = ["STEPS", "Box", "ExtractStep", "ExtractionFailed", "Steps", "find_boxes", "run_steps"]


class ExtractionFailed(Exception):
    """A step found nothing; the message is the reason shown on the result."""


class _Step(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    step: str

    def apply(self, value: Any) -> Any:
        raise NotImplementedError


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class AfterThink(_Step):
    """The text after the last ``</think>``; an unclosed ``<think>`` finds nothing."""

    step: Literal["after_think"] = "after_think"
    tag: str = "think"
    """The reasoning tag's name."""
    required: bool = False
    """Fail when there is no closing tag at all (otherwise the whole text is kept)."""

    def apply(self, value: Any) -> str:
        text = _text(value)
        close = f"</{self.tag}>"
        pos = text.rfind(close)
        if pos >= 0:
            return text[pos + len(close) :].strip()
        if f"<{self.tag}>" in text:
            raise ExtractionFailed(f"<{self.tag}> is never closed (truncated reasoning?)")
        if self.required:
            raise ExtractionFailed(f"no {close} found")
        return text


@dataclass(frozen=True, slots=True)
class Box:
    """One ``\\boxed{...}``: where it starts and ends, and what it holds."""

    start: int
    end: int
    content: str


MAX_BOX_CHARS = 10_000
"""Longer box contents are not answers (and are not returned)."""


def _brace_pairs(text: str) -> dict[int, int]:
    """Each ``{`` position mapped to the end of its group, in one linear pass."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2  # an escaped character (``\\{`` is a literal brace)
            continue
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            pairs[stack.pop()] = i + 1
        i += 1
    return pairs


@lru_cache(maxsize=32)
def _box_pattern(commands: tuple[str, ...]) -> regex.Pattern[str]:
    names = "|".join(regex.escape(c) for c in commands)
    return regex.compile(rf"\\(?:{names})\b(\s*)")


def find_boxes(text: str, commands: tuple[str, ...] = ("boxed", "fbox")) -> list[Box]:
    """Every complete ``\\boxed{...}`` (or ``\\boxed 4``) in ``text``, nested ones included,
    in order of position. Braces are paired once for the whole text, so thousands of boxes
    (or unclosed ones) cost linear time."""
    found: list[Box] = []
    pairs: dict[int, int] | None = None
    for m in _box_pattern(commands).finditer(text, timeout=REGEX_TIMEOUT_S):
        pos = m.end()
        if text.startswith("{", pos):
            if pairs is None:
                pairs = _brace_pairs(text)
            end = pairs.get(pos)
            if end is not None and end - pos <= MAX_BOX_CHARS:
                found.append(Box(m.start(), end, text[pos + 1 : end - 1].strip()))
        elif m[1] and pos < len(text):
            token = _BOX_TOKEN.match(text, pos)
            if token is not None and token[0].rstrip(".,"):
                found.append(Box(m.start(), token.end(), token[0].rstrip(".,")))
    return found


_BOX_TOKEN = regex.compile(r"[^\s$]+")


class LastBoxed(_Step):
    """The content of the last ``\\boxed{...}`` (or ``\\fbox{...}``, or ``\\boxed 4``)."""

    step: Literal["last_boxed"] = "last_boxed"
    commands: tuple[str, ...] = ("boxed", "fbox")
    """The LaTeX commands that mark a final answer."""

    def apply(self, value: Any) -> str:
        boxes = find_boxes(_text(value), self.commands)
        if not boxes:
            names = ", ".join(f"\\{c}{{}}" for c in self.commands)
            raise ExtractionFailed(f"no {names} found")
        return max(boxes, key=lambda b: b.start).content


class LastNumber(_Step):
    """The last number in the text (``1,234.5``, ``-3``, ``7/9``, ``\\frac{1}{2}``, ``12%``)."""

    step: Literal["last_number"] = "last_number"

    def apply(self, value: Any) -> str:
        text = _text(value)
        last = None
        for last in NUMBER_TOKEN.finditer(text, timeout=REGEX_TIMEOUT_S):  # noqa: B007
            pass
        if last is None:
            raise ExtractionFailed("no number found")
        return str(last.group())


class RegexStep(_Step):
    """A capture group of a regular expression's first or last match."""

    step: Literal["regex"] = "regex"
    flags: tuple[RegexFlag, ...] = ()
    """Regular expression flags."""
    pattern: str
    """The regular expression (Python syntax)."""
    group: int | str | None = None
    """The group to keep; by default group 1 when the pattern has groups, else the match."""
    which: Literal["first", "last"] = "last"
    """Which match to use when there are several."""

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str, info: Any) -> str:
        return check_pattern(pattern, info.data.get("flags", ()))

    def apply(self, value: Any) -> str:
        text = _text(value)
        compiled = compile_pattern(self.pattern, self.flags)
        match = None
        if self.which == "first":
            match = compiled.search(text, timeout=REGEX_TIMEOUT_S)
        else:
            for match in compiled.finditer(text, timeout=REGEX_TIMEOUT_S):  # noqa: B007
                pass
        if match is None:
            raise ExtractionFailed(f"no match for {self.pattern!r}")
        group = self.group if self.group is not None else (1 if compiled.groups else 0)
        try:
            found = match.group(group)
        except IndexError:
            raise ExtractionFailed(f"pattern {self.pattern!r} has no group {group!r}") from None
        if found is None:
            raise ExtractionFailed(f"group {group!r} of {self.pattern!r} did not take part")
        return str(found).strip()


class XmlTag(_Step):
    """The content of the first or last ``<tag>...</tag>``."""

    step: Literal["xml_tag"] = "xml_tag"
    tag: str
    """The tag name, e.g. ``answer``."""
    which: Literal["first", "last"] = "last"
    """Which element to use when there are several."""

    def apply(self, value: Any) -> str:
        text = _text(value)
        open_, close = f"<{self.tag}>", f"</{self.tag}>"
        if self.which == "last":
            end = text.rfind(close)
            start = text.rfind(open_, 0, end) if end >= 0 else -1
        else:
            start = text.find(open_)
            end = text.find(close, start + len(open_)) if start >= 0 else -1
        if start < 0 or end < 0:
            raise ExtractionFailed(f"no {open_}...{close} found")
        return text[start + len(open_) : end].strip()


class JsonPath(_Step):
    """A value inside JSON: ``answer.value``, ``items[0].name`` (text is parsed first)."""

    step: Literal["json_path"] = "json_path"
    path: str
    """Dotted keys and ``[index]`` steps; a leading ``$.`` is allowed."""

    @field_validator("path")
    @classmethod
    def _parses(cls, path: str) -> str:
        _split_path(path)
        return path

    def apply(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ExtractionFailed("input is not valid JSON") from None
        for key in _split_path(self.path):
            if isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
                value = value[key]
            elif isinstance(value, dict) and key in value:
                value = value[key]
            else:
                raise ExtractionFailed(f"JSON path {self.path!r} not found at {key!r}")
        return value


def _split_path(path: str) -> list[str | int]:
    body = path[2:] if path.startswith("$.") else path.lstrip("$")
    keys: list[str | int] = []
    for part in body.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("["):
            if not part.endswith("]") or not part[1:-1].lstrip("-").isdigit():
                raise ValueError(f"bad index {part!r} in JSON path {path!r}")
            keys.append(int(part[1:-1]))
        else:
            keys.append(part)
    if not keys:
        raise ValueError(f"empty JSON path {path!r}")
    return keys


class ChoiceLetter(_Step):
    """A multiple-choice letter: ``(B)``, ``answer is C``, ``**D**``, a lone ``A.`` line."""

    step: Literal["choice_letter"] = "choice_letter"
    choices: str = "ABCD"
    """The letters that are valid choices."""

    def apply(self, value: Any) -> str:
        text = _text(value)
        letters = "".join(sorted(set(self.choices)))
        c = f"[{letters}]"
        anchored = compile_pattern(
            rf"(?:answer|choice|option)\s*(?:is|:)?\s*[:\-]?\s*[\(\[*]*\s*({c})\b"
            rf"|\(({c})\)|\*\*({c})\*\*|^\s*({c})\s*[.):]?\s*$|\\boxed\{{\s*\(?({c})\)?\s*\}}",
            ("ignorecase", "multiline"),
        )
        last = None
        for last in anchored.finditer(text, timeout=REGEX_TIMEOUT_S):  # noqa: B007
            pass
        if last is None:
            raise ExtractionFailed(f"no choice letter ({', '.join(letters)}) found")
        letter = next(str(g) for g in last.groups() if g)
        return letter.upper()


STEPS: dict[str, type[_Step]] = {
    cls.model_fields["step"].default: cls
    for cls in (AfterThink, LastBoxed, LastNumber, RegexStep, XmlTag, JsonPath, ChoiceLetter)
}
TAG_FIELDS["step"] = ("extract step", lambda: STEPS)


def _shorthand(value: Any) -> Any:
    if isinstance(value, str):
        return {"step": value}
    return value


def step_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        tag = value.get("step")
        return tag if isinstance(tag, str) else None
    return getattr(value, "step", None)


ExtractStep = Annotated[
    Annotated[
        Annotated[AfterThink, Tag("after_think")]
        | Annotated[LastBoxed, Tag("last_boxed")]
        | Annotated[LastNumber, Tag("last_number")]
        | Annotated[RegexStep, Tag("regex")]
        | Annotated[XmlTag, Tag("xml_tag")]
        | Annotated[JsonPath, Tag("json_path")]
        | Annotated[ChoiceLetter, Tag("choice_letter")],
        Discriminator(step_tag),
    ],
    BeforeValidator(_shorthand),
]
"""One extraction step: a name (``last_boxed``) or a mapping with ``step:``."""

Steps = Annotated[tuple[ExtractStep, ...], Field(default=())]


def run_steps(steps: tuple[_Step, ...], value: Any) -> Any:
    """Apply ``steps`` in order; raises ExtractionFailed naming the step that found nothing."""
    for step in steps:
        try:
            value = step.apply(value)
        except ExtractionFailed as exc:
            raise ExtractionFailed(f"extract {step.step}: {exc}") from None
    return value
