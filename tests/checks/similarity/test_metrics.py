"""Each lexical metric against the library that defines it, plus the cases that show our choices.

Pairs cover what graders meet: paraphrases, reordering, case, punctuation, unicode, empty text.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from typing import Any

import pytest

import graders
from graders.checks.similarity.metrics import LEXICAL_METRICS

PAIRS = [
    ("The cat sat on the mat.", "The cat is sitting on the mat."),
    ("Paris is the capital of France.", "The capital of France is Paris."),
    ("the quick brown fox", "The Quick Brown Fox"),
    ("I don't know, really!", "I do not know really"),
    ("completely unrelated words here", "nothing in common at all"),
    ("Der schnelle braune Fuchs springt.", "Der schnelle Fuchs springt hoch."),
    ("identical text", "identical text"),
    ("", "a reference"),
]
IDS = [f"pair{i}" for i in range(len(PAIRS))]


def score(metric: str, text: str, reference: str, **extra: Any) -> float:
    config = {
        "type": "text_similarity",
        "input": "{{ sample.output_text }}",
        "reference": "{{ item.reference }}",
        "evaluation_metric": metric,
        **extra,
    }
    result = graders.load(config).grade_sync(text, {"reference": reference})
    assert result.error is None, result.error
    assert result.score is not None and 0.0 <= result.score <= 1.0
    return result.score


@pytest.mark.parametrize(("text", "reference"), PAIRS, ids=IDS)
def test_fuzzy_match_is_rapidfuzz_ratio(text: str, reference: str) -> None:
    from rapidfuzz import fuzz

    assert score("fuzzy_match", text, reference) == pytest.approx(fuzz.ratio(text, reference) / 100)


@pytest.mark.parametrize(("text", "reference"), PAIRS, ids=IDS)
def test_bleu_is_sacrebleu_sentence_bleu(text: str, reference: str) -> None:
    import sacrebleu

    expected = sacrebleu.sentence_bleu(text, [reference]).score / 100
    assert score("bleu", text, reference) == pytest.approx(expected)


@pytest.mark.parametrize(("text", "reference"), PAIRS, ids=IDS)
def test_gleu_is_nltk_sentence_gleu_on_13a_tokens(text: str, reference: str) -> None:
    from nltk.translate.gleu_score import sentence_gleu
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    tok = Tokenizer13a()
    expected = sentence_gleu([tok(reference).split()], tok(text).split())
    assert score("gleu", text, reference) == pytest.approx(expected)


def test_gleu_by_hand() -> None:
    # hyp "a b c", ref "a b d": n-grams up to 4 of hyp: a,b,c,ab,bc,abc = 6; of ref 6; common
    # a,b,ab = 3 -> min(precision, recall) = 3/6
    assert score("gleu", "a b c", "a b d") == pytest.approx(0.5)


class _NoSynonyms:
    def synsets(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []


@pytest.mark.parametrize(("text", "reference"), PAIRS, ids=IDS)
def test_meteor_is_nltk_meteor_without_wordnet(text: str, reference: str) -> None:
    from nltk.translate.meteor_score import single_meteor_score

    from graders.checks.words import word_tokenize

    expected = single_meteor_score(
        word_tokenize(reference),
        word_tokenize(text),
        wordnet=_NoSynonyms(),  # type: ignore[arg-type]
    )
    assert score("meteor", text, reference) == pytest.approx(expected)


def test_meteor_matches_stems_but_not_synonyms() -> None:
    # the stem stage (Porter) needs no data: "running" and "runs" meet at "run"
    stems = score("meteor", "the dogs running", "the dog runs")
    # WordNet is not available offline, so "large" is not matched with "big"
    synonyms = score("meteor", "a large house", "a big house")
    exact = score("meteor", "a house", "a house")
    assert stems == pytest.approx(score("meteor", "the dog run", "the dog run"))
    assert synonyms < exact
    # with WordNet NLTK would align large~big; here 2 of 3 words align
    from nltk.translate.meteor_score import single_meteor_score

    two_of_three = single_meteor_score(
        ["a", "big", "house"],
        ["a", "small", "house"],
        wordnet=_NoSynonyms(),  # type: ignore[arg-type]
    )
    assert synonyms == pytest.approx(two_of_three)


ROUGE = [*(f"rouge_{n}" for n in range(1, 6)), "rouge_l"]
ASCII_PAIRS = [p for p in PAIRS if p[0].isascii() and p[1].isascii()]


@pytest.mark.parametrize("metric", ROUGE)
@pytest.mark.parametrize(("text", "reference"), ASCII_PAIRS)
def test_rouge_is_rouge_score_fmeasure(metric: str, text: str, reference: str) -> None:
    from rouge_score.rouge_scorer import RougeScorer

    key = "rougeL" if metric == "rouge_l" else metric.replace("_", "")
    expected = RougeScorer([key]).score(reference, text)[key].fmeasure
    assert score(metric, text, reference) == pytest.approx(expected)


def test_rouge_reads_non_latin_text_that_rouge_score_drops() -> None:
    from rouge_score.rouge_scorer import RougeScorer

    text, reference = "Кошка сидит на ковре", "Кошка сидела на ковре"
    assert RougeScorer(["rouge1"]).score(reference, text)["rouge1"].fmeasure == 0.0
    assert score("rouge_1", text, reference) == pytest.approx(0.75)  # 3 of 4 words


def test_rouge_l_rewards_order_and_rouge_1_does_not() -> None:
    text, reference = "c b a", "a b c"
    assert score("rouge_1", text, reference) == pytest.approx(1.0)
    assert score("rouge_l", text, reference) == pytest.approx(1 / 3)


SQUAD = [
    # (prediction, gold, f1) computed by SQuAD v1.1's definition
    ("the Eiffel Tower", "Eiffel Tower", 1.0),
    ("Eiffel Tower in Paris", "The Eiffel Tower", 2 * (2 / 4) * 1.0 / (2 / 4 + 1.0)),
    ("Denver Broncos", "Carolina Panthers", 0.0),
    ("a", "the", 1.0),  # both normalize to nothing: equal
    ("", "Paris", 0.0),
    ("Paris, France!", "paris france", 1.0),
    ("one one two", "one two two", 2 * (2 / 3) * (2 / 3) / (4 / 3)),
]


@pytest.mark.parametrize(("text", "reference", "f1"), SQUAD)
def test_token_f1_follows_squad(text: str, reference: str, f1: float) -> None:
    assert score("token_f1", text, reference) == pytest.approx(f1)


@pytest.mark.parametrize(
    ("text", "reference", "equal"),
    [
        ("The Eiffel Tower.", "eiffel tower", 1.0),
        ("Eiffel Towers", "Eiffel Tower", 0.0),
        ("  “Paris”  ", "paris", 1.0),
        ("", "", 1.0),
    ],
)
def test_exact_match_after_squad_normalization(text: str, reference: str, equal: float) -> None:
    assert score("exact_match", text, reference) == equal


def _squad_normalize_answer(text: str) -> str:
    """The oracle: SQuAD v1.1's ``normalize_answer`` as its evaluation script defines it
    (lowercase, drop every ``string.punctuation`` character, drop articles, collapse spaces)."""
    text = "".join(ch for ch in text.lower() if ch not in string.punctuation)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def _squad_f1(prediction: str, gold: str) -> float:
    hyp, ref = _squad_normalize_answer(prediction).split(), _squad_normalize_answer(gold).split()
    if not hyp or not ref:
        return float(hyp == ref)
    common = sum((Counter(hyp) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(hyp), common / len(ref)
    return 2 * precision * recall / (precision + recall)


SQUAD_SYMBOLS = [
    # ASCII symbols in string.punctuation but outside Unicode \p{P}: SQuAD strips them (audit)
    ("$5", "5"),
    ("$5 million", "5 million"),
    ("a+b", "ab"),
    ("x<y", "xy"),
    ("=42", "42"),
    ("2^10", "210"),
    ("`code`", "code"),
    ("yes|no", "yesno"),
    ("~100 people", "100 people"),
    ("<b>Paris</b>", "bParisb"),
    ("5", "5%"),
    ("$5", "6"),
    ("C++", "C"),
    ("the $ sign", "sign"),
    ("Paris (France)", "paris france"),
]


@pytest.mark.parametrize(("text", "reference"), SQUAD_SYMBOLS)
def test_token_f1_and_exact_match_strip_ascii_symbols_as_squad_does(
    text: str, reference: str
) -> None:
    assert score("token_f1", text, reference) == pytest.approx(_squad_f1(text, reference))
    expected = _squad_normalize_answer(text) == _squad_normalize_answer(reference)
    assert score("exact_match", text, reference) == float(expected)


def test_dollar_amount_matches_bare_number() -> None:
    assert score("token_f1", "$5", "5") == 1.0
    assert score("exact_match", "$5", "5") == 1.0


@pytest.mark.parametrize(("text", "reference", "f1"), SQUAD)
def test_squad_table_agrees_with_the_oracle(text: str, reference: str, f1: float) -> None:
    assert _squad_f1(text, reference) == pytest.approx(f1)


def test_edit_similarities() -> None:
    from rapidfuzz.distance import Levenshtein

    assert score("char_edit_similarity", "kitten", "sitting") == pytest.approx(1 - 3 / 7)
    assert score("char_edit_similarity", "kitten", "sitting") == pytest.approx(
        Levenshtein.normalized_similarity("kitten", "sitting")
    )
    # words: one substitution and one deletion out of 4 words
    assert score("word_edit_similarity", "the cat sat down", "the dog sat") == pytest.approx(
        1 - 2 / 4
    )
    assert score("char_edit_similarity", "", "") == 1.0


@pytest.mark.parametrize("metric", sorted(LEXICAL_METRICS))
def test_identical_texts_score_near_one_and_disjoint_near_zero(metric: str) -> None:
    same = score(
        metric,
        "the quick brown fox jumps over the lazy dog",
        "the quick brown fox jumps over the lazy dog",
    )
    other = score(metric, "zzz yyy xxx www", "the quick brown fox jumps over the lazy dog")
    assert same == pytest.approx(1.0, abs=1e-3)
    assert other < 0.35
    assert not math.isnan(other)


def test_normalize_and_extract_apply_before_the_metric() -> None:
    raw = score("exact_match", "<answer>PARIS</answer>", "paris")
    extracted = score(
        "fuzzy_match",
        "<answer>PARIS</answer>",
        "paris",
        extract=[{"step": "xml_tag", "tag": "answer"}],
        normalize=["lowercase"],
    )
    assert raw == 0.0 and extracted == 1.0


def test_pass_threshold_sets_passed_and_the_reason_says_why() -> None:
    config = {
        "type": "text_similarity",
        "input": "{{ sample.output_text }}",
        "reference": "kitten",
        "evaluation_metric": "char_edit_similarity",
        "pass_threshold": 0.5,
    }
    grader = graders.load(config)
    good, bad = grader.grade_sync("sitten"), grader.grade_sync("dog")
    assert good.passed is True and ">= pass_threshold 0.5" in good.reason
    assert bad.passed is False and "< pass_threshold 0.5" in bad.reason


@pytest.mark.parametrize("threshold", [1.5, -0.1, float("inf")])
def test_pass_threshold_outside_0_1_fails_at_load(threshold: float) -> None:
    config = {
        "type": "text_similarity",
        "reference": "kitten",
        "evaluation_metric": "fuzzy_match",
        "pass_threshold": threshold,
    }
    with pytest.raises(
        graders.ConfigError, match=rf"\$\.pass_threshold: pass_threshold={threshold}"
    ):
        graders.load(config)


def test_openai_grader_json_loads_unchanged() -> None:
    openai_json = {
        "type": "text_similarity",
        "name": "similar",
        "input": "{{sample.output_text}}",
        "reference": "{{item.answer}}",
        "evaluation_metric": "rouge_l",
        "pass_threshold": 0.6,
    }
    result = graders.load(openai_json).grade_sync("a b c d", {"answer": "a b c e"})
    assert result.score == pytest.approx(0.75) and result.passed is True


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"evaluation_metric": "blue"}, "did you mean 'bleu'"),
        ({"evaluation_metric": "bleu", "not": True}, "not: true has no meaning"),
        (
            {"evaluation_metric": "bleu", "embeddings": {"local": True}},
            "embeddings is only used with evaluation_metric='cosine'",
        ),
        (
            {
                "evaluation_metric": "cosine",
                "embeddings": {"local": True, "endpoint": {"base_url": "x"}},
            },
            "takes no endpoint",
        ),
        (
            {"evaluation_metric": "cosine", "embeddings": {"endpoint": {"request_timeout_s": 0}}},
            "request_timeout_s",
        ),
    ],
)
def test_bad_configs_fail_at_load(extra: dict[str, Any], message: str) -> None:
    config = {"type": "text_similarity", "input": "x", "reference": "y", **extra}
    with pytest.raises(graders.ConfigError, match=message):
        graders.load(config)
