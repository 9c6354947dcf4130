"""OpenAI's python grader: loads from OpenAI's JSON unchanged and runs in the sandbox."""

from __future__ import annotations

import json
from typing import Any

import pytest

import graders

OPENAI_JSON = json.dumps(
    {
        "type": "python",
        "name": "exact_json_answer",
        "image_tag": "2025-05-08",
        "pass_threshold": 0.5,
        "source": (
            "import json\n\n"
            "def grade(sample, item) -> float:\n"
            "    answer = (sample['output_json'] or {}).get('answer')\n"
            "    print('graded', answer)\n"
            "    return 1.0 if answer == item['reference_answer'] else 0.25\n"
        ),
    }
)


def test_openai_grader_json_loads_unchanged_and_scores(open_grader: Any) -> None:
    grader = open_grader(json.loads(OPENAI_JSON))
    good = grader.grade_sync('{"answer": "Paris"}', {"reference_answer": "Paris"})
    assert (good.score, good.passed, good.reason) == (1.0, True, "grade() returned 1")
    assert (good.details or {})["stdout"] == "graded Paris\n"
    assert (good.details or {})["isolation"].startswith("bwrap+")
    bad = grader.grade_sync("not json", {"reference_answer": "Paris"})
    assert (bad.score, bad.passed) == (0.25, False)


@pytest.mark.parametrize(
    ("source", "kind", "message"),
    [
        ("def grade(sample, item):\n    return 1 / 0", "grader_error", "ZeroDivisionError"),
        ("def grade(sample, item):\n    return 'high'", "bad_score", "str 'high', not a number"),
        ("def grade(sample, item):\n    return float('nan')", "bad_score", "returned nan"),
        ("def grade(sample, item):\n    return object()", "bad_score", "builtins.object object"),
        (
            "import os\nos._exit(0)\ndef grade(s, i):\n    return 1",
            "grader_error",
            "returned nothing",
        ),
        ("def grade(sample, item):\n    while True: pass", "timeout", "of CPU (limit 1 s)"),
    ],
)
def test_failures_are_errors_not_zeros(
    open_grader: Any, source: str, kind: str, message: str
) -> None:
    # a generous wall deadline, so that on a loaded machine the CPU limit is still what fires
    limits = {"cpu_s": 1, "wall_s": 30}
    grader = open_grader({"type": "python", "source": source, "limits": limits})
    result = grader.grade_sync("x", {})
    assert result.score is None and result.error is not None
    assert result.error.kind == kind and message in result.error.message


def test_openai_limits_are_the_defaults() -> None:
    spec = graders.load({"type": "python", "source": "def grade(s, i): return 1"}).spec
    limits = spec.limits  # type: ignore[attr-defined]
    assert (limits.cpu_s, limits.deadline_s, limits.memory_mb) == (120.0, 120.0, 2048)


def test_sources_over_256_kb_are_refused_at_load() -> None:
    source = "def grade(s, i):\n    return 1\n" + "#" * (256 * 1024)
    with pytest.raises(graders.ConfigError, match=r"source is \d+ bytes; the limit is 262144"):
        graders.load({"type": "python", "source": source})
