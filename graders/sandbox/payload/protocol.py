"""Frames between the host and the slot worker: a JSON header followed by raw byte blobs.

A frame is ``>II`` (header length, total blob length), the header as UTF-8 JSON and then the
blobs back to back; the header's ``blobs`` lists their lengths. Program output travels as raw
bytes, so invalid UTF-8 and binary data arrive unchanged, and no byte a program writes can be
mistaken for framing.
"""

from __future__ import annotations

import json
import os
import struct
from typing import Any

__all__ = ["MAX_BLOBS", "MAX_HEADER", "FrameError", "decode_header", "encode", "read_frame"]

PREFIX = struct.Struct(">II")
MAX_HEADER = 16 << 20
MAX_BLOBS = 1 << 31


class FrameError(Exception):
    """The peer sent something that is not a frame (or closed the channel mid-frame)."""


def encode(header: dict[str, Any], blobs: list[bytes] | tuple[bytes, ...] = ()) -> bytes:
    """One frame holding ``header`` and ``blobs``."""
    head = dict(header)
    head["blobs"] = [len(b) for b in blobs]
    raw = json.dumps(head, separators=(",", ":")).encode()
    return b"".join((PREFIX.pack(len(raw), sum(head["blobs"])), raw, *blobs))


def decode_header(prefix: bytes) -> tuple[int, int]:
    """(header length, blob length) from a frame's first bytes, checked against the caps."""
    head_len, blob_len = PREFIX.unpack(prefix)
    if head_len > MAX_HEADER or blob_len > MAX_BLOBS:
        raise FrameError(f"frame too large: header {head_len} bytes, blobs {blob_len} bytes")
    return head_len, blob_len


def split(raw_header: bytes, body: bytes) -> tuple[dict[str, Any], list[bytes]]:
    """The header and the blobs of a frame whose bytes have been read."""
    try:
        header = json.loads(raw_header)
    except ValueError as exc:
        raise FrameError(f"bad frame header: {exc}") from None
    sizes = header.get("blobs", []) if isinstance(header, dict) else None
    if not isinstance(sizes, list) or sum(sizes) != len(body):
        raise FrameError("frame blob sizes do not add up")
    blobs, at = [], 0
    for size in sizes:
        blobs.append(body[at : at + size])
        at += size
    return header, blobs


def _read_exact(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise FrameError("channel closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> tuple[dict[str, Any], list[bytes]]:
    """Read one frame from a blocking file descriptor."""
    head_len, blob_len = decode_header(_read_exact(fd, PREFIX.size))
    raw = _read_exact(fd, head_len)
    return split(raw, _read_exact(fd, blob_len))


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to a blocking file descriptor."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
