"""The lexical similarity metrics, each computed by the library that defines it.

Every function takes ``(text, reference)`` and returns a score in [0, 1] with a few details.
Libraries are imported on first use (the ``similarity`` extra installs them):

* ``fuzzy_match``: ``rapidfuzz.fuzz.ratio(text, reference) / 100`` (normalized Indel
  similarity; no processor, case-sensitive).
* ``bleu``: ``sacrebleu.metrics.BLEU(effective_order=True).sentence_score(text,
  [reference]).score / 100``, sacrebleu's defaults (``13a`` tokenizer, ``exp`` smoothing,
  case-sensitive, up to 4-grams): the same number as ``sacrebleu.sentence_bleu``.
* ``gleu``: ``nltk.translate.gleu_score.sentence_gleu([ref], hyp)`` (n-grams 1 to 4) on tokens
  from sacrebleu's ``13a`` tokenizer.
* ``meteor``: ``nltk.translate.meteor_score.single_meteor_score(ref, hyp)`` with NLTK's defaults
  (lowercase, Porter stemmer, alpha 0.9, beta 3, gamma 0.5) on ``nltk.word_tokenize`` tokens,
  **without WordNet**: the synonym stage gets an empty WordNet, so exact and stem matches count
  and synonyms do not (WordNet is on no package registry, and cannot be downloaded at run time).
* ``rouge_1`` … ``rouge_5``, ``rouge_l``: F-measure of
  ``rouge_score.rouge_scorer.RougeScorer(["rougeN"], use_stemmer=False).score(reference, text)``,
  with rouge-score's tokenization (lowercase, split on non-alphanumerics) made Unicode-aware:
  identical on ASCII text, while the stock tokenizer drops every non-ASCII letter and scores
  Chinese or Russian text 0.
* ``token_f1``: SQuAD's token F1 after SQuAD normalization (lowercase, punctuation and articles
  removed, whitespace collapsed); ``exact_match``: 1 when the normalized texts are equal.
* ``char_edit_similarity``: ``rapidfuzz.distance.Levenshtein.normalized_similarity(text,
  reference)`` (1 - distance / longer length); ``word_edit_similarity``: the same on
  whitespace-separated words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import cache
from typing import Any

import regex

from graders.checks.normalize import compose
from graders.checks.words import word_tokenize

__all__ = ["LEXICAL_METRICS", "MetricValue"]

MetricValue = tuple[float, dict[str, Any]]
"""A score in [0, 1] and details worth showing (precision, recall, counts)."""


def fuzzy_match(text: str, reference: str) -> MetricValue:
    from rapidfuzz import fuzz

    return fuzz.ratio(text, reference) / 100.0, {}


@cache
def _bleu() -> Any:
    from sacrebleu.metrics.bleu import BLEU

    return BLEU(effective_order=True)


@cache
def _tokenizer_13a() -> Callable[[str], str]:
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    tokenizer: Callable[[str], str] = Tokenizer13a()  # type: ignore[no-untyped-call]
    return tokenizer


def bleu(text: str, reference: str) -> MetricValue:
    result = _bleu().sentence_score(text, [reference])
    return result.score / 100.0, {"precisions": [round(p / 100, 4) for p in result.precisions]}


def gleu(text: str, reference: str) -> MetricValue:
    from nltk.translate.gleu_score import sentence_gleu

    tokenize = _tokenizer_13a()
    hyp, ref = tokenize(text).split(), tokenize(reference).split()
    return float(sentence_gleu([ref], hyp)), {}


class _NoWordNet:
    """Stands in for WordNet in NLTK's METEOR: no word has synonyms."""

    def synsets(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []


def meteor(text: str, reference: str) -> MetricValue:
    from nltk.translate.meteor_score import single_meteor_score

    hyp, ref = word_tokenize(text), word_tokenize(reference)
    score = single_meteor_score(ref, hyp, wordnet=_NoWordNet())
    return float(score), {"synonyms": "not matched (no WordNet)"}


_NON_ALNUM = regex.compile(r"[^\p{L}\p{N}]+")


class _UnicodeTokenizer:
    """rouge-score's default tokenization (lowercase, split on non-alphanumerics), Unicode-aware."""

    def tokenize(self, text: str) -> list[str]:
        return [t for t in _NON_ALNUM.split(text.lower()) if t]


@cache
def _rouge_scorer(key: str) -> Any:
    from rouge_score.rouge_scorer import RougeScorer

    return RougeScorer([key], use_stemmer=False, tokenizer=_UnicodeTokenizer())


def _rouge(key: str) -> Callable[[str, str], MetricValue]:
    def score(text: str, reference: str) -> MetricValue:
        value = _rouge_scorer(key).score(reference, text)[key]
        details = {"precision": round(value.precision, 4), "recall": round(value.recall, 4)}
        return float(value.fmeasure), details

    return score


_squad = compose(("lowercase", "strip_punctuation", "remove_articles", "collapse_whitespace"))


def _squad_tokens(text: str) -> list[str]:
    assert _squad is not None
    return _squad(text).split()


def token_f1(text: str, reference: str) -> MetricValue:
    hyp, ref = _squad_tokens(text), _squad_tokens(reference)
    if not hyp or not ref:
        return float(hyp == ref), {"common": 0}
    common = sum((Counter(hyp) & Counter(ref)).values())
    if common == 0:
        return 0.0, {"common": 0}
    precision, recall = common / len(hyp), common / len(ref)
    f1 = 2 * precision * recall / (precision + recall)
    return f1, {"precision": round(precision, 4), "recall": round(recall, 4), "common": common}


def exact_match(text: str, reference: str) -> MetricValue:
    return float(_squad_tokens(text) == _squad_tokens(reference)), {}


def char_edit(text: str, reference: str) -> MetricValue:
    from rapidfuzz.distance import Levenshtein

    distance = Levenshtein.distance(text, reference)
    return Levenshtein.normalized_similarity(text, reference), {"distance": distance}


def word_edit(text: str, reference: str) -> MetricValue:
    from rapidfuzz.distance import Levenshtein

    hyp, ref = text.split(), reference.split()
    distance = Levenshtein.distance(hyp, ref)
    return Levenshtein.normalized_similarity(hyp, ref), {"distance": distance}


LEXICAL_METRICS: dict[str, Callable[[str, str], MetricValue]] = {
    "fuzzy_match": fuzzy_match,
    "bleu": bleu,
    "gleu": gleu,
    "meteor": meteor,
    **{f"rouge_{n}": _rouge(f"rouge{n}") for n in range(1, 6)},
    "rouge_l": _rouge("rougeL"),
    "token_f1": token_f1,
    "exact_match": exact_match,
    "char_edit_similarity": char_edit,
    "word_edit_similarity": word_edit,
}
"""Every metric computed locally, by its ``evaluation_metric`` name."""
