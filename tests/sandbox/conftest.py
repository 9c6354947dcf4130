"""The code family's fixtures, shared with the sandbox's tests."""

from __future__ import annotations

from tests.checks.code.conftest import grade, open_grader

__all__ = ["grade", "open_grader"]
