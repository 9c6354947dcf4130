"""The in-process part of verification: the gold, the located answer, and the cheap tiers.

``prepare_gold`` reads a reference once (it is cached: GRPO compares one gold with 8-64
rollouts). ``judge`` decides one located answer against a prepared gold with the tiers that
run in this process: identical canonical text, multiple-choice letters, then our parser and
:class:`~graders.checks.math.compare.Comparer` (exact numbers, structure, numeric probing).
Its results are cached too, so identical predictions cost one dictionary lookup. A ``None``
verdict means "undecided here": the caller may send it to the SymPy workers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from graders.checks.math.compare import Comparer, Options
from graders.checks.math.lexer import ParseError
from graders.checks.math.locate import NoAnswer, clean, locate
from graders.checks.math.nodes import FiniteSet, Node, Num, PlusMinus, Seq, Text, Unit
from graders.checks.math.parser import parse
from graders.checks.math.values import expand

__all__ = ["Gold", "Judgement", "canonical_text", "judge", "prepare_gold"]

_LAYOUT = re.compile(
    r"\\(?:left|right|displaystyle|[,;:!])|\\(?:big|Big|bigg|Bigg)[lr]?\b|\$|~|\\text\{\s*\}"
)
_SPACE = re.compile(r"\s+")
_INNER_SPACE = re.compile(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])")
_FRAC = re.compile(r"\\[dtc]frac")
_TEXT_WRAP = re.compile(
    r"\\(?:text(?:bf|it|rm|sf|tt|up|normal)?|math(?:rm|bf|sf|tt)|mbox|operatorname|emph)\b\s*"
)
_CHOICE = re.compile(r"^\(?\s*([A-J])\s*\)?(?:$|[\s.:,)])")
_MARKED_CHOICE = re.compile(r"(?<![A-Za-z])\(?([A-J])\)")
"""A further option written ``B)`` or ``(B)`` after the first: ``A) 5 or B) 6`` names two."""
_LETTERS_ONLY = re.compile(r"(?:[\s,;/&+.:()]|\b(?:or|and)\b|[A-J](?![A-Za-z]))*")
"""The rest of ``B, C``, ``B or C``, ``A B C D``: nothing but letters and separators."""
_LETTER = re.compile(r"(?<![A-Za-z])[A-J](?![A-Za-z])")
_UNSURE = re.compile(
    r"\?|(?<!\\)\b(?:approx(?:imately)?|roughly|about|around|maybe|probably|possibly|perhaps|"
    r"guess)\b",
    re.IGNORECASE,
)
"""An answer that doubts itself (``15?``, ``15 \\text{(approximately)}``) is not committed."""
_GOLD_CHOICE = re.compile(r"^\(?\s*([A-J])\s*\)?$")
_DOLLAR = re.compile(r"\\\$|\bUSD\b|US\$")
"""A written dollar sign: the amount is in dollars, so cents on the other side rescale."""
_ANCHORS = ("\\boxed", "\\fbox", "####", "<answer>", "answer is", "answer:", "Answer:")


def canonical_text(answer: str) -> str:
    """Layout-free text: equal canonical texts are equal answers (the cheapest tier)."""
    text = _LAYOUT.sub(" ", answer)
    text = _FRAC.sub(r"\\frac", text)
    text = _SPACE.sub(" ", text).strip().rstrip(".")
    return _INNER_SPACE.sub("", text)


def _plain_text(answer: str) -> str:
    """Words only, for answers compared as text (``\\text{Evelyn}`` == ``evelyn``)."""
    text = _TEXT_WRAP.sub("", answer).replace("\\ ", " ")
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def _choices(answer: str) -> frozenset[str]:
    """The choice letters an answer names: one (``B``, ``(B) 6``, ``C) I only``), several
    for a hedge (``B or C``, ``B, C``, ``A) 5 or B) 6``), none for no letter."""
    body = _plain_choice(answer)
    m = _CHOICE.match(body)
    if m is None:
        return frozenset()
    rest = body[m.end() :]
    others = {o[1] for o in _MARKED_CHOICE.finditer(rest)}
    if _LETTERS_ONLY.fullmatch(rest):
        others.update(_LETTER.findall(rest))
    return frozenset({m[1], *others})


def _plain_choice(answer: str) -> str:
    text = _TEXT_WRAP.sub("", clean(answer))
    return text.replace("{", "").replace("}", "").replace("\\", "").strip()


@dataclass(frozen=True, slots=True)
class Gold:
    """A reference answer, read once."""

    raw: str
    text: str
    canon: str
    node: Node | None
    choice: str | None
    multi: bool


@dataclass(frozen=True, slots=True)
class Judgement:
    equal: bool | None
    reason: str
    tier: str
    answer: str
    pending: tuple[Node, Node] | None = None
    """The parsed pair to send to the SymPy workers when ``equal`` is None."""
    too_large: bool = False
    """Undecided because a value was too large to compute: refused rather than sent on."""


@lru_cache(maxsize=8192)
def prepare_gold(raw: str) -> Gold:
    """Locate, clean and parse a reference (``\\boxed{}`` and ``####`` golds included)."""
    if any(a in raw for a in _ANCHORS):
        try:
            answers = locate(raw, lenient=True).answers
        except NoAnswer:
            answers = [clean(raw)]
    else:
        answers = [clean(raw)]
    text = ", ".join(answers)
    node: Node | None
    try:
        nodes = [parse(a) for a in answers]
        node = nodes[0] if len(nodes) == 1 else Seq(tuple(nodes))
    except ParseError:
        node = None
    node = _in_dollars(node, text) if node is not None else None
    letter = _GOLD_CHOICE.match(_plain_choice(text))
    choice = letter[1] if letter is not None else None
    multi = isinstance(node, (Seq, FiniteSet, PlusMinus)) or (
        node is not None and len(expand(node) or ()) > 1
    )
    return Gold(raw, text, canonical_text(text), node, choice, multi)


@lru_cache(maxsize=65536)
def judge(gold: Gold, answers: tuple[str, ...], options: Options) -> Judgement:
    """The in-process verdict for located answer(s) against a prepared gold."""
    canon = tuple(dict.fromkeys(canonical_text(a) for a in answers))
    shown = "; ".join(answers)
    unsure = next((m[0] for a in answers if (m := _UNSURE.search(a)) is not None), None)
    if unsure is not None and _UNSURE.search(gold.text) is None:
        return Judgement(False, f"hedged: the answer says {unsure!r}", "string", shown)
    if len(canon) == 1 and canon[0] == gold.canon:
        return Judgement(True, "same answer text", "string", shown)
    if gold.choice is not None:
        letters = frozenset().union(*(_choices(a) for a in answers))
        if len(letters) > 1:
            return Judgement(False, "hedged: several different choices", "string", shown)
        if not letters or any(not _choices(a) for a in answers):
            return Judgement(False, "no choice letter in the answer", "string", shown)
        (letter,) = letters
        ok = letter == gold.choice
        return Judgement(
            ok, f"choice {letter} {'==' if ok else '!='} {gold.choice}", "string", shown
        )
    if len(canon) > 1 and not gold.multi:
        verdicts = [judge(gold, (a,), options) for a in answers]
        if all(v.equal for v in verdicts):
            return Judgement(
                True, "every final answer equals the reference", verdicts[0].tier, shown
            )
        return Judgement(False, f"hedged: {len(canon)} different final answers", "string", shown)
    try:
        nodes = [parse(a) for a in answers]
    except ParseError as exc:
        return _as_text(gold, answers, f"unreadable answer ({exc})")
    if gold.node is None:
        return _as_text(gold, answers, "unreadable reference")
    pred = _in_dollars(nodes[0], shown) if len(nodes) == 1 else Seq(tuple(nodes))
    if isinstance(pred, Text) or isinstance(gold.node, Text):
        return _as_text(gold, answers, "text answer")
    comparer = Comparer(options)
    verdict = comparer.answers(gold.node, pred)
    pending = (gold.node, pred) if verdict.equal is None else None
    return Judgement(
        verdict.equal, verdict.reason, comparer.tier, shown, pending, comparer.too_large
    )


def _in_dollars(node: Node, text: str) -> Node:
    """``\\$5`` as ``5 dollars`` (a unit that does not rescale, but marks the amount as
    dollars, so that ``5 \\text{ cents}`` is not read as five of them)."""
    if isinstance(node, Num) and _DOLLAR.search(text):
        return Unit(node, "dollars")
    return node


def _as_text(gold: Gold, answers: tuple[str, ...], why: str) -> Judgement:
    got = "".join(_plain_text(a) for a in answers)
    ok = bool(got) and got == _plain_text(gold.text)
    reason = "same text" if ok else f"different text ({why})"
    return Judgement(ok, reason, "string", "; ".join(answers))
