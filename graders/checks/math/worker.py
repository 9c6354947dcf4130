"""A worker process for the SymPy tier: ``python -m graders.checks.math.worker``.

It is started fresh by the pool (never forked from a large parent), caps its own address
space, warms SymPy up with one comparison, says ``ready``, then answers requests until its
input closes. A request is a length-prefixed pickle from the parent (trusted); the reply is one
JSON line, so nothing the worker computes from hostile answers is ever unpickled by the parent.
"""

from __future__ import annotations

import contextlib
import json
import pickle
import sys
from typing import Any

__all__ = ["main"]

MEMORY_LIMIT = 2 << 30
"""Bytes of address space a worker may use; an answer that needs more fails, not the host."""


def _limit_memory() -> None:
    try:
        import resource
    except ImportError:  # not on POSIX
        return
    with contextlib.suppress(ValueError, OSError):  # a lower hard limit is kept
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _serve(request: Any) -> dict[str, Any]:
    from graders.checks.math.compare import Comparer
    from graders.checks.math.tosympy import sympy_equal

    gold, pred, options = request
    comparer = Comparer(options, oracle=sympy_equal)
    verdict = comparer.answers(gold, pred)
    return {"equal": verdict.equal, "reason": verdict.reason, "tier": comparer.tier}


def main() -> None:
    _limit_memory()
    from graders.checks.math.compare import Options
    from graders.checks.math.parser import parse

    # one small comparison imports SymPy and its lazily loaded parts before the first deadline
    _serve((parse(r"\sum_{k=1}^{n} k"), parse(r"\frac{n(n+1)}{2}"), Options()))

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    stdout.write(b"ready\n")
    stdout.flush()
    while True:
        header = stdin.read(4)
        if len(header) < 4:
            return
        data = stdin.read(int.from_bytes(header, "big"))
        try:
            reply = _serve(pickle.loads(data))
        except (Exception, RecursionError, MemoryError) as exc:
            reply = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        stdout.write(json.dumps(reply).encode() + b"\n")
        stdout.flush()


if __name__ == "__main__":
    main()
