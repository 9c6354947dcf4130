"""IFBench's one-off prompts (``custom:*``, ``count:person_names``); see :mod:`.ifbench_rules`.

The facts a prompt asks for (Europe's northern capitals, the multiples of 7, the 50 names to
choose from) are written here, as they are written in IFBench's checkers. Where IFBench's
checker has a bug that decides against its instruction, the docstring says how it differs.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import string
import unicodedata
from collections.abc import Mapping
from typing import Any

from graders.checks.ifeval.table import Param, instruction
from graders.checks.ifeval.text import TextView, rule_sentences

__all__: list[str] = []

Kw = Mapping[str, Any]
Verdict = tuple[bool, str]
_P = string.punctuation
_NO_PUNCT = str.maketrans("", "", _P)


def _ascii(text: str) -> str:
    """Accents dropped (``São Tomé`` -> ``Sao Tome``): NFKD, then only the ASCII characters."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


@instruction("custom:character_reverse")
def _character_reverse(view: TextView, kw: Kw) -> Verdict:
    """The answer "bald eagle" written backwards letter by letter."""
    ok = "elgae dlab" in view.lower
    return ok, "contains 'elgae dlab'" if ok else "no 'elgae dlab'"


@instruction("custom:word_reverse")
def _word_reverse(view: TextView, kw: Kw) -> Verdict:
    """The answer "bald eagle" in one sentence written with its words in reverse order: the
    words read backwards (ASCII punctuation removed, any case) contain "bald eagle" and form
    one sentence."""
    words = view.lower.translate(_NO_PUNCT).split()
    forward = " ".join(reversed(words))
    if "bald eagle" not in forward:
        return False, "read backwards, no 'bald eagle'"
    ok = forward in rule_sentences(forward)
    return ok, "one sentence in reverse word order" if ok else "not one sentence"


_MULTIPLES = [str(n) for n in range(14, 51, 7)]


@instruction("custom:multiples")
def _multiples(view: TextView, kw: Kw) -> Verdict:
    """Exactly the multiples of 7 from 10 to 50, in order, and no other numbers."""
    numbers = re.findall(r"\d+", view.text)
    return numbers == _MULTIPLES, f"numbers {numbers[:8]}; needs {_MULTIPLES}"


_CAPITALS_NORTH_OF_45 = [
    "Reykjavik",
    "Helsinki",
    "Oslo",
    "Tallinn",
    "Stockholm",
    "Riga",
    "Moscow",
    "Copenhagen",
    "Vilnius",
    "Minsk",
    "Dublin",
    "Berlin",
    "Amsterdam",
    "Warsaw",
    "London",
    "Brussels",
    "Prague",
    "Luxembourg",
    "Paris",
    "Vienna",
    "Bratislava",
    "Budapest",
    "Vaduz",
    "Chisinau",
    "Bern",
    "Ljubljana",
    "Zagreb",
]


@instruction("custom:european_capitals_sort")
def _european_capitals(view: TextView, kw: Kw) -> Verdict:
    """The 27 European capitals north of 45°, comma-separated, northernmost first (accents
    ignored, names as IFBench spells them, nothing else)."""
    names = [name.strip() for name in _ascii(view.text).split(",") if name.strip()]
    if len(names) != len(_CAPITALS_NORTH_OF_45):
        return False, f"{len(names)} names; needs {len(_CAPITALS_NORTH_OF_45)}"
    for i, (name, wanted) in enumerate(zip(names, _CAPITALS_NORTH_OF_45, strict=True), start=1):
        if name != wanted:
            return False, f"name {i} is {name[:30]!r}; needs {wanted!r}"
    return True, "every capital in order"


@instruction("custom:reverse_newline")
def _reverse_newline(view: TextView, kw: Kw) -> Verdict:
    """Africa's countries one per line in reverse alphabetical order: from the first line naming
    Zimbabwe, at least 52 lines (blank ones and edge punctuation ignored), sorted Z to A with
    accents ignored."""
    lines = [line.strip(_P + " ") for line in view.text.split("\n")]
    lines = [line for line in lines if line]
    start = next((i for i, line in enumerate(lines) if "Zimbabwe" in line), None)
    if start is None:
        return False, "no line names Zimbabwe"
    names = [_ascii(line) for line in lines[start:]]
    if len(names) < 52:
        return False, f"{len(names)} lines from Zimbabwe on; needs at least 52"
    ok = names == sorted(names, reverse=True)
    return ok, f"{len(names)} lines {'in' if ok else 'not in'} reverse alphabetical order"


