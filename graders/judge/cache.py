"""A persistent cache of model replies, shared by every run and working directory of a user.

One SQLite file in the user's cache directory (``$XDG_CACHE_HOME/graders`` on Linux, or
``GRADERS_CACHE_DIR``), keyed by a digest of everything that changes the answer. SQLite in WAL
mode lets several processes (Ray workers, reward threads in other processes) read and write the
same file. Writes are batched (one transaction per 64 replies, or per second, and at close),
because a commit per reply cost more CPU than the rest of a cached call. The cache is best
effort: a file that cannot be opened or written turns the cache off with one warning; it never
fails a grade, and a crash loses at most the last unflushed batch.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
import weakref
from pathlib import Path
from typing import Any

__all__ = ["ReplyCache", "default_cache_dir"]

log = logging.getLogger("graders.judge")

_FLUSH_EVERY = 64
_FLUSH_AFTER_S = 1.0
_SCHEMA = "CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, created REAL, value TEXT)"


def default_cache_dir() -> Path:
    """``GRADERS_CACHE_DIR``, else the platform's user cache dir (XDG_CACHE_HOME on Linux)."""
    override = os.environ.get("GRADERS_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("graders", appauthor=False))


class ReplyCache:
    """Replies by key, with an optional time to live."""

    def __init__(self, path: Path, *, ttl_s: float | None = None) -> None:
        self.path = path
        self.ttl_s = ttl_s
        self._db: sqlite3.Connection | None = None
        self._pending: dict[str, tuple[float, str]] = {}
        self._flushed_at = time.monotonic()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(_SCHEMA)
            self._db = db
        except (OSError, sqlite3.Error) as exc:
            self._disable(f"cannot open {path}: {exc}")
            return
        # a grader that is never closed (a training loop that just ends) still writes its
        # last batch, when the cache is collected or at interpreter exit
        self._finalizer = weakref.finalize(self, _write_and_close, db, self._pending)

    def _disable(self, why: str) -> None:
        log.warning("graders reply cache disabled: %s", why)
        if self._db is not None:
            self._finalizer.detach()
            self._db.close()
        self._db = None

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached value, or None when absent, expired or unreadable."""
        if self._db is None:
            return None
        row = self._pending.get(key)
        if row is None:
            try:
                row = self._db.execute(
                    "SELECT created, value FROM replies WHERE key = ?", (key,)
                ).fetchone()
            except sqlite3.Error as exc:
                self._disable(f"read failed: {exc}")
                return None
        if row is None:
            return None
        created, value = row
        if self.ttl_s is not None and time.time() - created > self.ttl_s:
            return None
        try:
            data = json.loads(value)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        if self._db is None:
            return
        self._pending[key] = (time.time(), json.dumps(value, ensure_ascii=False))
        if (
            len(self._pending) >= _FLUSH_EVERY
            or time.monotonic() - self._flushed_at > _FLUSH_AFTER_S
        ):
            self.flush()

    def flush(self) -> None:
        """Write the pending replies in one transaction."""
        self._flushed_at = time.monotonic()
        if self._db is None or not self._pending:
            return
        try:
            _write(self._db, self._pending)
        except sqlite3.Error as exc:
            self._disable(f"write failed: {exc}")

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            self._finalizer.detach()
            self._db.close()
            self._db = None


def _write(db: sqlite3.Connection, pending: dict[str, tuple[float, str]]) -> None:
    rows = [(key, created, value) for key, (created, value) in pending.items()]
    pending.clear()
    with db:
        db.execute("BEGIN")
        db.executemany(
            "INSERT OR REPLACE INTO replies (key, created, value) VALUES (?, ?, ?)", rows
        )


def _write_and_close(db: sqlite3.Connection, pending: dict[str, tuple[float, str]]) -> None:
    try:
        if pending:
            _write(db, pending)
        db.close()
    except sqlite3.Error:
        pass  # the cache is best effort
