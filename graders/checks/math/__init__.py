"""Math answer verification: the ``math`` grader type and the pieces it is built from.

Modules, in the order a verification uses them: :mod:`.locate` (find the final answer),
:mod:`.judge` (gold cache, canonical text, choice letters), :mod:`.lexer` / :mod:`.parser` /
:mod:`.commands` (our own parser into :mod:`.nodes`), :mod:`.compare` with :mod:`.exact`,
:mod:`.sets` and :mod:`.probe` (in-process tiers), and :mod:`.pool` / :mod:`.worker` /
:mod:`.tosympy` (the SymPy tier in killable worker processes).
"""

from graders.checks.math.grader import Math

__all__ = ["Math"]
