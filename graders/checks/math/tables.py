"""Lookup tables of the lexer: names, aliases, Unicode replacements, ignorable commands."""

from __future__ import annotations

import re

__all__ = [
    "ALIASES",
    "CLOSE",
    "CLOSERS",
    "CMD_BRACKETS",
    "FUNCTIONS",
    "GREEK",
    "IGNORED",
    "MATRICES",
    "OPEN",
    "SPACING",
    "SUPERSCRIPTS",
    "SUPER_RUN",
    "TEXTLIKE",
    "UNICODE",
    "VULGAR",
    "WORD_IDS",
]


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


FUNCTIONS = _names(
    "sin cos tan sec csc cot arcsin arccos arctan arcsec arccsc arccot sinh cosh tanh log "
    "ln lg exp sqrt"
)
"""Function names read as functions, with or without a backslash."""

GREEK = _names(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu "
    "nu xi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Sigma "
    "Phi Psi Omega Upsilon"
)

WORD_IDS = {"pi": "pi", "infinity": "infty", "inf": "infty", "infty": "infty"}

UNICODE = str.maketrans(
    {
        "\u2212": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\ufe63": "-",
        "\uff0d": "-",
        "\uff0b": "+",
        "\u00d7": r"\times ",
        "\u22c5": r"\cdot ",
        "\u00b7": r"\cdot ",
        "\u2217": "*",
        "\u00f7": "/",
        "\u2215": "/",
        "\u2044": "/",
        "\u2264": r"\le ",
        "\u2265": r"\ge ",
        "\u2a7d": r"\le ",
        "\u2a7e": r"\ge ",
        "\u2260": r"\ne ",
        "\u2248": r"\approx ",
        "\u221e": r"\infty ",
        "\u03c0": r"\pi ",
        "\u221a": r"\usqrt ",
        "\u222a": r"\cup ",
        "\u2229": r"\cap ",
        "\u2205": r"\emptyset ",
        "\u211d": r"\mathbb{R}",
        "\u00b1": r"\pm ",
        "\u2213": r"\mp ",
        "\u2208": r"\in ",
        "\u00b0": r"^\circ ",
        "\u00a2": r"\text{cents}",
        "\u20ac": "",
        "\u00a3": "",
        "\u00a5": "",
        "\u20b9": "",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2026": "...",
        "\u27e8": r"\langle ",
        "\u27e9": r"\rangle ",
        "\uff08": "(",
        "\uff09": ")",
        "\uff0c": ",",
        "\u3001": ",",
        "\uff1a": ":",
    }
)
SUPERSCRIPTS = {"\u00b2": "2", "\u00b3": "3", "\u00b9": "1", "\u2070": "0"}
SUPERSCRIPTS.update({chr(0x2070 + d): str(d) for d in range(4, 10)})
SUPER_RUN = re.compile(r"(\u207b?)([\u00b2\u00b3\u00b9\u2070\u2074-\u2079]+)")
VULGAR = re.compile(r"[\u00bc-\u00be\u2150-\u215e]")

# commands with no meaning for the value
IGNORED = _names(
    "left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr middle "
    "displaystyle textstyle scriptstyle limits nolimits mathbf boldsymbol bm mathit "
    "mathnormal boxed fbox mathcal mathscr vec hat tilde bar nonumber notag hline quad "
    "qquad cr strut phantom hphantom vphantom color"
)
SPACING = frozenset(",;:! >")
TEXTLIKE = _names(
    "text textbf textit textrm textsf texttt textnormal mathrm mathsf mathtt mbox hbox "
    "operatorname emph textup"
)
ALIASES = {
    "dfrac": "frac",
    "tfrac": "frac",
    "cfrac": "frac",
    "dbinom": "binom",
    "tbinom": "binom",
    "leq": "le",
    "leqslant": "le",
    "lt": "less",
    "geq": "ge",
    "geqslant": "ge",
    "gt": "greater",
    "neq": "ne",
    "varnothing": "emptyset",
    "infinity": "infty",
    "cdot": "*",
    "times": "*",
    "ast": "*",
    "div": "/",
    "over": "/",
    "ldots": "...",
    "cdots": "...",
    "dots": "...",
    "dotsc": "...",
    "vdots": "...",
    "lvert": "|",
    "rvert": "|",
    "vert": "|",
    "mid": "|",
    "R": "reals",
    "backslash": "setminus",
    "lbrace": "{",
    "rbrace": "}",
    "lbrack": "[",
    "rbrack": "]",
    "land": "and",
    "wedge": "and",
    "lor": "or",
    "vee": "or",
    "degree": "circ",
    "simeq": "approx",
    "thickapprox": "approx",
}
OPEN = {"(": "(", "[": "[", "{": "{"}
CLOSE = {")": ")", "]": "]", "}": "}"}
CMD_BRACKETS = {
    "{": ("open", "set{"),
    "}": ("close", "set}"),
    "langle": ("open", "<<"),
    "rangle": ("close", ">>"),
    "lfloor": ("open", "floor"),
    "rfloor": ("close", "floor"),
    "lceil": ("open", "ceil"),
    "rceil": ("close", "ceil"),
}
MATRICES = frozenset(["pmatrix", "bmatrix", "Bmatrix", "matrix", "smallmatrix", "array"])
CLOSERS = {"(": ")", "[": "]", "{": "}", "set{": "set}", "<<": ">>"}
