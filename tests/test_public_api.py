"""The curated public API: one sorted ``__all__``, everything in it importable."""

from __future__ import annotations

import graders


def test_all_is_sorted_and_importable() -> None:
    names = [n for n in graders.__all__ if n != "__version__"]
    assert names == sorted(names)
    for name in graders.__all__:
        assert hasattr(graders, name), name


def test_the_documented_quickstart_works() -> None:
    grader = graders.load("examples/gsm8k/grader.yaml")
    result = grader.grade_sync("so #### 72", {"answer": "... #### 72"})
    assert result.score == 1.0 and result.reason == "72 == 72"
