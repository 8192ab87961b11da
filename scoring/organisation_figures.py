"""The organisation's current figures: everyone's spread, each team's, the
headline count, and every team's median over time. Computed here, and only
here, from the stored summaries and ``TeamDay``; the team page compares its
members against ``organisation_spreads``.

Each function costs one or two queries, whatever the organisation's size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from scoring.recompute_sql import REPORTING_DAYS
from scoring.teams import METRICS, Spread, metric_column, spread
from tracking.models import Membership, Team

# Everyone's stored latest reading (their summary): the same figures their
# own dashboard shows.
_CURRENT_SQL = """
SELECT s.user_id, s.ssi, s.brand, s.people, s.insights, s.relationships
FROM scoring_personsummary s
WHERE s.as_of BETWEEN %(since)s AND %(today)s {users}
ORDER BY s.user_id
"""


def current_values(today: dt.date, user_ids: Sequence[int] | None = None) -> dict[int, dict[str, Decimal | None]]:
    """Everyone's (or these people's) latest values no older than a week. One query."""
    params: dict = {"since": today - dt.timedelta(days=REPORTING_DAYS), "today": today}
    users = ""
    if user_ids is not None:
        users, params["users"] = "AND s.user_id = ANY(%(users)s)", list(user_ids)
    with connection.cursor() as cursor:
        cursor.execute(_CURRENT_SQL.format(users=users), params)
        return {uid: dict(zip(METRICS, values, strict=True)) for uid, *values in cursor.fetchall()}


def _spread_columns(metric: str) -> str:
    column = f"s.{metric_column(metric)}::float8"
    return (f"count({column}), min({column}), percentile_cont(0.25) WITHIN GROUP (ORDER BY {column}), "
            f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {column}), "
            f"percentile_cont(0.75) WITHIN GROUP (ORDER BY {column}), max({column})")


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
    out: dict[str, Spread | None] = {}
    for n, metric in enumerate(METRICS):
        people, *five = values[n * 6:(n + 1) * 6]
        out[metric] = Spread(people, *(round(v, 3) for v in five)) if people else None
    return out


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
        return {team_id: Spread(people, *(round(v, 3) for v in five)) for team_id, people, *five in cursor.fetchall()}


@dataclass(frozen=True)
class OrganisationCount:
    """The people the organisation table's rows are made of: each team's members
    (managers are not ranked, so not counted), a person in several teams once."""

    members: int
    teams: int
    in_several: int
    reporting: int
    ssi: Spread | None


def organisation_count(today: dt.date) -> OrganisationCount:
    """Distinct team members, how many are in more than one team, and how many
    report now, with their SSI spread. Two queries."""
    members = list(Membership.objects.filter(role=Membership.Role.MEMBER).values_list("team_id", "user_id"))
    teams_of: dict[int, int] = defaultdict(int)
    for _, uid in members:
        teams_of[uid] += 1
    current = current_values(today, sorted(teams_of))
    return OrganisationCount(
        members=len(teams_of),
        teams=Team.objects.count(),
        in_several=sum(1 for n in teams_of.values() if n > 1),
        reporting=len(current),
        ssi=spread(v["ssi"] for v in current.values()),
    )


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
