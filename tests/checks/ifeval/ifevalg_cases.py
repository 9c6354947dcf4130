"""Responses that follow and break IFEvalG's 29 training constraints, and the cases where we
decide differently from its reference checkers on purpose.

Every verdict in :data:`IFEVALG_CASES` is also the reference's strict verdict (open-instruct's
``open_instruct/IFEvalG`` at commit e6c3044, run by ``test_ifevalg.py`` when
``GRADERS_IFEVALG_REFERENCE`` names a checkout; IFEvalG is not on PyPI). Each row of
:data:`IFEVALG_DIFFERENCES` gives our verdict, the reference's, and why.
"""

from __future__ import annotations

from typing import Any

from tests.checks.ifeval.cases import Case

_PHRASE = {"phrase": "The quick brown fox", "small_n": 2}
_PROMPT = {"prompt_to_repeat": "Write a haiku about tea."}
_SPAN = {"prompt_to_repeat": "Hello wonderful world", "n_start": 6, "n_end": 15}
_KEYWORD = {"keyword": "tea"}
_FREQUENCY = {"keyword": "tea", "frequency": 2, "relation": "at least"}
_FIRST = {"first_word": "tea"}
_LAST = {"last_word": "tea"}
_COMPOSITION = {"n_sent": 2, "n_words": 4}
_POSITION = {"keyword": "tea", "n": 2, "m": 3}
_LETTER = {"letter": "a", "let_frequency": 3, "let_relation": "at least"}

