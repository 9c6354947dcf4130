"""The formula language of ``multi``: OpenAI's ``calculate_output`` and our extensions.

OpenAI's operators ``+ - * / ^`` and functions ``min max abs floor ceil exp sqrt log`` mean what
they mean there. We add comparisons (``< <= > >= == !=``, giving 1 or 0), ``and`` / ``or`` /
``not``, ``if(cond, a, b)`` (only the chosen branch is needed) and ``clip(x, lo, hi)``.
Precedence, loosest first: ``or``, ``and``, ``not``, comparison, ``+ -``, ``* /``, unary
``-``, ``^`` (right-associative, so ``-2^2`` is -4 and ``2^3^2`` is 512).

This is our own recursive-descent parser producing a small tree of frozen nodes; nothing is
ever handed to ``eval``. Names are the children's keys and are checked at load time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import regex

from graders.spec.problems import did_you_mean

__all__ = ["FUNCTIONS", "Abstained", "FormulaError", "Node", "parse_formula"]


class FormulaError(ValueError):
    """A formula that does not parse, or that failed while evaluating."""


class Abstained(Exception):
    """A name the formula needs belongs to a child that abstained."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


Env = Mapping[str, float | None]


class Node:
    """A formula node: evaluates against the children's scores."""

    def evaluate(self, env: Env) -> float:
        raise NotImplementedError

    def names(self) -> set[str]:
        raise NotImplementedError


def _truth(value: float) -> bool:
    return value != 0.0


@dataclass(frozen=True, slots=True)
class Num(Node):
    value: float

    def evaluate(self, env: Env) -> float:
        return self.value

    def names(self) -> set[str]:
        return set()

    def __str__(self) -> str:
        return repr(self.value)


@dataclass(frozen=True, slots=True)
class Name(Node):
    name: str

    def evaluate(self, env: Env) -> float:
        value = env[self.name]
        if value is None:
            raise Abstained(self.name)
        return value

    def names(self) -> set[str]:
        return {self.name}

    def __str__(self) -> str:
        return self.name


def _pow(a: float, b: float) -> float:
    if a == 0 and b < 0:
        raise FormulaError("0 raised to a negative power")
    if a < 0 and not float(b).is_integer():
        raise FormulaError(f"negative base {a:g} raised to non-integer power {b:g}")
    return math.pow(a, b)


def _div(a: float, b: float) -> float:
    if b == 0:
        raise FormulaError("division by zero")
    return a / b


_BINARY: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": _div,
    "^": _pow,
    "<": lambda a, b: float(a < b),
    "<=": lambda a, b: float(a <= b),
    ">": lambda a, b: float(a > b),
    ">=": lambda a, b: float(a >= b),
    "==": lambda a, b: float(a == b),
    "!=": lambda a, b: float(a != b),
}


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node

    def evaluate(self, env: Env) -> float:
        return _BINARY[self.op](self.left.evaluate(env), self.right.evaluate(env))

    def names(self) -> set[str]:
        return self.left.names() | self.right.names()

    def __str__(self) -> str:
        return f"({self.left} {self.op} {self.right})"


@dataclass(frozen=True, slots=True)
class Logic(Node):
    op: str  # "and" | "or"
    left: Node
    right: Node

    def evaluate(self, env: Env) -> float:
        first = _truth(self.left.evaluate(env))
        if self.op == "and" and not first:
            return 0.0
        if self.op == "or" and first:
            return 1.0
        return float(_truth(self.right.evaluate(env)))

    def names(self) -> set[str]:
        return self.left.names() | self.right.names()

    def __str__(self) -> str:
        return f"({self.left} {self.op} {self.right})"


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # "-" | "not"
    operand: Node

    def evaluate(self, env: Env) -> float:
        value = self.operand.evaluate(env)
        return -value if self.op == "-" else float(not _truth(value))

    def names(self) -> set[str]:
        return self.operand.names()

    def __str__(self) -> str:
        return f"(-{self.operand})" if self.op == "-" else f"(not {self.operand})"


def _sqrt(x: float) -> float:
    if x < 0:
        raise FormulaError(f"sqrt of negative {x:g}")
    return math.sqrt(x)


def _log(x: float) -> float:
    if x <= 0:
        raise FormulaError(f"log of non-positive {x:g}")
    return math.log(x)


def _clip(x: float, lo: float, hi: float) -> float:
    if lo > hi:
        raise FormulaError(f"clip bounds reversed: {lo:g} > {hi:g}")
    return min(hi, max(lo, x))


FUNCTIONS: dict[str, tuple[int, int | None, Callable[..., float]]] = {
    "min": (1, None, lambda *xs: min(xs)),
    "max": (1, None, lambda *xs: max(xs)),
    "abs": (1, 1, abs),
    "floor": (1, 1, lambda x: float(math.floor(x))),
    "ceil": (1, 1, lambda x: float(math.ceil(x))),
    "exp": (1, 1, math.exp),
    "sqrt": (1, 1, _sqrt),
    "log": (1, 1, _log),
    "clip": (3, 3, _clip),
}
"""Strict functions: name -> (least arguments, most arguments or None, implementation)."""


