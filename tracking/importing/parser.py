"""Read an SSI file into validated rows: one parser for the import command, the
web upload and the API.

Three formats are recognised:

- ``daily``: one row per person per day (the export format, and what people keep
  in spreadsheets), with or without activity columns;
- ``sales_navigator``: a usage report, one row per seat for a period, with SSI,
  pillars and activity totals for the period. The snapshot date is the file's
  date column if it has one, else the as-of date, else the period's end; the
  activity totals belong to the period and are never split into days;
- ``linkedin_json``: the raw JSON LinkedIn's SSI page loads, for one person.

Files are streamed, never held whole: a CSV file is read three times (bytes, to
settle the encoding; a scan, for the limits, the row count and the date order,
which only the whole file can decide, keeping on the way the distinct emails and
dates for the writer; then the rows), so memory stays flat however many rows
there are.

The rows reach the writer as ``Row`` objects (``rows()``) or as ready
PostgreSQL COPY text (``copy_text()``, ``snapshot_copy_text()``), the latter
through a shortcut for plainly valid per-day rows that never decides alone:
any other row goes through the same checks as ``rows()``.

Line numbers are the ones a spreadsheet shows: the header is line 1 and every
record is one line, blank ones included. A quoted value holding a line break
stays in its record's line, as in Excel or LibreOffice; only a text editor would
count it twice.

Every value is checked by ``tracking.rules``, so a row is refused with the same
sentence the entry form and the API use.
"""

from __future__ import annotations

import abc
import codecs
import csv
import datetime as dt
import io
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from tracking import rules

DAILY = "daily"
SALES_NAVIGATOR = "sales_navigator"
LINKEDIN_JSON = "linkedin_json"

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_LINE_CHARS = 65_536
MAX_COLUMNS = 200
MAX_JSON_BYTES = 1024 * 1024
# Rejections kept for the report; the count of rejected lines is always exact.
MAX_REPORTED = 1000
# A header may sit below a few lines of title, as in some report exports.
HEADER_SEARCH_LINES = 20
_HEAD_BYTES = 4 * MAX_LINE_CHARS
# Files repeat values (the same pillar score, date or email on many rows), so
# each conversion is remembered, up to this many distinct texts per column.
_CACHE_LIMIT = 20_000
# Distinct emails and dates the first read of a file keeps for the writer.
_SCAN_KEEP = 100_000

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SCORE_FIELDS = ("ssi", *rules.PILLARS, "industry_rank", "network_rank", "industry_avg", "network_avg")
RANK_FIELDS = ("industry_rank", "network_rank")
TEXT_FIELDS = ("email", "name", "first_name", "last_name")
DATE_FIELDS = ("date", "period_start", "period_end")

LABELS = {
    **rules.LABELS,
    "name": "Name",
    "first_name": "First name",
    "last_name": "Last name",
    "period_start": "Period start",
    "period_end": "Period end",
}

# Besides each field's own name and label, the names exports and people use.
COLUMN_ALIASES = {
    "email": ("E-mail", "Email address", "Work email", "User email", "Member email", "Seat holder email"),
    "name": ("Full name", "Member name", "Seat holder", "Seat holder name", "Display name"),
    "first_name": ("Given name",),
    "last_name": ("Surname", "Family name"),
    "date": ("Snapshot date", "Day", "SSI date", "As of", "As of date", "Report date"),
    "period_start": ("Start date", "From", "From date", "Date from", "Report start date", "Period from"),
    "period_end": ("End date", "To", "To date", "Date to", "Through", "Report end date", "Period to"),
    "ssi": ("Social Selling Index", "SSI score", "Total", "Total SSI", "SSI total", "Overall", "Overall SSI",
            "Current SSI"),
    "brand": ("Establish professional brand", "Professional brand", "Brand"),
    "people": ("Find right people", "Find people", "People"),
    "insights": ("Engage with insight", "Insight engagement", "Insights"),
    "relationships": ("Build strong relationships", "Build relationship", "Strong relationships", "Relationships"),
    "industry_rank": ("Industry SSI rank", "Industry rank (top %)", "Rank in industry", "Industry ranking"),
    "network_rank": ("Network SSI rank", "Network rank (top %)", "Rank in network", "Network ranking"),
    "industry_avg": ("Industry average", "Industry avg", "Industry SSI average", "Industry SSI"),
    "network_avg": ("Network average", "Network avg", "Network SSI average", "Network SSI"),
    "posts": ("Posts", "Posts published", "Articles"),
    "reactions": ("Likes",),
    "shares": ("Reshares",),
    "connection_requests": ("Connection requests", "Invitations sent"),
    "connections_accepted": ("Accepted connections", "Invitations accepted"),
    "messages_sent": ("Messages",),
    "inmails_sent": ("InMails", "InMail sent"),
    "inmail_replies": ("InMails replied", "InMail replied", "InMail responses"),
    "profile_views": ("Profiles viewed",),
    "searches": ("Searches performed", "People searches"),
    "leads_saved": ("Saved leads",),
    "accounts_saved": ("Saved accounts",),
    "days_active": ("Active days",),
}


def normalise_header(text: str) -> str:
    """"E-mail address " → "emailaddress": headers match whatever their case,
    spaces or punctuation."""
    return re.sub(r"[\W_]+", "", text.casefold())


def _alias_table() -> dict[str, str]:
    table = {}
    for field_name in (*TEXT_FIELDS, *DATE_FIELDS, *SCORE_FIELDS, *rules.ACTIVITY_FIELDS):
        for name in (field_name, LABELS[field_name], *COLUMN_ALIASES.get(field_name, ())):
            table[normalise_header(name)] = field_name
    return table


