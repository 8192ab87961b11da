"""The per-day file: one row per person per day (the export format, and what
people keep in spreadsheets), with or without activity columns, with an Email
column or, for one person's own history, without one.

Most rows of such a file are plainly valid (a total and four pillars that agree,
known kinds of values), so ``values`` and ``plain_values`` take those through a
shortcut: each cell's text is looked up in its column's memo of checked values,
and the total and pillars are held to ``rules.consistent_total`` on integer
thousandths. Any other row, and the first ones (the preview's sample), go
through ``CsvTable._row`` and the full rules, which have the last word."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence

from tracking import rules
from tracking.importing import cells, sniff
from tracking.importing.rows import DAILY, SAMPLE_ROWS, NotPlain, Row, identity, row_values
from tracking.importing.table import CsvTable

PLAIN_SCORES = ("ssi", *rules.PILLARS)
# The rules' bounds in the shortcut's integer thousandths.
_TOLERANCE = int(rules.SUM_TOLERANCE * 1000)
_HIGH = int(rules.SSI_MAX * 1000)


class PerDayFile(CsvTable):
    format = DAILY

    def _period(self, date, period_start, period_end, errors: list):
        # A day's activity is that day's.
        return date, date

    def date_span(self) -> tuple[dt.date, dt.date] | None:
        """The first and last date of the file, when the first read kept its dates
        and every one is a valid date; else None."""
        if self.scanned_dates is None or not self.scanned_dates:
            return None
        (_, _, memo), = self._dates
        days = []
        for text in self.scanned_dates:
            day = memo[text]
            if day is None or day.__class__ is rules.RuleError:
                return None
            days.append(day)
        return min(days), max(days)

    def values(
        self, scores: tuple[str, ...], counts: tuple[str, ...], sample: list[Row] | None = None,
        present: Callable = identity,
    ) -> Iterator[Sequence]:
        """As ``ParsedFile.values``, through the shortcut for plainly valid rows."""
        fast = self._shortcut(scores, counts, present)
        if fast is None:
            yield from super().values(scores, counts, sample, present)
            return
        width = self.width
        sampled = 0 if sample is not None else SAMPLE_ROWS
        build = self._row
        for line, record in self._records():
            if sampled < SAMPLE_ROWS or len(record) != width or (values := fast(line, record)) is None:
                row = build(line, record)
                if row is None:
                    continue
                if sampled < SAMPLE_ROWS:
                    sampled += 1
                    sample.append(row)
                yield list(map(present, row_values(row, scores, counts)))
                continue
            self.records += 1
            yield values
        self._after_rows()

    def plain_values(self, scores: tuple[str, ...], present: Callable = identity) -> Iterator[Sequence]:
        """Every row's values (as ``values`` gives them, with no activity), for a
        file whose every row the shortcut takes; raises ``NotPlain`` at the first
        row it does not take."""
        fast = self._shortcut(scores, (), present)
        if fast is None:
            raise NotPlain
        width = self.width
        email_text = self._email_text
        for line, record in self._records():
            if len(record) != width:
                raise NotPlain
            values = fast(line, record)
            if values is None:
                if email_text(record).strip() or sniff.has_text(record):
                    raise NotPlain
                continue  # a blank line, as _row skips it
            self.records += 1
            yield values
        self._after_rows()

    def _shortcut(self, scores: tuple[str, ...], counts: tuple[str, ...], present: Callable):
        """``plain(line, record)``: a row's values, each as ``present`` gives it,
        when the row is plainly valid, else None (the full checks then have it).
        None when the file does not give the SSI and all four pillars.

        The cells' checked values, and how they are presented, are remembered
        by cell text, so a text seen before costs one look-up."""
        given = {f: (position, memo) for f, position, memo in self._score_cells}
        if (any(f not in given for f in PLAIN_SCORES) or scores[:5] != PLAIN_SCORES or set(scores) != set(given)
                or counts != tuple(f for f, _, _ in self._count_cells)):
            return None
        today = self.today
        missing = present(None)

        def number(value):
            return (None, missing) if value is None else (int(value * 1000), present(value))

        def day(value):
            return present(value) if value is not None and rules.FIRST_DATE <= value <= today else None

        (at_ssi, ssi_memo), (at_brand, brand_memo), (at_people, people_memo), (at_insights, insights_memo), \
            (at_rel, rel_memo) = [(given[f][0], cells.Derived(given[f][1], number)) for f in PLAIN_SCORES]
        others = [(given[f][0], cells.Derived(given[f][1], present)) for f in scores[5:]]
        count_cells = [(position, cells.Derived(memo, present)) for _, position, memo in self._count_cells]
        (_, date_at, date_values), = self._dates
        dates = cells.Derived(date_values, day)
        email_at = self._email_position
        emails = cells.Derived(self._email_memo, present)
        owner = emails[""] if email_at is None else None
        name = self._name if self._name_columns else None
        no_name, no_activity, activity = present(""), present(False), present(True)
        consistent = rules.consistent_total

        # One closure, its memos in local variables: this runs once per row.
        def plain(line: int, record: list[str]):
            email = emails[record[email_at]] if owner is None else owner
            date = dates[record[date_at]]
            if email is None or date is None:
                return None
            ssi = ssi_memo[record[at_ssi]]
            brand = brand_memo[record[at_brand]]
            people = people_memo[record[at_people]]
            insights = insights_memo[record[at_insights]]
            relationships = rel_memo[record[at_rel]]
            if (ssi is None or ssi[0] is None or brand is None or people is None or insights is None
                    or relationships is None or consistent(ssi[0], brand[0], people[0], insights[0],
                                                           relationships[0], _TOLERANCE, _HIGH) is None):
                return None
            values = [present(line), email, present(name(record)) if name else no_name, date, missing, missing,
                      no_activity, ssi[1], brand[1], people[1], insights[1], relationships[1]]
            for position, memo in others:
                value = memo[record[position]]
                if value is None:
                    return None
                values.append(value)
            if count_cells:
                given = False
                for position, memo in count_cells:
                    value = memo[record[position]]
                    if value is None:
                        return None
                    if value != missing:
                        given = True
                    values.append(value)
                if given:
                    values[4] = values[5] = date
                    values[6] = activity
            return values

        return plain
