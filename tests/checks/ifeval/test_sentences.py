"""The instruction checks' sentence counts are Punkt's: ``len(tokenize(text))`` with its English
model, for responses and their loose variants sharing one counter, on texts full of what Punkt
treats specially (abbreviations, initials, numbers, ellipses and dash runs, closing quotes and
brackets after a mark, blank lines, runs of ``!`` and ``?``) and on arbitrary text."""

from __future__ import annotations

import random
import re
from functools import cache
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.ifeval_rows import responses
from graders.checks.ifeval import sentences
from graders.checks.ifeval.sentences import SentenceCounter
from graders.checks.ifeval.text import TextView
from tests.checks.ifeval.cases import IFEVAL_CASES


@cache
def _punkt() -> Any:
    import punkt

    return punkt.tokenizer_for("english")


def _expected(text: str) -> int:
    return len(_punkt().tokenize(text))


_PIECES = [
    "Dr.", "Mr. Smith", "e.g.", "i.e.,", "U.S.", "J. R. R. Tolkien", "No. 5", "3.14", "$5.99",
    "etc.", "vs.", "Inc.", "...", ". . .", "..", "--", "---", "-", "!!!", "?!", "?", "!", ".",
    '."', ".'", '!"', ".)", ".]", "?)", ".”", "(see above.)", '"Stop."', "\n", "\n\n", "  ",
    "\t", "\u00a0", "\u2003", "\r", "\x0c", ". .", "! !", "}", "»", "’", "*bold*", "**",
    "A.", "b.", "THE END.", "The", "he", "It", "however",
    "1.", "2)", "a.m.", "p.m.", "Ph.D.", "St. Louis", "Jan.", "Fig. 3", "www.example.com",
    "hello", "world", "Sentence", "ends", "here", "x", "Q", "and", "so", "on",
]  # fmt: skip


def _punctuated_texts(count: int) -> list[str]:
    rng = random.Random(3)
    texts = []
    for _ in range(count):
        parts = [rng.choice(_PIECES) for _ in range(rng.randint(1, 40))]
        glue = [rng.choice([" ", " ", " ", "", "\n"]) for _ in parts]
        texts.append("".join(p + g for p, g in zip(parts, glue, strict=True)))
    return texts


def _check_response(text: str) -> None:
    """The response and its loose variants, counted through one shared counter as graded."""
    view = TextView(text)
    for other in [view] + [variant for _, variant in view.variants]:
        assert other.sentence_count == _expected(other.text), other.text[:200]


def test_benchmark_responses_and_their_variants() -> None:
    for text in responses(150, seed=4):
        _check_response(text)


def test_instruction_cases_and_punctuation_heavy_texts() -> None:
    texts = [case[2] for case in IFEVAL_CASES] + _punctuated_texts(600)
    for text in texts:
        _check_response(text)
    shared = SentenceCounter()  # one counter across everything: its decisions stay right
    for text in texts:
        assert shared.count(text) == _expected(text), text[:200]


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("ab A.?!-\"')]}»«’\n\t\r\x0b\x0c\u00a0\u2003,;:…—“”")),
        max_size=80,
    )
)
def test_arbitrary_punctuation(text: str) -> None:
    _check_response(text)


def test_candidates_are_punkts() -> None:
    """The candidates (context, end, next token) are those of Punkt's boundary detector."""
    from punkt.rules.boundaries import PunktBoundaryDetector

    detector = PunktBoundaryDetector(_punkt().rules)
    for text in _punctuated_texts(400) + responses(30, seed=6):
        theirs = [(c.context, c.end, c.next_tok_start) for c in detector.detect(text)]
        assert list(sentences.candidates(text)) == theirs, text


def test_rewritten_runs_pattern_matches_punkt_runs() -> None:
    assert _punkt().rules.multi_char_punct_pattern == sentences._PUNKT_RUNS
    assert sentences._rules().runs.pattern == sentences._RUNS
    theirs, ours = re.compile(sentences._PUNKT_RUNS), re.compile(sentences._RUNS)
    rng = random.Random(5)
    for _ in range(3000):
        text = "".join(rng.choice("..-- \n\tab,!?") for _ in range(rng.randint(0, 30)))
        assert [m.span() for m in ours.finditer(text)] == [
            m.span() for m in theirs.finditer(text)
        ], text