@instruction("custom:sentence_alphabet")
def _sentence_alphabet(view: TextView, kw: Kw) -> Verdict:
    """26 sentences whose first words start with a, b, c, ... z in turn (any case)."""
    sentences = view.rule_sentences
    if len(sentences) != 26:
        return False, f"{len(sentences)} sentences; needs 26"
    for i, sentence in enumerate(sentences):
        letter = chr(ord("a") + i)
        if not sentence.lower().startswith(letter):
            return False, f"sentence {i + 1} {sentence[:30]!r} should start with {letter!r}"
    return True, "26 sentences from a to z"


_QUESTION = re.compile(r"\n*Question \d+[.|):;]?\s*")
_OPTION = re.compile(r"[A-Ea-e][.|)]\s*\w")


@instruction("custom:mcq_count_length")
def _multiple_choice(view: TextView, kw: Kw) -> Verdict:
    """Four questions, each starting "Question N" with five options (``A.`` / ``a)`` ... ``E``),
    each question's text longer than the one before, and nothing before the first question."""
    text = view.text
    if not text.startswith("Question"):
        return False, "does not start with 'Question'"
    questions = [q.strip() for q in _QUESTION.split(text) if q.strip()]
    if len(questions) != 4:
        return False, f"{len(questions)} questions; needs 4"
    lengths = []
    for number, question in enumerate(questions, start=1):
        stem, options = [], 0
        for line in question.split("\n"):
            line = line.strip()
            if _OPTION.match(line):
                options += 1
            elif not options:
                stem.append(line)
        if options != 5:
            return False, f"question {number} has {options} options; needs 5"
        lengths.append(len(" ".join(stem).strip()))
    ok = all(a < b for a, b in itertools.pairwise(lengths))
    return ok, f"question lengths {lengths}; each must be longer"


_YEARS = range(1769, 1822)  # Napoleon's lifetime
_MONTH_DAYS = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@instruction("custom:date_format_list")
def _date_list(view: TextView, kw: Kw) -> Verdict:
    """Comma-separated YYYY-MM-DD dates from Napoleon's lifetime (1769-1821) and nothing else.
    Month and day must exist (February up to 29); IFBench's checker also accepts month or
    day 00."""
    for piece in view.text.strip().split(","):
        piece = piece.strip()
        match = _DATE.fullmatch(piece)
        if match is None:
            return False, f"{piece[:20]!r} is not YYYY-MM-DD"
        year, month, day = (int(part) for part in match.groups())
        if year not in _YEARS:
            return False, f"{piece}: the year is not in 1769-1821"
        if not 1 <= month <= 12 or not 1 <= day <= _MONTH_DAYS.get(month, 31):
            return False, f"{piece} is not a date"
    return True, "every date in YYYY-MM-DD"


def _csv_rows(text: str, delimiter: str = ",") -> list[list[str]] | None:
    """Rows with every double quote kept in its field (each ``"`` read as a literal ``""``
    inside quotes, as IFBench's checkers do); None when the csv module rejects the text."""
    try:
        return list(csv.reader(io.StringIO(text.replace('"', '"""')), delimiter=delimiter))
    except csv.Error:
        return None


def _header(columns: str, separator: str) -> re.Pattern[str]:
    """A header line of these columns, each bare or double-quoted."""
    return re.compile(separator.join(f'({c}|"{c}")' for c in columns.split()))


_CITY = ["ID", "Country", "City", "Year", "Count"]


