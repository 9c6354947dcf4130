"""Primaries introduced by a name: ``\\frac``, ``\\sqrt``, ``\\binom``, functions, constants.

LaTeX's argument rules are followed where models rely on them: ``\\frac12`` is one half and
``\\sqrt2x`` is ``√2·x`` (a bare argument is one character), while ``√23`` and ``sqrt(2)``
take the whole number or group. ``\\sin^2 x`` is ``(\\sin x)^2``, ``\\sin^{-1}`` is ``\\arcsin``,
``\\log_2 8`` has base 2, ``\\ln`` and a bare ``\\log`` are natural logarithms.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from graders.checks.math.lexer import FUNCTIONS, GREEK, ParseError, Tok
from graders.checks.math.nodes import (
    BaseNum,
    Const,
    FiniteSet,
    Func,
    Interval,
    Matrix,
    Mul,
    Node,
    Num,
    Pow,
    Rel,
    Seq,
    Sym,
    Text,
    Tup,
    int_from_digits,
)
from graders.checks.math.tables import MATRICES

if TYPE_CHECKING:
    from graders.checks.math.parser import _Parser

__all__ = ["bracket", "command", "matrix", "number", "repeating"]

MAX_SCI_EXPONENT = 400
MAX_DIGITS = 20_000
"""Longer numerals are refused (exact arithmetic on them is a denial of service)."""

_INVERSES = {"sin": "arcsin", "cos": "arccos", "tan": "arctan"}
_CONSTANTS: dict[str, Node] = {
    "pi": Const("pi"),
    "infty": Const("oo"),
    "imath": Const("i"),
    "emptyset": FiniteSet(()),
    "reals": Interval(Mul((Num(Fraction(-1)), Const("oo"))), Const("oo"), False, False),
}


def latex_arg(p: _Parser) -> Node:
    """One LaTeX argument: a ``{group}``, one digit of a number, or one primary."""
    tok = p.peek()
    if tok is None:
        raise ParseError("a command is missing its argument")
    if tok.kind == "open" and tok.text == "{":
        p.take()
        p.nested()
        inner = p.listing()
        p.depth -= 1
        p.expect("close", "}")
        return inner
    if tok.kind == "num" and tok.text.isdigit() and len(tok.text) > 1:
        p.toks[p.i] = Tok("num", tok.text[1:])
        return Num(Fraction(int(tok.text[0])))
    return p.postfix(p.primary())


def greedy_arg(p: _Parser) -> Node:
    """The argument of ``√`` or a plain ``sqrt``: a whole number, a group or one primary."""
    if p.at("open", "(", "{"):
        opener = p.take().text
        items = p.group_items(opener)
        if len(items) != 1:
            raise ParseError("a root of a list")
        return items[0]
    return p.postfix(p.primary())


def function_arg(p: _Parser) -> Node:
    """``\\sin(2x)``, ``\\sin 2x``, ``\\sin x \\cos x`` (the argument stops at a function)."""
    if p.at("open", "("):
        p.take()
        items = p.group_items("(")
        if len(items) != 1:
            raise ParseError("a function of a list")
        return items[0]
    factors = [p.power()]
    while p.starts_factor() and not _at_function(p):
        factors.append(p.power())
    return factors[0] if len(factors) == 1 else Mul(tuple(factors))


def _at_function(p: _Parser) -> bool:
    tok = p.peek()
    return tok is not None and tok.kind in ("cmd", "id") and tok.text in FUNCTIONS


def _function(p: _Parser, name: str) -> Node:
    power: Node | None = None
    base: Node | None = None
    if p.at("op", "^"):
        p.take()
        power = p.exponent()
    if p.at("op", "_") and name == "log":
        p.take()
        base = latex_arg(p)
    if power is not None and power == Num(Fraction(-1)) and name in _INVERSES:
        name, power = _INVERSES[name], None
    if name in ("sqrt",):
        node: Node = Pow(greedy_arg(p), Num(Fraction(1, 2)))
    else:
        arg = function_arg(p)
        if name == "exp":
            node = Pow(Const("e"), arg)
        elif name == "ln":
            node = Func("log", (arg,))
        elif name == "lg":
            node = Func("log", (arg, Num(Fraction(10))))
        elif name == "log" and base is not None:
            node = Func("log", (arg, base))
        else:
            node = Func(name, (arg,))
    return Pow(node, power) if power is not None else node


def _root(p: _Parser) -> Node:
    index: Node = Num(Fraction(2))
    if p.at("open", "["):
        p.take()
        p.nested()
        index = p.sum()
        p.depth -= 1
        p.expect("close", "]")
    radicand = latex_arg(p)
    if isinstance(index, Num) and index.value != 0:
        return Pow(radicand, Num(1 / index.value))
    return Pow(radicand, Pow(index, Num(Fraction(-1))))


def command(p: _Parser, name: str) -> Node:
    """The node for the command or function ``name`` (already taken from the tokens)."""
    if name == "frac":
        num = latex_arg(p)
        den = latex_arg(p)
        return Mul((num, Pow(den, Num(Fraction(-1)))))
    if name == "sqrt" and p.at("open", "["):
        return _root(p)
    if name == "sqrt" and p.toks[p.i - 1].kind == "cmd":
        return _root(p)
    if name == "usqrt":
        return Pow(greedy_arg(p), Num(Fraction(1, 2)))
    if name == "binom":
        return Func("binom", (latex_arg(p), latex_arg(p)))
    if name in ("sum", "prod"):
        return _series(p, name)
    if name in FUNCTIONS:
        return _function(p, name)
    if name in _CONSTANTS:
        return _CONSTANTS[name]
    if name.startswith("set_"):
        return Text("set " + name[4:].lower())
    if name in GREEK:
        return p.symbol(name)
    raise ParseError(f"the command \\{name}")


def _series(p: _Parser, name: str) -> Node:
    """``\\sum_{k=1}^{n} k^2`` as ``sum(k, 1, n, k^2)``; the body is one product (it ends at
    the next ``+`` or ``-``), as it is read in written answers."""
    bounds: dict[str, Node] = {}
    while p.at("op", "_", "^") and len(bounds) < 2:
        which = p.take().text
        bounds[which] = latex_arg(p)
    low = bounds.get("_")
    if not (isinstance(low, Rel) and low.ops == ("=",) and isinstance(low.items[0], Sym)):
        raise ParseError(f"\\{name} needs a lower bound such as _{{k=1}}")
    if "^" not in bounds:
        raise ParseError(f"\\{name} needs an upper bound")
    body = function_arg(p)
    return Func(name, (low.items[0], low.items[1], bounds["^"], body))


def _decimal(text: str) -> Fraction:
    whole, _, frac = text.partition(".")
    if len(whole) + len(frac) > MAX_DIGITS:
        raise ParseError(f"a number with more than {MAX_DIGITS} digits")
    value = Fraction(int_from_digits(whole or "0"))
    if frac:
        value += Fraction(int_from_digits(frac), 10 ** len(frac))
    return value


def _num(text: str) -> Num:
    if "e" in text:
        mantissa, _, exponent = text.partition("e")
        if abs(int(exponent)) > MAX_SCI_EXPONENT:
            raise ParseError(f"exponent {exponent} is too large")
        return Num(_decimal(mantissa) * Fraction(10) ** int(exponent))
    _, dot, frac = text.partition(".")
    return Num(_decimal(text), len(frac) if dot else None)


def repeating(text: str) -> Num:
    head, _, block = text.partition("|")
    _, _, fixed = head.partition(".")
    if len(head) + len(block) > MAX_DIGITS:
        raise ParseError(f"a number with more than {MAX_DIGITS} digits")
    base = _decimal(head)
    cycle = Fraction(int_from_digits(block), 10 ** len(block) - 1) / 10 ** len(fixed)
    return Num(base + cycle)


def number(p: _Parser, tok: Tok) -> Node:
    node = _num(tok.text)
    if tok.text.isdigit():
        whole_and_part = mixed(p, node.value)
        if whole_and_part is not None:
            return whole_and_part
        if p.at("op", "_"):
            return base_numeral(p, tok.text)
    return node


def mixed(p: _Parser, whole: Fraction) -> Node | None:
    """``2\\frac{1}{2}`` and ``2 1/2``: a whole number and a proper fraction of literals."""
    t = p.toks[p.i : p.i + 7]
    texts = [x.text for x in t]
    if len(t) >= 2 and t[0] == Tok("cmd", "frac", t[0].space):
        if (
            len(t) >= 7
            and texts[1] == "{"
            and t[2].kind == "num"
            and texts[3:5] == ["}", "{"]
            and t[5].kind == "num"
            and texts[6] == "}"
        ):
            num, den, used = t[2].text, t[5].text, 7
        elif t[1].kind == "num" and len(t[1].text) == 2 and t[1].text.isdigit():
            num, den, used = t[1].text[0], t[1].text[1], 2
        else:
            return None
    elif (
        len(t) >= 3
        and t[0].kind == "num"
        and t[0].space
        and texts[1] == "/"
        and t[2].kind == "num"
        and not (len(t) > 3 and t[3].kind in ("num", "id"))
    ):
        num, den, used = t[0].text, t[2].text, 3
    else:
        return None
    if not (num.isdigit() and den.isdigit()) or not 0 < int(num) < int(den):
        return None
    p.i += used
    return Num(whole + Fraction(int(num), int(den)))


def base_numeral(p: _Parser, digits: str) -> Node:
    p.take()
    tok = p.take()
    if tok.kind == "open" and tok.text == "{":
        tok = p.take()
        p.expect("close", "}")
    if len(digits) > 1000 or tok.kind != "num" or not tok.text.isdigit() or len(tok.text) > 2:
        raise ParseError("a subscript on a number must be a base from 2 to 36")
    if not 2 <= int(tok.text) <= 36:
        raise ParseError("a subscript on a number must be a base from 2 to 36")
    base = int(tok.text)
    if any(int(d, 36) >= base for d in digits):
        raise ParseError(f"{digits} is not a numeral in base {base}")
    return BaseNum(digits, base)


def bracket(p: _Parser, opener: str) -> Node:
    if opener in ("floor", "ceil"):
        p.nested()
        inner = p.sum()
        p.depth -= 1
        p.expect("close", opener)
        return Func(opener, (inner,))
    if opener in ("(", "["):
        p.nested()
        node = p.listing() if not p.at("close") else Seq(())
        p.depth -= 1
        closer = p.take()
        if closer.kind != "close" or closer.text not in (")", "]"):
            raise ParseError(f"{opener!r} closed by {closer.text!r}")
        items = node.items if isinstance(node, Seq) else (node,)
        if opener + closer.text in ("()", "[]") and len(items) != 2:
            if len(items) == 1:
                return items[0]
            return Tup(items, opener)
        if len(items) != 2:
            raise ParseError("an interval needs two endpoints")
        if opener == "(" and closer.text == ")":
            return Tup(items, "(")
        return Interval(items[0], items[1], opener == "[", closer.text == "]")
    members = p.group_items(opener)
    if opener == "{" and len(members) == 1:
        return members[0]
    if opener == "<<":
        return Tup(tuple(members), "<")
    return FiniteSet(tuple(members))


def matrix(p: _Parser, env: str) -> Node:
    if env not in MATRICES:
        raise ParseError(f"the {env} environment")
    p.nested()
    rows: list[tuple[Node, ...]] = []
    cells: list[Node] = []
    while True:
        if p.at("end"):
            p.take()
            break
        if p.at("row"):
            p.take()
            if cells:
                rows.append(tuple(cells))
            cells = []
            continue
        if p.at("op", "&"):
            p.take()
            continue
        cells.append(p.sum())
    if cells:
        rows.append(tuple(cells))
    p.depth -= 1
    if not rows or len({len(r) for r in rows}) != 1:
        raise ParseError("a matrix with ragged or no rows")
    return Matrix(tuple(rows))
