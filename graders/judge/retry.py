"""When to try a failed call again: exponential backoff with full jitter, and ``Retry-After``.

A server that says how long to wait (``Retry-After`` in seconds or as an HTTP date, or
``retry-after-ms``) is obeyed; otherwise the n-th retry waits a random time in
``[0, min(max_backoff_s, backoff_s * 2**(n-1))]`` so that many clients do not retry in step.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

__all__ = ["backoff_delay", "is_retryable_status", "retry_after"]


def is_retryable_status(status: int) -> bool:
    """408 (timeout), 409 (conflict), 429 (rate limit) and every 5xx may succeed later."""
    return status in (408, 409, 429) or status >= 500


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds the server asked us to wait, from ``retry-after-ms`` or ``retry-after``."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    millis = lowered.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_delay(
    retry: int,
    *,
    base_s: float,
    cap_s: float,
    server_s: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """How long to sleep before retry number ``retry`` (1-based)."""
    draw = (rng or random).uniform(0.0, min(cap_s, base_s * 2 ** (retry - 1)))
    if server_s is not None:
        return server_s + 0.1 * draw  # obey the server; a little jitter still spreads clients
    return draw