@instruction("custom:csv_city")
def _csv_city(view: TextView, kw: Kw) -> Verdict:
    """Comma-separated CSV: the header ID,Country,City,Year,Count and 7 rows of 5 fields."""
    try:
        rows = list(csv.reader(io.StringIO(view.text)))
    except csv.Error as exc:
        return False, f"not CSV: {exc}"
    if len(rows) != 8:
        return False, f"{len(rows)} rows with the header; needs 8"
    if rows[0] != _CITY:
        return False, f"header {rows[0]}; needs {_CITY}"
    bad = next((i for i, row in enumerate(rows[1:], start=1) if len(row) != 5), None)
    return bad is None, "7 rows of 5 fields" if bad is None else f"row {bad} has not 5 fields"


_PRODUCT_HEADER = _header("ProductID Category Brand Price Stock", r",[ \t]*")
_SPECIAL_FIELD = re.compile(r'".*[^\d\w\s].*"')


@instruction("custom:csv_special_character")
def _csv_special(view: TextView, kw: Kw) -> Verdict:
    """Comma-separated CSV: the ProductID,Category,Brand,Price,Stock header, 14 rows of 5
    fields, and a double-quoted field holding a special character. Every row is checked;
    IFBench's checker stops at the first quoted special field."""
    if not _PRODUCT_HEADER.fullmatch(view.text.split("\n")[0].strip()):
        return False, "the first line is not the ProductID,Category,Brand,Price,Stock header"
    rows = _csv_rows(view.text)
    if rows is None or len(rows) != 15:
        return False, f"{'no' if rows is None else len(rows)} rows with the header; needs 15"
    if any(len(row) != 5 for row in rows[1:]):
        return False, "a row has not 5 fields"
    special = any(_SPECIAL_FIELD.match(field) for row in rows[1:] for field in row)
    return special, "a quoted special character" if special else "no quoted special character"


_STUDENT_HEADER = _header("StudentID Subject Grade Semester Score", "\t *")


@instruction("custom:csv_quotes")
def _csv_quotes(view: TextView, kw: Kw) -> Verdict:
    """Tab-separated CSV: the StudentID, Subject, Grade, Semester, Score header and 3 rows of
    5 fields, every field in double quotes."""
    if not _STUDENT_HEADER.fullmatch(view.text.split("\n")[0].strip()):
        return False, "the first line is not the tab-separated StudentID ... Score header"
    rows = _csv_rows(view.text, "\t")
    if rows is None or len(rows) != 4:
        return False, f"{'no' if rows is None else len(rows)} rows with the header; needs 4"
    for i, row in enumerate(rows):
        if len(row) != 5:
            return False, f"row {i} has {len(row)} fields; needs 5"
        for field in row:
            field = field.strip()
            if not (field.startswith('"') and field.endswith('"')):
                return False, f"row {i}: {field[:20]!r} is not in double quotes"
    return True, "every field quoted"


_PERSON_NAMES = [
    "Emma",
    "Liam",
    "Sophia",
    "Jackson",
    "Olivia",
    "Noah",
    "Ava",
    "Lucas",
    "Isabella",
    "Mason",
    "Mia",
    "Ethan",
    "Charlotte",
    "Alexander",
    "Amelia",
    "Benjamin",
    "Harper",
    "Leo",
    "Zoe",
    "Daniel",
    "Chloe",
    "Samuel",
    "Lily",
    "Matthew",
    "Grace",
    "Owen",
    "Abigail",
    "Gabriel",
    "Ella",
    "Jacob",
    "Scarlett",
    "Nathan",
    "Victoria",
    "Elijah",
    "Layla",
    "Nicholas",
    "Audrey",
    "David",
    "Hannah",
    "Christopher",
    "Penelope",
    "Thomas",
    "Nora",
    "Andrew",
    "Aria",
    "Joseph",
    "Claire",
    "Ryan",
    "Stella",
    "Jonathan",
]
"""The 50 names IFBench's prompt lists (it asks for names from this list)."""


@instruction("count:person_names", Param("N", "int"))
def _person_names(view: TextView, kw: Kw) -> Verdict:
    """At least N different names from IFBench's list of 50, found as written (case-sensitive
    substrings, as IFBench matches them: "Ava" is found in "Avalon")."""
    found = [name for name in _PERSON_NAMES if name in view.text]
    return len(found) >= kw["N"], f"{len(found)} listed names; needs at least {kw['N']}"
