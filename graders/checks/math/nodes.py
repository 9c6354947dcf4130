"""The parse tree of a math answer: small frozen nodes built by our own parser.

Nothing here evaluates anything: a node only records what was written. Arithmetic is built
from ``Add``, ``Mul`` and ``Pow`` (``a - b`` is ``Add(a, Mul(-1, b))``, ``a / b`` is
``Mul(a, Pow(b, -1))``); answers that are not one value have their own nodes (relations,
intervals, sets, tuples, bare lists, matrices, text). ``key()`` is a canonical text of a node,
with the arguments of ``+`` and ``*`` sorted, so that ``x + 1`` and ``1 + x`` share a key: equal
keys mean equal answers, which settles many comparisons before any arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "NEG_ONE",
    "Add",
    "BaseNum",
    "Const",
    "FiniteSet",
    "Func",
    "Interval",
    "Matrix",
    "Mul",
    "Node",
    "Num",
    "PlusMinus",
    "Pow",
    "Rel",
    "Seq",
    "SetOp",
    "Sym",
    "Text",
    "Tup",
    "Unit",
    "inverse",
    "neg",
    "walk",
]


def int_text(n: int) -> str:
    """Decimal digits, or hexadecimal past Python's 4300-digit limit on decimal conversion."""
    return str(n) if n.bit_length() < 14_000 else f"0x{n:x}"


def int_from_digits(digits: str) -> int:
    """An integer from decimal digits of any length (in chunks below Python's 4300 limit)."""
    value = 0
    for start in range(0, len(digits), 4000):
        chunk = digits[start : start + 4000]
        value = value * 10 ** len(chunk) + int(chunk)
    return value


class Node:
    """A parse-tree node."""

    __slots__ = ()

    def key(self) -> str:
        """A canonical text: nodes with equal keys denote the same answer."""
        raise NotImplementedError

    def kids(self) -> tuple[Node, ...]:
        return ()


def walk(node: Node) -> list[Node]:
    """Every node of a tree, parents first (iterative: deep trees do not recurse)."""
    out: list[Node] = []
    stack = [node]
    while stack:
        cur = stack.pop()
        out.append(cur)
        stack.extend(reversed(cur.kids()))
    return out


@dataclass(frozen=True, slots=True)
class Num(Node):
    """An exact number. ``places`` is how many decimals were written (``0.50`` has 2)."""

    value: Fraction
    places: int | None = None

    def key(self) -> str:
        v = self.value
        num = int_text(v.numerator)
        return num if v.denominator == 1 else f"{num}/{int_text(v.denominator)}"


@dataclass(frozen=True, slots=True)
class BaseNum(Node):
    """A numeral in another base, ``204_5``: compared by its digits and base."""

    digits: str
    base: int

    def key(self) -> str:
        return f"{self.digits}_{self.base}"


