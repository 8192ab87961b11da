"""How a file is written, before any row is read: whether it is text at all, its
encoding, its delimiter and header line, and whether its dates are day-first or
month-first; and the file's lines, read within limits that keep a hostile file
from exhausting memory."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator
from typing import BinaryIO

from django.conf import settings

from tracking.importing.headers import field_for_header
from tracking.importing.rows import ImportFileError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_LINE_CHARS = 65_536
MAX_COLUMNS = 200
# A header may sit below a few lines of title, as in some report exports.
HEADER_SEARCH_LINES = 20
HEAD_BYTES = 4 * MAX_LINE_CHARS
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def max_bytes() -> int:
    return getattr(settings, "SSI_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


class Borrowed(io.RawIOBase):
    """The caller's stream, read without being closed: a TextIOWrapper closes what it wraps."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)



def too_large_message(limit: int) -> str:
    return f"The file is larger than {limit / 1024 / 1024:g} MB, the most this server accepts."


_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook (or another zip archive)",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook",
    b"%PDF": "a PDF document",
    b"\x89PNG": "an image",
    b"\xff\xd8\xff": "an image",
    b"GIF8": "an image",
}
_BOMS_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def check_text(stream: BinaryIO) -> None:
    """Refuse at once a file that is empty or not text (a workbook, a PDF, an
    image, NUL bytes), from its first bytes, before a full parse is scheduled."""
    stream.seek(0)
    refuse_non_text(stream.read(HEAD_BYTES))
    stream.seek(0)


def refuse_non_text(head: bytes) -> None:
    if not head:
        raise ImportFileError("The file is empty.")
    for signature, kind in _SIGNATURES.items():
        if head.startswith(signature):
            raise ImportFileError(f"This is {kind}, not a CSV file: export or save it as CSV and import that.")
    if not head.startswith(_BOMS_UTF16) and b"\x00" in head:
        raise ImportFileError(
            "This is not a text file (it contains NUL bytes): export or save it as CSV and import that."
        )


def detect_encoding(stream: BinaryIO, head: bytes) -> tuple[str, str]:
    """(codec, name shown to people). A byte-order mark decides; otherwise the file
    is UTF-8 if all of it decodes as UTF-8, else Windows-1252 (Excel's "CSV")."""
    if head.startswith(_BOMS_UTF16):
        return "utf-16", "UTF-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 with BOM"
    decoder = codecs.getincrementaldecoder("utf-8")()
    stream.seek(0)
    try:
        while chunk := stream.read(1024 * 1024):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252", "Windows-1252"
    return "utf-8", "UTF-8"



# Dates: ISO (also with / or .), and day-first or month-first with a four-digit year.
YEAR_FIRST = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
YEAR_LAST = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
DAY_FIRST = "day-first"
MONTH_FIRST = "month-first"
ISO = "ISO"


def date_text(text: str) -> str:
    """The date part of a cell: spreadsheets add a time ("2026-03-05 00:00:00")."""
    text = text.strip().partition(" ")[0]
    if len(text) > 10 and text[10] == "T":
        text = text[:10]
    return text


class DateOrder:
    """Whether the file writes dates day-first or month-first, as its dates show:
    one date with a first number above 12 means day-first, a second number above
    12 means month-first. Dates that fit both leave the question open."""

    def __init__(self):
        self.day_first: str | None = None
        self.month_first: str | None = None
        self.open_question: str | None = None

    def see(self, cell: str) -> None:
        text = date_text(cell)
        match = YEAR_LAST.fullmatch(text)
        if match is None:
            return
        first, second = int(match[1]), int(match[2])
        if first > 12 >= second:
            self.day_first = self.day_first or text
        elif second > 12 >= first:
            self.month_first = self.month_first or text
        elif first <= 12 and second <= 12:
            self.open_question = self.open_question or text

    def decide(self) -> str:
        if self.day_first and self.month_first:
            raise ImportFileError(
                f"The dates mix day-first ({self.day_first}) and month-first ({self.month_first}) order: "
                "write every date as YYYY-MM-DD."
            )
        if self.day_first:
            return DAY_FIRST
        if self.month_first:
            return MONTH_FIRST
        if self.open_question:
            raise ImportFileError(
                f"Dates such as {self.open_question} could be day-first or month-first and no date in the "
                "file tells which: write the dates as YYYY-MM-DD."
            )
        return ISO


def has_text(record: list[str]) -> bool:
    return bool("".join(record).strip())


def csv_problem(error: csv.Error, line: int) -> ImportFileError:
    reason = str(error)
    if "unexpected end of data" in reason:
        return ImportFileError(f"A quoted value that starts on line {line} never ends: a closing quote is missing.")
    if "expected after" in reason:
        return ImportFileError(
            f"Line {line} has text after a closing quote: write a quote inside a quoted value as two quotes."
        )
    if "field larger than field limit" in reason:
        return ImportFileError(f"A value on line {line} is too long: is a closing quote missing?")
    return ImportFileError(f"Line {line} is not valid CSV ({reason}).")


def first_records(head: str, delimiter: str) -> Iterator[list[str]]:
    """The first records of ``head``, up to any that is not valid CSV."""
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
    try:
        yield from itertools.islice(reader, HEADER_SEARCH_LINES)
    except csv.Error:
        return


def bounded_lines(text: io.TextIOBase) -> Iterator[str]:
    """The file's physical lines, refusing an enormous line before it is read whole."""
    for number in itertools.count(1):
        line = text.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        if len(line) > MAX_LINE_CHARS:
            raise ImportFileError(
                f"Line {number} is longer than {MAX_LINE_CHARS:,} characters: this is not an SSI file."
            )
        if "\x00" in line:
            raise ImportFileError(
                f"Line {number} contains a NUL character: this is not a plain text file; export it again as CSV."
            )
        yield line





def find_header(head: str, complete: bool, *, needs_email: bool = True) -> tuple[str, int, list[str]]:
    """(delimiter, line, cells) of the header: among the first lines, the one
    naming the most known columns, Email among them unless ``needs_email`` is
    off (a file about one person), for the delimiter that reads it best."""
    for number, line in enumerate(io.StringIO(head, newline=""), 1):
        if len(line) > MAX_LINE_CHARS:
            raise ImportFileError(
                f"Line {number} is longer than {MAX_LINE_CHARS:,} characters: this is not an SSI file."
            )
    if not complete:
        # Only whole lines: the head may end in the middle of one.
        head = head[: max(head.rfind("\n"), head.rfind("\r")) + 1]
    best: tuple[int, str, int, list[str]] | None = None
    most_known: set[str] = set()
    for delimiter in DELIMITERS:
        for line, cells in enumerate(first_records(head, delimiter), 1):
            if len(cells) > MAX_COLUMNS:
                raise ImportFileError(
                    f"Line {line} has {len(cells):,} columns; an SSI file has at most {MAX_COLUMNS}."
                )
            known = {field_for_header(cell) for cell in cells} - {None}
            if len(known) > len(most_known):
                most_known = known
            candidate = "email" in known or (not needs_email and _names_a_history(known))
            if candidate and (best is None or len(known) > best[0]):
                best = (len(known), delimiter, line, cells)
    if best is None:
        if most_known:
            raise ImportFileError("This is not an SSI file: it has no Email column.")
        raise ImportFileError(
            "This is not an SSI file: no line names its columns (such as Email, Date and SSI)."
        )
    return best[1], best[2], best[3]


def _names_a_history(known: set[str]) -> bool:
    """Columns a personal history has: a date, and a total or a pillar."""
    return bool(known & {"date", "period_end"}) and bool(known & {"ssi", "brand", "people", "insights", "relationships"})