_ALIASES = _alias_table()


def field_for_header(text: str) -> str | None:
    """The field a column holds, or None. "SSI – Brand" style prefixes are allowed."""
    key = normalise_header(text)
    field_name = _ALIASES.get(key)
    if field_name is None and key.startswith("ssi") and len(key) > 3:
        field_name = _ALIASES.get(key[3:])
    return field_name


# Refuses a file that an as-of date would make importable (the web form offers one).
NO_DATE_COLUMN = "The file has no Date column: give the date its scores were taken (the as-of date)."


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``str(err)`` is one line saying why."""


def _plain_scores(pillars, record: list[str]) -> list | None:
    """The shortcut's look at a row's total and four pillars: each cell's memo
    entry (integer thousandths, COPY text) when together they are plainly valid
    (a total given, and all four pillars or none; with them, a total within a
    point of their sum); else None, and the full checks have the row."""
    cells = [memo[record[position]] for position, memo in pillars]
    if None in cells:
        return None
    (ssi, _), (brand, _), (people, _), (insights, _), (relationships, _) = cells
    if ssi is None:
        return None
    if brand is None:
        plain = people is None and insights is None and relationships is None
    else:
        plain = (people is not None and insights is not None and relationships is not None
                 and abs(ssi - brand - people - insights - relationships) <= 1000)
    return cells if plain else None

class NotPlain(Exception):
    """A row the writer's direct path cannot take as it is; the full path reads the file instead."""


@dataclass(slots=True)
class Row:
    """One valid record. ``scores`` is None for a seat with activity but no SSI;
    ``counts`` is None when the record has no activity."""

    line: int
    email: str
    date: dt.date
    scores: rules.Scores | None
    counts: dict[str, int | None] | None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    name: str = ""


# Valid rows handed to the writer per chunk of COPY text, and kept for a preview.
COPY_CHUNK_ROWS = 2000
SAMPLE_ROWS = 10
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def copy_value(value) -> str:
    """A value as PostgreSQL's COPY text format writes it."""
    if value is None:
        return NULL
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def copy_line(row: Row, scores: tuple[str, ...], counts: tuple[str, ...]) -> str:
    """``row`` as one line of COPY text, in the columns ``ParsedFile.copy_text`` names."""
    values = [row.line, row.email, row.name, row.date, row.period_start, row.period_end, row.counts is not None]
    values += [getattr(row.scores, f) for f in scores] if row.scores is not None else [None] * len(scores)
    values += [row.counts[f] for f in counts] if row.counts is not None else [None] * len(counts)
    return "\t".join(map(copy_value, values)) + "\n"


def latest_today() -> dt.date:
    """The latest date anywhere on Earth (UTC+14): a date after it is in the future
    for everyone. The writer then checks each person's own today."""
    return timezone.now().astimezone(dt.timezone(dt.timedelta(hours=14))).date()


def max_bytes() -> int:
    return getattr(settings, "SSI_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def parse(
    stream: BinaryIO,
    *,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    email: str | None = None,
) -> ParsedFile:
    """Recognise the file in ``stream`` (binary and seekable: it is read from its
    start more than once) and prepare its rows; raises ImportFileError when it
    cannot be imported at all.

    ``as_of`` dates a usage report's scores when the file has no date column;
    ``today`` is the last allowed date (default: the latest date on Earth) and
    the date of a LinkedIn JSON paste without ``as_of``; ``email`` is the person a
    LinkedIn JSON paste belongs to (the JSON itself does not say).
    """
    today = today or latest_today()
    if as_of is not None and as_of > today:
        raise ImportFileError("The as-of date cannot be in the future.")
    if as_of is not None and as_of < rules.FIRST_DATE:
        raise ImportFileError(rules.DATE_TOO_EARLY)
    limit = max_bytes()
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    if size > limit:
        raise ImportFileError(too_large_message(limit))
    stream.seek(0)
    head = stream.read(_HEAD_BYTES)
    _refuse_non_text(head)
    codec, encoding = _detect_encoding(stream, head)
    head_text = head.decode(codec, errors="replace")
    if not head_text.strip():
        raise ImportFileError("The file is empty.")
    if head_text.lstrip()[:1] in ("{", "["):
        return LinkedInJson.read(stream, size, codec, encoding, as_of=as_of, today=today, email=email)
    return CsvFile(stream, codec, encoding, head_text, complete=len(head) == size, as_of=as_of, today=today)


