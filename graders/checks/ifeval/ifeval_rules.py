"""IFEval's 25 instruction types, with the meaning of Google's reference implementation.

Each check says in its docstring what it counts. Where the reference reads a kwarg as a regular
expression (keywords, postscript markers, section splitters) we read it as literal text, so a
keyword such as ``C++`` cannot break or widen the check; everything else follows the reference,
quirks included (``keywords:frequency`` counts substrings, ``P.S.`` is found anywhere).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from graders.checks.ifeval.table import Param, compare, instruction
from graders.checks.ifeval.text import STAR_DIVIDER, TextView, divided

__all__: list[str] = []

_RELATION = Param("relation", "relation")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@instruction("keywords:existence", Param("keywords", "words"))
def _existence(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """Every keyword appears (case-insensitive substring)."""
    missing = [k for k in kw["keywords"] if k.lower() not in view.lower]
    if missing:
        return False, f"missing keyword {missing[0]!r}"
    return True, f"all {len(kw['keywords'])} keywords present"


@instruction("keywords:frequency", Param("keyword", "str"), Param("frequency", "int"), _RELATION)
def _frequency(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """The keyword occurs (case-insensitive substring count) less than / at least N times."""
    keyword = kw["keyword"].strip().lower()
    count = view.lower.count(keyword) if keyword else 0
    return compare(count, kw["relation"], kw["frequency"], f"times {keyword!r}")


@instruction("keywords:forbidden_words", Param("forbidden_words", "words"))
def _forbidden(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """No forbidden word appears as a whole word (case-insensitive)."""
    for word in kw["forbidden_words"]:
        if re.search(r"\b" + re.escape(word) + r"\b", view.text, flags=re.IGNORECASE):
            return False, f"uses forbidden word {word!r}"
    return True, "no forbidden words"


@instruction(
    "keywords:letter_frequency",
    Param("letter", "letter"),
    Param("let_frequency", "int"),
    Param("let_relation", "relation"),
)
def _letter(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """The letter (any case) occurs less than / at least N times."""
    count = view.lower.count(kw["letter"])
    return compare(count, kw["let_relation"], kw["let_frequency"], f"times {kw['letter']!r}")


@instruction("language:response_language", Param("language", "language"))
def _language(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """langdetect finds the language; text it cannot read (no letters) passes, as in IFEval."""
    found = view.language
    if found is None:
        return True, "no language detectable (counts as followed)"
    return found == kw["language"], f"language {found!r}; needs {kw['language']!r}"


@instruction("length_constraints:number_sentences", Param("num_sentences", "int"), _RELATION)
def _sentences(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """Punkt sentences (English model) number less than / at least N."""
    return compare(view.sentence_count, kw["relation"], kw["num_sentences"], "sentences")


@instruction("length_constraints:number_paragraphs", Param("num_paragraphs", "int"))
def _paragraphs(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """Exactly N paragraphs separated by the markdown divider ``***``, none empty."""
    paragraphs = divided(view.text, STAR_DIVIDER)
    if paragraphs is None:
        return False, "an empty paragraph between *** dividers"
    count = len(paragraphs)
    return count == kw[
        "num_paragraphs"
    ], f"{_plural(count, 'paragraph')}; needs {kw['num_paragraphs']}"


@instruction("length_constraints:number_words", Param("num_words", "int"), _RELATION)
def _words(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """Words (runs of letters, digits or underscores) number less than / at least N."""
    return compare(view.word_count, kw["relation"], kw["num_words"], "words")


_FIRST_WORD_STOP = frozenset(".,?!'\"")


@instruction(
    "length_constraints:nth_paragraph_first_word",
    Param("num_paragraphs", "int"),
    Param("nth_paragraph", "int"),
    Param("first_word", "str"),
)
def _nth_first_word(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """Exactly N paragraphs (split on blank lines) and the nth starts with the word."""
    parts = view.text.split("\n\n")
    count = sum(1 for p in parts if p.strip())
    nth, wanted = kw["nth_paragraph"], kw["first_word"].lower()
    if nth > count or nth < 1:
        return False, f"{_plural(count, 'paragraph')}; no paragraph {nth}"
    paragraph = parts[nth - 1].strip()
    if not paragraph:
        return False, f"paragraph {nth} is empty"
    word = paragraph.split()[0].lstrip("'").lstrip('"')
    first = ""
    for ch in word:
        if ch in _FIRST_WORD_STOP:
            break
        first += ch.lower()
    ok = count == kw["num_paragraphs"] and first == wanted
    return ok, (
        f"{_plural(count, 'paragraph')} (needs {kw['num_paragraphs']}); "
        f"paragraph {nth} starts with {first!r} (needs {wanted!r})"
    )


@instruction("detectable_content:number_placeholders", Param("num_placeholders", "int"))
def _placeholders(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """At least N square-bracket placeholders such as ``[address]``."""
    count = len(re.findall(r"\[.*?\]", view.text))
    return count >= kw[
        "num_placeholders"
    ], f"{_plural(count, 'placeholder')}; needs at least {kw['num_placeholders']}"


@instruction("detectable_content:postscript", Param("postscript_marker", "str"))
def _postscript(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """The postscript marker appears (any case; ``P.S.`` and ``P.P.S`` allow a space inside)."""
    marker = kw["postscript_marker"].strip()
    if marker == "P.P.S":
        pattern = r"p\.\s?p\.\s?s"
    elif marker == "P.S.":
        pattern = r"p\.\s?s\."
    else:
        pattern = re.escape(marker.lower())
    found = re.search(pattern, view.lower) is not None
    return found, f"postscript {marker!r} {'found' if found else 'not found'}"


@instruction("detectable_format:number_bullet_lists", Param("num_bullets", "int"))
def _bullets(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """Exactly N markdown bullet lines (starting with ``* `` or ``-``)."""
    stars = re.findall(r"^\s*\*[^\*].*$", view.text, flags=re.MULTILINE)
    dashes = re.findall(r"^\s*-.*$", view.text, flags=re.MULTILINE)
    count = len(stars) + len(dashes)
    return count == kw[
        "num_bullets"
    ], f"{_plural(count, 'bullet')}; needs exactly {kw['num_bullets']}"


_OPTIONS = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


@instruction("detectable_format:constrained_response")
def _constrained(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """Contains one of "My answer is yes.", "My answer is no.", "My answer is maybe."."""
    for option in _OPTIONS:
        if option in view.text:
            return True, f"contains {option!r}"
    return False, "none of the allowed answers (My answer is yes./no./maybe.)"


@instruction("detectable_format:number_highlighted_sections", Param("num_highlights", "int"))
def _highlights(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """At least N non-empty ``*highlighted*`` spans on one line (``**bold**`` counts too)."""
    single = re.findall(r"\*[^\n\*]*\*", view.text)
    double = re.findall(r"\*\*[^\n\*]*\*\*", view.text)
    count = sum(1 for h in single if h.strip("*").strip())
    count += sum(1 for h in double if h[2:-2].strip())
    return count >= kw[
        "num_highlights"
    ], f"{_plural(count, 'highlighted section')}; needs at least {kw['num_highlights']}"


@instruction(
    "detectable_format:multiple_sections",
    Param("section_spliter", "str"),
    Param("num_sections", "int"),
)
def _sections(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """At least N sections, each opened by the splitter word and a number (``Section 2``)."""
    splitter = re.escape(kw["section_spliter"].strip())
    count = len(re.split(r"\s?" + splitter + r"\s?\d+\s?", view.text)) - 1
    return count >= kw[
        "num_sections"
    ], f"{_plural(count, 'section')}; needs at least {kw['num_sections']}"


@instruction("detectable_format:json_format")
def _json(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """The whole response is JSON, optionally inside one markdown code fence."""
    text = view.text.strip()
    for fence in ("```json", "```Json", "```JSON", "```"):
        text = text.removeprefix(fence)
    text = text.removesuffix("```").strip()
    try:
        json.loads(text)
    except ValueError as exc:
        return False, f"not JSON: {exc}"
    return True, "valid JSON"


@instruction("detectable_format:title")
def _title(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """A non-empty title in double angular brackets, ``<<like this>>``, on one line."""
    for title in re.findall(r"<<[^\n]+>>", view.text):
        if title.lstrip("<").rstrip(">").strip():
            return True, f"title {title}"
    return False, "no <<title>>"


@instruction("combination:two_responses")
def _two_responses(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """Two different non-empty responses separated by ``******``."""
    parts = view.text.split("******")
    kept = []
    for index, part in enumerate(parts):
        if part.strip():
            kept.append(part.strip())
        elif index not in (0, len(parts) - 1):
            return False, "an empty response between ****** separators"
    if len(kept) != 2:
        return False, f"{_plural(len(kept), 'response')} separated by ******; needs 2"
    if kept[0] == kept[1]:
        return False, "the two responses are the same"
    return True, "two different responses"


@instruction("combination:repeat_prompt", Param("prompt_to_repeat", "str"))
def _repeat_prompt(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """Starts with the request repeated word for word (any case, outer whitespace ignored)."""
    ok = view.text.strip().lower().startswith(kw["prompt_to_repeat"].strip().lower())
    return ok, "starts with the prompt" if ok else "does not start with the prompt"


@instruction("startend:end_checker", Param("end_phrase", "str"))
def _end(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """Ends with the phrase (any case; outer whitespace and double quotes ignored)."""
    phrase = kw["end_phrase"].strip().lower()
    ok = view.text.strip().strip('"').lower().endswith(phrase)
    return ok, f"{'ends' if ok else 'does not end'} with {kw['end_phrase'].strip()!r}"


@instruction(
    "change_case:capital_word_frequency",
    Param("capital_frequency", "int"),
    Param("capital_relation", "relation"),
)
def _capital_words(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """All-capital words (``nltk.word_tokenize`` tokens) number less than / at least N."""
    count = sum(1 for token in view.tokens if token.isupper())
    return compare(count, kw["capital_relation"], kw["capital_frequency"], "all-capital words")


def _english_in_case(view: TextView, upper: bool) -> tuple[bool, str]:
    case_ok = view.text.isupper() if upper else view.text.islower()
    case = "capital" if upper else "lowercase"
    if not case_ok:
        return False, f"not all {case} letters"
    language = view.language
    if language is None:
        return True, f"all {case}; no language detectable (counts as followed)"
    return language == "en", f"all {case}; language {language!r} (needs 'en')"


@instruction("change_case:english_capital")
def _english_capital(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """English, in capital letters only."""
    return _english_in_case(view, upper=True)


@instruction("change_case:english_lowercase")
def _english_lowercase(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """English, in lowercase letters only."""
    return _english_in_case(view, upper=False)


@instruction("punctuation:no_comma")
def _no_comma(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """No ASCII comma (``,``) at all."""
    count = view.text.count(",")
    return count == 0, f"found {_plural(count, 'comma')}" if count else "no commas"


@instruction("startend:quotation")
def _quotation(view: TextView, kw: Mapping[str, Any]) -> tuple[bool, str]:
    """The whole response is wrapped in double quotation marks (``"``)."""
    text = view.text.strip()
    ok = len(text) > 1 and text[0] == '"' and text[-1] == '"'
    return ok, "wrapped in double quotes" if ok else "not wrapped in double quotes"
