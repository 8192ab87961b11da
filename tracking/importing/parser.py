"""Read an SSI file into validated rows: the one entry point (``parse``) for the
import command, the web upload, the entry page's JSON paste and the API.

The jobs are split by module:

- ``sniff``: whether the file is text, its encoding, delimiter, header line and
  date order, and reading its lines within limits;
- ``headers`` and ``cells``: what a column holds, and a cell's text into a value
  checked by ``tracking.rules`` (the one validator, shared with the entry form
  and the API, so a row is refused with the same sentence everywhere);
- one module per format: ``per_day`` (one row per person per day, with an email
  column or for one named person), ``sales_navigator`` (a usage report, one row
  per seat for a period), ``long_layout`` (one value per row: date; section;
  field; value), ``linkedin_json`` (the JSON LinkedIn's SSI page loads);
  ``table`` is what the two CSV formats share;
- ``rows``: what every format hands over: ``Row`` objects, or the same rows as
  tuples of values (``ParsedFile.values``), which the writer lays out as COPY text.

Files are streamed, never held whole: a CSV file is read three times (bytes, to
settle the encoding; a first read, for the limits, the row count and the date
order, which only the whole file can decide, keeping on the way the distinct
emails and dates for the writer; then the rows), so memory stays flat however
many rows there are.

Line numbers are the ones a spreadsheet shows: the header is line 1 and every
record is one line, blank ones included. A quoted value holding a line break
stays in its record's line, as in Excel or LibreOffice; only a text editor would
count it twice.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import BinaryIO

from tracking import rules
from tracking.importing import long_layout, sniff, table
from tracking.importing.cells import parse_rank
from tracking.importing.headers import LABELS, SCORE_FIELDS, field_for_header
from tracking.importing.linkedin_json import LinkedInJson
from tracking.importing.long_layout import LONG, LongFile
from tracking.importing.per_day import PerDayFile
from tracking.importing.rows import (
    DAILY,
    LINKEDIN_JSON,
    MAX_REPORTED,
    SALES_NAVIGATOR,
    ImportFileError,
    NotPlain,
    ParsedFile,
    Row,
    latest_today,
)
from tracking.importing.sales_navigator import SalesNavigatorFile
from tracking.importing.sniff import DELIMITERS, check_text, max_bytes, too_large_message
from tracking.importing.table import NO_DATE_COLUMN

__all__ = [
    "DAILY", "DELIMITERS", "LONG", "LABELS", "LINKEDIN_JSON", "MAX_REPORTED", "NO_DATE_COLUMN", "SALES_NAVIGATOR",
    "SCORE_FIELDS", "ImportFileError", "NotPlain", "ParsedFile", "Row", "check_text", "field_for_header",
    "PerDayFile", "max_bytes", "parse", "parse_rank", "too_large_message",
]

_CSV_FORMATS = {DAILY: PerDayFile, SALES_NAVIGATOR: SalesNavigatorFile}


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
    the date of a LinkedIn JSON paste without ``as_of``; ``email`` is the one
    person the file is about: LinkedIn's JSON does not say, a personal history
    has no email column; rows naming anyone else are then refused.
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
    head = stream.read(sniff.HEAD_BYTES)
    sniff.refuse_non_text(head)
    codec, encoding = sniff.detect_encoding(stream, head)
    head_text = head.decode(codec, errors="replace")
    if not head_text.strip():
        raise ImportFileError("The file is empty.")
    if head_text.lstrip()[:1] in ("{", "["):
        return LinkedInJson.read(stream, size, codec, encoding, as_of=as_of, today=today, email=email)
    complete = len(head) == size
    if long := long_layout.find_header(head_text, complete):
        delimiter, header_line, columns = long
        return LongFile(stream, codec, encoding, delimiter=delimiter, header_line=header_line, columns=columns,
                        today=today, email=email)
    delimiter, header_line, header = sniff.find_header(head_text, complete, needs_email=not email)
    index, file_format, warnings = table.map_columns(header, header_line, as_of=as_of, email=email)
    return _CSV_FORMATS[file_format](
        stream, codec, encoding, delimiter=delimiter, header_line=header_line, header=header, index=index,
        warnings=warnings, as_of=as_of, today=today, email=email,
    )
