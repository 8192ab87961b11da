"""The long layout some trackers write: one value per row (date; section;
field; value), a day's SSI, pillars, ranks and averages spread over several
rows. The rows of one person and day are gathered into one record, checked by
``tracking.rules`` as a whole, and reported at the day's first line.

Such files are small (a year of one person's history is a few thousand lines),
so the file is gathered once, when it is opened.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import BinaryIO

from tracking import rules
from tracking.importing import cells, sniff
from tracking.importing.headers import LABELS, RANK_FIELDS, SCORE_FIELDS, field_for_header, normalise_header
from tracking.importing.rows import ImportFileError, ParsedFile, Row

LONG = "long"

# The long layout's own columns, by normalised header.
_COLUMNS = {
    **dict.fromkeys(("date", "day", "snapshotdate", "timestamp", "datetime"), "date"),
    **dict.fromkeys(("section", "group", "category", "kind", "type"), "section"),
    **dict.fromkeys(("field", "metric", "measure", "key", "name", "variable", "item"), "field"),
    **dict.fromkeys(("value", "score", "amount"), "value"),
    **dict.fromkeys(("email", "emailaddress", "user", "useremail"), "email"),
}


def find_header(head: str, complete: bool) -> tuple[str, int, dict[str, int]] | None:
    """(delimiter, line, column → position) when a line among the first ones is
    a long layout's header (a date, a field and a value column); else None."""
    if not complete:
        head = head[: max(head.rfind("\n"), head.rfind("\r")) + 1]
    for delimiter in sniff.DELIMITERS:
        for line, record in enumerate(sniff.first_records(head, delimiter), 1):
            found: dict[str, int] = {}
            for position, cell in enumerate(record):
                column = _COLUMNS.get(normalise_header(cell))
                if column is not None and column not in found:
                    found[column] = position
            if {"date", "field", "value"} <= found.keys() and len(record) <= 6:
                return delimiter, line, found
    return None


def field_of(section: str, name: str) -> str | None:
    """The field a (section, field) pair names: "pillars; brand" is brand,
    "rank; industry" the industry rank, "ssi; total" the SSI."""
    if name.strip():
        for text in (name, f"{section} {name}", f"{name} {section}"):
            field_name = field_for_header(text)
            if field_name in SCORE_FIELDS or field_name in rules.ACTIVITY_FIELDS:
                return field_name
    return None


class LongFile(ParsedFile):
    format = LONG

    def __init__(
        self, stream: BinaryIO, codec: str, encoding: str, *, delimiter: str, header_line: int,
        columns: dict[str, int], today: dt.date, email: str | None,
    ):
        super().__init__()
        if "email" not in columns and not email:
            raise ImportFileError(
                "This file has no Email column: import it as one person's history (import_ssi --user EMAIL, "
                "or “Import my history”)."
            )
        self.encoding = encoding
        self.delimiter = delimiter
        self.today = today
        self._emails = cells.email_memo(email.strip().lower() if email else None)
        self._decimal_comma = delimiter != ","
        self._days: dict[tuple[str, str], dict] = {}
        self._gather(stream, codec, header_line, columns)

    def _gather(self, stream: BinaryIO, codec: str, header_line: int, columns: dict[str, int]) -> None:
        stream.seek(0)
        text = io.TextIOWrapper(io.BufferedReader(sniff.Borrowed(stream)), encoding=codec, errors="replace",
                                newline="")
        order = sniff.DateOrder()
        unknown: dict[str, int] = {}
        date_at, field_at, value_at = columns["date"], columns["field"], columns["value"]
        section_at, email_at = columns.get("section"), columns.get("email")
        line = 0
        with text:
            try:
                for line, record in enumerate(csv.reader(sniff.bounded_lines(text), delimiter=self.delimiter,
                                                         strict=True), 1):
                    if line <= header_line or not sniff.has_text(record):
                        continue
                    record += [""] * (max(columns.values()) + 1 - len(record))
                    section = record[section_at] if section_at is not None else ""
                    field_name = field_of(section, record[field_at])
                    if field_name is None:
                        label = " ".join(filter(None, (section.strip(), record[field_at].strip()))) or "(blank)"
                        unknown.setdefault(label, line)
                        continue
                    order.see(record[date_at])
                    key = (record[email_at] if email_at is not None else "", record[date_at])
                    day = self._days.setdefault(key, {"line": line, "values": {}, "clash": []})
                    given = record[value_at].strip()
                    if field_name in day["values"] and day["values"][field_name] != given:
                        day["clash"].append(field_name)
                    day["values"][field_name] = given
            except csv.Error as error:
                raise sniff.csv_problem(error, line + 1) from None
        if not self._days:
            raise ImportFileError("This is not an SSI file: none of its rows names an SSI value (such as SSI, "
                                  "a pillar, a rank or an average).")
        if unknown:
            shown = ", ".join(f"{label} (line {at})" for label, at in list(unknown.items())[:10])
            self.warnings.append(f"Ignored values of unknown fields: {shown}.")
        self.date_order = order.decide()
        self._dates = cells.date_memo("date", self.date_order)
        self.fields = frozenset(f for day in self._days.values() for f in day["values"])
        self.total_records = len(self._days)
        if not self.fields & {"ssi", *rules.PILLARS}:
            raise ImportFileError("This is not an SSI file: it gives no SSI and no pillars.")

    def rows(self) -> Iterator[Row]:
        for (email_text, date_text), day in self._days.items():
            self.records += 1
            row = self._row(email_text, date_text, day)
            if row is not None:
                yield row

    def _row(self, email_text: str, date_text: str, day: dict) -> Row | None:
        line = day["line"]
        errors: list[rules.RuleError] = []
        email = self._emails[email_text]
        if email.__class__ is rules.RuleError:
            errors.append(email)
        date = self._dates[date_text]
        if date.__class__ is rules.RuleError:
            errors.append(date)
        elif date is None:
            errors.append(rules.RuleError("date", "Date is missing."))
        elif date < rules.FIRST_DATE:
            errors.extend(rules.early_dates(date=date))
        elif date > self.today:
            errors.append(rules.RuleError("date", "The date cannot be in the future."))
        for field_name in dict.fromkeys(day["clash"]):
            errors.append(rules.RuleError(field_name, f"{LABELS[field_name]} is given twice for this day, "
                                                      "with different values: keep one of them."))
        given: dict = {}
        counts: dict = {}
        for field_name, text in day["values"].items():
            try:
                if field_name in RANK_FIELDS:
                    given[field_name] = cells.parse_rank(field_name, text)
                elif field_name in rules.ACTIVITY_FIELDS:
                    counts[field_name] = rules.check_count(field_name, cells.number_text(text, self._decimal_comma))
                else:
                    given[field_name] = cells.number_text(text, self._decimal_comma)
            except rules.RuleError as error:
                errors.append(error)
        scores, rule_errors = rules.validate_scores(**given)
        errors.extend(rule_errors)
        if errors:
            self.reject(line, errors, email_text, {"date": date_text, **day["values"]})
            return None
        has_counts = any(v is not None for v in counts.values())
        return Row(line, email, date, scores, counts if has_counts else None,
                   date if has_counts else None, date if has_counts else None)