@dataclass(frozen=True, slots=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]

    def evaluate(self, env: Env) -> float:
        if self.func == "if":
            cond, then, other = self.args
            return then.evaluate(env) if _truth(cond.evaluate(env)) else other.evaluate(env)
        impl = FUNCTIONS[self.func][2]
        try:
            return float(impl(*(arg.evaluate(env) for arg in self.args)))
        except OverflowError:
            raise FormulaError(f"{self.func} overflowed") from None

    def names(self) -> set[str]:
        out: set[str] = set()
        for arg in self.args:
            out |= arg.names()
        return out

    def __str__(self) -> str:
        return f"{self.func}({', '.join(map(str, self.args))})"


_TOKEN = regex.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op><=|>=|==|!=|\*\*|[-+*/^(),<>=!])|(?P<bad>\S))"
)
_KEYWORDS = {"and", "or", "not"}
_COMPARE = {"<", "<=", ">", ">=", "==", "!="}
MAX_LENGTH = 10_000
MAX_DEPTH = 100


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens: list[tuple[str, str, int]] = []
        for m in _TOKEN.finditer(source):
            kind = m.lastgroup
            if kind is None:
                continue
            text = m.group(kind)
            col = m.start(kind) + 1
            if kind == "bad":
                raise self.error(f"unexpected character {text!r}", col)
            if text == "**":
                raise self.error("use ^ for powers", col)
            if text in ("=", "!"):
                raise self.error(f"unexpected {text!r} (comparisons are == and !=)", col)
            if kind == "name" and text in _KEYWORDS:
                kind = "op"
            self.tokens.append((kind, text, col))
        self.pos = 0
        self.depth = 0

    def error(self, message: str, col: int | None = None) -> FormulaError:
        if col is None:
            col = self.tokens[self.pos][2] if self.pos < len(self.tokens) else len(self.source) + 1
        return FormulaError(f"{message} at column {col} of {self.source!r}")

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str, int]:
        if self.pos >= len(self.tokens):
            raise self.error(f"expected {expected!r}" if expected else "unexpected end")
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise self.error(f"expected {expected!r}, found {token[1]!r}")
        self.pos += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise FormulaError("empty formula")
        node = self.disjunction()
        if self.pos < len(self.tokens):
            raise self.error(f"unexpected {self.peek()!r}")
        return node

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"formula nested deeper than {MAX_DEPTH} levels")

    def disjunction(self) -> Node:
        node = self.conjunction()
        while self.peek() == "or":
            self.take()
            node = Logic("or", node, self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.negation()
        while self.peek() == "and":
            self.take()
            node = Logic("and", node, self.negation())
        return node

    def negation(self) -> Node:
        if self.peek() == "not":
            self.take()
            self.nested()
            node = Unary("not", self.negation())
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        node = self.additive()
        if self.peek() in _COMPARE:
            op = self.take()[1]
            node = Binary(op, node, self.additive())
            if self.peek() in _COMPARE:
                raise self.error("chained comparisons are ambiguous; join them with 'and'")
        return node

    def additive(self) -> Node:
        node = self.multiplicative()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            node = Binary(op, node, self.multiplicative())
        return node

    def multiplicative(self) -> Node:
        node = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek() in ("-", "+"):
            op = self.take()[1]
            self.nested()
            operand = self.unary()
            self.depth -= 1
            return Unary("-", operand) if op == "-" else operand
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            self.nested()
            exponent = self.unary()
            self.depth -= 1
            return Binary("^", base, exponent)
        return base

    def atom(self) -> Node:
        kind, text, col = self.take()
        if kind == "num":
            return Num(float(text))
        if kind == "name":
            if self.peek() == "(":
                return self.call(text, col)
            return Name(text)
        if text == "(":
            self.nested()
            node = self.disjunction()
            self.depth -= 1
            self.take(")")
            return node
        raise self.error(f"unexpected {text!r}", col)

    def call(self, func: str, col: int) -> Node:
        if func != "if" and func not in FUNCTIONS:
            hint = did_you_mean(func, (*FUNCTIONS, "if"))
            known = ", ".join(sorted((*FUNCTIONS, "if")))
            raise self.error(f"unknown function {func!r}{hint}; functions: {known}", col)
        self.take("(")
        self.nested()
        args: list[Node] = []
        if self.peek() != ")":
            args.append(self.disjunction())
            while self.peek() == ",":
                self.take()
                args.append(self.disjunction())
        self.take(")")
        self.depth -= 1
        low, high = (3, 3) if func == "if" else FUNCTIONS[func][:2]
        if len(args) < low or (high is not None and len(args) > high):
            want = str(low) if low == high else f"at least {low}"
            raise self.error(f"{func}() takes {want} argument(s), got {len(args)}", col)
        return Call(func, tuple(args))


@lru_cache(maxsize=1024)
def parse_formula(source: str) -> Node:
    """Parse ``source`` into a formula tree; raises FormulaError with the column at fault."""
    if len(source) > MAX_LENGTH:
        raise FormulaError(f"formula longer than {MAX_LENGTH} characters")
    return _Parser(source).parse()
