"""The organisation's current figures: everyone's spread, each team's, the
headline count, and every team's median over time. Computed here, and only
here, from the stored summaries and ``TeamDay``; the team page compares its
members against ``organisation_spreads``, which is also stored, for each day a
team page shows, after every change of the summaries (``OrganisationSpread``):
with 10,000 people the aggregate is 40–70 ms of PostgreSQL's time, the same for
every team page of the day.

Each function costs one query, whatever the organisation's size.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

import orjson
from django.db import connection, transaction
from django.utils import timezone

from scoring.recompute_sql import REPORTING_DAYS
from scoring.teams import METRICS, Spread, latest_today, member_zones, metric_column


def _spread_columns(metric: str) -> str:
    """count, min, [p25, median, p75], max of ``metric`` (alias ``s``): one sort
    gives all three percentiles."""
    column = f"s.{metric_column(metric)}::float8"
    return (f"count({column}), min({column}), "
            f"percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY {column}), max({column})")


def _spread(people: int, low, quartiles, high) -> Spread | None:
    """A ``Spread`` from ``_spread_columns``' four values (None when nobody counts)."""
    if not people:
        return None
    return Spread(people, *(round(v, 3) for v in (low, *quartiles, high)))


# The same five numbers as ``spread`` over everyone's stored latest reading,
# computed by PostgreSQL: with 10,000 people, one aggregate instead of sending
# every row to Python on every team page.
_ORGANISATION_SQL = f"""
SELECT {", ".join(_spread_columns(m) for m in METRICS)}
FROM scoring_personsummary s
WHERE s.as_of BETWEEN %(since)s AND %(today)s
"""


def organisation_spreads(today: dt.date) -> dict[str, Spread | None]:
    """Each metric's spread across everyone reporting now, in every team or none. One query."""
    with connection.cursor() as cursor:
        cursor.execute(_ORGANISATION_SQL, {"since": today - dt.timedelta(days=REPORTING_DAYS), "today": today})
        values = cursor.fetchone()
    return {metric: _spread(*values[n * 4:(n + 1) * 4]) for n, metric in enumerate(METRICS)}


# --- Stored for each day a team page shows ----------------------------------

_CURRENT_SQL = """
SELECT spreads::text FROM scoring_organisationspread
WHERE as_of = %s AND version = (SELECT last_value FROM scoring_summary_version)
"""

_STORE_SQL = """
INSERT INTO scoring_organisationspread (as_of, version, spreads, computed_at) VALUES (%s, %s, %s::jsonb, now())
ON CONFLICT (as_of) DO UPDATE SET version = EXCLUDED.version, spreads = EXCLUDED.spreads,
    computed_at = EXCLUDED.computed_at
WHERE scoring_organisationspread.version < EXCLUDED.version
"""

def current_spreads(today: dt.date) -> dict[str, Spread | None]:
    """``organisation_spreads(today)``: the stored one while no summary has
    changed since it was computed (one query), otherwise computed here."""
    with connection.cursor() as cursor:
        cursor.execute(_CURRENT_SQL, [today])
        row = cursor.fetchone()
    if row is None:
        return organisation_spreads(today)
    return {metric: None if value is None else Spread(*value) for metric, value in orjson.loads(row[0]).items()}


def team_days(now: dt.datetime | None = None) -> set[dt.date]:
    """Every day some team's page shows now (``teams.team_day`` of each team). One query."""
    now = now or timezone.now()
    return {latest_today(zones, now) for zones in member_zones().values()}


def refresh_spreads(now: dt.datetime | None = None) -> int:
    """Store ``organisation_spreads`` for every day a team page shows now,
    under a new version taken first: a change committed after that takes a
    newer one, which makes these rows no longer current. Returns the rows written."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('scoring_summary_version')")
        version = cursor.fetchone()[0]
    days = sorted(team_days(now))
    for day in days:
        spreads = organisation_spreads(day)
        document = orjson.dumps({m: None if s is None else [s.people, s.low, s.p25, s.median, s.p75, s.high]
                                 for m, s in spreads.items()}).decode()
        with connection.cursor() as cursor:
            cursor.execute(_STORE_SQL, [day, version, document])
    return len(days)


def stale_spreads() -> None:
    """Take a new version, so the stored spreads are no longer current (pages
    compute the spread themselves until the next refresh)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('scoring_summary_version')")


