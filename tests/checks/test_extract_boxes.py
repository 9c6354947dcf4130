"""``find_boxes`` (shared by ``last_boxed`` and the math grader): nesting, \\boxed 4, size."""

from __future__ import annotations

import time

import pytest

from graders.checks.extract import ExtractionFailed, LastBoxed, find_boxes


def test_boxes_in_order_with_nested_ones() -> None:
    boxes = find_boxes(r"a \boxed{1} b \fbox{\boxed{2}} c \boxed 3.")
    assert [b.content for b in boxes] == ["1", r"\boxed{2}", "2", "3"]
    assert boxes[1].start < boxes[2].start < boxes[2].end <= boxes[1].end


def test_escaped_braces_and_unclosed_boxes() -> None:
    assert [b.content for b in find_boxes(r"\boxed{\{1, 2\}} \boxed{3")] == [r"\{1, 2\}"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [(r"\boxed{1} then \boxed{2}", "2"), (r"\boxed{\boxed{18}}", "18"), (r"x \boxed 4.", "4")],
)
def test_last_boxed(text: str, expected: str) -> None:
    assert LastBoxed().apply(text) == expected


def test_last_boxed_without_a_box() -> None:
    with pytest.raises(ExtractionFailed, match="no"):
        LastBoxed().apply(r"\boxed{1")


def test_thousands_of_unclosed_boxes_take_linear_time() -> None:
    text = r"\boxed{" * 100_000 + r"\boxed{7}"
    start = time.perf_counter()
    assert LastBoxed().apply(text) == "7"
    assert time.perf_counter() - start < 2.0
