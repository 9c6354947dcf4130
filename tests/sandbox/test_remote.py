"""The SandboxFusion backend against a real HTTP server on 127.0.0.1 (fusion_server.py)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.checks.code.conftest import fenced
from tests.sandbox.fusion_server import FusionServer


@pytest.fixture
def server() -> Iterator[FusionServer]:
    running = FusionServer().start()
    yield running
    running.stop()


@pytest.fixture
def remote(server: FusionServer, open_grader: Any) -> Any:
    def load(**config: Any) -> Any:
        sandbox = {"backend": "sandbox_fusion", "url": server.url, **config.pop("sandbox", {})}
        return open_grader(
            {"type": "code_tests", "tests": "{{ item.tests }}", "sandbox": sandbox, **config}
        )

    return load


def test_stdio_tests_run_remotely_and_are_judged_here(remote: Any, server: FusionServer) -> None:
    grader = remote(limits={"cpu_s": 1, "memory_mb": 300})
    tests = [{"stdin": "1 2", "expected_stdout": "3"}, {"stdin": "2 2", "expected_stdout": "5"}]
    result = grader.grade_sync(
        fenced("a, b = map(int, input().split())\nprint(a + b)"), {"tests": tests}
    )
    assert result.score == 0.5 and (result.details or {})["isolation"] == "remote:sandbox_fusion"
    assert result.children[1].reason == "WA (wrong answer): line 1: got '4', expected '5'"
    request = server.requests[0]
    assert request["language"] == "python" and request["stdin"] == "1 2"
    assert (request["run_timeout"], request["memory_limit_MB"]) == (3.0, 300)
    assert request["code"].startswith("a, b = map(int")


def test_call_and_assert_tests_ship_the_driver_and_compare_here(
    remote: Any, server: FusionServer
) -> None:
    code = fenced(
        "class Anything:\n    def __eq__(self, other):\n        return True\n"
        "def pair(x):\n    return (x, 2 * x)\n"
        "def cheat(x):\n    return Anything()"
    )
    tests = [
        {"fn_name": "pair", "args": [2], "expected": [2, 4]},
        {"fn_name": "cheat", "args": [2], "expected": [2, 4]},
        "assert pair(3) == (3, 6)",
        "assert cheat(3) == cheat(4)",
    ]
    result = remote().grade_sync(code, {"tests": tests})
    assert [(c.details or {})["verdict"] for c in result.children] == ["AC", "WA", "AC", "WA"]
    files = server.requests[0]["files"]
    assert {"payload/driver.py", "payload/codec.py", "solution.py", "graders_task.json"} <= set(
        files
    )
    task = json.loads(base64.b64decode(files["graders_task.json"]))
    assert task == {"kind": "call", "path": "solution.py", "fn_name": "pair", "args": [2]}


def test_early_exit_before_the_asserts_still_fails_remotely(remote: Any) -> None:
    result = remote().grade_sync(fenced("import sys\nsys.exit(0)"), {"tests": ["assert f(1) == 1"]})
    assert result.children[0].reason.endswith(
        "the program exited before the test's asserts finished"
    )


def test_compile_errors_and_time_limits(remote: Any) -> None:
    cpp = remote(language="cpp")
    result = cpp.grade_sync(
        fenced("int main() { return x; }", "cpp"), {"tests": [{"expected_stdout": ""}]}
    )
    assert result.score == 0.0 and result.children[0].reason.startswith("CE (compile error): ")
    slow = remote(limits={"cpu_s": 0.2, "wall_s": 0.5})
    result = slow.grade_sync(
        fenced("import time\ntime.sleep(3)"), {"tests": [{"expected_stdout": ""}]}
    )
    assert (
        result.children[0].reason
        == "TLE (time limit exceeded): still running after 0.5 s of wall time"
    )


def test_the_python_grader_runs_remotely(server: FusionServer, open_grader: Any) -> None:
    grader = open_grader(
        {
            "type": "python",
            "source": "def grade(sample, item):\n    return len(sample['output_text']) / 10",
            "sandbox": {"backend": "sandbox_fusion", "url": server.url},
        }
    )
    assert grader.grade_sync("hello", {}).score == 0.5


def test_server_failures_are_sandbox_errors_never_zeros(remote: Any, server: FusionServer) -> None:
    server.fail = True
    result = remote().grade_sync(fenced("print(1)"), {"tests": [{"expected_stdout": "1"}]})
    assert result.score is None and result.error is not None
    assert result.error.kind == "sandbox_error" and "no executor available" in result.error.message


def test_an_unreachable_server_is_a_sandbox_error(open_grader: Any) -> None:
    config = {"backend": "sandbox_fusion", "url": "http://127.0.0.1:9", "request_timeout_s": 2}
    grader = open_grader(
        {"type": "code_tests", "tests": [{"expected_stdout": "1"}], "sandbox": config}
    )
    result = grader.grade_sync(fenced("print(1)"), {})
    assert result.score is None and result.error is not None
    assert "SandboxFusion request failed: ConnectionRefusedError" in result.error.message
