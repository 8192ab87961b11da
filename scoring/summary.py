"""Headline figures for a person: computed here, and only here."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Max

from scoring.models import Annotation, UserDay
from tracking import rules
from tracking.models import Activity, Membership, Snapshot, Team, User

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


def days_for(person: User, start: dt.date | None) -> list[dict]:
    rows = UserDay.objects.filter(user=person).order_by("date")
    if start is not None:
        rows = rows.filter(date__gte=start)
    return list(rows.values(*FIELDS))


def averages_for(person: User, start: dt.date | None) -> list[dict]:
    """The industry's and network's average SSI as LinkedIn showed them with each
    snapshot ({"date", "industry_avg", "network_avg"}), oldest first: context
    for the person's own line, kept with the raw snapshot."""
    rows = Snapshot.objects.filter(user=person).order_by("date")
    if start is not None:
        rows = rows.filter(date__gte=start)
    return list(rows.values("date", "industry_avg", "network_avg"))


def headline(person: User) -> Headline | None:
    latest = UserDay.objects.filter(user=person).order_by("-date").first()
    if latest is None:
        return None
    best = UserDay.objects.filter(user=person).order_by("-ssi", "date").values("ssi", "date").first()
    return Headline(
        as_of=latest.date,
        ssi=latest.ssi,
        delta7=latest.delta7,
        delta30=latest.delta30,
        delta90=latest.delta90,
        best=best["ssi"],
        best_on=best["date"],
        days_logged=UserDay.objects.filter(user=person).count(),
        today=person.today(),
    )


def has_pending_snapshots(person: User) -> bool:
    """True when raw snapshots exist that the derived table does not show yet
    (the recompute is queued or running)."""
    latest_raw = Snapshot.objects.filter(user=person).aggregate(d=Max("date"))["d"]
    if latest_raw is None:
        return False
    return not UserDay.objects.filter(user=person, date=latest_raw).exists()


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


def theil_sen(points: list[tuple[dt.date, Decimal]]) -> Slope | None:
    """Points per week through (date, value) points; None with fewer than two dates."""
    slopes = []
    for i, (d1, v1) in enumerate(points):
        for d2, v2 in points[i + 1:]:
            if d2 != d1:
                slopes.append((Decimal(v2) - Decimal(v1)) * 7 / (d2 - d1).days)
    if not slopes:
        return None
    slopes.sort()
    return Slope(
        per_week=_median(slopes),
        low=_quantile(slopes, Decimal("0.25")),
        high=_quantile(slopes, Decimal("0.75")),
        observations=len(points),
    )


def _quantile(ordered: list[Decimal], q: Decimal) -> Decimal:
    """Linear interpolation between order statistics (PostgreSQL's percentile_cont)."""
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _slope_points(person: User, as_of: dt.date | None) -> list[tuple[dt.date, Decimal]]:
    rows = UserDay.objects.filter(user=person)
    if as_of is None:
        as_of = rows.aggregate(d=Max("date"))["d"]
        if as_of is None:
            return []
    start = as_of - dt.timedelta(days=SLOPE_DAYS - 1)
    return list(rows.filter(date__range=(start, as_of)).order_by("date").values_list("date", "ssi"))


def slope_for(person: User, as_of: dt.date | None = None) -> Slope | None:
    return theil_sen(_slope_points(person, as_of))


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


def trend_for(person: User) -> Trend | None:
    """The dashboard's trend: Theil–Sen over the last ``SLOPE_DAYS`` days up to
    the latest reading, once there is enough of them (see the minimums above)."""
    points = _slope_points(person, None)
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


def _activity_totals(user_ids: list[int], start: dt.date, end: dt.date, fields: tuple) -> dict[int, dict]:
    """Each person's counts over [start, end]: daily rows and whole periods inside
    the window (a period total is never split across days)."""
    from django.db.models import Sum

    rows = (
        Activity.objects.filter(user_id__in=user_ids, period_start__gte=start, period_end__lte=end)
        .values("user_id").annotate(**{f: Sum(f) for f in fields})
    )
    return {row["user_id"]: row for row in rows}


