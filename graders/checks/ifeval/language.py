"""Language detection: langdetect's algorithm and seeded random walk, computed faster.

IFEval's language checks call ``langdetect``; on rows that use them it is most of the cost.
:func:`detect` runs langdetect's own algorithm on its own profiles with the same seeded random
walk and ends with the same probabilities (equal floats, not close ones), so every answer is
the one langdetect's ``Detector`` gives. The speed comes from how the same steps are computed:

* profiles: loaded once into a matrix, one row of 55 language probabilities per n-gram;
* preparing the text: space runs are collapsed with a regular expression instead of a loop per
  character; the URL, e-mail and Vietnamese passes run only when the text holds ``http``,
  ``@`` or a non-ASCII character (they cannot match otherwise), and pure-ASCII text skips the
  non-Latin count (nothing in it is at or above U+0300, so the cleaning removes nothing);
* n-grams: the text is normalized by ``str.translate`` with langdetect's normalization of each
  character (computed once per character), then n-grams are extracted by langdetect's buffer
  rules once per distinct word between spaces and kept (a bounded cache). A space resets
  langdetect's n-gram buffer, so the n-grams of a word, with the space after it, never depend
  on what came before;
* the random walk: a ``random.Random`` seeded as langdetect seeds its own picks the same
  n-grams in the same order (without langdetect's first seeding from the OS, which the walk
  overrides); each update multiplies all 55 probabilities by one numpy row (the same IEEE
  products, element by element, as langdetect's loop), and the normalizing sum is Python's
  ``sum`` over the same floats, as in langdetect.

``tests/checks/ifeval/test_language.py`` compares each step with langdetect's on texts in many
scripts.
"""

from __future__ import annotations

import json
import os
import random
import re
from array import array
from functools import cache, lru_cache
from typing import Any

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.lang_profile import LangProfile
from langdetect.utils.ngram import NGram

__all__ = ["SEED", "detect", "language_codes"]

SEED = 0
"""The random walk's seed (langdetect's shared factory is unseeded, hence random, by default)."""

_SPACE_RUN = re.compile(" {2,}")


class _Profiles:
    """langdetect's profiles as one matrix: a row of per-language probabilities per n-gram.

    Loaded as ``DetectorFactory.load_profile`` loads them (the directory's order gives the
    languages' order, which fixes the order of every sum) with its arithmetic, straight into
    the matrix: the factory's 87,598 lists of 55 floats would take more memory than the matrix.
    """

    def __init__(self) -> None:
        self.langlist: list[str] = []
        self.row: dict[str, int] = {}
        rows, columns, values = array("q"), array("q"), array("d")
        for filename in os.listdir(PROFILES_DIRECTORY):
            path = os.path.join(PROFILES_DIRECTORY, filename)
            if filename.startswith(".") or not os.path.isfile(path):
                continue
            with open(path, encoding="utf-8") as file:
                profile = LangProfile(**json.load(file))
            column = len(self.langlist)
            self.langlist.append(profile.name)
            for gram, count in profile.freq.items():
                row = self.row.setdefault(gram, len(self.row))
                if 1 <= len(gram) <= 3:
                    rows.append(row)
                    columns.append(column)
                    values.append(1.0 * count / profile.n_words[len(gram) - 1])
        self.matrix = np.zeros((len(self.row), len(self.langlist)))
        self.matrix[np.frombuffer(rows, np.int64), np.frombuffer(columns, np.int64)] = values
        self.seed = SEED
        # what langdetect's extractor reads: membership in the map is all it asks
        self.word_lang_prob_map = self.row


@cache
def _profiles() -> _Profiles:
    return _Profiles()


def language_codes() -> tuple[str, ...]:
    """The language codes langdetect can answer with (ISO 639-1, plus zh-cn and zh-tw)."""
    return tuple(sorted(_profiles().langlist))


class _Normalized(dict[int, str]):
    """langdetect's character normalization (``NGram.normalize``) as a ``str.translate`` table,
    filled as characters are first seen."""

    def __missing__(self, code: int) -> str:
        self[code] = normalized = str(NGram.normalize(chr(code)))
        return normalized


_NORMALIZED = _Normalized()


