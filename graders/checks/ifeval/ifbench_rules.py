"""IFBench's constraint families that code can check without a model, with IFBench's meaning.

"Words" here are what IFBench counts in each family (whitespace-split, punctuation stripped, or
``nltk.word_tokenize`` tokens); sentences come from IFBench's rule-based splitter. Format,
keyword-position and repeat families are in :mod:`.ifbench_format`, the one-off ``custom:*``
prompts in :mod:`.ifbench_custom`. Not implemented: ``words:start_verb`` (needs NLTK's
part-of-speech tagger model) and ``ratio:stop_words`` (needs NLTK's stop-word corpus): NLTK data
that no dependency ships, and nothing is downloaded at run time."""

from __future__ import annotations

import itertools
import re
import string
from collections import Counter
from collections.abc import Mapping
from typing import Any

from graders.checks.ifeval.table import Param, instruction
from graders.checks.ifeval.text import TextView

__all__: list[str] = []

Kw = Mapping[str, Any]
Verdict = tuple[bool, str]
_P = string.punctuation
_NO_PUNCT = str.maketrans("", "", _P)


def _stripped_words(text: str) -> list[str]:
    """Whitespace-split words with punctuation removed everywhere."""
    return text.translate(_NO_PUNCT).split()


@instruction("count:word_count_range", Param("min_words", "int"), Param("max_words", "int"))
def _word_range(view: TextView, kw: Kw) -> Verdict:
    """Between min and max words (runs of ``\\w``), inclusive."""
    n = view.word_count
    return kw["min_words"] <= n <= kw[
        "max_words"
    ], f"{n} words; needs {kw['min_words']}-{kw['max_words']}"


@instruction("count:unique_word_count", Param("N", "int"))
def _unique_words(view: TextView, kw: Kw) -> Verdict:
    """At least N distinct lowercased words (outer punctuation stripped)."""
    unique = {w.strip(_P + " ") for w in view.lower.split()}
    return len(unique) >= kw["N"], f"{len(unique)} unique words; needs at least {kw['N']}"


def _sentence_kinds(view: TextView) -> tuple[int, int, int]:
    sentences = view.rule_sentences
    return tuple(sum(1 for s in sentences if s.endswith(m)) for m in ".?!")  # type: ignore[return-value]


@instruction("ratio:sentence_type")
def _sentence_type(view: TextView, kw: Kw) -> Verdict:
    """Twice as many declarative (.) as interrogative (?) sentences."""
    dot, question, _ = _sentence_kinds(view)
    return dot == 2 * question, f"{dot} declarative, {question} interrogative; needs 2:1"


@instruction("ratio:sentence_balance")
def _sentence_balance(view: TextView, kw: Kw) -> Verdict:
    """As many declarative as interrogative as exclamatory sentences."""
    dot, question, bang = _sentence_kinds(view)
    return dot == question == bang, f"{dot} ., {question} ?, {bang} ! sentences; needs equal counts"


_CONJUNCTIONS = frozenset({"and", "but", "for", "nor", "or", "so", "yet"})


@instruction("count:conjunctions", Param("small_n", "int"))
def _conjunctions(view: TextView, kw: Kw) -> Verdict:
    """At least N different coordinating conjunctions (as written, punctuation kept)."""
    found = {w for w in view.text.split() if w.strip(_P + " ").lower() in _CONJUNCTIONS}
    return len(found) >= kw[
        "small_n"
    ], f"{len(found)} different conjunctions; needs at least {kw['small_n']}"


@instruction("ratio:overlap", Param("reference_text", "str"), Param("percentage", "number"))
def _overlap(view: TextView, kw: Kw) -> Verdict:
    """Character-trigram overlap with the reference within ±2 points of the percentage."""
    mine = {view.text[i : i + 3] for i in range(len(view.text) - 2)}
    ref = kw["reference_text"]
    theirs = {ref[i : i + 3] for i in range(len(ref) - 2)}
    if not mine:
        return False, "no trigrams"
    overlap = 100 * len(mine & theirs) / len(mine)
    ok = kw["percentage"] - 2 <= overlap <= kw["percentage"] + 2
    return ok, f"trigram overlap {overlap:.1f}%; needs {kw['percentage']}% ± 2"


@instruction("count:numbers", Param("N", "int"))
def _numbers(view: TextView, kw: Kw) -> Verdict:
    """Exactly N numbers (digit runs after removing punctuation, so 1,000 and 3.5 are one)."""
    n = len(re.findall(r"\d+", view.text.translate(_NO_PUNCT)))
    return n == kw["N"], f"{n} numbers; needs exactly {kw['N']}"


@instruction("words:alphabet")
def _alphabet(view: TextView, kw: Kw) -> Verdict:
    """Each word starts with the letter after the previous word's, Z looping to A."""
    words = _stripped_words(view.text)
    if not words or words[0][0].lower() not in string.ascii_lowercase:
        return False, "the first word does not start with a letter a-z"
    letter = words[0][0].lower()
    for word in words[1:]:
        letter = chr((ord(letter) - 97 + 1) % 26 + 97)
        if word[0].lower() != letter:
            return False, f"{word!r} should start with {letter!r}"
    return True, f"{len(words)} words in alphabet order"


