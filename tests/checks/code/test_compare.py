"""Output and value comparison, with the messages results show."""

from __future__ import annotations

import pytest

from graders.checks.code.compare import compare_output, compare_values


@pytest.mark.parametrize(
    ("got", "expected", "mode", "ok", "message"),
    [
        (b"1\n2\n", "1\n2", "lines", True, "2 lines match"),
        (b"1  \r\n2\r\n\r\n", "1\n2\n", "lines", True, "2 lines match"),
        (b"1\n5\n", "1\n6\n", "lines", False, "line 2: got '5', expected '6'"),
        (b"1\n", "1\n2\n", "lines", False, "line 2: missing, expected '2'"),
        (b"1\n2\n3\n", "1\n2\n", "lines", False, "line 3: extra output '3'"),
        (b" 1\n", "1\n", "lines", False, "line 1: got ' 1', expected '1'"),
        (b"1 2\n3", "1\n2 3\n", "tokens", True, "3 tokens match"),
        (b"1 2", "1 2 3", "tokens", False, "got 2 tokens, expected 3"),
        (b"ab\n", "ab\n", "exact", True, "output matches exactly"),
        (b"ab \n", "ab\n", "exact", False, "byte 2: got ' \\n', expected '\\n'"),
        (b"caf\xe9\n", "caf\ufffd", "lines", True, "1 lines match"),
    ],
)
def test_compare_output(got: bytes, expected: str, mode: str, ok: bool, message: str) -> None:
    assert compare_output(got, expected, mode=mode) == (ok, message)  # type: ignore[arg-type]


def test_float_tolerance_applies_to_numeric_tokens_only() -> None:
    assert compare_output(b"0.3333334 x\n", "0.3333333 x", float_tolerance=1e-6)[0]
    assert not compare_output(b"0.334 x\n", "0.3333333 x", float_tolerance=1e-6)[0]
    assert not compare_output(b"0.3333334 y\n", "0.3333333 x", float_tolerance=1e-6)[0]
    assert compare_output(b"1000001", "1000000", mode="tokens", float_tolerance=1e-6)[0]


def test_compare_values_is_python_equality_on_plain_values() -> None:
    assert compare_values([1, 2], [1, 2]) == (True, "returned [1, 2]")
    assert compare_values(1, 1.0)[0]
    assert compare_values((1, 2), [1, 2]) == (False, "got (1, 2), expected [1, 2]")
    assert compare_values([0.1 + 0.2], [0.3], float_tolerance=1e-9)[0]
    assert not compare_values([0.1 + 0.2], [0.3])[0]
    assert not compare_values(True, 2, float_tolerance=5)[0]