class ParsedFile(abc.ABC):
    """What the parser found: the format and how the file was read, warnings, and
    the rows. Rejections accumulate while ``rows()`` is iterated."""

    format: str
    encoding: str
    delimiter: str | None = None
    date_order: str | None = None

    def __init__(self):
        # The score and activity fields the file gives; the writer updates only these.
        self.fields: frozenset[str] = frozenset()
        self.warnings: list[str] = []
        self.rejected: list[dict] = []
        self.rejected_lines = 0
        # Records read so far (valid or rejected; blank lines and empty seats aside).
        self.records = 0
        # Records in the whole file, known before the rows are read (for progress).
        self.total_records = 0

    @abc.abstractmethod
    def rows(self) -> Iterator[Row]:
        """The valid rows, in file order; each invalid one is recorded in ``rejected``."""

    def copy_text(
        self, scores: tuple[str, ...], counts: tuple[str, ...], sample: list[Row] | None = None,
    ) -> Iterator[str]:
        """The valid rows as PostgreSQL COPY text (one line per row: line, email,
        name, date, period_start, period_end, has_activity, then ``scores`` and
        ``counts``), a chunk of lines at a time; the first valid rows are passed
        into ``sample`` on the way. The same rows, checks and rejections as ``rows()``."""
        lines = []
        for row in self.rows():
            if sample is not None and len(sample) < SAMPLE_ROWS:
                sample.append(row)
            lines.append(copy_line(row, scores, counts))
            if len(lines) == COPY_CHUNK_ROWS:
                yield "".join(lines)
                lines = []
        if lines:
            yield "".join(lines)

    def restart(self) -> None:
        """Forget what reading the rows found, to read them again from the start."""
        self.rejected = []
        self.rejected_lines = 0
        self.records = 0

    def reject(self, line: int, errors: list[rules.RuleError]) -> None:
        self.rejected_lines += 1
        for error in errors:
            if len(self.rejected) < MAX_REPORTED:
                self.rejected.append({"line": line, "field": error.field, "message": error.message})


class _Borrowed(io.RawIOBase):
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
    _refuse_non_text(stream.read(_HEAD_BYTES))
    stream.seek(0)


def _refuse_non_text(head: bytes) -> None:
    if not head:
        raise ImportFileError("The file is empty.")
    for signature, kind in _SIGNATURES.items():
        if head.startswith(signature):
            raise ImportFileError(f"This is {kind}, not a CSV file: export or save it as CSV and import that.")
    if not head.startswith(_BOMS_UTF16) and b"\x00" in head:
        raise ImportFileError(
            "This is not a text file (it contains NUL bytes): export or save it as CSV and import that."
        )


def _detect_encoding(stream: BinaryIO, head: bytes) -> tuple[str, str]:
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
_YEAR_FIRST = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_YEAR_LAST = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
DAY_FIRST = "day-first"
MONTH_FIRST = "month-first"
ISO = "ISO"


def _date_text(text: str) -> str:
    """The date part of a cell: spreadsheets add a time ("2026-03-05 00:00:00")."""
    text = text.strip().partition(" ")[0]
    if len(text) > 10 and text[10] == "T":
        text = text[:10]
    return text


class _DateOrder:
    """Whether the file writes dates day-first or month-first, as its dates show:
    one date with a first number above 12 means day-first, a second number above
    12 means month-first. Dates that fit both leave the question open."""

    def __init__(self):
        self.day_first: str | None = None
        self.month_first: str | None = None
        self.open_question: str | None = None

    def see(self, cell: str) -> None:
        text = _date_text(cell)
        match = _YEAR_LAST.fullmatch(text)
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


def _unneutralise(text: str) -> str:
    """Exports put a quote before text a spreadsheet would run as a formula; take it off again."""
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return text[1:]
    return text


def _has_text(record: list[str]) -> bool:
    return bool("".join(record).strip())


def _csv_problem(error: csv.Error, line: int) -> ImportFileError:
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


def _first_records(head: str, delimiter: str) -> Iterator[list[str]]:
    """The first records of ``head``, up to any that is not valid CSV."""
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
    try:
        yield from itertools.islice(reader, HEADER_SEARCH_LINES)
    except csv.Error:
        return


def _bounded_lines(text: io.TextIOBase) -> Iterator[str]:
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


