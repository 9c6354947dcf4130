"""Finding the program in a model's output: a fenced block of the right language, or all of it.

``last_block`` (the default) takes the last fenced block tagged with one of the language's names
(```python, ```py, ...) and, when there is none, the last untagged block; ``first_block`` the
first such block; ``whole_output`` the whole text. Only closed fences count, so a completion cut
off inside its code block has no program.
"""

from __future__ import annotations

from typing import Literal

import regex

from graders.sandbox.languages import Language
from graders.spec.fields import REGEX_TIMEOUT_S

__all__ = ["CodeFrom", "extract_code"]

CodeFrom = Literal["last_block", "first_block", "whole_output"]

# a fence at the start of a line: ``` or ~~~ (3 or more), an info string, the body, the same fence
_FENCE = regex.compile(
    r"^[ \t]{0,3}(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)\n"
    r"(?P<body>.*?)^[ \t]{0,3}(?P=fence)[ \t]*$",
    regex.MULTILINE | regex.DOTALL,
)


def extract_code(text: str, language: Language, how: CodeFrom) -> str | None:
    """The program text, or None when the output holds no block for ``language``."""
    if how == "whole_output":
        return text
    tagged: list[str] = []
    untagged: list[str] = []
    for match in _FENCE.finditer(text, timeout=REGEX_TIMEOUT_S):
        info = match.group("info").strip().split()
        tag = info[0].lower().lstrip("{.") if info else ""
        if tag in language.fences or tag == language.name:
            tagged.append(match.group("body"))
        elif not tag:
            untagged.append(match.group("body"))
    blocks = tagged or untagged
    if not blocks:
        return None
    return blocks[-1] if how == "last_block" else blocks[0]
