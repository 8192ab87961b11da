"""The figures of the weekly emails, computed here so the emails only format them.

A person's week: their SSI and its 7-day change (the dashboard's headline), the
pillar that moved most over the same 7 days, goal progress and streaks. A
manager's week: each managed team's leaderboard movers and silent members.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from scoring import goals, summary_store, teams
from scoring.models import UserDay
from scoring.summary import Headline
from scoring.summary_store import PillarMove
from tracking.access import managed_team_ids
from tracking.models import Team, User

MOVERS_LIMIT = 3


@dataclass(frozen=True)
class PersonWeek:
    headline: Headline
    pillar_move: PillarMove | None
    projection: goals.Projection | None
    log_streak: int
    week_streak: int
    logged_this_week: int


def person_week(person: User, today: dt.date) -> PersonWeek | None:
    """``person``'s week up to ``today`` (their local date), from their stored
    summary; None before their first log."""
    stored = summary_store.read(person)
    if stored is None:
        return None
    top = stored.headline
    # The digest speaks of one goal: the person's own, else their manager's.
    current = goals.current_goals(person)
    # A streak counts only while it is alive: logged today or yesterday.
    alive = (today - top.as_of).days <= 1
    return PersonWeek(
        headline=top,
        pillar_move=stored.pillar_move,
        projection=stored.projection(current[0]) if current else None,
        log_streak=stored.row.log_streak if alive else 0,
        week_streak=stored.row.week_streak if (today - top.as_of).days <= 7 else 0,
        logged_this_week=UserDay.objects.filter(
            user=person, date__range=(today - dt.timedelta(days=6), today)
        ).count(),
    )


@dataclass(frozen=True)
class TeamWeek:
    team: Team
    members: int
    rising: list[teams.MemberRow]
    slipping: list[teams.MemberRow]
    not_reporting: list[teams.MemberRow]


def managed_teams_week(manager: User, now: dt.datetime) -> list[TeamWeek]:
    """For each team ``manager`` manages, as of the team's day at ``now``: the
    members who moved most over 7 days, up and down, and those not reporting."""
    weeks = []
    for team in Team.objects.filter(pk__in=managed_team_ids(manager)).order_by("name"):
        rows = teams.leaderboard(team, teams.team_day(team, now))
        moved = [r for r in rows if r.reporting and r.delta7 is not None]
        weeks.append(TeamWeek(
            team=team,
            members=len(rows),
            rising=sorted((r for r in moved if r.delta7 > 0), key=lambda r: (-r.delta7, r.name.lower()))[:MOVERS_LIMIT],
            slipping=sorted((r for r in moved if r.delta7 < 0), key=lambda r: (r.delta7, r.name.lower()))[:MOVERS_LIMIT],
            not_reporting=teams.not_reporting(rows),
        ))
    return weeks