class CsvFile(ParsedFile):
    """A per-day file or a Sales Navigator usage report."""

    def __init__(
        self, stream: BinaryIO, codec: str, encoding: str, head: str, *, complete: bool,
        as_of: dt.date | None, today: dt.date,
    ):
        super().__init__()
        self._stream = stream
        self._codec = codec
        self.encoding = encoding
        self.as_of = as_of
        self.today = today
        self._skipped_seats: list[int] = []
        self._skipped_count = 0
        self.delimiter, self.header_line, header = self._find_header(head, complete)
        self._map_columns(header)
        self._scan()
        self._prepare_converters()
        self._warnings_before_rows = list(self.warnings)

    def restart(self) -> None:
        """Forget what reading the rows found, to read them again from the start."""
        super().restart()
        self.warnings = list(self._warnings_before_rows)
        self._skipped_seats = []
        self._skipped_count = 0

    # -- reading the file -------------------------------------------------

    def _open(self) -> io.TextIOWrapper:
        self._stream.seek(0)
        raw = io.BufferedReader(_Borrowed(self._stream), 1024 * 1024)
        return io.TextIOWrapper(raw, encoding=self._codec, errors="replace", newline="")

    def _reader(self, lines) -> Iterator[list[str]]:
        # strict: a quote left open must be an error, not a value that swallows the rest of the file.
        return csv.reader(lines, delimiter=self.delimiter, strict=True)

    @staticmethod
    def _find_header(head: str, complete: bool) -> tuple[str, int, list[str]]:
        """(delimiter, line, cells) of the header: among the first lines, the one
        naming the most known columns, Email among them, for the delimiter that
        reads it best."""
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
            for line, cells in enumerate(_first_records(head, delimiter), 1):
                if len(cells) > MAX_COLUMNS:
                    raise ImportFileError(
                        f"Line {line} has {len(cells):,} columns; an SSI file has at most {MAX_COLUMNS}."
                    )
                known = {field_for_header(cell) for cell in cells} - {None}
                if len(known) > len(most_known):
                    most_known = known
                if "email" in known and (best is None or len(known) > best[0]):
                    best = (len(known), delimiter, line, cells)
        if best is None:
            if most_known:
                raise ImportFileError("This is not an SSI file: it has no Email column.")
            raise ImportFileError(
                "This is not an SSI file: no line names its columns (such as Email, Date and SSI)."
            )
        return best[1], best[2], best[3]

    def _map_columns(self, header: list[str]) -> None:
        self.width = len(header)
        index: dict[str, int] = {}
        unknown = []
        for position, cell in enumerate(header):
            field_name = field_for_header(cell)
            if field_name is None:
                if cell.strip():
                    unknown.append(cell.strip())
                continue
            if field_name in index:
                raise ImportFileError(
                    f"The columns “{header[index[field_name]].strip()}” and “{cell.strip()}” both give "
                    f"{LABELS[field_name]}: keep one of them."
                )
            index[field_name] = position
        self._require_columns(index)
        has_period = "period_start" in index
        self.format = DAILY if "date" in index and not has_period else SALES_NAVIGATOR
        counts = [f for f in rules.ACTIVITY_FIELDS if f in index]
        if counts and self.format == SALES_NAVIGATOR and not has_period:
            self.warnings.append(
                "Activity totals are ignored: the file has no period columns (period start and end), and a "
                "period's totals are never split into days."
            )
            for field_name in counts:
                del index[field_name]
        if unknown:
            shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
            self.warnings.append(f"Ignored columns: {shown}.")
        if self.header_line > 1:
            above = "Line 1 is" if self.header_line == 2 else f"Lines 1–{self.header_line - 1} are"
            self.warnings.append(f"{above} above the header and {'was' if self.header_line == 2 else 'were'} ignored.")
        self._index = index
        self.fields = frozenset(f for f in index if f in SCORE_FIELDS or f in rules.ACTIVITY_FIELDS)

    def _require_columns(self, index: dict[str, int]) -> None:
        if "ssi" not in index:
            missing = [p for p in rules.PILLARS if p not in index]
            if len(missing) == len(rules.PILLARS):
                raise ImportFileError("This is not an SSI file: it has no SSI column and no pillar columns.")
            if missing:
                raise ImportFileError(
                    "The file has no SSI column and lacks the pillar columns "
                    + ", ".join(LABELS[p] for p in missing)
                    + ": give the SSI or all four pillars."
                )
        if ("period_start" in index) != ("period_end" in index):
            present, absent = ("period_start", "period_end") if "period_start" in index else ("period_end", "period_start")
            raise ImportFileError(f"The file has a {LABELS[present]} column but no {LABELS[absent]} column.")
        if "date" not in index and "period_end" not in index and self.as_of is None:
            raise ImportFileError(NO_DATE_COLUMN)

    def _scan(self) -> None:
        """Read the whole file once for what only the whole file can tell: its
        limits, its number of rows, and whether dates are day- or month-first.
        On the way it keeps the distinct texts of the email and date cells
        (``scanned_emails``, ``scanned_dates``; None past ``_SCAN_KEEP`` of them),
        so the writer can tell before writing whom and which days the file names."""
        date_columns = [self._index[f] for f in DATE_FIELDS if f in self._index]
        email_at = self._index["email"]
        order = _DateOrder()
        dates: set[str] | None = set()
        emails: set[str] | None = set()
        header_line = self.header_line
        records = 0
        line = 0
        with self._open() as text:
            reader = self._reader(_bounded_lines(text))
            try:
                for line, record in enumerate(reader, 1):
                    if len(record) > MAX_COLUMNS:
                        raise ImportFileError(
                            f"Line {line} has {len(record):,} columns; an SSI file has at most {MAX_COLUMNS}."
                        )
                    if line > header_line and _has_text(record):
                        records += 1
                        width = len(record)
                        for position in date_columns:
                            if position < width:
                                cell = record[position]
                                # The order is decided by distinct texts: each is looked at once.
                                if dates is None or cell not in dates:
                                    order.see(cell)
                                    if dates is not None:
                                        dates.add(cell)
                                        if len(dates) > _SCAN_KEEP:
                                            dates = None
                        if emails is not None and email_at < width:
                            emails.add(record[email_at])
                            if len(emails) > _SCAN_KEEP:
                                emails = None
            except csv.Error as error:
                raise _csv_problem(error, line + 1) from None
        if records == 0:
            raise ImportFileError("The file has a header but no rows of data.")
        self.total_records = records
        self.date_order = order.decide()
        self.scanned_emails, self.scanned_dates = emails, dates

    # -- converting cells ------------------------------------------------
    #
    # The loops below run once per row and per cell: they look a cell's text up
    # in its column's memo and convert only texts not seen before.

    def _prepare_converters(self) -> None:
        decimal_comma = self.delimiter != ","
        index = self._index
        self._score_cells = [
            (f, index[f], _rank_memo(f) if f in RANK_FIELDS else _number_memo(f, decimal_comma))
            for f in SCORE_FIELDS
            if f in index
        ]
        self._count_cells = [(f, index[f], _count_memo(f, decimal_comma)) for f in rules.ACTIVITY_FIELDS if f in index]
        self._snapshot_columns = [index[f] for f in ("ssi", *rules.PILLARS) if f in index]
        # A usage report's seat with none of these has no data.
        self._data_columns = self._snapshot_columns + [position for _, position, _ in self._count_cells]
        self._email_position = index["email"]
        self._email_memo = _email_memo()
        self._dates = [(f, index[f], _date_memo(f, self.date_order)) for f in DATE_FIELDS if f in index]
        self._name_columns = [index[f] for f in ("name", "first_name", "last_name") if f in index][:1 if "name" in index else 2]

    def rows(self) -> Iterator[Row]:
        header_line = self.header_line
        build = self._row
        line = header_line
        with self._open() as text:
            try:
                for line, record in enumerate(self._reader(text), 1):
                    if line > header_line and record:
                        row = build(line, record)
                        if row is not None:
                            yield row
            except csv.Error as error:
                # The scan read the same file without error; only a file changed since could get here.
                raise _csv_problem(error, line + 1) from None
        self._after_rows()

    def _after_rows(self) -> None:
        if self._skipped_count:
            lines = ", ".join(map(str, self._skipped_seats)) + (", …" if self._skipped_count > 10 else "")
            seats = "1 seat has" if self._skipped_count == 1 else f"{self._skipped_count} seats have"
            self.warnings.append(f"{seats} no SSI and no activity and imported nothing (line {lines}).")

    def copy_text(
        self, scores: tuple[str, ...], counts: tuple[str, ...], sample: list[Row] | None = None,
    ) -> Iterator[str]:
        """As ``ParsedFile.copy_text``, with a shortcut for the common row of a
        per-day file (SSI and four pillars, plainly valid): its cells' texts are
        looked up in memos of ready COPY text, and no Row is built. Any other row,
        and the first ``SAMPLE_ROWS``, go through ``_row``, which has the last word."""
        fast = self._fast_columns(scores, counts)
        if fast is None:
            yield from super().copy_text(scores, counts, sample)
            return
        email_at, email_memo, date_at, date_memo, pillars, others, count_cells = fast
        name = self._name if self._name_columns else None
        width = self.width
        header_line = self.header_line
        lines: list[str] = []
        add = lines.append
        sampled = 0 if sample is not None else SAMPLE_ROWS
        line = header_line
        with self._open() as text:
            try:
                for line, record in enumerate(self._reader(text), 1):
                    if line <= header_line or not record:
                        continue
                    if sampled < SAMPLE_ROWS or len(record) != width:
                        row = self._slow_line(line, record, scores, counts, sample)
                        if row is not None:
                            sampled += 1
                            add(row)
                        continue
                    email = email_memo[record[email_at]]
                    date = date_memo[record[date_at]]
                    values = _plain_scores(pillars, record)
                    if email is None or date is None or values is None:
                        add_slow = self._slow_line(line, record, scores, counts, None)
                        if add_slow is not None:
                            add(add_slow)
                        continue
                    plain = True
                    cells = [str(line), email, name(record).translate(_COPY_ESCAPES) if name else "", date,
                             NULL, NULL, "f", *(text for _, text in values)]
                    for position, memo in others:
                        cell = memo[record[position]]
                        if cell is None:
                            plain = False
                            break
                        cells.append(cell)
                    if plain and count_cells:
                        given = False
                        for position, memo in count_cells:
                            cell = memo[record[position]]
                            if cell is None:
                                plain = False
                                break
                            if cell != NULL:
                                given = True
                            cells.append(cell)
                        if given:
                            cells[4] = cells[5] = date
                            cells[6] = "t"
                    if not plain:
                        add_slow = self._slow_line(line, record, scores, counts, None)
                        if add_slow is not None:
                            add(add_slow)
                        continue
                    self.records += 1
                    add("\t".join(cells))
                    add("\n")
                    if len(lines) >= 2 * COPY_CHUNK_ROWS:
                        yield "".join(lines)
                        lines.clear()
            except csv.Error as error:
                # The scan read the same file without error; only a file changed since could get here.
                raise _csv_problem(error, line + 1) from None
        if lines:
            yield "".join(lines)
        self._after_rows()

    def named_people(self) -> set[str] | None:
        """The emails the rows name, as stored, when the first read kept them and
        every one is a valid address; else None."""
        if self.scanned_emails is None:
            return None
        found = set()
        for text in self.scanned_emails:
            email = self._email_memo[text]
            if email.__class__ is rules.RuleError:
                return None
            found.add(email)
        return found

    def date_span(self) -> tuple[dt.date, dt.date] | None:
        """The first and last date of a per-day file, when the first read kept its
        dates and every one is a valid date; else None."""
        if self.format != DAILY or self.scanned_dates is None or not self.scanned_dates:
            return None
        (_, _, memo), = self._dates
        days = []
        for text in self.scanned_dates:
            day = memo[text]
            if day is None or day.__class__ is rules.RuleError:
                return None
            days.append(day)
        return min(days), max(days)

    def snapshot_copy_text(
        self, scores: tuple[str, ...], people: dict[str, str], limits: dict[str, str], tail: str,
    ) -> Iterator[str]:
        """Every row as COPY text for the snapshot table itself: user_id, date,
        ``scores``, import_line, then ``tail`` (the same for every row). For a
        per-day file without activity whose every row is plainly valid, as the
        shortcut of ``copy_text`` takes it; raises ``NotPlain`` at the first row
        that is not, or that names a person not in ``people`` (escaped email →
        id), or a day after that person's ``limits`` (escaped email → ISO date)."""
        fast = self._fast_columns(scores, ())
        if fast is None:
            raise NotPlain
        email_at, email_memo, date_at, date_memo, pillars, others, _ = fast
        width = self.width
        header_line = self.header_line
        lines: list[str] = []
        add = lines.append
        records = 0
        line = header_line
        try:
            with self._open() as text:
                for line, record in enumerate(self._reader(text), 1):
                    if line <= header_line or not record:
                        continue
                    if len(record) != width:
                        raise NotPlain
                    email = email_memo[record[email_at]]
                    if email is None:
                        if not record[email_at].strip() and not _has_text(record):
                            continue  # a blank line, as _row skips it
                        raise NotPlain
                    person = people.get(email)
                    date = date_memo[record[date_at]]
                    values = _plain_scores(pillars, record)
                    if person is None or date is None or values is None:
                        raise NotPlain
                    if limits and email in limits and date > limits[email]:
                        raise NotPlain
                    cells = [person, date, *(text for _, text in values)]
                    for position, memo in others:
                        cell = memo[record[position]]
                        if cell is None:
                            raise NotPlain
                        cells.append(cell)
                    cells.append(str(line))
                    records += 1
                    add("\t".join(cells))
                    add(tail)
                    if len(lines) >= 2 * COPY_CHUNK_ROWS:
                        self.records = records
                        yield "".join(lines)
                        lines.clear()
        except csv.Error as error:
            raise _csv_problem(error, line + 1) from None
        self.records = records
        if lines:
            yield "".join(lines)
        self._after_rows()

    def _slow_line(self, line: int, record: list[str], scores, counts, sample: list[Row] | None) -> str | None:
        row = self._row(line, record)
        if row is None:
            return None
        if sample is not None and len(sample) < SAMPLE_ROWS:
            sample.append(row)
        return copy_line(row, scores, counts)

    def _fast_columns(self, scores: tuple[str, ...], counts: tuple[str, ...]):
        """Memos of ready COPY text for the shortcut of ``copy_text``, or None when
        the file is not a per-day file with SSI and all four pillars. A memo gives
        None for a text the shortcut leaves to ``_row`` (anything not plainly valid)."""
        index = self._index
        cells = {f: (position, memo) for f, position, memo in self._score_cells}
        if (self.format != DAILY or any(f not in index for f in ("ssi", *rules.PILLARS))
                or scores[:5] != ("ssi", *rules.PILLARS) or set(scores) != set(cells)
                or counts != tuple(f for f, _, _ in self._count_cells)):
            return None
        today = self.today

        def number(value):
            return (None, NULL) if value is None else (int(value * 1000), str(value))

        def text(value):
            return NULL if value is None else str(value)

        def day(value):
            return value.isoformat() if value is not None and rules.FIRST_DATE <= value <= today else None

        def address(value):
            return value.translate(_COPY_ESCAPES)

        pillars = [(cells[f][0], _TextMemo(cells[f][1], number)) for f in ("ssi", *rules.PILLARS)]
        others = [(cells[f][0], _TextMemo(cells[f][1], text)) for f in scores[5:]]
        count_cells = [(position, _TextMemo(memo, text)) for _, position, memo in self._count_cells]
        (_, date_at, date_memo), = self._dates
        return (self._email_position, _TextMemo(self._email_memo, address), date_at, _TextMemo(date_memo, day),
                pillars, others, count_cells)

    def _row(self, line: int, record: list[str]) -> Row | None:
        width = self.width
        if len(record) != width:
            if len(record) < width:
                # Spreadsheets drop trailing empty cells.
                record.extend([""] * (width - len(record)))
            elif _has_text(record[width:]):
                self.records += 1
                self.reject(line, [rules.RuleError(None, (
                    f"This line has {len(record)} values but the header has {width}: "
                    f"is a value containing a {DELIMITERS[self.delimiter]} missing its quotes?"
                ))])
                return None
        email_text = record[self._email_position]
        if not email_text.strip() and not _has_text(record):
            return None
        if self.format == SALES_NAVIGATOR and not any(record[i].strip() for i in self._data_columns):
            self._skipped_count += 1
            if len(self._skipped_seats) < 10:
                self._skipped_seats.append(line)
            return None
        self.records += 1
        errors: list[rules.RuleError] = []
        email = self._email_memo[email_text]
        if email.__class__ is rules.RuleError:
            errors.append(email)
        date, period_start, period_end = self._row_dates(record, errors)
        counts = self._counts(record, errors) if self._count_cells else None
        scores = None
        # A usage report may give a seat's activity without its SSI.
        if self.format == DAILY or any(record[i].strip() for i in self._snapshot_columns):
            scores = self._scores(record, errors)
        if counts is not None:
            if self.format == DAILY:
                period_start = period_end = date
            elif (period_start is None or period_end is None) and not errors:
                missing = "period_start" if period_start is None else "period_end"
                errors.append(rules.RuleError(missing, f"{LABELS[missing]} is missing."))
        if errors:
            self.reject(line, errors)
            return None
        return Row(line, email, date, scores, counts, period_start, period_end,
                   self._name(record) if self._name_columns else "")

    def _row_dates(self, record: list[str], errors: list) -> tuple[dt.date | None, dt.date | None, dt.date | None]:
        found = {}
        for field_name, position, memo in self._dates:
            value = memo[record[position]]
            if value.__class__ is rules.RuleError:
                errors.append(value)
                value = False
            found[field_name] = value
        date = found.get("date")
        period_start, period_end = found.get("period_start"), found.get("period_end")
        if period_start and period_end and period_end < period_start:
            errors.append(rules.RuleError("period_end", "The period ends before it starts."))
        if "date" not in found:
            date = self.as_of or period_end
            if date is None:
                errors.append(rules.RuleError("period_end", "Period end is missing: it dates this seat's scores."))
        elif date is None:
            errors.append(rules.RuleError("date", "Date is missing."))
        errors.extend(rules.early_dates(date=date, period_start=period_start, period_end=period_end))
        if date and date > self.today:
            errors.append(rules.RuleError("date", "The date cannot be in the future."))
        elif period_end and period_end > self.today:
            errors.append(rules.RuleError("period_end", "The period cannot end in the future."))
        # False marked a date already refused.
        return date or None, period_start or None, period_end or None

    def _counts(self, record: list[str], errors: list) -> dict[str, int | None] | None:
        counts = {}
        given = False
        for field_name, position, memo in self._count_cells:
            value = memo[record[position]]
            if value.__class__ is rules.RuleError:
                errors.append(value)
                value = None
            elif value is not None:
                given = True
            counts[field_name] = value
        return counts if given else None

    def _scores(self, record: list[str], errors: list) -> rules.Scores | None:
        """The fast path for the common case, a plainly valid row; anything else
        goes through ``rules.validate_scores``, which words every error."""
        values = {}
        for field_name, position, memo in self._score_cells:
            value = memo[record[position]]
            if value.__class__ is rules.RuleError:
                return self._scores_by_rules(record, errors)
            values[field_name] = value
        scores = consistent_scores(values)
        return scores if scores is not None else self._scores_by_rules(record, errors)

    def _scores_by_rules(self, record: list[str], errors: list) -> rules.Scores | None:
        decimal_comma = self.delimiter != ","
        given = {}
        for field_name, position, memo in self._score_cells:
            value = memo[record[position]]
            if value.__class__ is not rules.RuleError:
                given[field_name] = value
            elif field_name in RANK_FIELDS:
                # Ours words it as rules.check_rank does; validate_scores takes ranks as numbers.
                errors.append(value)
            else:
                # The text itself, so validate_scores words the error.
                given[field_name] = _number_text(record[position], decimal_comma)
        scores, rule_errors = rules.validate_scores(**given)
        errors.extend(rule_errors)
        return None if errors else scores

    def _name(self, record: list[str]) -> str:
        name = " ".join(part for part in (record[i].strip() for i in self._name_columns) if part)
        # A person's name field holds 150 characters.
        return _unneutralise(name)[:150]