IFEVALG_CASES: list[Case] = [
    ("copy:repeat_phrase", _PHRASE, "The slow brown fox ran. The quick red fox sat.", True),
    ("copy:repeat_phrase", _PHRASE, "The slow brown fox ran. The quick brown fox sat.", False),
    ("copy:repeat_phrase", _PHRASE, "The slow brown fox ran.", False),
    ("copy:repeat_phrase", _PHRASE, "The very slow brown fox. The quick red fox.", False),
    ("copy:copy", _PROMPT, "write a haiku about TEA.\n", True),
    ("copy:copy", _PROMPT, "Write a haiku about tea", False),
    ("copy:copy", _PROMPT, "Steam rises softly", False),
    ("copy:copying_simple", _PROMPT, "  Write a haiku about tea.", True),
    ("copy:copying_simple", _PROMPT, "Write a haiku about tea. Here it is.", False),
    (
        "copy:copying_multiple",
        {**_PROMPT, "N": 2},
        "Write a haiku about tea.\n******\nWrite a haiku about tea.",
        True,
    ),
    ("copy:copying_multiple", {**_PROMPT, "N": 2}, "Write a haiku about tea.", False),
    (
        "copy:copying_multiple",
        {**_PROMPT, "N": 2},
        "Write a haiku about tea.\n******\nWrite a poem about tea.",
        False,
    ),
    ("new:copy_span_idx", _SPAN, "wonderful", True),
    ("new:copy_span_idx", _SPAN, " WONDERFUL ", True),
    ("new:copy_span_idx", _SPAN, "wonderful world", False),
    ("new:copy_span_idx", _SPAN, "Hello", False),
    ("detectable_format:sentence_hyphens", {}, "I like tea.-It is warm.-Do you?", True),
    ("detectable_format:sentence_hyphens", {}, "Just one sentence here.", True),
    ("detectable_format:sentence_hyphens", {}, "I like tea.-It is warm.\n", True),
    ("detectable_format:sentence_hyphens", {}, "I like tea. It is warm.", False),
    ("detectable_format:sentence_hyphens", {}, "I like tea. - It is warm.", False),
    ("detectable_format:sentence_hyphens", {}, "I like tea.-It is well-known.", False),
    ("keywords:no_adjacent_consecutive", {}, "Cats like fish and drink milk.", True),
    ("keywords:no_adjacent_consecutive", {}, "An apple beats cake.", False),
    ("keywords:no_adjacent_consecutive", {}, "Drinking Earl Grey tea.", False),
    ("detectable_format:square_brackets", {}, "[I] [like] [tea.]", True),
    ("detectable_format:square_brackets", {}, "[I] [like] tea", False),
    ("detectable_format:square_brackets", {}, "[I like tea]", False),
    ("keywords:word_once", _KEYWORD, "I drink Tea daily.", True),
    ("keywords:word_once", _KEYWORD, "Tea, and more tea.", False),
    ("keywords:word_once", _KEYWORD, "I drink coffee.", False),
    ("keywords:word_count_different_numbers", _FREQUENCY, "tea and TEA", True),
    ("keywords:word_count_different_numbers", _FREQUENCY, "just tea", False),
    (
        "keywords:word_count_different_numbers",
        {"keyword": "tea", "frequency": 2, "relation": "less than"},
        "just tea",
        True,
    ),
    ("keywords:exclude_word_harder", _KEYWORD, "I drink coffee every day.", True),
    ("keywords:exclude_word_harder", _KEYWORD, "I drink tea every day.", False),
    ("paragraphs:paragraphs", {}, "Tea is calm.\n***\nCoffee is loud.", True),
    ("paragraphs:paragraphs", {}, "***\nTea is calm.\n***\nCoffee is loud.\n***", True),
    ("paragraphs:paragraphs", {}, "Tea is calm.\n\nCoffee is loud.", False),
    ("paragraphs:paragraphs", {}, "Tea.\n***\n***\nCoffee.", False),
    ("paragraphs:paragraphs", {}, "A\n***\nB\n***\nC", False),
    ("paragraphs:paragraphs2", {}, "Tea is calm.\n\nCoffee is loud.", True),
    ("paragraphs:paragraphs2", {}, "Tea is calm.\nStill calm.\n\nCoffee is loud.\n\n", True),
    ("paragraphs:paragraphs2", {}, "Tea is calm.\n\n\n\nCoffee is loud.", False),
    ("paragraphs:paragraphs2", {}, "Tea is calm. Coffee is loud.", False),
    ("first_word:first_word_sent", _FIRST, "Tea is calm. TEA is warm! tea rules?", True),
    ("first_word:first_word_sent", _FIRST, "Tea is calm. Coffee is loud.", False),
    ("first_word:first_word_answer", _FIRST, "Tea is what I drink.", True),
    ("first_word:first_word_answer", _FIRST, "I drink tea.", False),
    ("last_word:last_word_sent", _LAST, "I love tea. You love tea!", True),
    ("last_word:last_word_sent", _LAST, "I love tea. You love coffee.", False),
    ("last_word:last_word_answer", _LAST, "My favourite drink is tea.", True),
    ("last_word:last_word_answer", _LAST, "Tea is my favourite drink.", False),
    ("detectable_format:bigram_wrapping", {}, "<<I am>> <<at home>> <<with tea>>", True),
    ("detectable_format:bigram_wrapping", {}, "<<I am>> at home", False),
    ("detectable_format:bigram_wrapping", {}, "<<I am at>> home", False),
    ("copy:copying_simple", _PROMPT, "WRITE A HAIKU ABOUT TEA.", True),
    ("punctuation:punctuation_dot", {}, "Tea is calm, coffee is loud!", True),
    ("punctuation:punctuation_dot", {}, "Tea is calm. Coffee is loud", False),
    ("punctuation:punctuation_dot", {}, "Visit example.com", False),
    ("punctuation:punctuation_exclamation", {}, "Tea is calm.", True),
    ("punctuation:punctuation_exclamation", {}, "Tea is calm!", False),
    ("count:lowercase_counting", {"N": 2}, "TEA IS calm and WARM.", True),
    ("count:lowercase_counting", {"N": 2}, "Tea is calm and warm.", False),
    ("letters:letter_counting", {"N": 10, "relation": "less than"}, "Tea 2 me!", True),
    ("letters:letter_counting", {"N": 10, "relation": "less than"}, "Tea is so very calm.", False),
    ("letters:letter_counting", {"N": 10, "relation": "at least"}, "Tea is so very calm.", True),
    ("letters:letter_counting2", _LETTER, "A banana", True),
    ("letters:letter_counting2", _LETTER, "Tea time", False),
    (
        "count:counting_composition",
        {"n_sent": 1, "n_words": 4},
        "Tea is very calm\n***\nCoffee is too loud\n***\nMilk is quite soft",
        True,
    ),
    ("count:counting_composition", _COMPOSITION, "A\n***\nB\n***\nC", False),
    ("count:counting_composition", _COMPOSITION, "Tea is very calm. Coffee is too loud.", False),
    ("count:count_unique", {}, "Tea calms me", True),
    ("count:count_unique", {}, "Tea calms me, tea warms me", False),
    ("count:count_increment_word", {"keyword1": "tea", "keyword2": "cup"}, "Tea: cup, cup.", True),
    ("count:count_increment_word", {"keyword1": "tea", "keyword2": "cup"}, "Tea in a cup.", False),
    (
        "count:count_increment_word",
        {"keyword1": "tea", "keyword2": "cup"},
        "tea tea cup cup",
        False,
    ),
    ("keywords:palindrome", {}, "My mom drinks tea.", True),
    ("keywords:palindrome", {}, "Tea is warm.", False),
    ("keywords:keyword_specific_position", _POSITION, "Hello there. I like tea a lot.", True),
    ("keywords:keyword_specific_position", _POSITION, "Hello there. I really like tea.", False),
    ("keywords:keyword_specific_position", _POSITION, "I like tea.", False),
    ("keywords:start_end", {}, "Tea is what I want, tea", True),
    ("keywords:start_end", {}, "Tea is what I want, tea.", False),
    ("keywords:start_end", {}, "Tea is what I want", False),
]
"""(id, kwargs, response, followed): each id has a followed and a broken response."""

