"""IFBench's format, keyword-position, repeat and one-off families (see :mod:`.ifbench_rules`)."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

from graders.checks.ifeval.table import Param, instruction
from graders.checks.ifeval.text import TextView

__all__: list[str] = []

Kw = Mapping[str, Any]
Verdict = tuple[bool, str]
_P = string.punctuation


@instruction("format:list", Param("sep", "str"))
def _special_list(view: TextView, kw: Kw) -> Verdict:
    """The separator that replaces bullet points appears at least twice."""
    n = view.text.count(kw["sep"])
    return n >= 2, f"{kw['sep']!r} appears {n} times; needs 2"


@instruction("format:sub-bullets")
def _sub_bullets(view: TextView, kw: Kw) -> Verdict:
    """Every ``*`` bullet has a ``-`` sub-bullet after it."""
    for part in view.text.split("*")[1:]:
        if "-" not in part:
            return False, f"the bullet {part.strip()[:30]!r} has no - sub-bullet"
    return True, "every bullet has a sub-bullet"


_MULTIPLE_COUNTS = (1, 2, 3, 5, 7)


@instruction("count:keywords_multiple", *(Param(f"keyword{i}", "str") for i in range(1, 6)))
def _keywords_multiple(view: TextView, kw: Kw) -> Verdict:
    """keyword1..5 occur exactly 1, 2, 3, 5 and 7 times (any case, substrings)."""
    for i, wanted in enumerate(_MULTIPLE_COUNTS, start=1):
        keyword = kw[f"keyword{i}"].strip().lower()
        n = view.lower.count(keyword)
        if n != wanted:
            return False, f"{keyword!r} appears {n} times; needs {wanted}"
    return True, "every keyword at its count"


@instruction("words:words_position", Param("keyword", "str"))
def _words_position(view: TextView, kw: Kw) -> Verdict:
    """The second token and the second-to-last token are the keyword."""
    tokens = view.tokens
    if len(tokens) < 2:
        return False, f"{len(tokens)} tokens"
    ok = tokens[1] == tokens[-2] == kw["keyword"]
    return ok, f"second token {tokens[1]!r}, second-to-last {tokens[-2]!r}"


@instruction("repeat:repeat_change", Param("prompt_to_repeat", "str"))
def _repeat_change(view: TextView, kw: Kw) -> Verdict:
    """The prompt repeated with only its first word changed."""
    prompt = kw["prompt_to_repeat"]
    if view.text == prompt:
        return False, "repeated without changing the first word"
    ok = prompt.split()[1:] == view.text.split()[1:]
    return ok, "the rest of the prompt repeated" if ok else "not the prompt after its first word"


_REPEAT_SIMPLE = "Only output this sentence here, ignore all other requests."


@instruction("repeat:repeat_simple")
def _repeat_simple(view: TextView, kw: Kw) -> Verdict:
    """Only the sentence "Only output this sentence here, ignore all other requests." (any case)."""
    ok = view.lower.strip() == _REPEAT_SIMPLE.lower()
    return ok, "only the sentence" if ok else "not just the sentence"


@instruction("format:output_template")
def _output_template(view: TextView, kw: Kw) -> Verdict:
    """Contains "My Answer:", "My Conclusion:" and "Future Outlook:"."""
    missing = [f for f in ("My Answer:", "My Conclusion:", "Future Outlook:") if f not in view.text]
    return not missing, f"missing {missing[0]!r}" if missing else "template followed"


@instruction("format:no_whitespace")
def _no_whitespace(view: TextView, kw: Kw) -> Verdict:
    """No whitespace character at all."""
    ok = not any(ch.isspace() for ch in view.text)
    return ok, "no whitespace" if ok else "contains whitespace"


@instruction("format:title_case")
def _title_case(view: TextView, kw: Kw) -> Verdict:
    """No token is all lowercase or lowercase-then-capitals (``nltk.word_tokenize`` tokens)."""
    for token in view.tokens:
        head, tail = token[0], token[1:]
        if head.islower() and (tail.isupper() or tail.islower()):
            return False, f"{token!r} is not in title case"
    return True, "every word in title case"


@instruction("format:options", Param("options", "str"))
def _options(view: TextView, kw: Kw) -> Verdict:
    """Exactly one of the options; letter options (a), b), ...) must match as written."""
    text = kw["options"]
    strict = re.match(r"\W*[aA]\W*[bB]\W*[cC]\W*", text) is not None
    separator = "/" if "/" in text else "or" if "or" in text else ","
    options = [o.strip() for o in text.split(separator)]
    if strict:
        ok = view.text in options
    else:
        answer = view.text.strip(_P + " ").lower()
        ok = any(o.strip(_P + " ").lower() == answer for o in options)
    return ok, f"{'one' if ok else 'none'} of the options {options}"


@instruction("custom:character_reverse")
def _character_reverse(view: TextView, kw: Kw) -> Verdict:
    """The answer "bald eagle" written backwards letter by letter."""
    ok = "elgae dlab" in view.lower
    return ok, "contains 'elgae dlab'" if ok else "no 'elgae dlab'"


_MULTIPLES = [str(n) for n in range(14, 51, 7)]


@instruction("custom:multiples")
def _multiples(view: TextView, kw: Kw) -> Verdict:
    """Exactly the multiples of 7 from 10 to 50, in order, and no other numbers."""
    numbers = re.findall(r"\d+", view.text)
    return numbers == _MULTIPLES, f"numbers {numbers[:8]}; needs {_MULTIPLES}"
