"""IFBench's format, keyword-position and repeat families (see :mod:`.ifbench_rules`).

Where IFBench's own checker has a bug that rejects or accepts a response against its instruction,
the check here follows the instruction and its docstring says how the reference differs.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

from graders.checks.ifeval.table import Param, instruction
from graders.checks.ifeval.text import TextView, rule_sentences
from graders.checks.words import word_tokenize

__all__: list[str] = []

Kw = Mapping[str, Any]
Verdict = tuple[bool, str]
_P = string.punctuation
_NO_PUNCT = str.maketrans("", "", _P)


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


@instruction(
    "repeat:repeat_span",
    Param("prompt_to_repeat", "str"),
    Param("n_start", "int"),
    Param("n_end", "int"),
)
def _repeat_span(view: TextView, kw: Kw) -> Verdict:
    """Only the prompt's words n_start to n_end (a Python slice of its words; any case)."""
    span = kw["prompt_to_repeat"].strip().lower().split()[kw["n_start"] : kw["n_end"]]
    ok = view.lower.split() == span
    return ok, "the span repeated" if ok else f"not the span {' '.join(span)[:60]!r}"


@instruction(
    "words:keywords_specific_position",
    Param("keyword", "str"),
    Param("n", "int"),
    Param("m", "int"),
)
def _keyword_position(view: TextView, kw: Kw) -> Verdict:
    """The keyword is token m of sentence n (``nltk.word_tokenize`` tokens, as written)."""
    n, m, keyword = kw["n"], kw["m"], kw["keyword"].strip()
    sentences = view.rule_sentences
    if n < 1 or len(sentences) < n:
        return False, f"{len(sentences)} sentences; no sentence {n}"
    tokens = word_tokenize(sentences[n - 1])
    if m < 1 or len(tokens) < m:
        return False, f"sentence {n} has {len(tokens)} tokens; no token {m}"
    ok = tokens[m - 1] == keyword
    return ok, f"token {m} of sentence {n} is {tokens[m - 1]!r}"


def _without_punctuation(text: str) -> str:
    return text.translate(_NO_PUNCT).strip()


@instruction("format:emoji", requires=("emoji",))
def _emoji(view: TextView, kw: Kw) -> Verdict:
    """Every sentence ends with an emoji (its last or second-to-last character once ASCII
    punctuation is gone, or the first character of the next sentence)."""
    import emoji

    sentences = [_without_punctuation(s) for s in view.rule_sentences]
    for i, sentence in enumerate(sentences):
        if not sentence:
            return False, f"sentence {i + 1} is only punctuation"
        if any(emoji.is_emoji(ch) for ch in sentence[-2:]):  # a variation selector may follow
            continue
        after = sentences[i + 1] if i + 1 < len(sentences) else ""
        if not after or not emoji.is_emoji(after[0]):
            return False, f"sentence {i + 1} {sentence[-30:]!r} does not end with an emoji"
    return True, f"{len(sentences)} sentences, each ending with an emoji"


@instruction("format:line_indent")
def _line_indent(view: TextView, kw: Kw) -> Verdict:
    """Each non-blank line is indented by more spaces than the one before (stairs). IFBench's
    checker drops only every other blank line of a run, so two blank lines in a row fail there."""
    indents = [len(line) - len(line.lstrip(" ")) for line in view.text.split("\n") if line.strip()]
    for i in range(1, len(indents)):
        if indents[i] <= indents[i - 1]:
            return False, f"line {i + 1} is indented {indents[i]}, line {i} {indents[i - 1]}"
    return True, f"indents {indents[:8]}"


_KEEP_EDGE = string.digits + _P.replace('"', "")


@instruction("format:quote_unquote")
def _quote_unquote(view: TextView, kw: Kw) -> Verdict:
    """Every quoted phrase is followed by unquoted text: no two quotes meet (whitespace
    ignored, curly quotes read as straight) and the text does not end with a quote. A text of
    only digits and punctuation passes (IFBench's checker raises IndexError on it)."""
    text = view.text.replace("“", '"').replace("”", '"').replace("'\"'", "")
    text = "".join(text.split())
    if '""' in text:
        return False, "a quoted phrase follows a quoted phrase"
    if text.strip(_KEEP_EDGE).endswith('"'):
        return False, "ends with a quoted phrase"
    return True, "every quoted phrase is followed by an explanation"


_THESIS_OPEN = ("<i>", "<em>")
_THESIS_CLOSE = ("</i>", "</em>")


def _first_found(text: str, tags: tuple[str, ...], start: int = 0) -> tuple[int, str]:
    for tag in tags:
        at = text.find(tag, start)
        if at != -1:
            return at, tag
    return -1, ""


@instruction("format:thesis")
def _thesis(view: TextView, kw: Kw) -> Verdict:
    """An HTML italic thesis (``<i>`` or ``<em>``, the first one) with text after it. IFBench's
    checker measures ``<em>`` tags as if they were ``<i>``, so an empty ``<em></em>`` passes
    there; here the thesis and the text after it must not be empty with either tag."""
    text = view.text
    start, open_tag = _first_found(text, _THESIS_OPEN)
    if start == -1:
        return False, "no <i> or <em> thesis"
    end, close_tag = _first_found(text, _THESIS_CLOSE, start)
    if end == -1:
        return False, f"{open_tag} is never closed"
    if not text[start + len(open_tag) : end].strip():
        return False, "the italic thesis is empty"
    if not text[end + len(close_tag) :].strip():
        return False, "no text after the thesis"
    return True, "an italic thesis followed by text"


@instruction("format:no_bullets_bullets")
def _sentences_then_bullets(view: TextView, kw: Kw) -> Verdict:
    """At least two sentences, then at least two ``*`` bullet lines and nothing else after the
    first bullet. Blank lines are ignored; IFBench's checker fails a blank line after the first
    bullet (so a list with blank lines between its bullets, or a final newline)."""
    sentences = bullets = 0
    for line in view.text.split("\n"):
        line = line.strip()
        if not line:
            continue
        if line.startswith("*"):
            if sentences < 2:
                return False, f"{sentences} sentences before the first bullet; needs 2"
            bullets += 1
        elif bullets:
            return False, f"text after the bullets: {line[:30]!r}"
        else:
            sentences += len(rule_sentences(line))
    return bullets >= 2, f"{sentences} sentences, then {bullets} bullets; needs 2 and 2"
