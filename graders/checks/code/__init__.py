"""Code execution graders: ``code_tests`` and OpenAI's ``python`` grader, run in the sandbox."""

from __future__ import annotations

from graders.checks.code.code_tests import CodeTests
from graders.checks.code.python_grader import PythonGrader

__all__ = ["CodeTests", "PythonGrader"]
