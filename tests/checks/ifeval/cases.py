"""Responses that follow and break each IFEval instruction, tricky ones included.

Each case is (instruction id, kwargs, response, followed in strict mode). The same table drives
the unit tests and the agreement test against Google's reference implementation.
"""

from __future__ import annotations

from typing import Any

LONG = " ".join(["word"] * 5000)
CODE = "```python\nprint('hi, there')\n```"

Case = tuple[str, dict[str, Any], str, bool]


def variants(response: str) -> list[str]:
    """A response and the variants that move strict and loose verdicts apart (for agreement
    tests): after an opening line, in bold, before a sign-off, in upper case."""
    return [
        response,
        "Sure, here is my answer:\n" + response,
        f"**{response}**",
        response + "\nHope this helps!",
        response.upper(),
    ]


IFEVAL_CASES: list[Case] = [
    # keywords
    ("keywords:existence", {"keywords": ["ocean", "Blue"]}, "The blue OCEAN.", True),
    ("keywords:existence", {"keywords": ["ocean", "blue"]}, "The sea is blue.", False),
    ("keywords:existence", {"keywords": ["ocean"]}, "oceanic trenches", True),  # substring
    (
        "keywords:frequency",
        {"keyword": "cat", "frequency": 2, "relation": "at least"},
        "Cat and cat.",
        True,
    ),
    (
        "keywords:frequency",
        {"keyword": "cat", "frequency": 2, "relation": "less than"},
        "Cat, cat, CAT.",
        False,
    ),
    (
        "keywords:frequency",
        {"keyword": "the", "frequency": 1, "relation": "less than"},
        "There it is.",
        False,
    ),  # substrings count, as in the reference
    ("keywords:forbidden_words", {"forbidden_words": ["bad", "evil"]}, "A good day.", True),
    ("keywords:forbidden_words", {"forbidden_words": ["bad"]}, "Not BAD at all.", False),
    ("keywords:forbidden_words", {"forbidden_words": ["bad"]}, "badge badly", True),  # whole words
    (
        "keywords:letter_frequency",
        {"letter": "z", "let_frequency": 2, "let_relation": "at least"},
        "Zebra zone",
        True,
    ),
    (
        "keywords:letter_frequency",
        {"letter": "Z", "let_frequency": 2, "let_relation": "less than"},
        "zz",
        False,
    ),
    # language
    (
        "language:response_language",
        {"language": "en"},
        "This is clearly an English sentence about the weather today.",
        True,
    ),
    (
        "language:response_language",
        {"language": "de"},
        "This is clearly an English sentence about the weather today.",
        False,
    ),
    (
        "language:response_language",
        {"language": "de"},
        "Das ist ganz klar ein deutscher Satz über das Wetter von heute.",
        True,
    ),
    ("language:response_language", {"language": "fr"}, "12345 !!! ???", True),  # undetectable
    # length
    (
        "length_constraints:number_sentences",
        {"num_sentences": 3, "relation": "less than"},
        "One. Two.",
        True,
    ),
    (
        "length_constraints:number_sentences",
        {"num_sentences": 3, "relation": "at least"},
        "Mr. Smith went home. He slept.",
        False,
    ),  # "Mr." does not end a sentence
    (
        "length_constraints:number_sentences",
        {"num_sentences": 2, "relation": "at least"},
        "Is it? Yes! Done.",
        True,
    ),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "First.\n***\nSecond.", True),
    (
        "length_constraints:number_paragraphs",
        {"num_paragraphs": 2},
        "First.\n***\n\n***\nSecond.",
        False,
    ),  # an empty paragraph in the middle
    ("length_constraints:number_paragraphs", {"num_paragraphs": 1}, "***\nOnly one.\n***", True),
    (
        "length_constraints:number_words",
        {"num_words": 5, "relation": "less than"},
        "one two three four",
        True,
    ),
    (
        "length_constraints:number_words",
        {"num_words": 5, "relation": "at least"},
        "don't-stop",
        False,
    ),  # \w runs: don, t, stop
    ("length_constraints:number_words", {"num_words": 5000, "relation": "at least"}, LONG, True),
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "Then"},
        'First part.\n\n"Then, the second.',
        True,
    ),
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
        "First part.\n\nThereafter the second.",
        False,
    ),
    (
        "length_constraints:nth_paragraph_first_word",
        {"num_paragraphs": 3, "nth_paragraph": 2, "first_word": "then"},
        "First part.\n\nThen the second.",
        False,
    ),  # only 2 paragraphs
    # content
    (
        "detectable_content:number_placeholders",
        {"num_placeholders": 2},
        "Dear [name], at [address].",
        True,
    ),
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "Dear [name].", False),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Hi.\n\np. s. see you", True),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Hi.\nP.S. see you", False),
    ("detectable_content:postscript", {"postscript_marker": "Note:"}, "Hi.\nNOTE: later", True),
    # format
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* one\n- two", True),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* one\n* two\n* three", False),
    ("detectable_format:number_bullet_lists", {"num_bullets": 1}, "**bold** line\n* one", True),
    ("detectable_format:constrained_response", {}, "My answer is yes.", True),
    ("detectable_format:constrained_response", {}, "My answer is yes", False),
    (
        "detectable_format:number_highlighted_sections",
        {"num_highlights": 2},
        "*one* and **two**",
        True,
    ),
    (
        "detectable_format:number_highlighted_sections",
        {"num_highlights": 2},
        "* not a highlight\n*  *",
        False,
    ),
    (
        "detectable_format:multiple_sections",
        {"section_spliter": "Section", "num_sections": 2},
        "Section 1\nA\nSection 2\nB",
        True,
    ),
    (
        "detectable_format:multiple_sections",
        {"section_spliter": "SECTION", "num_sections": 2},
        "SECTION 1\nA",
        False,
    ),
    ("detectable_format:json_format", {}, '```json\n{"a": 1}\n```', True),
    ("detectable_format:json_format", {}, 'Here: {"a": 1}', False),
    ("detectable_format:title", {}, "<<Poem of Joy>>\nLines", True),
    ("detectable_format:title", {}, "<< >> no title", False),
    # combination
    ("combination:two_responses", {}, "Answer one.\n******\nAnswer two.", True),
    ("combination:two_responses", {}, "Same.\n******\nSame.", False),
    (
        "combination:repeat_prompt",
        {"prompt_to_repeat": "Write a poem."},
        "write a poem. Here it is.",
        True,
    ),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Write a poem."}, "Here: a poem.", False),
    # start / end
    (
        "startend:end_checker",
        {"end_phrase": "Any other questions?"},
        'Done. Any other questions?"',
        True,
    ),
    (
        "startend:end_checker",
        {"end_phrase": "Any other questions?"},
        "Any other questions? Bye.",
        False,
    ),
    ("startend:quotation", {}, '"All quoted."', True),
    ("startend:quotation", {}, "“Curly quotes.”", False),  # unicode quotes are not "
    # case
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 2, "capital_relation": "at least"},
        "This is VERY IMPORTANT.",
        True,
    ),
    (
        "change_case:capital_word_frequency",
        {"capital_frequency": 2, "capital_relation": "less than"},
        "I DON'T know.",
        False,
    ),  # I, DO, N'T are all-capital tokens
    ("change_case:english_capital", {}, "THIS IS AN ENGLISH SENTENCE ABOUT THE WEATHER.", True),
    ("change_case:english_capital", {}, "THIS IS MOSTLY CAPS but not all.", False),
    ("change_case:english_lowercase", {}, "this is an english sentence about the weather.", True),
    (
        "change_case:english_lowercase",
        {},
        "das ist ein deutscher satz über das wetter heute.",
        False,
    ),
    # punctuation
    ("punctuation:no_comma", {}, "No commas here.", True),
    ("punctuation:no_comma", {}, CODE, False),  # a comma inside a code block still counts
    ("punctuation:no_comma", {}, "Chinese comma，and Arabic ، only.", True),  # only ASCII ,
]
