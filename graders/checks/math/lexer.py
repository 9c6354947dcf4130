"""Tokens of a math answer written in LaTeX, plain text or Unicode (``½ √2 −3 ∞ π``).

The lexer settles what is lexical: numbers with their thousands separators (``1,234``,
``14{,}916``, ``32,\\! 349``, ``10 000``; a comma groups digits only outside brackets, where it
separates items), repeating decimals (``0.\\overline{3}``, ``0.1666...``), scientific notation,
``\\text{...}`` contents (words become one ``text`` token, math inside is lexed), and layout that
carries no meaning (``\\left``, ``\\,``, ``\\displaystyle``, ``$``). Every pattern is linear, and
the input is capped in length by the caller, so lexing hostile text is cheap.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from graders.checks.math.tables import (
    ALIASES,
    CLOSE,
    CMD_BRACKETS,
    FUNCTIONS,
    GREEK,
    IGNORED,
    OPEN,
    SPACING,
    SUPER_RUN,
    SUPERSCRIPTS,
    TEXTLIKE,
    UNICODE,
    VULGAR,
    WORD_IDS,
)

__all__ = ["FUNCTIONS", "GREEK", "ParseError", "Tok", "collapse_groups", "tokenize"]


class ParseError(ValueError):
    """Text that is not math we read (it is then compared as text)."""


class Tok(NamedTuple):
    kind: str
    """num, rep, id, word, cmd, text, op, open, close, row, begin, end, dots, sep."""
    text: str
    space: bool = False
    """Whitespace came right before this token (``2 1/2`` is a mixed number, ``21/2`` not)."""


_GROUPED = re.compile(
    r"\d{1,3}(?:(?:\{,\}|,\\!|,\s?\\!|\\[,;:! ]|~| (?=\d{3}(?!\d)))\s*\d{3}(?!\d))+"
)
_COMMA_GROUPED = re.compile(r"\d{1,3}(?:,\d{3}(?!\d))+")
_DECIMAL = re.compile(r"\d*\.\d+|\d+")
_FRACTION_TAIL = re.compile(r"\.\d+")
_OVERLINE = re.compile(r"\.?\s*\\(?:overline|dot|bar)\s*(?:\{\s*(\d+)\s*\}|(\d))")
_SCIENTIFIC = re.compile(r"[eE](?:([-+]?)(\d{1,4}))(?![\w])")
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|\\[lc]?dots\b)")
_ENV = re.compile(r"\\(begin|end)\s*\{\s*([a-zA-Z*]+)\s*\}")
_CMD = re.compile(r"\\([a-zA-Z]+|.)")
_LETTERS = re.compile(r"[A-Za-z]+")
_BLANK = re.compile(r"\s+")
_GLUED_SPACE = re.compile(r"(q?quad)[a-zA-Z]")
_ARRAY_SPEC = re.compile(r"\s*\{[lcr|\s]*\}")


def _prepare(text: str) -> str:
    text = text.translate(UNICODE)
    if SUPER_RUN.search(text):
        text = SUPER_RUN.sub(lambda m: "^{" + ("-" if m[1] else "") + _sup(m[2]) + "}", text)
    if VULGAR.search(text):
        text = VULGAR.sub(_vulgar, text)
    return text


def _sup(run: str) -> str:
    return "".join(SUPERSCRIPTS[ch] for ch in run)


def _vulgar(m: re.Match[str]) -> str:
    value = unicodedata.numeric(m[0])
    for den in range(2, 11):
        num = round(value * den)
        if abs(num / den - value) < 1e-9:
            return f" \\frac{{{num}}}{{{den}}}"
    raise ParseError(f"unknown fraction character {m[0]!r}")


def _braced(text: str, start: int) -> tuple[str, int]:
    """The raw content of the balanced group opening at ``text[start] == '{'``, and its end."""
    depth = 0
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i], i + 1
        i += 1
    raise ParseError("unbalanced braces")


def _period(digits: str) -> tuple[str, str] | None:
    """Split decimals written before ``...`` into (fixed, repeating) when a period repeats."""
    for size in range(1, len(digits) // 2 + 1):
        block = digits[-size:]
        reps = 3 if size == 1 else 2
        if len(digits) >= size * reps and digits[-size * reps :] == block * reps:
            head = digits[: -size * reps]
            while head and head[-size:] == block:
                head = head[:-size]
            return head, block
    return None


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks: list[Tok] = []
        self.depth = 0
        self.space = False

    def emit(self, kind: str, text: str) -> None:
        self.toks.append(Tok(kind, text, self.space))
        self.space = False

    def run(self) -> list[Tok]:
        text, i, n = self.text, 0, len(self.text)
        while i < n:
            ch = text[i]
            if ch.isspace():
                i = _BLANK.match(text, i).end()  # type: ignore[union-attr]
                self.space = True
            elif ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
                i = self.number(i)
            elif ch == "\\":
                i = self.command(i)
            elif ch.isalpha():
                m = _LETTERS.match(text, i)
                if m is None:  # a non-ASCII letter
                    raise ParseError(f"unexpected character {ch!r}")
                self.letters(m[0])
                i = m.end()
            else:
                i = self.symbol(i)
        return self.toks

    def number(self, i: int) -> int:
        text = self.text
        m = _GROUPED.match(text, i)
        if m is None and self.depth == 0:
            m = _COMMA_GROUPED.match(text, i)
        if m is not None:
            digits = re.sub(r"\D", "", m[0])
            end = m.end()
            tail = _FRACTION_TAIL.match(text, end)
            if tail is not None:
                digits += tail[0]
                end = tail.end()
        else:
            m = _DECIMAL.match(text, i)
            assert m is not None
            digits, end = m[0], m.end()
        over = _OVERLINE.match(text, end)
        if over is not None:
            whole, _, fixed = digits.partition(".")
            self.emit("rep", f"{whole or '0'}.{fixed}|{over[1] or over[2]}")
            return over.end()
        if "." in digits:
            dots = _ELLIPSIS.match(text, end)
            if dots is not None:
                whole, _, frac = digits.partition(".")
                split = _period(frac)
                if split is not None:
                    self.emit("rep", f"{whole or '0'}.{split[0]}|{split[1]}")
                    return dots.end()
        sci = _SCIENTIFIC.match(text, end)
        if sci is not None and ("." in digits or not sci[1]):
            self.emit("num", f"{digits}e{sci[1]}{sci[2]}")
            return sci.end()
        self.emit("num", digits)
        return end

    def letters(self, run: str) -> None:
        low = run.lower()
        if low in WORD_IDS and run.islower():
            self.emit("cmd", WORD_IDS[low])
        elif run in FUNCTIONS:
            self.emit("id", run)
        elif len(run) == 1:
            self.emit("id", run)
        else:
            self.emit("word", run)

    def symbol(self, i: int) -> int:
        text = self.text
        ch = text[i]
        two = text[i : i + 2]
        if two in ("<=", ">=", "!=", "=<", "=>", "=="):
            self.emit("op", {"=<": "<=", "=>": ">=", "==": "="}.get(two, two))
            return i + 2
        if text.startswith("...", i):
            self.emit("dots", "...")
            return i + 3
        if ch in OPEN:
            self.depth += 1
            self.emit("open", ch)
        elif ch in CLOSE:
            self.depth = max(0, self.depth - 1)
            self.emit("close", ch)
        elif ch in "+-*/^_!=<>,;:|&'%":
            self.emit("op", ch)
        elif ch == "$":
            self.space = True
        elif ch == "~":
            self.space = True
        elif ch in '?"`':
            raise ParseError(f"unexpected character {ch!r}")
        elif ch == ".":
            self.space = True  # a full stop; decimal points were read with their numbers
        else:
            raise ParseError(f"unexpected character {ch!r}")
        return i + 1

    def command(self, i: int) -> int:
        text = self.text
        if text.startswith("\\\\", i):
            self.emit("row", "\\\\")
            return i + 2
        env = _ENV.match(text, i)
        if env is not None:
            name = env[2].rstrip("*")
            self.emit(env[1], name)
            end = env.end()
            if env[1] == "begin" and name == "array":
                spec = _ARRAY_SPEC.match(text, end)
                end = spec.end() if spec is not None else end
            return end
        m = _CMD.match(text, i)
        if m is None:
            raise ParseError("a lone backslash")
        name = ALIASES.get(m[1], m[1])
        end = m.end()
        glued = _GLUED_SPACE.match(name)
        if glued is not None:  # ``\quadx``: a spacing command run into a variable
            self.space = True
            return i + 1 + len(glued[1])
        if name in SPACING:
            self.space = True
        elif name in ("$", "%"):
            if name == "%":
                self.emit("op", "%")
            else:
                self.space = True
        elif name in CMD_BRACKETS:
            kind, value = CMD_BRACKETS[name]
            self.depth += 1 if kind == "open" else -1
            self.depth = max(0, self.depth)
            self.emit(kind, value)
        elif name in ("(", ")", "[", "]"):
            self.space = True  # \( \) \[ \] delimit math
        elif name in TEXTLIKE:
            return self.textlike(end)
        elif name == "mathbb":
            body, end = self.group_or_char(end)
            self.emit("cmd", "reals" if body.strip() == "R" else "set_" + body.strip())
        elif name in ("overline", "underline"):
            body, end = self.group_or_char(end)
            self.emit("text", body.strip())
        elif name in IGNORED:
            self.space = True
        elif name == "...":
            self.emit("dots", name)
        elif name in ("*", "/", "le", "ge", "ne", "<", ">"):
            self.emit("op", {"le": "<=", "ge": ">=", "ne": "!="}.get(name, name))
        elif name in ("less", "greater"):
            self.emit("op", "<" if name == "less" else ">")
        elif name == "|":
            self.emit("op", "|")
        else:
            self.emit("cmd", name)
        return end

    def group_or_char(self, i: int) -> tuple[str, int]:
        text = self.text
        j = _BLANK.match(text, i)
        i = j.end() if j is not None else i
        if i < len(text) and text[i] == "{":
            return _braced(text, i)
        if i < len(text):
            return text[i], i + 1
        raise ParseError("a command is missing its argument")

    def textlike(self, i: int) -> int:
        body, end = self.group_or_char(i)
        content = body.strip()
        if not content:
            self.space = True
            return end
        plain = content.replace("\\ ", " ").replace("~", " ").strip()
        if plain in FUNCTIONS or plain in ("e", "i"):
            self.emit("id", plain)
        elif _LETTERS.fullmatch(plain) is None or plain.lower() in ("and", "or"):
            if any(ch.isdigit() for ch in plain) or "\\" in plain or plain in ("(", ")"):
                self.toks.extend(_Lexer(plain).run())
            elif plain.lower().strip(" ,.") in ("and", "or", ""):
                self.emit("sep", plain.lower().strip(" ,."))
            else:
                self.emit("text", plain)
        else:
            self.emit("text", plain)
        return end


def tokenize(text: str) -> list[Tok]:
    """The tokens of ``text``; raises ParseError on characters that cannot be math."""
    return _Lexer(_prepare(text)).run()


def collapse_groups(toks: list[Tok]) -> list[Tok]:
    """Drop brackets that only wrap another pair: ``((((x))))`` is ``(x)``, at any depth."""
    match: dict[int, int] = {}
    stack: list[int] = []
    for i, tok in enumerate(toks):
        if tok.kind == "open" and tok.text in ("(", "{"):
            stack.append(i)
        elif tok.kind == "close" and tok.text in (")", "}") and stack:
            match[stack.pop()] = i
    drop: set[int] = set()
    for i, j in match.items():
        inner = match.get(i + 1)
        if inner == j - 1 and toks[i].text == toks[i + 1].text:
            drop.update((i, j))
    return [t for i, t in enumerate(toks) if i not in drop] if drop else toks
