"""Formulas over children's scores: the parser and OpenAI's ``multi`` grader."""

from graders.checks.formula.grader import Multi
from graders.checks.formula.parse import FormulaError, parse_formula

__all__ = ["FormulaError", "Multi", "parse_formula"]