@dataclass(frozen=True, slots=True)
class Sym(Node):
    """A variable, with its subscript in the name (``x``, ``a_{n+1}``, ``alpha``)."""

    name: str

    def key(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Const(Node):
    """A named constant: ``pi``, ``e``, ``i`` (imaginary unit) or ``oo`` (infinity)."""

    name: str

    def key(self) -> str:
        return "\\" + self.name


def _joined(op: str, args: tuple[Node, ...], ordered: bool) -> str:
    keys = [a.key() for a in args]
    if not ordered:
        keys.sort()
    return op + "(" + ",".join(keys) + ")"


@dataclass(frozen=True, slots=True)
class Add(Node):
    args: tuple[Node, ...]

    def key(self) -> str:
        return _joined("+", self.args, False)

    def kids(self) -> tuple[Node, ...]:
        return self.args


@dataclass(frozen=True, slots=True)
class Mul(Node):
    args: tuple[Node, ...]

    def key(self) -> str:
        return _joined("*", self.args, False)

    def kids(self) -> tuple[Node, ...]:
        return self.args


@dataclass(frozen=True, slots=True)
class Pow(Node):
    base: Node
    exp: Node

    def key(self) -> str:
        return f"^({self.base.key()},{self.exp.key()})"

    def kids(self) -> tuple[Node, ...]:
        return (self.base, self.exp)


@dataclass(frozen=True, slots=True)
class Func(Node):
    """A function applied to arguments: ``sin``, ``log`` (argument, base), ``abs``,
    ``factorial``, ``binom``, ``floor``, ``ceil``; ``f`` for an unknown function ``f(x)``."""

    name: str
    args: tuple[Node, ...]

    def key(self) -> str:
        return _joined(self.name, self.args, True)

    def kids(self) -> tuple[Node, ...]:
        return self.args


@dataclass(frozen=True, slots=True)
class PlusMinus(Node):
    """``a ± b`` (``sign`` +1) or ``a ∓ b`` (-1): two values at once."""

    left: Node
    right: Node
    sign: int = 1

    def key(self) -> str:
        return f"pm{self.sign}({self.left.key()},{self.right.key()})"

    def kids(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Unit(Node):
    """A quantity with a unit. ``%``, ``cents`` and ``deg`` rescale; other units are words
    that were stripped (``5 \\text{cm}``) and kept only for the explanation."""

    body: Node
    unit: str

    def key(self) -> str:
        if self.unit in ("%", "cents", "deg"):
            return f"{self.unit}({self.body.key()})"
        return self.body.key()

    def kids(self) -> tuple[Node, ...]:
        return (self.body,)


@dataclass(frozen=True, slots=True)
class Rel(Node):
    """A relation or chain: ``x = 3``, ``a < b \\le c``, ``x \\in [0, 1]``.

    ``ops`` holds ``=``, ``<``, ``<=``, ``>``, ``>=``, ``!=``, ``~`` (approximately), ``in``
    or ``:`` (a ratio); ``len(items) == len(ops) + 1``."""

    ops: tuple[str, ...]
    items: tuple[Node, ...]

    def key(self) -> str:
        parts = [self.items[0].key()]
        for op, item in zip(self.ops, self.items[1:], strict=True):
            parts.append(op)
            parts.append(item.key())
        return "rel(" + " ".join(parts) + ")"

    def kids(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True, slots=True)
class Interval(Node):
    lo: Node
    hi: Node
    lo_closed: bool
    hi_closed: bool

    def key(self) -> str:
        left = "[" if self.lo_closed else "("
        right = "]" if self.hi_closed else ")"
        return f"{left}{self.lo.key()},{self.hi.key()}{right}"

    def kids(self) -> tuple[Node, ...]:
        return (self.lo, self.hi)


@dataclass(frozen=True, slots=True)
class SetOp(Node):
    """``\\cup``, ``\\cap`` or ``\\setminus`` of sets and intervals."""

    op: str
    args: tuple[Node, ...]

    def key(self) -> str:
        return _joined(self.op, self.args, self.op == "setminus")

    def kids(self) -> tuple[Node, ...]:
        return self.args


@dataclass(frozen=True, slots=True)
class FiniteSet(Node):
    """``\\{a, b\\}``: order and repetition do not matter; ``\\emptyset`` has no items."""

    items: tuple[Node, ...]

    def key(self) -> str:
        return "{" + ",".join(sorted({i.key() for i in self.items})) + "}"

    def kids(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True, slots=True)
class Tup(Node):
    """A bracketed tuple ``(a, b, c)`` or ``\\langle a, b\\rangle``: order matters.

    A pair in round brackets may also be an open interval; comparison decides by context."""

    items: tuple[Node, ...]
    bracket: str = "("

    def key(self) -> str:
        return "tuple(" + ",".join(i.key() for i in self.items) + ")"

    def kids(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True, slots=True)
class Seq(Node):
    """A bare list ``1, 2, 3`` or ``3 \\text{ and } 5``: several answers at once."""

    items: tuple[Node, ...]

    def key(self) -> str:
        return "seq(" + ",".join(i.key() for i in self.items) + ")"

    def kids(self) -> tuple[Node, ...]:
        return self.items


@dataclass(frozen=True, slots=True)
class Matrix(Node):
    rows: tuple[tuple[Node, ...], ...]

    def key(self) -> str:
        return "mat(" + ";".join(",".join(c.key() for c in row) for row in self.rows) + ")"

    def kids(self) -> tuple[Node, ...]:
        return tuple(c for row in self.rows for c in row)


@dataclass(frozen=True, slots=True)
class Text(Node):
    """Words: compared case-insensitively after normalization."""

    text: str

    def key(self) -> str:
        return "text:" + self.text


NEG_ONE = Num(Fraction(-1))


def neg(node: Node) -> Node:
    if isinstance(node, Num):
        return Num(-node.value, node.places)
    return Mul((NEG_ONE, node))


def inverse(node: Node) -> Node:
    return Pow(node, NEG_ONE)