def consistent_scores(values: dict) -> rules.Scores | None:
    """Scores from cells already read and range-checked, if together they are
    plainly valid (all four pillars or none, a total within a point of their sum);
    None when ``rules.validate_scores`` must say what is wrong."""
    get = values.get
    ssi, brand, people, insights, relationships = get("ssi"), get("brand"), get("people"), get("insights"), get(
        "relationships"
    )
    if brand is not None and people is not None and insights is not None and relationships is not None:
        pillar_sum = brand + people + insights + relationships
        if ssi is None:
            if pillar_sum > rules.SSI_MAX:
                return None
            ssi = pillar_sum
        elif abs(ssi - pillar_sum) > rules.SUM_TOLERANCE:
            return None
    elif ssi is None or brand is not None or people is not None or insights is not None or relationships is not None:
        return None
    return rules.Scores(
        ssi=ssi, brand=brand, people=people, insights=insights, relationships=relationships,
        industry_rank=get("industry_rank"), network_rank=get("network_rank"),
        industry_avg=get("industry_avg"), network_avg=get("network_avg"),
    )


def _number_text(text: str, decimal_comma: bool) -> str:
    text = text.strip()
    return text.replace(",", ".") if decimal_comma else text


class _Memo(dict):
    """A column's conversions by cell text: ``memo[text]`` is the value (or the
    RuleError refusing it), converted the first time the text is seen."""

    def __init__(self, convert: Callable[[str], object]):
        super().__init__()
        self._convert = convert

    def __missing__(self, text: str):
        try:
            value = self._convert(text)
        except rules.RuleError as error:
            value = error
        if len(self) < _CACHE_LIMIT:
            self[text] = value
        return value


