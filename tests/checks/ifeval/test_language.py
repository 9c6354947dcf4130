"""graders' language detection computes exactly what langdetect's own ``Detector`` computes.

:mod:`graders.checks.ifeval.language` reimplements how langdetect's steps are computed (profile
loading, text preparation, n-gram extraction per word, the random walk in numpy), so each step
is compared with langdetect's, by equality, not closeness: the profiles as loaded, the prepared
text, the extracted n-grams in order, the seven-trial probabilities for every language, and the
answer. The texts: words built
from every language's own profile n-grams (so each of the 55 languages wins somewhere), random
mixes of many scripts with the characters langdetect treats specially (Vietnamese combining
marks, Romanian commas, Farsi yeh, Latin Extended Additional, CJK, kana, Hangul, general
punctuation, URLs, e-mail addresses, capital runs, space runs), texts past langdetect's 10,000
character limit, the instruction cases and arbitrary unicode from Hypothesis.
"""

from __future__ import annotations

import random
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graders.checks.ifeval import language
from tests.checks.ifeval.cases import IFEVAL_CASES

langdetect = pytest.importorskip("langdetect")


@cache
def _factory() -> Any:
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(language.SEED)
    return factory


@cache
def _grams() -> list[str]:
    return list(_factory().word_lang_prob_map)


def _run(detector: Any, rows: bool) -> tuple[Any, ...]:
    """What a detector computes on its text, step by step (a failure is an outcome too)."""
    from langdetect.lang_detect_exception import LangDetectException

    cleaned = type(detector)(*([] if rows else [_factory()]))
    cleaned.text = detector.text
    cleaned.cleaning_text()
    if rows:
        order, distinct = cleaned._extract_rows()
        assert distinct == set(order)
        grams = [_grams()[row] for row in order]
    else:
        grams = cleaned._extract_ngrams()
    try:
        answer = detector.detect()
    except LangDetectException as exc:
        return detector.text, cleaned.text, grams, "error", exc.code
    return detector.text, cleaned.text, grams, answer, detector.langprob


def _compare(text: str) -> None:
    theirs = _factory().create()
    theirs.append(text)
    ours = language._Detector()
    ours.append(text)
    expected = _run(theirs, rows=False)
    assert _run(ours, rows=True) == expected, text[:200]
    assert language.detect(text) == (None if expected[3] == "error" else expected[3])


def _profile_texts() -> list[str]:
    """For each language, texts of words glued from its most frequent profile trigrams."""
    factory = _factory()
    rng = random.Random(1)
    texts = []
    for index, lang in enumerate(factory.langlist):
        trigrams = sorted(
            (g for g, probs in factory.word_lang_prob_map.items() if len(g) == 3 and probs[index]),
            key=lambda g: -factory.word_lang_prob_map[g][index],
        )[:200]
        letters = [g.strip() for g in trigrams if g.strip()]
        assert letters, lang
        for words in (2, 12, 60):
            texts.append(" ".join("".join(rng.sample(letters, 2)) for _ in range(words)))
    return texts


_SPECIAL = (
    "\u0300\u0301\u0303\u0309\u0323"  # the combining marks langdetect folds for Vietnamese
    "\u0219\u021b\u06cc"  # Romanian s/t with comma below, Farsi yeh
    "\u1e00\u1ea0\u1ec3\u1ef9"  # Latin Extended Additional
    "\u2013\u2019\u201c\u2026"  # general punctuation
    "\u00e9\u00df\u00d7\u00bf\u00a0"  # Latin-1 letters and excluded signs
)
_RANGES = [
    (0x41, 0x5A),
    (0x61, 0x7A),
    (0x20, 0x40),
    (0xC0, 0x17F),
    (0x370, 0x3FF),
    (0x400, 0x4FF),
    (0x5D0, 0x5EA),
    (0x620, 0x64A),
    (0x900, 0x97F),
    (0xE01, 0xE3A),
    (0x1100, 0x11FF),
    (0x3041, 0x3096),
    (0x30A1, 0x30FA),
    (0x3105, 0x312F),
    (0x4E00, 0x4FFF),
    (0xAC00, 0xAD00),
]


def _mixed_texts(count: int) -> list[str]:
    rng = random.Random(2)
    texts = []
    for _ in range(count):
        ranges = rng.sample(_RANGES, rng.randint(1, 4))
        words = []
        for _ in range(rng.randint(1, 40)):
            low, high = rng.choice(ranges)
            word = "".join(chr(rng.randint(low, high)) for _ in range(rng.randint(1, 9)))
            roll = rng.random()
            if roll < 0.15:
                word += rng.choice(_SPECIAL)
            elif roll < 0.2:
                word = word.upper()
            elif roll < 0.23:
                word = f"https://example.org/{word}?q=1"
            elif roll < 0.26:
                word = "someone.else@mail.example.com"
            words.append(word)
        separators = [" ", " ", " ", "  ", "\n", ", ", ". ", "   "]
        texts.append("".join(w + rng.choice(separators) for w in words).rstrip(rng.choice("x ")))
    return texts


def test_profiles_are_langdetects() -> None:
    factory, profiles = _factory(), language._profiles()
    assert profiles.langlist == factory.langlist  # the order every sum runs in
    assert list(profiles.row) == list(factory.word_lang_prob_map)
    size = len(factory.langlist)
    assert profiles.matrix.shape == (len(profiles.row), size)
    for gram, probs in factory.word_lang_prob_map.items():
        assert profiles.matrix[profiles.row[gram]].tolist() == probs[:size], gram


_EDGES = [
    "",
    " ",
    "   ",
    "123 456",
    "!!!",
    "a",
    "A",
    "ABC",
    "ABC def GHI",
    "hello",
    "hello ",
    " hello",
    "THE QUICK BROWN FOX",
    "viê\u0323t nam ngu\u031bo\u0300i",
    "the quick brown fox " * 700,  # past the 10,000 character limit
    "der schnelle braune Fuchs springt " * 400,
    "\u4e2d\u6587" * 6000,
]


@pytest.mark.parametrize("text", _EDGES, ids=range(len(_EDGES)))
def test_edge_texts(text: str) -> None:
    _compare(text)


def test_every_language_profile_and_mixed_scripts() -> None:
    texts = _profile_texts() + _mixed_texts(250)
    answers = set()
    for text in texts:
        _compare(text)
        answers.add(language.detect(text))
    assert set(_factory().langlist) <= answers  # every language won at least once


def test_instruction_cases() -> None:
    for _, _, response, _ in IFEVAL_CASES:
        _compare(response)
        _compare(response.lower())


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_unicode(text: str) -> None:
    _compare(text)