@lru_cache(maxsize=1 << 16)
def _word_rows(word: str, space_after: bool) -> tuple[int, ...]:
    """The profile rows of the n-grams langdetect extracts from a normalized ``word`` (no
    spaces in it) and the space after it, if any, starting from a fresh n-gram buffer.

    langdetect's ``NGram.add_char`` and ``_extract_ngrams``: the buffer holds a space and then
    the word's characters, the last three of them; at each character the 1-, 2- and 3-grams
    ending there that are in the profiles count (never the 1-gram of a space), except where
    this character and the one before are both upper case.
    """
    if not word:
        return ()
    rows = _profiles().row
    padded = " " + word + (" " if space_after else "")
    found = []
    for end in range(2, len(padded) + 1):
        char = padded[end - 1]
        if char.isupper() and padded[end - 2].isupper():
            continue
        if char != " " and char in rows:
            found.append(rows[char])
        for start in (end - 2, end - 3) if end > 2 else (end - 2,):
            gram = padded[start:end]
            if gram in rows:
                found.append(rows[gram])
    return tuple(found)


@cache
def _defaults() -> dict[str, Any]:
    return dict(Detector(_profiles()).__dict__)


class _Detector(Detector):  # type: ignore[misc]  # langdetect is untyped
    """langdetect's ``Detector`` with its per-character loops and walk computed faster."""

    def __init__(self) -> None:
        # Detector.__init__ seeds a fresh random.Random from the OS (tens of microseconds) that
        # the walk reseeds anyway: take its other defaults and a generator seeded as the walk's
        self.__dict__.update(_defaults())
        self.random = random.Random(self.seed)

    def append(self, text: str) -> None:
        # the patterns cannot match without "http", "@", or a non-ASCII combining mark
        if "http" in text:
            text = self.URL_RE.sub(" ", text)
        if "@" in text:
            text = self.MAIL_RE.sub(" ", text)
        if not text.isascii():
            text = NGram.normalize_vi(text)
        self.text += _SPACE_RUN.sub(" ", text[: self.max_text_length])

    def cleaning_text(self) -> None:
        if not self.text.isascii():
            super().cleaning_text()

    def _extract_rows(self) -> tuple[list[int], set[int]]:
        """The n-grams' profile rows in text order, and the distinct rows."""
        *words, last = self.text.translate(_NORMALIZED).split(" ")
        rows: list[int] = []
        for word in words:
            rows.extend(_word_rows(word, True))
        rows.extend(_word_rows(last, False))
        distinct = set(_word_rows(last, False))
        for word in set(words):
            distinct.update(_word_rows(word, True))
        return rows, distinct

    def _detect_block(self) -> None:
        self.cleaning_text()
        rows, distinct = self._extract_rows()
        if not rows:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        order = list(distinct)
        local = {row: index for index, row in enumerate(order)}
        table = _profiles().matrix.take(order, axis=0)
        size = len(self.langlist)
        langprob = np.zeros(size)
        rng = self.random
        rng.seed(self.seed)
        choice = rng.choice
        for _ in range(self.n_trial):
            prob = np.full(size, 1.0 / size)
            alpha = self.alpha + rng.gauss(0.0, 1.0) * self.ALPHA_WIDTH
            factors = alpha / self.BASE_FREQ + table
            # langdetect's loop: update at i = 0, 1, 2, ...; after the updates at i = 0, 5,
            # 10, ... normalize and stop once converged or at the iteration limit
            prob *= factors[local[choice(rows)]]
            i = 0
            while not (_normalize(prob) > self.CONV_THRESHOLD or i >= self.ITERATION_LIMIT):
                for _ in range(5):
                    prob *= factors[local[choice(rows)]]
                i += 5
            langprob += prob / self.n_trial
        self.langprob = langprob.tolist()


def _normalize(prob: Any) -> float:
    """langdetect's ``_normalize_prob`` in place: divide by the (Python) sum, return the max."""
    values: list[float] = prob.tolist()
    total = sum(values)
    if total == 0.0:
        raise ZeroDivisionError("float division by zero")  # as langdetect's own division
    prob /= total
    if total > 0.0:  # dividing by a positive number keeps the order: max of quotients is
        return max(0.0, max(values) / total)  # the quotient of the max (also when inf)
    return max(0.0, float(prob.max()))


def detect(text: str) -> str | None:
    """The language langdetect finds, or None when the text gives it nothing to go on."""
    detector = _Detector()
    detector.append(text)
    try:
        return str(detector.detect())
    except LangDetectException:
        return None