IFEVALG_DIFFERENCES: list[tuple[str, dict[str, Any], str, bool, bool]] = [
    # (id, kwargs, response, ours, the reference's strict verdict), and why
    # "between (and including) index n_start and n_end": the reference leaves n_end out
    ("new:copy_span_idx", {**_SPAN, "n_end": 14}, "wonderful", True, False),
    # only letters are "consecutive letters of the alphabet": digits and quotes are not
    ("keywords:no_adjacent_consecutive", {}, "Chapter 1 2 done.", True, False),
    ("keywords:no_adjacent_consecutive", {}, 'I said "apple banana" twice.', False, True),
    # the keyword at the start, at the end, or before punctuation is still the keyword
    ("keywords:exclude_word_harder", _KEYWORD, "Tea is fine.", False, True),
    ("keywords:exclude_word_harder", _KEYWORD, "I drink tea.", False, True),
    ("keywords:exclude_word_harder", _KEYWORD, "I drink tea", False, True),
    # the word before a comma, or in markdown bold, is still the first word
    ("first_word:first_word_sent", _FIRST, "Tea, I love. Tea, you love.", True, False),
    ("first_word:first_word_answer", _FIRST, "**Tea** is what I drink.", True, False),
    ("first_word:first_word_answer", _FIRST, "Tea, please.", True, False),
    # a trailing emoji is not a word; the last word is the one before it
    ("last_word:last_word_answer", _LAST, "I love tea 🍵", True, False),
    # an odd last word must be wrapped too; unigrams are not bigrams
    ("detectable_format:bigram_wrapping", {}, "Hello", False, True),
    ("detectable_format:bigram_wrapping", {}, "<<I am>> home", False, True),
    ("detectable_format:bigram_wrapping", {}, "<<I>> <<am>>", False, True),
    ("detectable_format:bigram_wrapping", {}, "<<I am>> <<at home>>.", True, False),
    # an ellipsis character is three dots; a fullwidth "！" is an exclamation mark
    ("punctuation:punctuation_dot", {}, "Tea is calm…", False, True),
    ("punctuation:punctuation_exclamation", {}, "Tea is calm！", False, True),
    # the instruction's own divider "* * *", and words that are words (punctuation is not)
    (
        "count:counting_composition",
        _COMPOSITION,
        "Tea is very calm. Coffee is too loud.\n* * *\nMilk is quite soft. Juice is really"
        " sweet.\n* * *\nWater is always clear. Soda is often fizzy.",
        True,
        False,
    ),
    (
        "count:counting_composition",
        _COMPOSITION,
        "Tea is very calm. Coffee is too loud.\n***\nMilk is quite soft. Juice is really"
        " sweet.\n***\nWater is always clear. Soda is often fizzy.",
        True,
        False,
    ),
    # "The" and "the" are one word; a second sentence's full stop is not a repeated word
    ("count:count_unique", {}, "The cat saw the dog", False, True),
    ("count:count_unique", {}, "Tea calms. Coffee wakes.", True, False),
    # "a", "I" and "-" are not palindromes worth the name; "Level" and "Never odd or even" are
    ("keywords:palindrome", {}, "I drink a cup.", False, True),
    ("keywords:palindrome", {}, "Level up.", True, False),
    ("keywords:palindrome", {}, "Never odd or even, they say.", True, False),
    # both ends must be words: punctuation at both ends is not "the same word"
    ("keywords:start_end", {}, "- Tea is what I want -", False, True),
]
"""Where the reference decides against its own instruction, we follow the instruction."""