@instruction("words:vowel")
def _vowels(view: TextView, kw: Kw) -> Verdict:
    """One paragraph (one line) using at most three different vowels."""
    lines = view.text.strip().split("\n")
    if len(lines) != 1:
        return False, f"{len(lines)} lines; needs one paragraph"
    used = sorted(set(lines[0].lower()) & set("aeiou"))
    return len(used) <= 3, f"vowels used: {''.join(used) or 'none'}"


_CONSONANTS = frozenset("bcdfghjklmnpqrstvwxyz")


@instruction("words:consonants")
def _consonants(view: TextView, kw: Kw) -> Verdict:
    """Every word has two consonants in a row."""
    for word in view.lower.strip().split():
        if not any(a in _CONSONANTS and b in _CONSONANTS for a, b in itertools.pairwise(word)):
            return False, f"{word!r} has no consonant cluster"
    return True, "every word has a consonant cluster"


@instruction("words:palindrome")
def _palindromes(view: TextView, kw: Kw) -> Verdict:
    """At least 10 palindromes of 5 or more letters."""
    found = [w for w in _stripped_words(view.lower) if len(w) >= 5 and w == w[::-1]]
    return len(found) >= 10, f"{len(found)} palindromes of 5+ letters; needs 10"


@instruction("count:punctuation")
def _punctuation(view: TextView, kw: Kw) -> Verdict:
    """Uses . , ! ? ; : and an interrobang (?! or !? or ‽), the interrobang counted apart."""
    text = view.text
    if not ("?!" in text or "!?" in text or "‽" in text):
        return False, "no interrobang"
    rest = text.replace("?!", "", 1)
    if len(rest) == len(text):
        rest = text.replace("!?", "", 1)
    missing = [mark for mark in ".,!?;:" if mark not in rest]
    return not missing, f"missing {' '.join(missing)}" if missing else "every mark used"


_PAIRS = {")": "(", "]": "[", "}": "{"}


@instruction("format:parentheses")
def _parentheses(view: TextView, kw: Kw) -> Verdict:
    """Brackets ((), [], {}) nested at least 5 deep and closed; a mismatch starts over."""
    stack: list[str] = []
    deepest = 0
    for ch in view.text:
        if ch in "([{":
            stack.append(ch)
            deepest = max(deepest, len(stack))
        elif ch in _PAIRS:
            if stack and stack[-1] == _PAIRS[ch]:
                stack.pop()
                if deepest >= 5 and len(stack) < deepest:
                    return True, f"nested {deepest} deep"
            else:
                stack, deepest = [], 0
    return False, "brackets never nested 5 deep"


@instruction("format:quotes")
def _quotes(view: TextView, kw: Kw) -> Verdict:
    """Quotes inside quotes inside quotes (" and '), at least 3 levels, closed."""
    stack: list[str] = []
    deepest = 0
    for ch in view.text:
        if stack and ch == stack[-1]:
            stack.pop()
            if deepest - len(stack) >= 3:
                return True, f"quotes nested {deepest} deep"
        elif ch in "\"'":
            stack.append(ch)
            deepest = max(deepest, len(stack))
    return False, "quotes never nested 3 deep"


_PRIMES = frozenset(n for n in range(2, 100) if all(n % d for d in range(2, n)))


@instruction("words:prime_lengths")
def _prime_lengths(view: TextView, kw: Kw) -> Verdict:
    """Every word (punctuation removed) has a prime number of characters."""
    for word in _stripped_words(view.text):
        if len(word) not in _PRIMES:
            return False, f"{word!r} has {len(word)} characters"
    return True, "every word has a prime length"


@instruction("format:newline")
def _newline(view: TextView, kw: Kw) -> Verdict:
    """Each word on its own line."""
    text = view.text.translate(_NO_PUNCT).strip()
    lines = [line for line in text.split("\n") if line]
    words = text.split()
    return len(lines) == len(words), f"{len(words)} words on {len(lines)} lines"


_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@instruction("count:words_japanese", Param("N", "int"))
def _japanese(view: TextView, kw: Kw) -> Verdict:
    """Every Nth word is Japanese (numbers excepted)."""
    n = kw["N"]
    if n < 1:
        return False, "N must be at least 1"
    for i, word in enumerate(view.text.split(), start=1):
        word = word.strip(_P + " ")
        if i % n == 0 and word and not word.isdigit() and not _JAPANESE.search(word):
            return False, f"word {i} {word!r} is not Japanese"
    return True, f"every {n}th word is Japanese"


@instruction("words:repeats", Param("small_n", "int"))
def _repeats(view: TextView, kw: Kw) -> Verdict:
    """No word (lowercased, punctuation removed) more than N times."""
    counts = Counter(_stripped_words(view.lower))
    word, top = counts.most_common(1)[0] if counts else ("", 0)
    return top <= kw["small_n"], f"{word!r} appears {top} times; at most {kw['small_n']}"


