"""A pasted page as lines, cells and the numbers in them, with their positions.

Numbers are read as the SSI page prints them in any language: "12.96" or
"12,96" (a decimal comma), up to three decimals. No SSI figure reaches 1000,
so "21,048" is 21.048, never twenty-one thousand; longer numbers ("2026",
"1.234.567") are not SSI figures and are not read at all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

NUMBER = r"(?<![\d.,])\d{1,3}(?:[.,]\d{1,3})?(?![\d]|[.,]\d)"
_NUMBER_RE = re.compile(NUMBER)
# "Top 5%", "5 %", "%5" (as Turkish writes it); only whole numbers are ranks.
_PERCENT_RE = re.compile(r"(?<![\d.,])(?P<a>\d{1,3})[ \t]?%|(?<!\d)(?<!\d[ \t])%[ \t]?(?P<b>\d{1,3})(?![\d.,])")
# What separates a label from its figure on one line, or two cells.
SEPARATORS = " \t:|\u2013\u2014=-"
CELL_BREAK = re.compile(r"[|\t]")


@dataclass(frozen=True)
class Number:
    start: int
    end: int
    text: str
    line: int

    @property
    def value(self) -> Decimal:
        return Decimal(self.text.replace(",", "."))

    @property
    def plain(self) -> str:
        """As the entry form holds it: a "." decimal, digits as printed."""
        return self.text.replace(",", ".")


@dataclass(frozen=True)
class Percent:
    start: int
    end: int
    value: int
    line: int


def normalise(text: str) -> str:
    """One form for what browsers and languages vary: NFKC (full-width digits
    and "％"), every kind of space as a space, every line end as "\\n", other
    scripts' decimal digits as ASCII, and a lone "%" line joined to the
    number above it (LinkedIn splits "65" and "%" into two elements)."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[^\S\n\t]", " ", text)
    return re.sub(r"(\d)[ \t]*\n[ \t\n]*%", r"\1%", text)


class Page:
    def __init__(self, text: str):
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.lines = text.split("\n")
        self.percents = [
            Percent(m.start(), m.end(), int(m.group("a") or m.group("b")), self.line_of(m.start()))
            for m in _PERCENT_RE.finditer(text)
        ]
        taken = {pos for p in self.percents for pos in range(p.start, p.end)}
        self.numbers = [
            Number(m.start(), m.end(), m.group(), self.line_of(m.start()))
            for m in _NUMBER_RE.finditer(text)
            if m.start() not in taken
        ]
        self._by_start = {n.start: n for n in self.numbers}
        self._by_end = {n.end: n for n in self.numbers}

    def line_of(self, pos: int) -> int:
        low, high = 0, len(self.line_starts) - 1
        while low < high:
            mid = (low + high + 1) // 2
            if self.line_starts[mid] <= pos:
                low = mid
            else:
                high = mid - 1
        return low

    def line_span(self, line: int) -> tuple[int, int]:
        start = self.line_starts[line]
        return start, start + len(self.lines[line])

    def number_at(self, pos: int) -> Number | None:
        return self._by_start.get(pos)

    def number_ending_at(self, pos: int) -> Number | None:
        return self._by_end.get(pos)

    def nearby_line(self, line: int, step: int) -> int | None:
        """The next non-blank line above (step -1) or below (step 1)."""
        line += step
        while 0 <= line < len(self.lines):
            if self.lines[line].strip():
                return line
            line += step
        return None

    def after(self, pos: int, end: int) -> str:
        """The text from ``pos`` to ``end`` (a line's end), as far as a cell
        needs looking into; a cut-off tail ends in "\0", so it never reads as
        the end of the line."""
        return self.text[pos:min(end, pos + _LOOK)] + ("\0" if end > pos + _LOOK else "")

    def before(self, start: int, pos: int) -> str:
        return ("\0" if pos - start > _LOOK else "") + self.text[max(start, pos - _LOOK):pos]

    def lone_number(self, line: int | None) -> Number | None:
        """The number a line holds and nothing else (but "/ 25", "out of 25")."""
        if line is None:
            return None
        start, end = self.line_span(line)
        head = self.after(start, end)
        number = self.number_at(start + len(head) - len(head.lstrip(SEPARATORS)))
        if number and ends_cell(self.after(number.end, end)):
            return number
        return None

    def standalone(self, number: Number) -> bool:
        """A number that is a cell of its own side: at a cell's start or end,
        not inside a sentence ("it takes 5 minutes")."""
        start, end = self.line_span(number.line)
        before = self.before(start, number.start).rstrip(" ")
        return before == "" or before[-1] in SEPARATORS or ends_cell(self.after(number.end, end))


# How far around a number or a label its cell is looked into.
_LOOK = 60
_DENOMINATOR = re.compile(r"[ \t]*(?:/|[^\W\d_]{1,8}(?:[ \t]+[^\W\d_]{1,8})?)[ \t]*25(?![\d.,])")


def ends_cell(after: str) -> bool:
    """What follows a number closes its cell: the line's end, a separator,
    or a "/ 25" / "out of 25" / "из 25" that a pillar score may carry."""
    return after.strip(" ") == "" or after.lstrip(" ")[:1] in ("|", "\t") or bool(_DENOMINATOR.match(after))


def denominator(page: Page, number: Number) -> bool:
    """The "25" of "12.96 out of 25" or the "100" of "43 / 100": part of the
    figure before it, not a figure of its own."""
    if number.text not in ("25", "100"):
        return False
    start, _ = page.line_span(number.line)
    before = page.before(start, number.start)
    return bool(re.search(NUMBER + r"[ \t]*(?:/|[^\W\d_]{1,8}(?:[ \t]+[^\W\d_]{1,8})?)[ \t]*$", before))
