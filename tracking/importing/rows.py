"""What the parser hands the writer: validated rows, and what it found on the
way (the format, how the file was read, warnings, rejected lines)."""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from django.utils import timezone

from tracking import rules

DAILY = "daily"
SALES_NAVIGATOR = "sales_navigator"
LINKEDIN_JSON = "linkedin_json"

# Rejections kept for the report; the count of rejected lines is always exact.
MAX_REPORTED = 1000
# Valid rows kept for a preview.
SAMPLE_ROWS = 10
# A rejected row's email and value are reported up to this many characters (they are what the file says).
KEPT_TEXT = 100


def kept(text) -> str:
    """A cell's text as a rejection reports it: stripped, and cut short when long."""
    text = "" if text is None else str(text).strip()
    return text if len(text) <= KEPT_TEXT else text[: KEPT_TEXT - 1] + "…"


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``str(err)`` is one line saying why."""


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


# A valid row as ``ParsedFile.values`` yields it: these, then the score and count fields asked for.
VALUE_COLUMNS = ("line", "email", "name", "date", "period_start", "period_end", "has_activity")


def row_values(row: Row, scores: tuple[str, ...], counts: tuple[str, ...]) -> tuple:
    """``row`` as a tuple of its values, in ``VALUE_COLUMNS`` then ``scores`` and ``counts``."""
    values = [row.line, row.email, row.name, row.date, row.period_start, row.period_end, row.counts is not None]
    values += [getattr(row.scores, f) for f in scores] if row.scores is not None else [None] * len(scores)
    values += [row.counts.get(f) for f in counts] if row.counts is not None else [None] * len(counts)
    return tuple(values)


def identity(value):
    return value


def latest_today() -> dt.date:
    """The latest date anywhere on Earth (UTC+14): a date after it is in the future
    for everyone. The writer then checks each person's own today."""
    return timezone.now().astimezone(dt.timezone(dt.timedelta(hours=14))).date()


class ParsedFile(abc.ABC):
    """What the parser found: the format and how the file was read, warnings, and
    the rows. Rejections accumulate while the rows are read."""

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

    def values(
        self, scores: tuple[str, ...], counts: tuple[str, ...], sample: list[Row] | None = None,
        present: Callable = identity,
    ) -> Iterator[Sequence]:
        """The valid rows as sequences of their values (``row_values``), each value
        as ``present`` gives it (the writer's representation; a format may
        remember it by cell text), the first rows passed into ``sample`` on the
        way: the same rows, checks and rejections as ``rows()``."""
        for row in self.rows():
            if sample is not None and len(sample) < SAMPLE_ROWS:
                sample.append(row)
            yield list(map(present, row_values(row, scores, counts)))

    def named_people(self) -> set[str] | None:
        """The emails the rows name, when known before they are read; else None."""
        return None

    def date_span(self) -> tuple[dt.date, dt.date] | None:
        """The first and last date of a per-day file, when known before its rows are read; else None."""
        return None

    def restart(self) -> None:
        """Forget what reading the rows found, to read them again from the start."""
        self.rejected = []
        self.rejected_lines = 0
        self.records = 0

    def reject(self, line: int, errors: list[rules.RuleError], email: str = "",
               values: Mapping[str, object] | None = None) -> None:
        """Record a rejected record: each error with the record's ``email`` and,
        from ``values`` (field → the text the file gives), the value at fault."""
        self.rejected_lines += 1
        values = values or {}
        for error in errors:
            if len(self.rejected) < MAX_REPORTED:
                self.rejected.append({"line": line, "field": error.field, "message": error.message,
                                      "email": kept(email), "value": kept(values.get(error.field or ""))})
