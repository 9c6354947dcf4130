"""Finding the program in an output."""

from __future__ import annotations

from graders.checks.code.extract import extract_code
from graders.sandbox.languages import LANGUAGES, resolve

PY = LANGUAGES["python"]
TEXT = "Plan:\n```python\nprint(1)\n```\nBetter:\n```py\nprint(2)\n```\n```cpp\nint main(){}\n```\n"


def test_blocks_of_the_language() -> None:
    assert extract_code(TEXT, PY, "last_block") == "print(2)\n"
    assert extract_code(TEXT, PY, "first_block") == "print(1)\n"
    assert extract_code(TEXT, LANGUAGES["cpp"], "last_block") == "int main(){}\n"
    assert extract_code(TEXT, PY, "whole_output") == TEXT


def test_untagged_blocks_count_only_when_no_tagged_block_exists() -> None:
    assert extract_code("```\nx = 1\n```", PY, "last_block") == "x = 1\n"
    assert extract_code("```\nx = 1\n```\n```python\ny = 2\n```", PY, "last_block") == "y = 2\n"
    assert extract_code("```js\nx\n```", PY, "last_block") is None


def test_unclosed_fences_and_plain_text_have_no_program() -> None:
    assert extract_code("```python\nprint(1)\n", PY, "last_block") is None
    assert extract_code("print(1)", PY, "last_block") is None


def test_tildes_longer_fences_and_aliases() -> None:
    assert extract_code("~~~python\nx\n~~~", PY, "last_block") == "x\n"
    assert extract_code("````python\n```\n````", PY, "last_block") == "```\n"
    assert extract_code("```C++\nint x;\n```", LANGUAGES["cpp"], "last_block") == "int x;\n"
    assert resolve("JS") is LANGUAGES["javascript"] and resolve("rust") is None