class _TextMemo(dict):
    """COPY text by cell text, from a column's ``_Memo``: ``memo[text]`` is
    ``ready(value)``, or None when the value is a RuleError or ``ready`` gives None."""

    def __init__(self, values: _Memo, ready: Callable):
        super().__init__()
        self._values = values
        self._ready = ready

    def __missing__(self, text: str):
        value = self._values[text]
        ready = None if value.__class__ is rules.RuleError else self._ready(value)
        if len(self) < _CACHE_LIMIT:
            self[text] = ready
        return ready


def _number_memo(field_name: str, decimal_comma: bool) -> _Memo:
    high = rules.PILLAR_MAX if field_name in rules.PILLARS else rules.SSI_MAX

    def convert(text: str) -> Decimal | None:
        number = rules.to_decimal(_number_text(text, decimal_comma), field_name)
        rules.check_range(field_name, number, 0, high)
        return number

    return _Memo(convert)


_RANK = re.compile(r"(?:top\s*)?(\d{1,3})(?:[.,]0*)?\s*%?", re.IGNORECASE)


def parse_rank(field_name: str, text: str) -> int | None:
    """A rank as LinkedIn shows it: "5", "5%" or "Top 5%"."""
    text = text.strip()
    if not text:
        return None
    match = _RANK.fullmatch(text)
    return rules.check_rank(field_name, int(match[1]) if match else text)


