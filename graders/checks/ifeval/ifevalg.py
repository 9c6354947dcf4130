"""IFEvalG: the instruction constraints behind open-instruct's RLVR training (Tulu 3, OLMo).

AllenAI's ``open_instruct/IFEvalG`` extends IFEval's 25 instruction types with the 29 training
constraints of :data:`IFEVALG_IDS` (IFBench's IFTrain). Four of them are a check that is already
in the table under another id, listed here as aliases; the rest are in
:mod:`.ifevalg_words` and :mod:`.ifevalg_format`. Every one is checkable by code, offline.
"""

from __future__ import annotations

from graders.checks.ifeval import (  # noqa: F401  (importing them fills the table)
    ifbench_format,
    ifeval_rules,
    ifevalg_format,
    ifevalg_words,
)
from graders.checks.ifeval.table import alias

__all__ = ["IFEVALG_IDS"]

IFEVALG_IDS = (
    "copy:repeat_phrase",
    "copy:copy",
    "new:copy_span_idx",
    "detectable_format:sentence_hyphens",
    "keywords:no_adjacent_consecutive",
    "detectable_format:square_brackets",
    "keywords:word_once",
    "keywords:word_count_different_numbers",
    "keywords:exclude_word_harder",
    "paragraphs:paragraphs",
    "paragraphs:paragraphs2",
    "first_word:first_word_sent",
    "first_word:first_word_answer",
    "last_word:last_word_sent",
    "last_word:last_word_answer",
    "detectable_format:bigram_wrapping",
    "copy:copying_simple",
    "copy:copying_multiple",
    "punctuation:punctuation_dot",
    "punctuation:punctuation_exclamation",
    "count:lowercase_counting",
    "letters:letter_counting",
    "letters:letter_counting2",
    "count:counting_composition",
    "count:count_unique",
    "count:count_increment_word",
    "keywords:palindrome",
    "keywords:keyword_specific_position",
    "keywords:start_end",
)
"""IFEvalG's ids beyond IFEval's 25, in the order of its ``instructions_registry``."""

# the same checker class, and so the same kwargs and meaning, under a second id
alias("keywords:word_count_different_numbers", "keywords:frequency")
alias("letters:letter_counting2", "keywords:letter_frequency")
alias("keywords:keyword_specific_position", "words:keywords_specific_position")
alias("copy:copying_simple", "copy:copy")
