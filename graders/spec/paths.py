"""JSON paths as shown to users: ``$.graders.answer``, ``$.cases[3].expect``, ``$['my key']``."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["join", "render"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def join(path: str, key: str | int) -> str:
    """``path`` extended by one mapping key or list index."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _IDENT.match(key):
        return f"{path}.{key}"
    return f"{path}[{key!r}]"


def render(keys: Iterable[str | int]) -> str:
    """A tuple of keys as a path from the root ``$``."""
    path = "$"
    for key in keys:
        path = join(path, key)
    return path