def _rank_memo(field_name: str) -> _Memo:
    return _Memo(lambda text: parse_rank(field_name, text))


def _count_memo(field_name: str, decimal_comma: bool) -> _Memo:
    return _Memo(lambda text: rules.check_count(field_name, _number_text(text, decimal_comma)))


def _email_memo() -> _Memo:
    def convert(text: str) -> str:
        email = _unneutralise(text.strip()).lower()
        if not email:
            raise rules.RuleError("email", "Email is missing.")
        try:
            validate_email(email)
        except ValidationError:
            raise rules.RuleError("email", f"“{email}” is not a valid email address.") from None
        # The longest address the user table holds.
        if len(email) > 254:
            raise rules.RuleError("email", f"“{email[:40]}…” is too long to be an email address.")
        return email

    return _Memo(convert)


def _date_memo(field_name: str, order: str | None) -> _Memo:
    label = LABELS[field_name]

    def convert(text: str) -> dt.date | None:
        value = _date_text(text)
        if not value:
            return None
        try:
            if match := _YEAR_FIRST.fullmatch(value):
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
            if (match := _YEAR_LAST.fullmatch(value)) and order in (DAY_FIRST, MONTH_FIRST):
                day, month = (match[1], match[2]) if order == DAY_FIRST else (match[2], match[1])
                return dt.date(int(match[3]), int(month), int(day))
            return dt.date.fromisoformat(value)
        except ValueError:
            raise rules.RuleError(field_name, f"{label} “{value}” is not a date: write dates as YYYY-MM-DD.") from None

    return _Memo(convert)


