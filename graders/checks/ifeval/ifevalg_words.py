"""IFEvalG's word, keyword, letter and counting constraints, with the meaning of open-instruct's
checkers wherever that meaning follows the instruction (the list is in :mod:`.ifevalg`).

Keywords are literal text counted as case-insensitive substrings, as in ``keywords:frequency``;
"words" are whitespace-separated, and a word's first or last word is compared without the
punctuation and markdown around it. Where a reference checker decides against its own
instruction, we follow the instruction; the check's docstring says how the reference differs and
``tests/checks/ifeval/test_ifevalg.py`` shows each case.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from graders.checks.ifeval.table import Param, compare, instruction
from graders.checks.ifeval.text import TextView, divided, rule_sentences

__all__: list[str] = []

Kw = Mapping[str, Any]
Verdict = tuple[bool, str]

_EDGES = re.compile(r"^\W+|\W+$")
_WORD_CHAR = re.compile(r"\w")
_LOWERCASE_WORD = re.compile(r"\b[a-z]+\b")
_LETTERS = frozenset(string.ascii_lowercase)


def _bare(word: str) -> str:
    """The word without the punctuation, symbols and markdown around it, lowercased."""
    return _EDGES.sub("", word).lower()


def _words(text: str) -> list[str]:
    """Whitespace-separated words that hold a letter or digit (a lone "-" or "**" is none)."""
    return [w for w in text.split() if _WORD_CHAR.search(w)]


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _blank(*names: str) -> Any:
    """A validator: none of the named string kwargs may be blank."""

    def validate(kw: Kw) -> str | None:
        blank = [name for name in names if not kw[name].strip()]
        return f"{blank[0]} must not be blank" if blank else None

    return validate


def _occurrences(view: TextView, keyword: str) -> int:
    return view.lower.count(keyword.strip().lower())


@instruction("keywords:word_once", Param("keyword", "str"), validate=_blank("keyword"))
def _word_once(view: TextView, kw: Kw) -> Verdict:
    """The keyword occurs exactly once (any case, substrings count, as ``keywords:frequency``)."""
    n = _occurrences(view, kw["keyword"])
    return n == 1, f"{kw['keyword'].strip()!r} appears {_times(n)}; needs exactly once"


@instruction(
    "count:count_increment_word",
    Param("keyword1", "str"),
    Param("keyword2", "str"),
    validate=_blank("keyword1", "keyword2"),
)
def _increment(view: TextView, kw: Kw) -> Verdict:
    """keyword1 occurs exactly once and keyword2 exactly twice (any case, substrings count)."""
    for name, wanted in (("keyword1", 1), ("keyword2", 2)):
        n = _occurrences(view, kw[name])
        if n != wanted:
            return False, f"{kw[name].strip()!r} appears {_times(n)}; needs {_times(wanted)}"
    return True, "keyword1 once, keyword2 twice"


@instruction("keywords:exclude_word_harder", Param("keyword", "str"), validate=_blank("keyword"))
def _exclude(view: TextView, kw: Kw) -> Verdict:
    """The keyword does not appear as a word (any case). The reference looks for it only between
    two spaces, so it misses the keyword at the start or end of the response or before
    punctuation; those uses break the instruction here."""
    keyword = kw["keyword"].strip()
    pattern = r"(?<!\w)" + re.escape(keyword) + r"(?!\w)"
    found = re.search(pattern, view.text, flags=re.IGNORECASE)
    return found is None, f"uses {found.group(0)!r}" if found else f"no {keyword!r}"


@instruction("keywords:no_adjacent_consecutive")
def _no_adjacent(view: TextView, kw: Kw) -> Verdict:
    """No word is followed by one starting with the next letter of the alphabet (a then b; z
    does not wrap). A word's letter is its first character after any punctuation. The reference
    compares the first characters whatever they are, so "1 2" breaks the rule there and
    ``"apple banana`` (after a quote) does not; here only letters a-z count."""
    initials = [(w, _bare(w)[:1]) for w in view.text.split()]
    for (word, a), (after, b) in pairwise(initials):
        if a in _LETTERS and b in _LETTERS and ord(b) - ord(a) == 1:
            return False, f"{word!r} then {after!r} start with consecutive letters"
    return True, "no adjacent words start with consecutive letters"


