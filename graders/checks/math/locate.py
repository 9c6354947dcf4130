"""Finding the final answer in a whole model response.

Anchors are ``\\boxed{}`` / ``\\boxed 4`` / ``\\fbox{}``, ``<answer>`` tags, "final answer is",
"the answer is", "answer:", GSM8K's ``####`` and Minerva's "Final Answer: The final answer is
X. I hope it is correct." The answer is the *last* anchored one by position (a corrected
answer wins over a retracted one), after the last ``</think>``. Anchors close together at the
end, joined only by words like "and" / "or" / "alternatively" or by nothing, form the final
*cluster*: several different values there are either a multi-part answer (when the reference
has several values) or a hedge, which is wrong. A gap that retracts ("wait", "actually",
"but") or reasons at length ends the cluster.

In ``reward`` mode nothing else counts (a truncated output whose last number happens to match
earns nothing); only a response that is itself a short answer is taken as written. ``lenient``
mode falls back to the last math span, then the last number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graders.checks.extract import find_boxes

__all__ = ["Located", "NoAnswer", "locate"]

TAIL_CHARS = 50_000
"""Only the end of a longer response is searched (answers come last)."""
BARE_CHARS = 80
WINDOW_CHARS = 4_096
"""The first search window at the end of a response (it grows when needed)."""
MARGIN_CHARS = 1_000
MAX_CLUSTER = 64
"""More final answers than this in a row are not collected (they are a hedge anyway)."""
MAX_PHRASE_CHARS = 300
"""A phrase answer ("the answer is ...") ends within this many characters."""

_PHRASE = re.compile(
    r"(?:final\s+answer|the\s+answer|answer|correct\s+(?:option|choice))"
    r"(?:\s+(?:is|would\s+be|will\s+be)(?:\s*:)?|\s*:|\s*=)"
    r"|final\s+answer\s*\*\*\s*:?|^\s*#{4}(?!#)|\banswer\s*(?=\$|\\[(\[])",
    re.IGNORECASE | re.MULTILINE,
)
_RETRACT = re.compile(
    r"\b(?:wait|actually|however|but|mistake|error|wrong|incorrect|oops|sorry|instead|"
    r"re-?check|re-?examin|re-?evaluat|reconsider|let\s+me|hmm|correction|no,)",
    re.IGNORECASE,
)
_AFTERTHOUGHT = re.compile(
    r"\b(?:wait|actually|mistake|wrong|incorrect|oops|sorry|correction|re-?comput|re-?calculat|"
    r"re-?do)",
    re.IGNORECASE,
)
"""A strong retraction after the final answer (a plain "let me check" is not one)."""
_TRAILING_NUMBER = re.compile(r"(-?\d[\d,]*(?:\.\d+)?(?:\s*/\s*\d+)?)[\s.!$*]*$")
_GAP_NOISE = re.compile(r"\\(?:quad|qquad|text|textbf|mathrm|[,;:! ])|[${}\s*]+")
_MATH_SPAN = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|\$([^$]+?)\$", re.DOTALL)
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:\s*/\s*\d+)?%?")
_SENTENCE_END = re.compile(
    r"\n|(?<!\.)\.(?=\s|$)|\s+I\s+hope\b|</|,?\s+(?:which|since|because|as\s+required)\b",
    re.IGNORECASE,
)
_MATH_LIST = re.compile(r"(?:\s|,|;|\band\b|\bor\b)*", re.IGNORECASE)
_PERCENT_AFTER = re.compile(r"\s*(?:\\?%|percent\b)")
_VERB_TAIL = re.compile(r".*\s(?:is|are|was|were|equals|=)\s+(.+)$", re.DOTALL)
_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")
_WRAPPERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"), ("**", "**"))


class NoAnswer(Exception):
    """The response commits to no answer; the message says why."""


@dataclass(frozen=True, slots=True)
class _Anchor:
    start: int
    end: int
    text: str
    kind: str


@dataclass(slots=True)
class Located:
    """The final answer(s) of a response and how they were found."""

    answers: list[str]
    anchor: str
    superseded: int = 0
    afterthought: str | None = None
    """The number a response ends with after retracting its final answer ("Actually, ...:
    16"): the answer only counts if this agrees with the reference too."""


def _unpunctuate(text: str) -> str:
    """Drop a final full stop or comma, but keep an ellipsis (``0.333...`` repeats)."""
    text = text.strip()
    if text.endswith("**") != text.startswith("**"):  # half of a markdown bold
        text = text.strip("*").strip()
    if text.endswith("...") or text.endswith("\\ldots") or text.endswith("\\dots"):
        return text
    return text.rstrip(".,;").strip()


def clean(answer: str) -> str:
    """Strip math delimiters, markdown emphasis and sentence punctuation around an answer."""
    text = answer.strip()
    for _ in range(3):
        text = _unpunctuate(text)
        for opener, closer in _WRAPPERS:
            fits = len(text) > len(opener) + len(closer)
            if fits and text.startswith(opener) and text.endswith(closer):
                text = text[len(opener) : -len(closer)]
        if text.startswith("\\boxed") or text.startswith("\\fbox"):
            inner = _boxes(text)
            if len(inner) == 1 and inner[0].end >= len(text.rstrip()):
                text = inner[0].text
    return _unpunctuate(text)


def _boxes(text: str) -> list[_Anchor]:
    """Boxes that are not inside another box, with something in them."""
    found: list[_Anchor] = []
    covered = -1
    for box in find_boxes(text):
        if box.start < covered:
            continue  # a box inside a box: the outer one is the answer
        covered = box.end
        if box.content:
            found.append(_Anchor(box.start, box.end, box.content, "boxed"))
    return found


def _phrase_answer(text: str, start: int) -> tuple[str, int]:
    """The answer written after a phrase such as "the answer is": a math span or a sentence."""
    rest = text[start : start + MAX_PHRASE_CHARS]
    lead = len(rest) - len(rest.lstrip(" \t*:_"))
    if rest[lead : lead + 1] == "\n":  # a heading, then the answer on the next line
        lead = len(rest) - len(rest.lstrip(" \t*:_\n"))
    body = rest[lead:]
    stop_m = _SENTENCE_END.search(body)
    stop = stop_m.start() if stop_m is not None else len(body)
    if _MATH_LIST.fullmatch(_MATH_SPAN.sub(" ", body[:stop])) and _MATH_SPAN.match(body):
        return body[:stop], start + lead + stop  # "$1$, $2$ and $3$": several formulas
    for opener, closer in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if body.startswith(opener):
            close = body.find(closer, len(opener))
            if close > 0:
                tail = _PERCENT_AFTER.match(body, close + len(closer))
                span = body[: tail.end() if tail is not None else close + len(closer)]
                return span, start + lead + len(span)
    return body[:stop], start + lead + stop


def _tags(text: str) -> list[_Anchor]:
    """``<answer>...</answer>`` spans, found with plain searches (no backtracking)."""
    found: list[_Anchor] = []
    lower = text.lower()
    pos = lower.find("<answer>")
    while pos >= 0:
        close = lower.find("</answer>", pos)
        if close < 0:
            break
        start = lower.rfind("<answer>", pos, close)  # the innermost opening before the close
        found.append(_Anchor(start, close + 9, text[start + 8 : close], "answer_tag"))
        pos = lower.find("<answer>", close)
    return found


def _focus(answer: str) -> str:
    """The value inside a sentence answer: "The largest $n$ is 34" → ``34``."""
    words = _WORD.findall(_MATH_SPAN.sub(" ", answer))
    if len(words) < 3 or not answer.lstrip().startswith(words[0]):
        return answer  # not a sentence (``5, so x = 5`` or ``12 and 13``)
    tail = _VERB_TAIL.search(answer)
    if tail is not None and tail[1].strip():
        return tail[1]
    spans = list(_MATH_SPAN.finditer(answer))
    if spans:
        return next(g for g in spans[-1].groups() if g is not None)
    return answer


def _anchors(text: str) -> list[_Anchor]:
    found = _boxes(text)
    found.extend(_tags(text))
    for m in _PHRASE.finditer(text):
        answer, end = _phrase_answer(text, m.end())
        kind = "####" if m[0].strip() == "####" else "phrase"
        if answer.strip():
            found.append(_Anchor(m.start(), end, _focus(answer), kind))
    found.sort(key=lambda a: (a.start, -a.end))
    # an anchor that contains another (a phrase around a box, a tag around a box) yields to it;
    # anchors are sorted by start, so only those starting inside one can be contained in it
    kept = []
    for i, a in enumerate(found):
        j = i + 1
        while j < len(found) and found[j].start < a.end and found[j].end > a.end:
            j += 1
        if not (j < len(found) and found[j].start < a.end):
            kept.append(a)
    return [a for a in kept if clean(a.text)]


def _joins(gap: str) -> bool:
    """Whether the text between two anchors keeps them in one final cluster."""
    if _RETRACT.search(gap):
        return False
    plain = _GAP_NOISE.sub(" ", gap).strip()
    return len(plain) <= 60 and plain.count(".") + plain.count("\n") <= 2


def _fallback(text: str) -> Located | None:
    spans = list(_MATH_SPAN.finditer(text))
    if spans:
        last = spans[-1]
        body = next(g for g in last.groups() if g is not None)
        return Located([body.strip()], "last_math")
    numbers = list(_NUMBER.finditer(text))
    if numbers:
        return Located([numbers[-1][0]], "last_number")
    return None


def _cluster(text: str, anchors: list[_Anchor]) -> list[_Anchor]:
    """The final anchor and those joined to it (see the module docstring)."""
    cluster = [anchors[-1]]
    for prev in reversed(anchors[:-1]):
        if len(cluster) >= MAX_CLUSTER:
            break
        if prev.end > cluster[0].start or not _joins(text[prev.end : cluster[0].start]):
            break
        cluster.insert(0, prev)
    return cluster


def _unanchored(text: str, lenient: bool) -> Located:
    stripped = text.strip()
    spans = {m[0] for m in _MATH_SPAN.finditer(stripped)} if len(stripped) <= 200 else set()
    if len(spans) == 1 and stripped.count("\n") <= 1:  # one short sentence, one formula
        return Located([clean(spans.pop())], "short_math")
    words = len(_WORD.findall(stripped))
    if stripped and len(stripped) <= BARE_CHARS and "\n" not in stripped and words <= 4:
        return Located([clean(stripped)], "bare")
    if lenient:
        found = _fallback(text)
        if found is not None:
            return found
    raise NoAnswer("no answer found (no \\boxed{}, answer tag or final-answer phrase)")


def locate(text: str, *, lenient: bool = False) -> Located:
    """The final answer(s) of ``text``; raises NoAnswer with the reason when there is none.

    Anchors are searched in a window at the end that grows (up to TAIL_CHARS) until the final
    cluster lies well inside it, so thousands of earlier anchors cost nothing."""
    close = text.rfind("</think>")
    if close >= 0:
        text = text[close + len("</think>") :]
    elif "<think>" in text and not lenient:
        raise NoAnswer("<think> is never closed (truncated reasoning)")
    if len(text) > TAIL_CHARS:
        text = text[-TAIL_CHARS:]
    window = WINDOW_CHARS
    while True:
        part = text[-window:]
        anchors = _anchors(part)
        whole = window >= len(text)
        if anchors:
            cluster = _cluster(part, anchors)
            if whole or cluster[0].start > MARGIN_CHARS:
                break
        elif whole:
            return _unanchored(text, lenient)
        window *= 4
    answers = [clean(a.text) for a in cluster]
    tail = part[cluster[-1].end :]
    retract = _AFTERTHOUGHT.search(tail)
    after = _TRAILING_NUMBER.search(tail, retract.end()) if retract is not None else None
    return Located(
        answers,
        cluster[-1].kind,
        superseded=len(anchors) - len(cluster),
        afterthought=after[1] if after is not None else None,
    )
