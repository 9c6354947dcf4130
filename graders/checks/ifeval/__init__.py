"""Verifiable instruction-following constraints: IFEval's 25 instruction types, and the IFBench
and IFEvalG (RLVR training) families checkable without a model, in the
``instruction_following`` grader type."""

from graders.checks.ifeval.grader import InstructionFollowing
from graders.checks.ifeval.table import INSTRUCTIONS

__all__ = ["INSTRUCTIONS", "InstructionFollowing"]
