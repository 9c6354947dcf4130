"""IFEvalG's copying and formatting constraints (``copy:``, ``new:copy_span_idx``, its
``detectable_format:`` additions and ``paragraphs:``), with the meaning of open-instruct's
checkers wherever that meaning follows the instruction (the list is in :mod:`.ifevalg`).

Copies are compared in any case with the outer whitespace ignored, as the reference does. Where
a reference checker decides against its own instruction, we follow the instruction; the check's
docstring says how the reference differs and ``tests/checks/ifeval/test_ifevalg.py`` shows each
case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from graders.checks.ifeval.table import Param, instruction
from graders.checks.ifeval.text import STAR_DIVIDER, TextView, divided, rule_sentences

__all__: list[str] = []

Kw = Mapping[str, Any]
Verdict = tuple[bool, str]

_PROMPT = Param("prompt_to_repeat", "str")


def _same(response: str, original: str) -> bool:
    return response.strip().lower() == original.strip().lower()


def _short(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _prompt_given(kw: Kw) -> str | None:
    return None if kw["prompt_to_repeat"].strip() else "prompt_to_repeat must not be blank"


@instruction("copy:copy", _PROMPT, validate=_prompt_given)
def _copy(view: TextView, kw: Kw) -> Verdict:
    """Only the given text, copied (any case; outer whitespace ignored)."""
    ok = _same(view.text, kw["prompt_to_repeat"])
    return ok, "the text copied" if ok else f"not only the text {_short(kw['prompt_to_repeat'])}"


@instruction("copy:copying_multiple", _PROMPT, Param("N", "positive"), validate=_prompt_given)
def _copies(view: TextView, kw: Kw) -> Verdict:
    """Only the given text, N times, the copies separated by ``******``."""
    copies = view.text.split("******")
    if len(copies) != kw["N"]:
        return False, f"{len(copies)} parts separated by ******; needs {kw['N']} copies"
    for number, copy in enumerate(copies, start=1):
        if not _same(copy, kw["prompt_to_repeat"]):
            return False, f"copy {number} is {_short(copy)}, not the text"
    return True, f"{kw['N']} copies of the text"


def _span_fits(kw: Kw) -> str | None:
    prompt, start, end = kw["prompt_to_repeat"], kw["n_start"], kw["n_end"]
    if not start < end <= len(prompt):
        return f"needs n_start < n_end <= {len(prompt)} (the length of prompt_to_repeat)"
    if not prompt[start : end + 1].strip():
        return f"the span {start}..{end} of prompt_to_repeat is blank"
    return None


@instruction(
    "new:copy_span_idx",
    _PROMPT,
    Param("n_start", "int"),
    Param("n_end", "int"),
    validate=_span_fits,
)
def _copy_span(view: TextView, kw: Kw) -> Verdict:
    """Only the characters n_start to n_end of the given text (any case; outer whitespace
    ignored). The instruction says "between (and including)" both indices; the reference
    slices up to n_end and leaves its character out. Either span passes here."""
    prompt, start, end = kw["prompt_to_repeat"], kw["n_start"], kw["n_end"]
    ok = _same(view.text, prompt[start : end + 1]) or _same(view.text, prompt[start:end])
    return ok, "the span copied" if ok else f"not only the span {_short(prompt[start : end + 1])}"


def _phrase_fits(kw: Kw) -> str | None:
    n = len(kw["phrase"].split())
    return (
        None if n >= 3 else f"phrase must have 3 or more words (a middle one to replace), got {n}"
    )


@instruction(
    "copy:repeat_phrase",
    Param("phrase", "str"),
    Param("small_n", "positive"),
    validate=_phrase_fits,
)
def _repeat_phrase(view: TextView, kw: Kw) -> Verdict:
    """The phrase appears exactly small_n times, each time with exactly one word changed (found
    from its first word to its last on one line; case and punctuation as written). The
    reference also finds the first and last words inside longer words ("foxes" for "fox")."""
    phrase = kw["phrase"].split()
    pattern = rf"(?<!\w){re.escape(phrase[0])} .*? {re.escape(phrase[-1])}(?!\w)"
    found = re.findall(pattern, view.text)
    if len(found) != kw["small_n"]:
        return False, f"the phrase appears {len(found)} times; needs {kw['small_n']}"
    for number, repeat in enumerate(found, start=1):
        words = repeat.split()
        if len(words) != len(phrase):
            return False, f"repetition {number} has {len(words)} words; the phrase {len(phrase)}"
        changed = sum(1 for a, b in zip(words, phrase, strict=True) if a != b)
        if changed != 1:
            return False, f"repetition {number} changes {changed} words; needs exactly 1"
    return True, f"{len(found)} repetitions, each with one word changed"


@instruction("detectable_format:sentence_hyphens")
def _hyphens(view: TextView, kw: Kw) -> Verdict:
    """The sentences (IFBench's rule-based splitter) joined by hyphens with no spaces around
    them, and no other hyphen; one sentence alone passes. The outer whitespace is ignored (as
    open-instruct's verifier strips a response before its checkers see it)."""
    text = view.text.strip()
    pieces = text.split("-")
    sentences = rule_sentences(text.replace("-", " "))
    for number, (piece, sentence) in enumerate(zip(pieces, sentences, strict=False), start=1):
        if piece != piece.strip():
            return False, f"part {number} {_short(piece)} has a space next to a hyphen"
        if piece != sentence:
            return False, f"{_short(piece)} between hyphens is not one sentence"
    if len(pieces) != len(sentences):
        return False, f"{len(sentences)} sentences in {len(pieces)} hyphen-joined parts"
    return True, f"{len(sentences)} sentences joined by hyphens"


@instruction("detectable_format:square_brackets")
def _square_brackets(view: TextView, kw: Kw) -> Verdict:
    """Every whitespace-separated word starts with ``[`` and ends with ``]``."""
    for word in view.text.split():
        if not (word.startswith("[") and word.endswith("]")):
            return False, f"{word!r} is not in square brackets"
    return True, "every word in square brackets"


def _closes(word: str) -> bool:
    return word.rstrip(".,;:!?").endswith(">>")


@instruction("detectable_format:bigram_wrapping")
def _bigrams(view: TextView, kw: Kw) -> Verdict:
    """Every pair of words, in order, is wrapped as ``<<word word>>`` (punctuation may follow);
    with an odd count the last word is wrapped alone. The reference leaves an odd last word
    unchecked, so a one-word answer passes there, and takes ``<<I>> <<am>>`` for a bigram."""
    words = view.text.split()
    for index in range(0, len(words), 2):
        pair = words[index : index + 2]
        if len(pair) == 2:
            first, second = pair
            ok = first.startswith("<<") and not first.endswith(">>")
            ok = ok and _closes(second) and not second.startswith("<<")
        else:
            ok = pair[0].startswith("<<") and _closes(pair[0])
        if not ok:
            return False, f"{' '.join(pair)!r} is not a wrapped bigram"
    return True, f"{len(words)} words in wrapped bigrams"


@instruction("paragraphs:paragraphs")
def _two_star_paragraphs(view: TextView, kw: Kw) -> Verdict:
    """Exactly 2 paragraphs separated by the markdown divider ``***``, none empty."""
    return _two(divided(view.text, STAR_DIVIDER), "*** dividers")


@instruction("paragraphs:paragraphs2")
def _two_blank_line_paragraphs(view: TextView, kw: Kw) -> Verdict:
    """Exactly 2 paragraphs separated by two line breaks (``\\n\\n``), none empty: four line
    breaks in a row leave an empty paragraph between them."""
    return _two(divided(view.text, r"\n\n"), "blank lines")


def _two(paragraphs: list[str] | None, dividers: str) -> Verdict:
    if paragraphs is None:
        return False, f"an empty paragraph between {dividers}"
    n = len(paragraphs)
    return n == 2, f"{n} paragraph{'' if n == 1 else 's'}; needs 2"