def coaching(person: User, latest: dict | None) -> Coaching | None:
    """The pillar with the most headroom on the latest day with pillars, and what moves it:
    this person's recent counts against the median of their team's members."""
    if latest is None or latest.get("brand") is None:
        return None
    pillar = max(rules.PILLARS, key=lambda p: (rules.PILLAR_MAX - latest[p], -rules.PILLARS.index(p)))
    until = person.today()
    since = until - dt.timedelta(days=ACTIVITY_DAYS - 1)
    fields = rules.PILLAR_LEVERS[pillar]
    team = (
        Team.objects.filter(memberships__user=person, memberships__role=Membership.Role.MEMBER)
        .order_by("name").first()
    )
    member_ids = (
        list(Membership.objects.filter(team=team, role=Membership.Role.MEMBER).values_list("user_id", flat=True))
        if team else [person.pk]
    )
    totals = _activity_totals(member_ids, since, until, fields)
    mine = totals.get(person.pk, {})
    levers = []
    for field in fields:
        counts = [row[field] for row in totals.values() if row[field] is not None]
        levers.append(Lever(
            activity=field,
            label=rules.LABELS[field],
            mine=mine.get(field),
            team_median=_median(counts) if team else None,
        ))
    return Coaching(
        pillar=pillar, label=rules.LABELS[pillar], value=latest[pillar],
        headroom=rules.PILLAR_MAX - latest[pillar], advice=rules.PILLAR_ADVICE[pillar],
        levers=levers, team_name=team.name if team else None, since=since, until=until,
    )


@dataclass(frozen=True)
class Standing:
    team_id: int
    team_name: str
    date: dt.date
    rank: int
    reporting: int
    percentile: Decimal | None


def standings(person: User) -> list[Standing]:
    """The person's latest standing in each team they are a member of."""
    from scoring.models import TeamMemberDay

    found = []
    for team in Team.objects.filter(memberships__user=person, memberships__role=Membership.Role.MEMBER):
        row = TeamMemberDay.objects.filter(user=person, team=team).order_by("-date").first()
        if row is not None:
            found.append(Standing(team.pk, team.name, row.date, row.rank, row.reporting, row.percentile))
    return found


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


def annotation_effects(person: User) -> list[Effect]:
    """For each note: the SSI change over the 30 days before it and the 30 days after
    (each end the as-of value, within the 3-day tolerance); empty where a value is missing."""
    series = dict(UserDay.objects.filter(user=person).values_list("date", "ssi"))
    span = dt.timedelta(days=EFFECT_DAYS)
    effects = []
    for note in Annotation.objects.filter(user=person).order_by("date", "id"):
        then, start, end = (as_of_ssi(series, d) for d in (note.date, note.date - span, note.date + span))
        effects.append(Effect(
            annotation=note,
            before=None if then is None or start is None else then - start,
            after=None if then is None or end is None else end - then,
        ))
    return effects


# --- What a person's dashboard was built from ----------------------------------

# Each term pairs max(id) with count(*): besides catching deletions, it keeps
# PostgreSQL from answering max(id) by walking the whole primary key backwards.
# Goals and notes are edited in place, and are few: their rows' text is hashed.
_STAMP_SQL = """
SELECT
    (SELECT max(id)::text || '/' || count(*) FROM scoring_userday WHERE user_id = %(user)s),
    (SELECT max(updated_at) FROM tracking_snapshot WHERE user_id = %(user)s),
    (SELECT max(updated_at)::text || '/' || count(*) FROM tracking_activity WHERE user_id = %(user)s),
    (SELECT max(id)::text || '/' || count(*) FROM scoring_teammemberday WHERE user_id = %(user)s),
    (SELECT string_agg(t.stamp, ',' ORDER BY m.team_id) FROM tracking_membership m, LATERAL (
        SELECT max(id)::text || '/' || count(*) AS stamp FROM scoring_teamday d WHERE d.team_id = m.team_id
    ) t WHERE m.user_id = %(user)s),
    (SELECT md5(string_agg(r::text, ',' ORDER BY r.id)) FROM scoring_goal r WHERE r.user_id = %(user)s),
    (SELECT md5(string_agg(r::text, ',' ORDER BY r.id)) FROM scoring_annotation r WHERE r.user_id = %(user)s),
    (SELECT max(id)::text || '/' || count(*) FROM scoring_anomaly WHERE user_id = %(user)s)
"""


def data_stamp(person: User) -> str:
    """A fingerprint of every row a person's dashboard reads, in one query.

    A recompute gives every derived row it changes a new id, so any change to
    this person's snapshots, activity, days, their teams' days, goals, notes or
    anomalies gives a new stamp: a dashboard cached under the old one is never
    shown again. (Team medians of activity in the coaching card, and insights
    from the team's pooled weeks, follow a teammate's change within the
    cache's timeout.)
    """
    with connection.cursor() as cursor:
        cursor.execute(_STAMP_SQL, {"user": person.pk})
        parts = ":".join("" if value is None else str(value) for value in cursor.fetchone())
    return hashlib.blake2b(parts.encode(), digest_size=12).hexdigest()
