"""Team figures: the leaderboard, member series, team bands and distributions.
Computed here, and only here (the organisation's figures are in
``scoring.organisation_figures``).

Team time series (median, p25–p75) come from ``TeamDay``, which scoring's
recompute fills. What ``TeamDay`` does not hold — one row per member, each
member's own series, a team's current spread — is read from ``UserDay`` with the same rule DESIGN.md gives for team
days, and the same ``REPORTING_DAYS`` the team recompute uses: a person counts
with their latest observation no older than that; without one they are "not
reporting".

Every function here costs a fixed number of queries, whatever the team's size:
the team page's query count is pinned by a test.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from scoring.recompute_sql import REPORTING_DAYS
from scoring.summary import tenth, whole
from tracking import rules
from tracking.models import Membership, Team

# Aggregates of fewer people than this are not shown to anyone but the team's
# managers and admins: with two people, "the median" is a colleague's score.
PRIVACY_FLOOR = 3
METRICS = ("ssi", *rules.PILLARS)
METRIC_LABELS = {m: rules.LABELS[m] for m in METRICS}
# Ranges longer than this are drawn with one point per week, so a 50-person,
# three-year chart stays a few hundred kilobytes.
DAILY_MAX_DAYS = 90
SPARK_DAYS = 90
RISING_LIMIT = 5

@dataclass
class MemberRow:
    """One member on the leaderboard. ``rank`` is among reporting members only."""

    user_id: int
    name: str
    email: str
    last_logged: dt.date | None
    ssi: Decimal | None
    brand: Decimal | None
    people: Decimal | None
    insights: Decimal | None
    relationships: Decimal | None
    delta7: Decimal | None
    delta30: Decimal | None
    reporting: bool
    previous_ssi: Decimal | None = None
    rank: int | None = None
    previous_rank: int | None = None

    @property
    def ssi_whole(self) -> int | None:
        return whole(self.ssi)

    @property
    def rank_change(self) -> int | None:
        """Places gained since a week ago (positive is up the table)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    def value(self, metric: str) -> Decimal | None:
        return getattr(self, metric)


def _competition_ranks(values: dict[int, Decimal]) -> dict[int, int]:
    """1-2-2-4 ranking, highest value first: equal scores share a place."""
    ordered = sorted(values.values(), reverse=True)
    first_place = {}
    for position, value in enumerate(ordered, start=1):
        first_place.setdefault(value, position)
    return {key: first_place[value] for key, value in values.items()}


# Each member's current figures are their stored summary's (their latest
# reading, as their own dashboard shows it): with the team's day the latest of
# its members' own todays, that reading is their latest up to the team's day.
_LEADERBOARD_SQL = """
SELECT u.id, u.name, u.email,
       cur.as_of, cur.ssi, cur.brand, cur.people, cur.insights, cur.relationships,
       cur.delta7, cur.delta30,
       prev.date, prev.ssi
FROM tracking_membership m
JOIN tracking_user u ON u.id = m.user_id
LEFT JOIN scoring_personsummary cur ON cur.user_id = u.id AND cur.as_of <= %(today)s
LEFT JOIN LATERAL (
    SELECT d.date, d.ssi FROM scoring_userday d
    WHERE d.user_id = u.id AND d.date <= %(week_ago)s
    ORDER BY d.date DESC LIMIT 1
) prev ON true
WHERE m.team_id = %(team)s AND m.role = %(role)s
ORDER BY u.id
"""


def latest_today(zones: Iterable[str], now: dt.datetime | None = None) -> dt.date:
    """The latest of the calendar dates it is ``now`` in these time zones (the
    server's own date when there are none)."""
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    now = now or timezone.now()
    days = [now.astimezone(ZoneInfo(zone)).date() for zone in set(zones) if zone]
    return max(days, default=timezone.localdate(now))


# Each team's members' time zones (managers are not ranked, so their zones
# do not set the day); written out, as every team page asks it first.
_MEMBER_ZONES_SQL = """
SELECT DISTINCT m.team_id, u.time_zone FROM tracking_membership m JOIN tracking_user u ON u.id = m.user_id
WHERE m.role = %(role)s AND (%(team)s::bigint IS NULL OR m.team_id = %(team)s)
"""


