"""The CSV files with one row per record and one column per field: the per-day
file and the Sales Navigator usage report share this reading of the file (its
columns, a first read for what only the whole file can tell, then its rows
checked one by one). Each format's own rules live in its own module."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import BinaryIO

from tracking import rules
from tracking.importing import cells, sniff
from tracking.importing.headers import DATE_FIELDS, LABELS, RANK_FIELDS, SCORE_FIELDS, field_for_header
from tracking.importing.rows import DAILY, SALES_NAVIGATOR, ImportFileError, ParsedFile, Row

# Refuses a file that an as-of date would make importable (the web form offers one).
NO_DATE_COLUMN = "The file has no Date column: give the date its scores were taken (the as-of date)."
# Distinct emails and dates the first read of a file keeps for the writer.
SCAN_KEEP = 100_000


def map_columns(
    header: list[str], header_line: int, *, as_of: dt.date | None, email: str | None,
) -> tuple[dict[str, int], str, list[str]]:
    """(field → position, format, warnings) for ``header``; raises ImportFileError
    when the columns cannot make an SSI file. ``email`` is the person a file
    without an Email column is about."""
    index: dict[str, int] = {}
    unknown = []
    warnings = []
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
    _require_columns(index, as_of, email)
    has_period = "period_start" in index
    file_format = DAILY if "date" in index and not has_period else SALES_NAVIGATOR
    counts = [f for f in rules.ACTIVITY_FIELDS if f in index]
    if counts and file_format == SALES_NAVIGATOR and not has_period:
        warnings.append(
            "Activity totals are ignored: the file has no period columns (period start and end), and a "
            "period's totals are never split into days."
        )
        for field_name in counts:
            del index[field_name]
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        warnings.append(f"Ignored columns: {shown}.")
    if header_line > 1:
        above = "Line 1 is" if header_line == 2 else f"Lines 1–{header_line - 1} are"
        warnings.append(f"{above} above the header and {'was' if header_line == 2 else 'were'} ignored.")
    return index, file_format, warnings


def _require_columns(index: dict[str, int], as_of: dt.date | None, email: str | None) -> None:
    if "email" not in index and not email:
        raise ImportFileError(
            "This file has no Email column: import it as one person's history (import_ssi --user EMAIL, "
            "or “Import my history”)."
        )
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
    if "date" not in index and "period_end" not in index and as_of is None:
        raise ImportFileError(NO_DATE_COLUMN)


class CsvTable(ParsedFile):
    """A CSV file of records under a header, as ``map_columns`` read its columns.
    ``email``, when given, is the one person the file is about: rows without an
    email are theirs, and a row naming anyone else is refused."""

    def __init__(
        self, stream: BinaryIO, codec: str, encoding: str, *, delimiter: str, header_line: int,
        header: list[str], index: dict[str, int], warnings: list[str], as_of: dt.date | None,
        today: dt.date, email: str | None = None,
    ):
        super().__init__()
        self._stream = stream
        self._codec = codec
        self.encoding = encoding
        self.delimiter = delimiter
        self.header_line = header_line
        self.width = len(header)
        self.as_of = as_of
        self.today = today
        self.owner = email.strip().lower() if email else None
        self._index = index
        self.warnings = list(warnings)
        self.fields = frozenset(f for f in index if f in SCORE_FIELDS or f in rules.ACTIVITY_FIELDS)
        self._scan()
        self._prepare_converters()
        self._warnings_before_rows = list(self.warnings)

    def restart(self) -> None:
        super().restart()
        self.warnings = list(self._warnings_before_rows)

    # -- reading the file -------------------------------------------------

    def _open(self) -> io.TextIOWrapper:
        self._stream.seek(0)
        raw = io.BufferedReader(sniff.Borrowed(self._stream), 1024 * 1024)
        return io.TextIOWrapper(raw, encoding=self._codec, errors="replace", newline="")

    def _reader(self, lines) -> Iterator[list[str]]:
        # strict: a quote left open must be an error, not a value that swallows the rest of the file.
        return csv.reader(lines, delimiter=self.delimiter, strict=True)

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        """(line, cells) of every non-empty record below the header."""
        header_line = self.header_line
        line = header_line
        with self._open() as text:
            try:
                for line, record in enumerate(self._reader(text), 1):
                    if line > header_line and record:
                        yield line, record
            except csv.Error as error:
                # The first read took the same file without error; only a file changed since could get here.
                raise sniff.csv_problem(error, line + 1) from None

    def _scan(self) -> None:
        """Read the whole file once for what only the whole file can tell: its
        limits, its number of rows, and whether dates are day- or month-first.
        On the way it keeps the distinct texts of the email and date cells
        (``scanned_emails``, ``scanned_dates``; None past ``SCAN_KEEP`` of them),
        so the writer can tell before writing whom and which days the file names."""
        date_columns = [self._index[f] for f in DATE_FIELDS if f in self._index]
        email_at = self._index.get("email")
        order = sniff.DateOrder()
        dates: set[str] | None = set()
        emails: set[str] | None = set() if email_at is not None else {""}
        header_line = self.header_line
        records = 0
        line = 0
        keep = SCAN_KEEP
        with self._open() as text:
            reader = self._reader(sniff.bounded_lines(text))
            try:
                for line, record in enumerate(reader, 1):
                    if len(record) > sniff.MAX_COLUMNS:
                        raise ImportFileError(
                            f"Line {line} has {len(record):,} columns; an SSI file has at most {sniff.MAX_COLUMNS}."
                        )
                    if line > header_line and sniff.has_text(record):
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
                                        if len(dates) > keep:
                                            dates = None
                        if emails is not None and email_at is not None and email_at < width:
                            emails.add(record[email_at])
                            if len(emails) > keep:
                                emails = None
            except csv.Error as error:
                raise sniff.csv_problem(error, line + 1) from None
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
            (f, index[f], cells.rank_memo(f) if f in RANK_FIELDS else cells.number_memo(f, decimal_comma))
            for f in SCORE_FIELDS
            if f in index
        ]
        self._count_cells = [
            (f, index[f], cells.count_memo(f, decimal_comma)) for f in rules.ACTIVITY_FIELDS if f in index
        ]
        self._snapshot_columns = [index[f] for f in ("ssi", *rules.PILLARS) if f in index]
        self._email_position = index.get("email")
        self._email_memo = cells.email_memo(self.owner)
        self._dates = [(f, index[f], cells.date_memo(f, self.date_order)) for f in DATE_FIELDS if f in index]
        names = [index[f] for f in ("name", "first_name", "last_name") if f in index]
        self._name_columns = names[:1 if "name" in index else 2]

    def rows(self) -> Iterator[Row]:
        build = self._row
        for line, record in self._records():
            row = build(line, record)
            if row is not None:
                yield row
        self._after_rows()

    def _after_rows(self) -> None:
        """What the format has to say once every row is read."""

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

    def _email_text(self, record: list[str]) -> str:
        return record[self._email_position] if self._email_position is not None else ""

    def _row(self, line: int, record: list[str]) -> Row | None:
        width = self.width
        if len(record) != width:
            if len(record) < width:
                # Spreadsheets drop trailing empty cells.
                record.extend([""] * (width - len(record)))
            elif sniff.has_text(record[width:]):
                self.records += 1
                self.reject(line, [rules.RuleError(None, (
                    f"This line has {len(record)} values but the header has {width}: "
                    f"is a value containing a {sniff.DELIMITERS[self.delimiter]} missing its quotes?"
                ))], self._email_text(record))
                return None
        email_text = self._email_text(record)
        if not email_text.strip() and not sniff.has_text(record):
            return None
        if self._skip(line, record):
            return None
        self.records += 1
        errors: list[rules.RuleError] = []
        email = self._email_memo[email_text]
        if email.__class__ is rules.RuleError:
            errors.append(email)
        date, period_start, period_end = self._row_dates(record, errors)
        counts = self._counts(record, errors) if self._count_cells else None
        scores = self._scores(record, errors) if self._has_scores(record) else None
        if counts is not None:
            period_start, period_end = self._period(date, period_start, period_end, errors)
        if errors:
            self.reject(line, errors, email_text, {f: record[p] for f, p in self._index.items()})
            return None
        return Row(line, email, date, scores, counts, period_start, period_end,
                   self._name(record) if self._name_columns else "")

    # The hooks where the formats differ.

    def _skip(self, line: int, record: list[str]) -> bool:
        """Whether a record with text in it still imports nothing."""
        return False

    def _has_scores(self, record: list[str]) -> bool:
        return True

    def _period(self, date, period_start, period_end, errors: list) -> tuple[dt.date | None, dt.date | None]:
        """The period a record's activity counts belong to."""
        return period_start, period_end

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
        """Cells already checked one by one, when together they keep the rules
        (``rules.consistent_scores``); anything else goes through
        ``rules.validate_scores``, which words every error."""
        values = {}
        for field_name, position, memo in self._score_cells:
            value = memo[record[position]]
            if value.__class__ is rules.RuleError:
                return self._scores_by_rules(record, errors)
            values[field_name] = value
        scores = rules.consistent_scores(values)
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
                given[field_name] = cells.number_text(record[position], decimal_comma)
        scores, rule_errors = rules.validate_scores(**given)
        errors.extend(rule_errors)
        return None if errors else scores

    def _name(self, record: list[str]) -> str:
        name = " ".join(part for part in (record[i].strip() for i in self._name_columns) if part)
        # A person's name field holds 150 characters.
        return cells.unneutralise(name)[:150]
