"""The value codec and the frame protocol shared by the grader and the sandbox."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graders.sandbox.payload import codec, protocol

_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary()
_values = st.recursive(
    _leaf,
    lambda inner: (
        st.lists(inner)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(), inner)
        | st.frozensets(st.integers() | st.text())
        | st.dictionaries(st.integers(), inner)
    ),
    max_leaves=20,
)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)  # type: ignore[attr-defined,index]
    return a == b


@given(_values)
def test_built_in_values_round_trip_with_their_types(value: object) -> None:
    assert _same(codec.from_json(codec.to_json(value)), value)


def test_huge_ints_complex_and_tag_like_keys() -> None:
    big = 7**20000
    assert codec.from_json(codec.to_json(big)) == big
    assert codec.from_json(codec.to_json(1 + 2j)) == 1 + 2j
    assert codec.from_json(codec.to_json({"$tuple": 1})) == {"$tuple": 1}


@pytest.mark.parametrize(
    "value",
    [
        type("Anything", (), {"__eq__": lambda self, other: True})(),
        type("Liar", (int,), {})(3),
        [object()],
    ],
)
def test_objects_and_subclasses_are_refused(value: object) -> None:
    with pytest.raises(codec.Unserializable):
        codec.to_json(value)


def test_cycles_are_refused() -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(codec.Unserializable, match="deeper"):
        codec.to_json(loop)


@pytest.mark.parametrize(
    "data", [{"$set": [[1]]}, {"$int": "zz"}, {"$complex": 3}, {"$bytes": "!"}]
)
def test_malformed_tags_are_value_errors(data: object) -> None:
    with pytest.raises(ValueError, match="malformed"):
        codec.from_json(data)


def test_frames_carry_raw_bytes_and_reject_oversized_headers() -> None:
    frame = protocol.encode({"op": "x"}, [b"\xff\x00", b""])
    head_len, blob_len = protocol.decode_header(frame[:8])
    header, blobs = protocol.split(frame[8 : 8 + head_len], frame[8 + head_len :])
    assert header["op"] == "x" and blobs == [b"\xff\x00", b""] and blob_len == 2
    with pytest.raises(protocol.FrameError):
        protocol.decode_header(protocol.PREFIX.pack(protocol.MAX_HEADER + 1, 0))
    with pytest.raises(protocol.FrameError):
        protocol.split(b'{"blobs": [5]}', b"abc")