def member_zones(team_id: int | None = None) -> dict[int, list[str]]:
    """The time zones of each team's members, keyed by team: one team's, or
    every team's when ``team_id`` is None. One query."""
    zones: dict[int, list[str]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(_MEMBER_ZONES_SQL, {"role": Membership.Role.MEMBER, "team": team_id})
        for team, zone in cursor.fetchall():
            zones[team].append(zone)
    return zones


def team_day(team: Team, now: dt.datetime | None = None) -> dt.date:
    """The day a team's views show: the latest of its members' own todays.
    Each member's latest reading is then their latest up to it, and a member
    reports when that reading is within ``REPORTING_DAYS`` of it. One query."""
    return latest_today(member_zones(team.pk)[team.pk], now)


def day_label(day: dt.date) -> str:
    """ "Latest readings as of 2 December" (with the year when it is not this one)."""
    from django.utils import timezone

    text = f"{day.day} {day:%B}" + ("" if day.year == timezone.localdate().year else f" {day.year}")
    return f"Latest readings as of {text}"


def is_reporting(last: dt.date | None, today: dt.date) -> bool:
    return last is not None and (today - last).days <= REPORTING_DAYS


def leaderboard(team: Team, today: dt.date) -> list[MemberRow]:
    """As of ``today``, the team's day (``team_day``): every member (role "member"; managers are not ranked) with their current
    values, 7- and 30-day change, rank now and rank a week ago. Sorted by rank,
    then name; members not reporting come last. One query."""
    week_ago = today - dt.timedelta(days=7)
    with connection.cursor() as cursor:
        cursor.execute(
            _LEADERBOARD_SQL,
            {"today": today, "week_ago": week_ago, "team": team.pk, "role": Membership.Role.MEMBER},
        )
        raw = cursor.fetchall()
    rows = []
    previous: dict[int, Decimal] = {}
    for uid, name, email, last, ssi, brand, people, insights, rel, d7, d30, prev_date, prev_ssi in raw:
        reporting = is_reporting(last, today)
        rows.append(MemberRow(
            user_id=uid, name=name or email.split("@")[0], email=email, last_logged=last,
            ssi=ssi, brand=brand, people=people, insights=insights, relationships=rel,
            delta7=d7, delta30=d30, reporting=reporting,
        ))
        if is_reporting(prev_date, week_ago):
            previous[uid] = prev_ssi
    ranks = _competition_ranks({r.user_id: r.ssi for r in rows if r.reporting})
    previous_ranks = _competition_ranks(previous)
    for row in rows:
        row.rank = ranks.get(row.user_id)
        row.previous_rank = previous_ranks.get(row.user_id)
        row.previous_ssi = previous.get(row.user_id)
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.name.lower()))
    return rows


def spark_start(today: dt.date) -> dt.date:
    """The first day a sparkline covers: the last ``SPARK_DAYS`` days up to ``today``."""
    return today - dt.timedelta(days=SPARK_DAYS - 1)


# Leaderboard columns that sort, in the order the table shows them.
SORT_KEYS = {
    "rank": "Rank",
    "rank_change": "Rank change",
    "name": "Name",
    "ssi": "SSI",
    "delta7": "7-day change",
    "delta30": "30-day change",
    "brand": "Brand",
    "people": "People",
    "insights": "Insights",
    "relationships": "Relationships",
    "last_logged": "Last logged",
}


def sort_rows(rows: Sequence[MemberRow], key: str, descending: bool) -> list[MemberRow]:
    """Rows ordered by ``key``; empty values always sink to the bottom."""
    if key not in SORT_KEYS:
        key = "rank"

    def value(row: MemberRow):
        if key == "name":
            return row.name.lower()
        return getattr(row, key)

    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    present.sort(key=value, reverse=descending)
    return present + missing


def filter_rows(rows: Sequence[MemberRow], query: str, only_not_reporting: bool = False) -> list[MemberRow]:
    """Rows whose name or email contains ``query`` (any case)."""
    query = query.strip().lower()
    return [
        r for r in rows
        if (not query or query in r.name.lower() or query in r.email.lower())
        and (not only_not_reporting or not r.reporting)
    ]