_FIRST_WORD = Param("first_word", "word")
_LAST_WORD = Param("last_word", "word")


def _sentences(view: TextView) -> list[list[str]]:
    """The words of each rule-based sentence that has any (a lone "!" left by "!!" is none)."""
    words = (_words(sentence) for sentence in view.rule_sentences)
    return [w for w in words if w]


def _every_sentence(view: TextView, wanted: str, index: int, verb: str) -> Verdict:
    sentences = _sentences(view)
    if not sentences:
        return False, "no sentences"
    for number, words in enumerate(sentences, start=1):
        found = _bare(words[index])
        if found != _bare(wanted):
            return False, f"sentence {number} {verb}s with {found!r}; needs {wanted!r}"
    return True, f"all {len(sentences)} sentences {verb} with {wanted!r}"


@instruction("first_word:first_word_sent", _FIRST_WORD)
def _first_word_sentences(view: TextView, kw: Kw) -> Verdict:
    """Every sentence (IFBench's rule-based splitter) starts with the word, in any case. The
    reference compares the first word with its punctuation, so "However, ..." does not start
    with ``However`` there; here it does."""
    return _every_sentence(view, kw["first_word"], 0, "start")


@instruction("last_word:last_word_sent", _LAST_WORD)
def _last_word_sentences(view: TextView, kw: Kw) -> Verdict:
    """Every sentence ends with the word before its punctuation, in any case."""
    return _every_sentence(view, kw["last_word"], -1, "end")


def _response_word(view: TextView, wanted: str, index: int, where: str) -> Verdict:
    words = _words(view.text)
    if not words:
        return False, "no words"
    found = _bare(words[index])
    return found == _bare(wanted), f"{where} {found!r}; needs {wanted!r}"


@instruction("first_word:first_word_answer", _FIRST_WORD)
def _first_word(view: TextView, kw: Kw) -> Verdict:
    """The response starts with the word, in any case, punctuation and markdown around it
    ignored (the reference keeps them: "Yes, ..." does not start with ``Yes`` there)."""
    return _response_word(view, kw["first_word"], 0, "starts with")


@instruction("last_word:last_word_answer", _LAST_WORD)
def _last_word(view: TextView, kw: Kw) -> Verdict:
    """The response's last word is the word, in any case, punctuation around it ignored."""
    return _response_word(view, kw["last_word"], -1, "ends with")


@instruction("letters:letter_counting", Param("N", "int"), Param("relation", "relation"))
def _letter_count(view: TextView, kw: Kw) -> Verdict:
    """Letters a-z (either case; accented and other scripts' letters are not counted) number
    less than / at least N."""
    n = sum(1 for ch in view.lower if ch in _LETTERS)
    return compare(n, kw["relation"], kw["N"], "letters a-z")


@instruction("count:lowercase_counting", Param("N", "int"))
def _lowercase_words(view: TextView, kw: Kw) -> Verdict:
    """At most N lowercase words in all (whole words of letters a-z). "All lowercase words
    should appear at most N times" could also mean each word; the reference counts them all."""
    n = len(_LOWERCASE_WORD.findall(view.text))
    return n <= kw["N"], f"{n} lowercase words; needs at most {kw['N']}"


@instruction("count:count_unique")
def _unique(view: TextView, kw: Kw) -> Verdict:
    """No word is used twice (any case, punctuation around words ignored). The reference
    compares ``nltk.word_tokenize`` tokens as written, so a second "." (a second sentence) is a
    repeated word there, and "The" and "the" are different words."""
    counts = Counter(_bare(w) for w in _words(view.text))
    repeated = [word for word, n in counts.items() if n > 1]
    if repeated:
        return False, f"{repeated[0]!r} appears {counts[repeated[0]]} times"
    return True, f"all {len(counts)} words unique"


_DIVIDERS = r"\s?(?:\*\*\*|\* \* \*)\s?"


