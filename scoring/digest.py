"""The figures of the weekly emails, computed here so the emails only format them.

A person's week: their SSI and its 7-day change (the dashboard's headline), the
pillar that moved most over the same 7 days, goal progress and streaks. A
manager's week: each managed team's leaderboard movers and silent members.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from scoring import goals, teams
from scoring.models import UserDay
from scoring.summary import Headline, headline, slope_for
from tracking import rules
from tracking.access import managed_team_ids
from tracking.models import Team, User

MOVERS_LIMIT = 3


@dataclass(frozen=True)
class PillarMove:
    pillar: str
    label: str
    change: Decimal


@dataclass(frozen=True)
class PersonWeek:
    headline: Headline
    pillar_move: PillarMove | None
    projection: goals.Projection | None
    log_streak: int
    week_streak: int
    logged_this_week: int


def biggest_pillar_move(latest: UserDay) -> PillarMove | None:
    """The pillar whose value changed most (either way) between the latest day
    and the reference day of its 7-day change: the latest observation dated
    7–10 days before, as for delta7. None without pillars on both days."""
    reference = (
        UserDay.objects.filter(
            user_id=latest.user_id,
            date__range=(latest.date - dt.timedelta(days=10), latest.date - dt.timedelta(days=7)),
        )
        .order_by("-date")
        .first()
    )
    if reference is None:
        return None
    moves = [
        PillarMove(p, rules.LABELS[p], getattr(latest, p) - getattr(reference, p))
        for p in rules.PILLARS
        if getattr(latest, p) is not None and getattr(reference, p) is not None
    ]
    if not moves:
        return None
    # Ties go to the pillar listed first, so the same data always names the same pillar.
    return max(moves, key=lambda m: abs(m.change))


def person_week(person: User, today: dt.date) -> PersonWeek | None:
    """``person``'s week up to ``today`` (their local date); None before their first log."""
    top = headline(person)
    if top is None:
        return None
    latest = UserDay.objects.filter(user=person).order_by("-date").first()
    # The digest speaks of one goal: the person's own, else their manager's.
    goal = next(iter(goals.current_goals(person)), None)
    # A streak counts only while it is alive: logged today or yesterday.
    alive = (today - latest.date).days <= 1
    return PersonWeek(
        headline=top,
        pillar_move=biggest_pillar_move(latest),
        projection=goals.project(goal, latest, slope_for(person, latest.date)) if goal else None,
        log_streak=latest.log_streak if alive else 0,
        week_streak=latest.week_streak if (today - latest.date).days <= 7 else 0,
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


def managed_teams_week(manager: User, today: dt.date) -> list[TeamWeek]:
    """For each team ``manager`` manages: the members who moved most over 7
    days, up and down, and those not reporting."""
    weeks = []
    for team in Team.objects.filter(pk__in=managed_team_ids(manager)).order_by("name"):
        rows = teams.leaderboard(team, today)
        moved = [r for r in rows if r.reporting and r.delta7 is not None]
        weeks.append(TeamWeek(
            team=team,
            members=len(rows),
            rising=sorted((r for r in moved if r.delta7 > 0), key=lambda r: (-r.delta7, r.name.lower()))[:MOVERS_LIMIT],
            slipping=sorted((r for r in moved if r.delta7 < 0), key=lambda r: (r.delta7, r.name.lower()))[:MOVERS_LIMIT],
            not_reporting=teams.not_reporting(rows),
        ))
    return weeks