def rising_and_slipping(rows: Sequence[MemberRow], limit: int = RISING_LIMIT) -> tuple[list[MemberRow], list[MemberRow]]:
    """Reporting members with the largest 30-day gains, and the largest falls.
    A change that shows as 0.0 is neither."""
    changed = [r for r in rows if r.reporting and r.delta30 is not None]
    rising = sorted((r for r in changed if tenth(r.delta30) > 0), key=lambda r: (-r.delta30, r.name.lower()))
    slipping = sorted((r for r in changed if tenth(r.delta30) < 0), key=lambda r: (r.delta30, r.name.lower()))
    return rising[:limit], slipping[:limit]


def not_reporting(rows: Sequence[MemberRow]) -> list[MemberRow]:
    """Members without a snapshot in the last week, longest silent first."""
    silent = [r for r in rows if not r.reporting]
    return sorted(silent, key=lambda r: (r.last_logged is not None, r.last_logged or dt.date.min, r.name.lower()))


def is_weekly(start: dt.date | None, end: dt.date) -> bool:
    return start is None or (end - start).days + 1 > DAILY_MAX_DAYS


def metric_column(metric: str) -> str:
    # The column name goes into SQL text: only the five known names get there.
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}")
    return metric


def member_series(
    user_ids: Sequence[int], metric: str, start: dt.date | None, end: dt.date, weekly: bool = False,
) -> dict[int, list[tuple[dt.date, float]]]:
    """Each person's ``metric`` per observed day in [start, end], or per week
    (the mean of that week's observations, dated by its Monday). One query."""
    if not user_ids:
        return {}
    column = metric_column(metric)
    params = {"users": list(user_ids), "start": start or dt.date.min, "end": end}
    where = f"d.user_id = ANY(%(users)s) AND d.date <= %(end)s AND d.date >= %(start)s AND d.{column} IS NOT NULL"
    out: dict[int, list[tuple[dt.date, float]]] = defaultdict(list)
    with connection.cursor() as cursor:
        if weekly:
            cursor.execute(f"""
                SELECT d.user_id, date_trunc('week', d.date)::date, AVG(d.{column})
                FROM scoring_userday d WHERE {where} GROUP BY 1, 2 ORDER BY 1, 2
            """, params)
            for uid, week, value in cursor.fetchall():
                out[uid].append((week, round(float(value), 3)))
        else:
            # One row per person and day already (the unique key): read in
            # index order, with nothing to aggregate.
            # float8: the nearest double of a three-decimal value, which is
            # what the charts take, without building a Decimal per row.
            cursor.execute(f"SELECT d.user_id, d.date, d.{column}::float8 FROM scoring_userday d WHERE {where} "
                           "ORDER BY 1, 2", params)
            for uid, day, value in cursor.fetchall():
                out[uid].append((day, value))
    return dict(out)


def weekly_means(series: dict[int, list[tuple[dt.date, float]]]) -> dict[int, list[tuple[dt.date, float]]]:
    """``member_series(..., weekly=True)`` of the same days, from the daily
    series already read: each week's mean, dated by its Monday."""
    out = {}
    for uid, points in series.items():
        # Sums in thousandths (the values' own precision) are exact, so each
        # mean rounds as PostgreSQL's AVG of the stored numbers does.
        weeks: dict[int, list[int]] = {}  # by the Monday's ordinal
        for day, value in points:
            week = weeks.setdefault(day.toordinal() - day.weekday(), [0, 0])
            week[0] += round(value * 1000)
            week[1] += 1
        out[uid] = [(dt.date.fromordinal(monday), round(total / count / 1000, 3))
                    for monday, (total, count) in sorted(weeks.items())]
    return out