@instruction(
    "count:counting_composition", Param("n_sent", "positive"), Param("n_words", "positive")
)
def _composition(view: TextView, kw: Kw) -> Verdict:
    """Three paragraphs divided by ``***`` or ``* * *``, each of exactly n_sent sentences of
    exactly n_words words. The instruction writes the divider ``* * *``, which the reference
    does not split on; it also counts punctuation tokens as words ("I am here." is 4 there) and
    rejects a divider before the first paragraph or after the last. Here words are words."""
    paragraphs = divided(view.text, _DIVIDERS)
    if paragraphs is None:
        return False, "an empty paragraph between dividers"
    if len(paragraphs) != 3:
        return False, f"{len(paragraphs)} paragraphs; needs 3"
    n_sent, n_words = kw["n_sent"], kw["n_words"]
    for p, paragraph in enumerate(paragraphs, start=1):
        sentences = [words for s in rule_sentences(paragraph) if (words := _words(s))]
        if len(sentences) != n_sent:
            return False, f"paragraph {p} has {len(sentences)} sentences; needs {n_sent}"
        for s, words in enumerate(sentences, start=1):
            if len(words) != n_words:
                return False, f"paragraph {p} sentence {s} has {len(words)} words; needs {n_words}"
    return True, f"3 paragraphs of {n_sent} sentences of {n_words} words"


_SPAN_WORDS = 12
_SPAN_LETTERS = 7


def _palindrome(text: str, least: int) -> bool:
    return len(text) >= least and text == text[::-1]


@instruction("keywords:palindrome")
def _includes_palindrome(view: TextView, kw: Kw) -> Verdict:
    """A palindrome: a word of 3 or more letters that reads the same backwards (any case;
    digits do not count, so "2.82" is none), or a run of words that does once spaces and
    punctuation are gone ("Never odd or even"; 7 or more letters, up to 12 words). The
    reference counts any word equal to its reverse as written, so "a", "I" or "-" pass there
    and "Level" does not."""
    words = view.text.split()
    keys = ["".join(ch for ch in w.lower() if ch.isalpha()) for w in words]
    for start, key in enumerate(keys):
        if _palindrome(key, 3):
            return True, f"palindrome {words[start]!r}"
        run = key
        for end in range(start + 1, min(start + _SPAN_WORDS, len(keys))):
            run += keys[end]
            if _palindrome(run, _SPAN_LETTERS):
                return True, f"palindrome {' '.join(words[start : end + 1])!r}"
    return False, "no palindrome"


@instruction("keywords:start_end")
def _start_end(view: TextView, kw: Kw) -> Verdict:
    """The first and last ``nltk.word_tokenize`` tokens are the same word (any case), so nothing,
    not even punctuation, follows the last word. The reference also accepts punctuation at both
    ends ("! Hi !"); here both ends must be words."""
    tokens = view.tokens
    if len(tokens) < 2:
        return False, f"{len(tokens)} tokens; needs a first and a last word"
    first, last = tokens[0], tokens[-1]
    for name, token in (("starts", first), ("ends", last)):
        if not _WORD_CHAR.search(token):
            return False, f"{name} with {token!r}, not a word"
    ok = first.lower() == last.lower()
    return ok, f"starts with {first!r}, ends with {last!r}"


def _no_mark(view: TextView, mark: str, name: str) -> Verdict:
    # NFKC spells out look-alikes: "…" is "...", a fullwidth "！" is "!"
    n = unicodedata.normalize("NFKC", view.text).count(mark)
    return n == 0, f"found {n} {name if n == 1 else name + 's'}" if n else f"no {name}s"


@instruction("punctuation:punctuation_dot")
def _no_dot(view: TextView, kw: Kw) -> Verdict:
    """No dot at all, counting the dots of "…" and of fullwidth or other compatibility forms
    (the reference sees only ASCII "."; an ellipsis character would get past it)."""
    return _no_mark(view, ".", "dot")


@instruction("punctuation:punctuation_exclamation")
def _no_exclamation(view: TextView, kw: Kw) -> Verdict:
    """No exclamation mark at all, counting compatibility forms such as "！" and "‼"."""
    return _no_mark(view, "!", "exclamation mark")