class LinkedInJson(ParsedFile):
    """The JSON LinkedIn's SSI page loads: one person's SSI, pillars, and their
    industry's and network's rank and average, for one day."""

    format = LINKEDIN_JSON

    # LinkedIn's pillar names (PROFESSIONAL_BRAND …) and ours, normalised.
    PILLARS = {
        "professionalbrand": "brand", "establishyourprofessionalbrand": "brand", "brand": "brand",
        "findrightpeople": "people", "findtherightpeople": "people", "people": "people",
        "insightengagement": "insights", "engagewithinsights": "insights", "insights": "insights",
        "strongrelationship": "relationships", "buildrelationships": "relationships",
        "relationships": "relationships", "strongrelationships": "relationships",
    }

    def __init__(self, values: dict, *, encoding: str, email: str, day: dt.date, today: dt.date):
        super().__init__()
        self.encoding = encoding
        self.email = email
        self.day = day
        self.today = today
        self._values = values
        self.fields = frozenset(values)
        self.total_records = 1

    @classmethod
    def read(cls, stream: BinaryIO, size: int, codec: str, encoding: str, *, as_of, today, email) -> LinkedInJson:
        if size > MAX_JSON_BYTES:
            raise ImportFileError("This JSON file is far larger than LinkedIn's SSI data: it is not that data.")
        stream.seek(0)
        text = stream.read().decode(codec, errors="replace")
        try:
            # Numbers as Decimal keep LinkedIn's digits; NaN and Infinity stay text, for the rules to refuse.
            data = json.loads(text, parse_float=Decimal, parse_constant=str)
        except (ValueError, RecursionError):
            raise ImportFileError("The file starts like JSON but is not valid JSON.") from None
        container = _find_member_score(data)
        if container is None:
            raise ImportFileError("This JSON is not LinkedIn's SSI data: it has no memberScore.")
        if not email:
            raise ImportFileError(
                "LinkedIn's SSI data does not say whose it is: paste it on that person's entry page."
            )
        return cls(cls._values_in(container), encoding=encoding, email=email.strip().lower(),
                   day=as_of or today, today=today)

    @classmethod
    def _values_in(cls, container: dict) -> dict:
        values: dict = {}
        member = container.get("memberScore")
        if isinstance(member, dict):
            values["ssi"] = member.get("overall")
            for sub in _dicts(member.get("subScores")):
                pillar = cls.PILLARS.get(normalise_header(str(sub.get("pillar") or sub.get("name") or "")))
                if pillar:
                    values[pillar] = sub.get("score")
        for group in _dicts(container.get("groupScore")):
            kind = str(group.get("groupType") or group.get("group") or group.get("type") or "").lower()
            if kind not in ("industry", "network"):
                continue
            average = group.get("score")
            if isinstance(average, dict):
                average = average.get("overall")
            values[f"{kind}_rank"] = group.get("rank")
            values[f"{kind}_avg"] = average if average is not None else group.get("averageScore")
        return {k: v for k, v in values.items() if v is not None}

    def rows(self) -> Iterator[Row]:
        self.records = 1
        errors: list[rules.RuleError] = []
        given = dict(self._values)
        for field_name in RANK_FIELDS:
            if field_name in given:
                try:
                    given[field_name] = parse_rank(field_name, str(given[field_name]))
                except rules.RuleError as error:
                    errors.append(error)
                    del given[field_name]
        scores, rule_errors = rules.validate_scores(**given)
        errors.extend(rule_errors)
        if self.day > self.today:
            errors.append(rules.RuleError("date", "The date cannot be in the future."))
        if errors:
            self.reject(1, errors)
            return
        yield Row(1, self.email, self.day, scores, None)


def _dicts(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _find_member_score(data, depth: int = 0) -> dict | None:
    """The object holding "memberScore", wherever the page's response nests it."""
    if depth > 6:
        return None
    if isinstance(data, dict):
        if "memberScore" in data:
            return data
        children = data.values()
    elif isinstance(data, list):
        children = data
    else:
        return None
    for child in children:
        found = _find_member_score(child, depth + 1)
        if found is not None:
            return found
    return None