def aligned_series(
    user_ids: Sequence[int], metric: str, days: int | None, weekly: bool,
) -> dict[int, list[tuple[int, float]]]:
    """Each person's ``metric`` by days since their first logged day (or by
    whole weeks since it), over their first ``days`` days. One query.

    New joiners are then compared with veterans' own first weeks, not with
    their present."""
    if not user_ids:
        return {}
    column = metric_column(metric)
    offset = "(d.date - f.first) / 7" if weekly else "d.date - f.first"
    sql = f"""
        WITH f AS (
            SELECT user_id, MIN(date) AS first FROM scoring_userday
            WHERE user_id = ANY(%(users)s) GROUP BY user_id
        )
        SELECT d.user_id, {offset} AS step, AVG(d.{column})
        FROM scoring_userday d JOIN f ON f.user_id = d.user_id
        WHERE d.{column} IS NOT NULL AND d.date - f.first < %(days)s
        GROUP BY 1, 2 ORDER BY 1, 2
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"users": list(user_ids), "days": days if days is not None else 2**31 - 1})
        out: dict[int, list[tuple[int, float]]] = defaultdict(list)
        for uid, step, value in cursor.fetchall():
            out[uid].append((step, round(float(value), 3)))
    return dict(out)


def quantile(values: Sequence[float], q: float) -> float:
    """PostgreSQL's percentile_cont: linear interpolation between order statistics."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def aligned_band(series: dict[int, list[tuple[int, float]]]) -> list[tuple[int, float, float, float, int]]:
    """(step, median, p25, p75, people) across members at each step since their
    start, for steps where at least ``PRIVACY_FLOOR`` members have a value."""
    by_step: dict[int, list[float]] = defaultdict(list)
    for points in series.values():
        for step, value in points:
            by_step[step].append(value)
    return [
        (step, round(quantile(v, 0.5), 3), round(quantile(v, 0.25), 3), round(quantile(v, 0.75), 3), len(v))
        for step, v in sorted(by_step.items())
        if len(v) >= PRIVACY_FLOOR
    ]


@dataclass(frozen=True)
class BandPoint:
    date: dt.date
    median: float | None
    p25: float | None
    p75: float | None
    reporting: int
    members: int


def team_band(team: Team, metric: str, start: dt.date | None, end: dt.date, weekly: bool, floor: int = 0) -> list[BandPoint]:
    """The team's median and p25–p75 of ``metric`` per day (from TeamDay), or per
    week as the mean of its days. Points where fewer than ``floor`` members
    reported keep their date but lose their values: a gap, not a colleague's
    score. One query."""
    metric_column(metric)
    period = "date_trunc('week', date)::date" if weekly else "date"
    sql = f"""
        SELECT {period}, AVG(median), AVG(p25), AVG(p75), MIN(reporting), MAX(members)
        FROM scoring_teamday
        WHERE team_id = %(team)s AND metric = %(metric)s AND date >= %(start)s AND date <= %(end)s
        GROUP BY 1 ORDER BY 1
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"team": team.pk, "metric": metric, "start": start or dt.date.min, "end": end})
        rows = cursor.fetchall()
    out = []
    for day, median, p25, p75, reporting, members in rows:
        hidden = reporting < floor or median is None
        out.append(BandPoint(
            date=day,
            median=None if hidden else round(float(median), 3),
            p25=None if hidden or p25 is None else round(float(p25), 3),
            p75=None if hidden or p75 is None else round(float(p75), 3),
            reporting=reporting,
            members=members,
        ))
    return out


@dataclass(frozen=True)
class Spread:
    """Five numbers of one metric across a group's current values."""

    people: int
    low: float
    p25: float
    median: float
    p75: float
    high: float


def spread(values: Iterable[Decimal | float | None]) -> Spread | None:
    present = [float(v) for v in values if v is not None]
    if not present:
        return None
    return Spread(
        people=len(present),
        low=round(min(present), 3),
        p25=round(quantile(present, 0.25), 3),
        median=round(quantile(present, 0.5), 3),
        p75=round(quantile(present, 0.75), 3),
        high=round(max(present), 3),
    )


def team_spreads(rows: Sequence[MemberRow]) -> dict[str, Spread | None]:
    """Each metric's spread across the members reporting now."""
    current = [r for r in rows if r.reporting]
    return {m: spread(r.value(m) for r in current) for m in METRICS}


def heatmap_cells(
    series: dict[int, list[tuple[dt.date, float]]], rows: Sequence[MemberRow],
) -> tuple[list[dt.date], list[str], list[list[float | None]]]:
    """Weeks (columns), member names (rows, in leaderboard order) and weekly
    values, with None where a member logged nothing that week."""
    weeks = sorted({week for points in series.values() for week, _ in points})
    column = {week: i for i, week in enumerate(weeks)}
    names, z = [], []
    for row in rows:
        line: list[float | None] = [None] * len(weeks)
        for week, value in series.get(row.user_id, []):
            line[column[week]] = value
        names.append(row.name)
        z.append(line)
    return weeks, names, z