@instruction("sentence:keyword", Param("word", "str"), Param("N", "int"))
def _keyword_sentence(view: TextView, kw: Kw) -> Verdict:
    """The Nth sentence contains the keyword (any case)."""
    sentences, n = view.rule_sentences, kw["N"]
    if n < 1 or len(sentences) < n:
        return False, f"{len(sentences)} sentences; no sentence {n}"
    ok = kw["word"].lower() in sentences[n - 1].lower()
    return ok, f"sentence {n} {'contains' if ok else 'lacks'} {kw['word']!r}"


_PRONOUNS = frozenset(
    [
        "i",
        "me",
        "my",
        "mine",
        "myself",
        "we",
        "us",
        "our",
        "ours",
        "ourselves",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "he",
        "him",
        "his",
        "himself",
        "she",
        "her",
        "hers",
        "herself",
        "it",
        "its",
        "itself",
        "they",
        "them",
        "their",
        "theirs",
        "themselves",
    ]
)


@instruction("count:pronouns", Param("N", "int"))
def _pronouns(view: TextView, kw: Kw) -> Verdict:
    """At least N personal pronouns (she/her counts twice)."""
    n = sum(1 for w in _stripped_words(view.lower.replace("/", " ")) if w in _PRONOUNS)
    return n >= kw["N"], f"{n} pronouns; needs at least {kw['N']}"


@instruction("words:last_first")
def _last_first(view: TextView, kw: Kw) -> Verdict:
    """Each sentence's last word is the next sentence's first word."""
    sentences = view.rule_sentences
    for a, b in itertools.pairwise(sentences):
        last, first = a.rstrip(_P + " ").split(), b.lstrip(_P + " ").split()
        if not last or not first or last[-1].lower() != first[0].lower():
            return False, f"{a[-30:]!r} does not lead into {b[:30]!r}"
    return True, "every sentence starts with the last word of the one before"


@instruction("words:paragraph_last_first")
def _paragraph_last_first(view: TextView, kw: Kw) -> Verdict:
    """Each line ends with the word it starts with."""
    for line in view.lower.split("\n"):
        words = line.strip().strip(_P + " ").split()
        if words and words[0] != words[-1]:
            return False, f"{line.strip()[:40]!r} starts and ends differently"
    return True, "every paragraph ends with its first word"


@instruction("sentence:increment", Param("small_n", "int"))
def _increment(view: TextView, kw: Kw) -> Verdict:
    """Each sentence has exactly N more words than the one before."""
    counts = [len(_stripped_words(s)) for s in view.rule_sentences]
    for before, after in itertools.pairwise(counts):
        if after != before + kw["small_n"]:
            return False, f"word counts {counts}; each must add {kw['small_n']}"
    return True, f"word counts {counts}"


@instruction("words:no_consecutive")
def _no_consecutive(view: TextView, kw: Kw) -> Verdict:
    """No two neighbouring words start with the same letter."""
    words = _stripped_words(view.lower)
    for a, b in itertools.pairwise(words):
        if a[0] == b[0]:
            return False, f"{a!r} and {b!r} share a first letter"
    return True, "no neighbours share a first letter"


@instruction("ratio:sentence_words")
def _sentence_words(view: TextView, kw: Kw) -> Verdict:
    """Three sentences of the same number of characters. As in IFBench, the instruction's
    "all different words" is not checked."""
    lengths = [len(s) for s in view.rule_sentences]
    ok = len(lengths) == 3 and len(set(lengths)) == 1
    return ok, f"sentence lengths {lengths[:6]}; needs 3 equal"


def _alliteration(sentence: str) -> int:
    """Words in runs of two or more neighbours sharing a first letter (leading punctuation off)."""
    words = [w for w in (w.lstrip(_P + " ") for w in sentence.lower().split()) if w]
    total, in_run = 0, False
    for a, b in itertools.pairwise(words):
        if a[0] == b[0]:
            total += 1 if in_run else 2
        in_run = a[0] == b[0]
    return total


@instruction("sentence:alliteration_increment")
def _alliteration_increment(view: TextView, kw: Kw) -> Verdict:
    """Each sentence has more alliterative words than the one before."""
    counts = [_alliteration(s) for s in view.rule_sentences]
    for before, after in itertools.pairwise(counts):
        if after <= before:
            return False, f"alliterative words per sentence {counts[:8]}; each must grow"
    return True, f"alliterative words per sentence {counts[:8]}"


@instruction("words:odd_even_syllables", requires=("syllapy",))
def _odd_even_syllables(view: TextView, kw: Kw) -> Verdict:
    """Words alternate between odd and even syllable counts (``syllapy``; punctuation removed)."""
    import syllapy

    words = _stripped_words(view.lower)
    parities = [syllapy.count(word) % 2 for word in words]
    for i in range(1, len(parities)):
        if parities[i] == parities[i - 1]:
            return (
                False,
                f"{words[i - 1]!r} and {words[i]!r} are both {'odd' if parities[i] else 'even'}",
            )
    return True, f"{len(words)} words alternate odd and even syllables"