_state = threading.local()


@contextmanager
def refreshed_once():
    """A task that commits many batches of summaries (an import's recompute,
    the nightly run) refreshes the stored spreads once, when it ends: inside,
    each batch's commit only takes a new version (``stale_spreads``), so pages
    never read a spread older than what they can see. Ends with the refresh
    even when a batch failed; a process killed before then leaves the spreads
    stale, computed by each page, until the next change or the nightly run."""
    if getattr(_state, "owed", None) is not None:
        yield
        return
    _state.owed = False
    try:
        yield
    finally:
        owed, _state.owed = _state.owed, None
        if owed:
            transaction.on_commit(refresh_spreads, robust=True)


def summaries_changed() -> None:
    """Called by whatever writes or deletes person summaries: once that
    transaction commits, a new version makes the stored spreads stale and
    they are computed again (inside ``refreshed_once``, once at its end).
    Before then, pages read the ones that match what they can see. Once per
    transaction: a deletion of many people calls it for each of them."""
    deferred = getattr(_state, "owed", None) is not None
    callback = stale_spreads if deferred else refresh_spreads
    if deferred:
        _state.owed = True
    if connection.in_atomic_block and any(func is callback for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(callback, robust=True)


_TEAM_SPREADS_SQL = f"""
SELECT m.team_id, {_spread_columns("ssi")}
FROM tracking_membership m
JOIN scoring_personsummary s ON s.user_id = m.user_id
WHERE m.role = 'member' AND s.as_of BETWEEN %(since)s AND %(today)s
GROUP BY m.team_id
"""


def team_current_spreads(today: dt.date) -> dict[int, Spread | None]:
    """Each team's current SSI spread (members only), keyed by team id. One query."""
    with connection.cursor() as cursor:
        cursor.execute(_TEAM_SPREADS_SQL, {"since": today - dt.timedelta(days=REPORTING_DAYS), "today": today})
        return {team_id: _spread(*values) for team_id, *values in cursor.fetchall()}


@dataclass(frozen=True)
class OrganisationCount:
    """The people the organisation table's rows are made of: each team's members
    (managers are not ranked, so not counted), a person in several teams once."""

    members: int
    teams: int
    in_several: int
    reporting: int
    ssi: Spread | None


# Each team member once (with how many teams they are in), joined to their
# stored latest reading when it is recent enough to count.
_COUNT_SQL = f"""
WITH m AS (
    SELECT user_id, count(*) AS teams FROM tracking_membership WHERE role = 'member' GROUP BY user_id
)
SELECT count(*), count(*) FILTER (WHERE m.teams > 1), (SELECT count(*) FROM tracking_team),
       {_spread_columns("ssi")}
FROM m LEFT JOIN scoring_personsummary s ON s.user_id = m.user_id AND s.as_of BETWEEN %(since)s AND %(today)s
"""


def organisation_count(today: dt.date) -> OrganisationCount:
    """Distinct team members, how many are in more than one team, and how many
    report now, with their SSI spread. One query."""
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_SQL, {"since": today - dt.timedelta(days=REPORTING_DAYS), "today": today})
        members, in_several, teams, *ssi = cursor.fetchone()
    return OrganisationCount(members=members, teams=teams, in_several=in_several, reporting=ssi[0],
                             ssi=_spread(*ssi))


def organisation_medians(start: dt.date | None, end: dt.date, weekly: bool) -> dict[int, list[tuple[dt.date, float | None, int]]]:
    """Every team's median SSI over time (from TeamDay), keyed by team id:
    (date, median, reporting), weekly as the mean of the days. One query."""
    period = "date_trunc('week', date)::date" if weekly else "date"
    sql = f"""
        SELECT team_id, {period}, AVG(median), MIN(reporting)
        FROM scoring_teamday
        WHERE metric = 'ssi' AND date >= %(start)s AND date <= %(end)s
        GROUP BY 1, 2 ORDER BY 1, 2
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": start or dt.date.min, "end": end})
        out: dict[int, list] = defaultdict(list)
        for team_id, day, median, reporting in cursor.fetchall():
            out[team_id].append((day, None if median is None else round(float(median), 3), reporting))
    return dict(out)
