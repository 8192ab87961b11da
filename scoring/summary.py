"""A person's figures: the headline, trend, coaching, standings and note effects,
computed here from rows given (the recompute loads them, scoring.person_summary)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations, starmap
from operator import sub, truediv

from django.db import connection

from scoring.models import Annotation, UserDay
from tracking import rules
from tracking.models import Snapshot, User

RANGES = {"30": 30, "90": 90, "365": 365, "all": None}
RANGE_LABELS = {"30": "30 days", "90": "90 days", "365": "1 year", "all": "All"}
DEFAULT_RANGE = "90"

FIELDS = (
    "date", "ssi", "brand", "people", "insights", "relationships",
    "industry_rank", "network_rank", "avg7", "avg30", "delta7", "delta30", "delta90",
    "log_streak", "week_streak",
)


def whole(value: Decimal | None) -> int | None:
    """The total as LinkedIn shows it: a whole number, rounded half-up."""
    return None if value is None else int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def tenth(value: Decimal | None) -> Decimal | None:
    """A change as the pages show it: one decimal, rounded half-up, so a change
    under 0.05 either way is 0.0 (never "-0.0")."""
    if value is None:
        return None
    shown = Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return shown if shown else Decimal("0.0")


@dataclass(frozen=True)
class Headline:
    as_of: dt.date
    ssi: Decimal
    delta7: Decimal | None
    delta30: Decimal | None
    delta90: Decimal | None
    best: Decimal
    best_on: dt.date
    days_logged: int
    # The person's own today, in their time zone: a reading older than it is
    # not "today's" SSI.
    today: dt.date

    @property
    def ssi_whole(self) -> int:
        return whole(self.ssi)

    @property
    def ssi_label(self) -> str:
        """ "SSI today", or the date the latest reading is from when it is older."""
        if self.as_of >= self.today:
            return "SSI today"
        day = f"{self.as_of.day} {self.as_of:%B}"
        return f"SSI on {day}" if self.as_of.year == self.today.year else f"SSI on {day} {self.as_of.year}"


def range_start(key: str, today: dt.date) -> dt.date | None:
    days = RANGES.get(key)
    return None if days is None else today - dt.timedelta(days=days - 1)


# The days a dashboard draws, with the industry's and network's average SSI
# that LinkedIn showed with each day's snapshot: one query, read as tuples (the
# ORM's compiling and dicts cost more than the query on every visit).
_DAYS_SQL = (
    "SELECT {fields}, s.industry_avg, s.network_avg FROM {days} d"
    " LEFT JOIN {snapshots} s ON s.user_id = d.user_id AND s.date = d.date"
    " WHERE d.user_id = %s AND d.date >= %s ORDER BY d.date"
)
DAY_FIELDS = (*FIELDS, "industry_avg", "network_avg")


def days_for(person: User, start: dt.date | None) -> list[dict]:
    """``person``'s derived days from ``start`` (every day when None), oldest
    first: FIELDS and the snapshot's ``industry_avg`` and ``network_avg``
    (context for the person's own line, kept with the raw snapshot)."""
    sql = _DAYS_SQL.format(fields=", ".join(f"d.{name}" for name in FIELDS), days=UserDay._meta.db_table,
                           snapshots=Snapshot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [person.pk, start or dt.date.min])
        return [dict(zip(DAY_FIELDS, row, strict=True)) for row in cursor.fetchall()]


# --- The person summary ------------------------------------------------------

# The slope is fitted over the observations of this many days up to the latest.
SLOPE_DAYS = 90
# Recent activity counts cover this many days up to the person's today.
ACTIVITY_DAYS = 28
# Annotation effects compare SSI this many days before and after the mark.
EFFECT_DAYS = 30
# An as-of value may come from an observation up to this many days earlier
# (DESIGN.md's tolerance for deltas).
TOLERANCE_DAYS = 3


def _median(values: list) -> Decimal | None:
    values = sorted(values)
    if not values:
        return None
    mid = len(values) // 2
    if len(values) % 2:
        return Decimal(values[mid])
    return (Decimal(values[mid - 1]) + Decimal(values[mid])) / 2


@dataclass(frozen=True)
class Slope:
    """Theil–Sen: the median of the slopes between every pair of observations, in
    points per week, with the 25th–75th percentile of those slopes as its range.
    One odd day moves a few pairwise slopes, not their median."""

    per_week: Decimal
    low: Decimal
    high: Decimal
    observations: int


def _decimal(value: float) -> Decimal:
    return Decimal(repr(round(value, 6)))


def theil_sen(points: list[tuple[dt.date, Decimal]]) -> Slope | None:
    """Points per week through (date, value) points, one a date (a person's
    days); None with fewer than two. Computed in floats (a 90-day window has up
    to 4,005 pairs) and given back to six decimals."""
    days = [d.toordinal() for d, _ in points]
    values = [float(v) for _, v in points]
    # Each pair's (v1 - v2) / (d1 - d2): in floats exactly (v2 - v1) / (d2 - d1),
    # with the pairs taken by itertools rather than a Python loop.
    slopes = list(map(truediv, starmap(sub, combinations(values, 2)), starmap(sub, combinations(days, 2))))
    if not slopes:
        return None
    slopes.sort()
    # Per day, then per week: order statistics scale with the slopes.
    return Slope(
        per_week=_decimal(_quantile(slopes, 0.5) * 7),
        low=_decimal(_quantile(slopes, 0.25) * 7),
        high=_decimal(_quantile(slopes, 0.75) * 7),
        observations=len(points),
    )


def _quantile(ordered: list[float], q: float) -> float:
    """Linear interpolation between order statistics (PostgreSQL's percentile_cont)."""
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


# A trend is shown only from this many readings in the slope's window: with
# five, one odd reading is in 4 of the 10 pairwise slopes, so the median (the
# 5th and 6th of them) stays within the range of the slopes that do not involve
# it; with four it is in 3 of 6 and can set the median by itself.
TREND_MIN_OBSERVATIONS = 5
# ... and with the first and last of them at least this many days apart: SSI
# moves day to day by more than it grows in a week, so a slope over a few days
# is mostly that day-to-day noise, and three weeks give three weekly steps.
TREND_MIN_DAYS = 21


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class Trend:
    """The slope over the window, or why there is none yet (``slope`` is None)."""

    slope: Slope | None
    observations: int
    span_days: int

    @property
    def shortfall(self) -> str | None:
        if self.slope is not None:
            return None
        logged = _days(self.observations) + " logged"
        if self.observations > 1:
            logged += f", spanning {_days(self.span_days)}"
        return (f"{logged}; a trend needs at least {TREND_MIN_OBSERVATIONS} days logged "
                f"spanning {TREND_MIN_DAYS // 7} weeks.")


def trend(points: list[tuple[dt.date, Decimal]]) -> Trend | None:
    """The trend: Theil–Sen over ``points``, the readings of the last
    ``SLOPE_DAYS`` days up to the latest, once there are enough of them (see
    the minimums above); None without readings."""
    if not points:
        return None
    span = (points[-1][0] - points[0][0]).days
    enough = len(points) >= TREND_MIN_OBSERVATIONS and span >= TREND_MIN_DAYS
    return Trend(theil_sen(points) if enough else None, len(points), span)


@dataclass(frozen=True)
class Lever:
    activity: str
    label: str
    mine: int | None
    team_median: Decimal | None


@dataclass(frozen=True)
class Coaching:
    pillar: str
    label: str
    value: Decimal
    headroom: Decimal
    advice: str
    levers: list[Lever]
    team_name: str | None
    since: dt.date
    until: dt.date


def weakest_pillar(latest: dict) -> str | None:
    """The pillar with the most headroom on a day with pillars (ties: the one listed first)."""
    if latest.get("brand") is None:
        return None
    return max(rules.PILLARS, key=lambda p: (rules.PILLAR_MAX - latest[p], -rules.PILLARS.index(p)))


def coaching(latest: dict, mine: dict, team_counts: list[dict] | None, team_name: str | None,
             since: dt.date, until: dt.date) -> Coaching | None:
    """The pillar with the most headroom on the latest day with pillars, and what
    moves it: this person's counts over [since, until] (``mine``) against the
    median of their team's members' (``team_counts``, None without a team)."""
    pillar = weakest_pillar(latest)
    if pillar is None:
        return None
    levers = []
    for field in rules.PILLAR_LEVERS[pillar]:
        counts = [row[field] for row in team_counts or [] if row.get(field) is not None]
        levers.append(Lever(
            activity=field, label=rules.LABELS[field], mine=mine.get(field),
            team_median=_median(counts) if team_counts is not None else None,
        ))
    return Coaching(
        pillar=pillar, label=rules.LABELS[pillar], value=latest[pillar],
        headroom=rules.PILLAR_MAX - latest[pillar], advice=rules.PILLAR_ADVICE[pillar],
        levers=levers, team_name=team_name, since=since, until=until,
    )


@dataclass(frozen=True)
class Standing:
    team_id: int
    team_name: str
    date: dt.date
    rank: int
    reporting: int
    percentile: Decimal | None


def as_of_ssi(series: dict[dt.date, Decimal], day: dt.date) -> Decimal | None:
    """SSI of the latest observation in [day-3, day]; None when there is none."""
    for back in range(TOLERANCE_DAYS + 1):
        value = series.get(day - dt.timedelta(days=back))
        if value is not None:
            return value
    return None


@dataclass(frozen=True)
class Effect:
    annotation: Annotation
    before: Decimal | None
    after: Decimal | None


def effect(note: Annotation, series: dict[dt.date, Decimal]) -> Effect:
    """The SSI change over the 30 days before a note and the 30 days after (each
    end the as-of value, within the 3-day tolerance); empty where a value is missing."""
    span = dt.timedelta(days=EFFECT_DAYS)
    then, start, end = (as_of_ssi(series, d) for d in (note.date, note.date - span, note.date + span))
    return Effect(
        annotation=note,
        before=None if then is None or start is None else then - start,
        after=None if then is None or end is None else end - then,
    )
