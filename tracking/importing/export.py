"""Write SSI data as CSV: one writer for ``export_ssi`` and the web downloads.

The first columns are fixed by contract (``email,date,ssi,brand,people,
insights,relationships,industry_rank,network_rank``), then the group averages,
the day's activity counts and the person's name. Dates are ISO, numbers in their
shortest form, missing values empty, so an exported file imports back unchanged.

Text a spreadsheet would run as a formula (a cell starting with = + - @, a tab
or a carriage return) gets a leading quote; the parser takes it off again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator

from django.db import connection

from tracking import rules
from tracking.models import Activity, Snapshot, User

SCORE_COLUMNS = ("ssi", *rules.PILLARS, "industry_rank", "network_rank", "industry_avg", "network_avg")
HEADER = ("email", "date", *SCORE_COLUMNS, *rules.ACTIVITY_FIELDS, "name")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_BATCH = 2000


def neutralise(text: str) -> str:
    """A cell a spreadsheet shows as text instead of running it."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def iter_csv(
    *,
    user_ids: Iterable[int] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Iterator[str]:
    """The CSV, a chunk of lines at a time (for a streaming response or stdout):
    the snapshots of ``user_ids`` (everyone when None) between the two dates,
    by person and date, each with that day's activity."""
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")
    out.writerow(HEADER)
    for rows in _batches(user_ids, date_from, date_to):
        out.writerows(_line(row) for row in rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _line(row: tuple) -> list:
    email, date, *numbers, name = row
    return [neutralise(email), date.isoformat(), *(rules.plain(n) for n in numbers), neutralise(name)]


def _batches(user_ids, date_from, date_to) -> Iterator[list[tuple]]:
    """The rows from a server-side cursor, so an export of millions never sits in memory."""
    where, params = ["TRUE"], []
    if user_ids is not None:
        where.append("s.user_id = ANY(%s)")
        params.append(list(user_ids))
    if date_from is not None:
        where.append("s.date >= %s")
        params.append(date_from)
    if date_to is not None:
        where.append("s.date <= %s")
        params.append(date_to)
    sql = f"""
        SELECT u.email, s.date, {", ".join(f"s.{c}" for c in SCORE_COLUMNS)},
               {", ".join(f"a.{c}" for c in rules.ACTIVITY_FIELDS)}, u.name
        FROM {Snapshot._meta.db_table} s
        JOIN {User._meta.db_table} u ON u.id = s.user_id
        LEFT JOIN {Activity._meta.db_table} a
               ON a.user_id = s.user_id AND a.period_start = s.date AND a.period_end = s.date
        WHERE {" AND ".join(where)}
        ORDER BY lower(u.email), s.date"""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(_BATCH):
            yield rows
