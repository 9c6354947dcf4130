"""Text normalizers applied before comparing: ``normalize: [strip, lowercase, ...]``.

They run in the order written, on the input and on the reference alike. ``remove_articles``
and ``strip_punctuation`` follow SQuAD's answer normalization: ``strip_punctuation`` removes
every character of Python's ``string.punctuation`` as SQuAD does (ASCII symbols such as ``$ + < =
> ^ ` | ~`` included, so ``$5`` matches ``5``) and also every Unicode punctuation character, so
``“quotes”`` and ``¿`` go too.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Literal

import regex

__all__ = ["NORMALIZERS", "Normalizer", "compose"]

Normalizer = Literal[
    "strip", "lowercase", "collapse_whitespace", "nfkc", "strip_punctuation", "remove_articles"
]

_SPACES = regex.compile(r"\s+")
_PUNCT = regex.compile(r"[\p{P}" + regex.escape(string.punctuation) + "]+")
"""Unicode punctuation plus SQuAD's ASCII set (``string.punctuation`` has symbols not in \\p{P})."""
_ARTICLES = regex.compile(r"\b(?:a|an|the)\b", regex.IGNORECASE)


def _collapse(text: str) -> str:
    return str(_SPACES.sub(" ", text)).strip()


def _remove_articles(text: str) -> str:
    # articles become spaces (as in SQuAD) so the words beside them stay apart
    return str(_ARTICLES.sub(" ", text))


NORMALIZERS: dict[str, Callable[[str], str]] = {
    "strip": str.strip,
    "lowercase": str.casefold,
    "collapse_whitespace": _collapse,
    "nfkc": lambda text: unicodedata.normalize("NFKC", text),
    "strip_punctuation": lambda text: str(_PUNCT.sub("", text)),
    "remove_articles": _remove_articles,
}


@lru_cache(maxsize=256)
def compose(names: tuple[str, ...]) -> Callable[[str], str] | None:
    """One function applying ``names`` in order; None when there is nothing to apply."""
    funcs = [NORMALIZERS[n] for n in names]
    if not funcs:
        return None
    if len(funcs) == 1:
        return funcs[0]

    def apply(text: str) -> str:
        for func in funcs:
            text = func(text)
        return text

    return apply
