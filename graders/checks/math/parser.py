"""Our own recursive-descent parser from answer text to :mod:`~graders.checks.math.nodes`.

Nothing is evaluated and nothing is handed to ``eval``, ``sympify`` or ``parse_expr``: the
parser only builds nodes. Loosest binding first: a list (``,`` ``;`` ``and`` ``or``), a relation
chain (``= < \\le \\approx \\in :``), set operations (``\\cup \\cap \\setminus``), ``+ - \\pm``,
``* /`` and implicit products, unary signs, ``^`` (right-associative), postfix ``! % ^\\circ``.
Brackets decide between groups, tuples, intervals and sets: ``(a, b]`` is an interval,
``\\{a, b\\}`` a set, ``(a, b)`` a pair that comparison may also read as an open interval.

Conventions of written answers are kept: ``2\\frac{1}{2}`` and ``2 1/2`` are mixed numbers,
``\\frac12`` is one half, ``204_5`` is a numeral in base 5, trailing unit words are stripped
(``5 \\text{cm}``) while ``%``, cents and degrees are kept because they rescale.
Size limits (answer length, nesting depth, exponent digits) make hostile input cheap to refuse.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from graders.checks.math.commands import bracket, command, matrix, number, repeating
from graders.checks.math.lexer import (
    FUNCTIONS,
    GREEK,
    ParseError,
    Tok,
    collapse_groups,
    tokenize,
)
from graders.checks.math.nodes import (
    Add,
    Const,
    Func,
    Mul,
    Node,
    Num,
    PlusMinus,
    Pow,
    Rel,
    Seq,
    SetOp,
    Sym,
    Text,
    Unit,
    inverse,
    neg,
)
from graders.checks.math.tables import CLOSERS
from graders.checks.math.words import (
    OPERATION_WORDS,
    SCALES,
    SHORT_UNITS,
    UNIT_KIND,
    UNIT_POWERS,
    is_text_answer,
)
from graders.checks.numbers import words_to_number

__all__ = ["MAX_CHARS", "MAX_DEPTH", "ParseError", "parse"]

MAX_CHARS = 8000
"""Longer answers are not parsed (they are compared as text)."""
MAX_DEPTH = 30
"""Deeper bracket nesting is refused (and keeps recursion far from Python's limit)."""

_RELOPS = {"=": "=", "<": "<", ">": ">", "<=": "<=", ">=": ">=", "!=": "!=", ":": ":"}
_REL_CMDS = {"approx": "~", "in": "in", "equiv": "="}
_SET_CMDS = ("cup", "cap", "setminus")
_APPLIED = frozenset("fgh")


class _Parser:
    def __init__(self, toks: list[Tok]) -> None:
        self.toks = toks
        self.i = 0
        self.depth = 0
        self.abs_depth = 0

    # -- token helpers ----------------------------------------------------------------------------

    def peek(self, offset: int = 0) -> Tok | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def at(self, kind: str, *texts: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == kind and (not texts or tok.text in texts)

    def take(self) -> Tok:
        tok = self.peek()
        if tok is None:
            raise ParseError("unexpected end of answer")
        self.i += 1
        return tok

    def expect(self, kind: str, text: str) -> None:
        tok = self.take()
        if tok.kind != kind or tok.text != text:
            raise ParseError(f"expected {text!r}, found {tok.text!r}")

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError(f"nested more than {MAX_DEPTH} levels deep")

    # -- grammar ----------------------------------------------------------------------------------

    def answer(self) -> Node:
        node = self.listing(top=True)
        if self.peek() is not None:
            raise ParseError(f"unexpected {self.peek().text!r}")  # type: ignore[union-attr]
        return node

    def at_separator(self, top: bool) -> bool:
        tok = self.peek()
        if tok is None:
            return False
        if tok.kind == "op" and tok.text in (",", ";"):
            return True
        if tok.kind == "sep" or (tok.kind == "word" and tok.text.lower() in ("and", "or")):
            return True
        return top and tok.kind == "cmd" and tok.text in ("and", "or")

    def listing(self, top: bool = False) -> Node:
        items = [self.item()]
        while self.at_separator(top):
            self.take()
            while self.at_separator(top):
                self.take()
            if self.peek() is None or self.at("close"):
                break
            items.append(self.item())
        return items[0] if len(items) == 1 else Seq(tuple(items))

    def item(self) -> Node:
        node = self.relation()
        return self.units(node)

    def units(self, node: Node) -> Node:
        while True:
            tok = self.peek()
            if tok is None or tok.kind not in ("word", "text", "id", "cmd"):
                return node
            word = tok.text.strip().lower()
            if (tok.kind in ("id", "cmd") and word != "circ") or word in ("and", "or"):
                return node
            self.take()
            if word in SCALES and isinstance(node, Num):
                node = Num(node.value * SCALES[word])
            elif word in UNIT_POWERS and isinstance(node, Unit):
                node = Unit(node.body, f"{node.unit}^{UNIT_POWERS[word]}")  # feet squared
            elif word in OPERATION_WORDS:
                node = OPERATION_WORDS[word](node)  # 7 squared is 49, not 7 of a unit
            else:
                node = Unit(node, UNIT_KIND.get(word, word))
            power = self.peek(1)
            if self.at("op", "^") and power is not None:
                self.i += 2  # cm^2: the power belongs to the unit
                if isinstance(node, Unit):
                    node = Unit(node.body, f"{node.unit}^{power.text}")

    def relation(self) -> Node:
        items = [self.set_expr()]
        ops: list[str] = []
        while True:
            tok = self.peek()
            if tok is None:
                break
            if tok.kind == "op" and tok.text in _RELOPS:
                ops.append(_RELOPS[tok.text])
            elif tok.kind == "cmd" and tok.text in _REL_CMDS:
                ops.append(_REL_CMDS[tok.text])
            else:
                break
            self.take()
            items.append(self.set_expr())
        return items[0] if not ops else Rel(tuple(ops), tuple(items))

    def set_expr(self) -> Node:
        node = self.sum()
        while self.at("cmd", *_SET_CMDS):
            op = self.take().text
            right = self.sum()
            if isinstance(node, SetOp) and node.op == op and op != "setminus":
                node = SetOp(op, (*node.args, right))
            else:
                node = SetOp(op, (node, right))
        return node

    def sum(self) -> Node:
        terms: list[Node] = []
        sign = 1
        if self.at("op", "-", "+") or self.at("cmd", "pm", "mp"):
            tok = self.take()
            if tok.text in ("pm", "mp"):
                return self._plus_minus(Num(Fraction(0)), 1 if tok.text == "pm" else -1)
            sign = -1 if tok.text == "-" else 1
        first = self.term()
        terms.append(neg(first) if sign < 0 else first)
        while True:
            if self.at("op", "+", "-"):
                op = self.take().text
                term = self.term()
                terms.append(neg(term) if op == "-" else term)
            elif self.at("cmd", "pm", "mp"):
                left = terms[0] if len(terms) == 1 else Add(tuple(terms))
                return self._plus_minus(left, 1 if self.take().text == "pm" else -1)
            else:
                break
        return terms[0] if len(terms) == 1 else Add(tuple(terms))

    def _plus_minus(self, left: Node, sign: int) -> Node:
        right = self.sum()
        return PlusMinus(left, right, sign)

    def term(self) -> Node:
        factors = [self.unary()]
        while True:
            if self.at("op", "*"):
                self.take()
                factors.append(self.unary())
            elif self.at("op", "/"):
                self.take()
                factors.append(inverse(self.unary()))
            elif self.starts_factor():
                if isinstance(factors[-1], Num) and self.at("num"):
                    raise ParseError("two numbers side by side")
                factors.append(self.power())
            else:
                break
        return factors[0] if len(factors) == 1 else Mul(tuple(factors))

    def starts_factor(self) -> bool:
        tok = self.peek()
        if tok is None:
            return False
        if tok.kind in ("num", "rep", "id", "begin"):
            return True
        if tok.kind == "open":
            return tok.text in ("(", "{", "floor", "ceil")
        if tok.kind == "cmd":
            return tok.text not in (*_SET_CMDS, *_REL_CMDS, "pm", "mp", "circ", "and", "or")
        if tok.kind == "word":  # ``xy`` multiplies; ``cm``, ``apples``, ``percent`` are units
            low = tok.text.lower()
            return len(low) <= 2 and low not in SHORT_UNITS and low != "or"
        return tok.kind == "op" and tok.text == "|" and self.abs_depth == 0

    def unary(self) -> Node:
        if self.at("op", "-"):
            self.take()
            return neg(self.unary())
        if self.at("op", "+"):
            self.take()
            return self.unary()
        return self.power()

    def power(self) -> Node:
        base = self.postfix(self.primary())
        if not self.at("op", "^"):
            return base
        self.take()
        if self.at("cmd", "circ"):
            self.take()
            return self.postfix(Unit(base, "deg"))
        if self.at("open", "{") and self.peek(1) == Tok("cmd", "circ") and self.peek(2):
            self.i += 3
            return self.postfix(Unit(base, "deg"))
        return Pow(base, self.exponent())

    def exponent(self) -> Node:
        if self.at("op", "-"):
            self.take()
            return neg(self.exponent())
        if self.at("op", "+"):
            self.take()
        inner = self.postfix(self.primary())
        if self.at("op", "^"):
            self.take()
            self.nested()  # a tower of powers nests like brackets
            inner = Pow(inner, self.exponent())
            self.depth -= 1
        return inner

    def postfix(self, node: Node) -> Node:
        while True:
            if self.at("op", "!"):
                self.take()
                node = Func("factorial", (node,))
            elif self.at("op", "%"):
                self.take()
                node = Unit(node, "%")
            else:
                return node

    # -- primaries --------------------------------------------------------------------------------

    def primary(self) -> Node:
        tok = self.take()
        kind = tok.kind
        if kind == "num":
            return number(self, tok)
        if kind == "rep":
            return repeating(tok.text)
        if kind == "id":
            return self.identifier(tok.text)
        if kind == "word":
            return self.word(tok.text)
        if kind == "text":
            return Text(tok.text.lower())
        if kind == "open":
            return bracket(self, tok.text)
        if kind == "begin":
            return matrix(self, tok.text)
        if kind == "op" and tok.text == "|":
            self.nested()
            self.abs_depth += 1
            inner = self.sum()
            self.abs_depth -= 1
            self.depth -= 1
            self.expect("op", "|")
            return Func("abs", (inner,))
        if kind == "cmd":
            return command(self, tok.text)
        raise ParseError(f"unexpected {tok.text!r}")

    def identifier(self, name: str) -> Node:
        if name in FUNCTIONS:
            return command(self, name)
        if self.at("op", "_"):
            return self.symbol(name)
        if name in _APPLIED and self.at("open", "(") and not self.peek().space:  # type: ignore[union-attr]
            self.take()
            args = self.group_items("(")
            return Func(name, tuple(args))
        if name == "e":
            return Const("e")
        if name == "i":
            return Const("i")
        return Sym(name)

    def symbol(self, name: str) -> Node:
        """A variable named ``name``, with its subscript when one follows."""
        if not self.at("op", "_"):
            return Sym(name)
        self.take()
        return Sym(f"{name}_{{{self.subscript()}}}")

    def subscript(self) -> str:
        tok = self.take()
        if tok.kind == "open" and tok.text == "{":
            self.nested()
            inner = self.listing()
            self.depth -= 1
            self.expect("close", "}")
            return inner.key()
        if tok.kind in ("num", "id"):
            return tok.text
        if tok.kind == "cmd" and tok.text in GREEK:
            return tok.text
        raise ParseError("unreadable subscript")

    def word(self, text: str) -> Node:
        """A run of letters inside math: a product of one-letter variables (``xy``)."""
        if len(text) > 4:
            raise ParseError(f"the word {text!r} inside math")
        return Mul(tuple(self.identifier(ch) if ch in "ei" else Sym(ch) for ch in text))

    def group_items(self, opener: str) -> list[Node]:
        """Items up to the closing bracket (the opener is already taken); closer checked."""
        self.nested()
        closer = CLOSERS[opener]
        items: list[Node] = []
        if not self.at("close"):
            node = self.listing()
            items = list(node.items) if isinstance(node, Seq) else [node]
        self.depth -= 1
        tok = self.take()
        if tok.kind != "close" or tok.text != closer:
            raise ParseError(f"{opener!r} closed by {tok.text!r}")
        return items


@lru_cache(maxsize=16384)
def parse(text: str) -> Node:
    """The parse tree of one answer; raises ParseError when it is not math we read.

    Trees are immutable, so parses are cached: a frequent answer is parsed once."""
    if len(text) > MAX_CHARS:
        raise ParseError(f"answer longer than {MAX_CHARS} characters")
    toks = tokenize(text)
    if not toks:
        raise ParseError("empty answer")
    if is_text_answer(toks):
        words = " ".join(t.text for t in toks if t.kind in ("word", "id", "text", "num"))
        value = words_to_number(words)
        return Num(value) if value is not None else Text(words.lower())
    toks = collapse_groups(toks)
    if toks[-1].kind == "op" and toks[-1].text in (",", ";"):
        toks = toks[:-1]
    parser = _Parser(toks)
    try:
        return parser.answer()
    except RecursionError:
        raise ParseError("answer nested too deeply") from None
