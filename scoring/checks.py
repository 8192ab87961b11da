"""The nightly check: derived rows must equal a recompute from scratch.

A sample of people and teams is recomputed from nothing; any row that differs
from what was stored is logged (which rows, before and after) and stays
repaired. The same run moves every team's days up to today, records people
who went silent, since nothing else recomputes someone who stopped logging,
and refreshes every person's summary.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from scoring import person_summary, team_summary, trends
from scoring.models import Anomaly, TeamDay, TeamMemberDay, UserDay
from scoring.recompute_sql import REPORTING_DAYS
from tracking.models import Snapshot, Team, User

log = logging.getLogger(__name__)

DEFAULT_SAMPLE = 50
_SKIP = {"id", "created_at"}


def _rows(model, **filters) -> set[tuple]:
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in _SKIP]
    return {tuple(str(v) for v in row) for row in model.objects.filter(**filters).values_list(*fields)}


def person_state(user_id: int) -> set[tuple]:
    return _rows(UserDay, user_id=user_id) | _rows(Anomaly, user_id=user_id, kind__in=trends.PERSON_KINDS)


def team_state(team_id: int) -> set[tuple]:
    return _rows(TeamDay, team_id=team_id) | _rows(TeamMemberDay, team_id=team_id)


def check_person(user_id: int) -> int:
    """Recompute one person from scratch; returns how many stored rows were wrong
    (missing, extra or different), each logged."""
    with transaction.atomic():
        before = person_state(user_id)
        trends.recompute(user_id)
        after = person_state(user_id)
    return _report("person", user_id, before, after)


def check_team(team_id: int) -> int:
    with transaction.atomic():
        before = team_state(team_id)
        trends.recompute_team(team_id)
        after = team_state(team_id)
    return _report("team", team_id, before, after)


def _report(kind: str, pk: int, before: set, after: set) -> int:
    wrong, missing = sorted(before - after), sorted(after - before)
    if wrong or missing:
        log.warning(
            "Repaired %s %s: %d stored row(s) differed from a recompute from scratch; was %s, now %s",
            kind, pk, max(len(wrong), len(missing)), wrong[:10], missing[:10],
        )
    return max(len(wrong), len(missing))


def nightly(sample: int = DEFAULT_SAMPLE) -> dict:
    today = timezone.localdate()
    # Silent for a week: their "not reporting" anomaly is due (time zones put
    # someone's 7th day a day either side of the server's).
    silent = list(
        Snapshot.objects.values("user_id").annotate(last=Max("date"))
        .filter(last__range=(today - dt.timedelta(days=9), today - dt.timedelta(days=6)))
        .values_list("user_id", flat=True)
    )
    trends.recompute_people(silent, today - dt.timedelta(days=10))
    team_ids = list(Team.objects.values_list("pk", flat=True))
    for team_id in team_ids:
        trends.recompute_team(team_id, today - dt.timedelta(days=REPORTING_DAYS + 1))

    people = list(
        User.objects.filter(Exists(Snapshot.objects.filter(user=OuterRef("pk"))))
        .order_by("?").values_list("pk", flat=True)[:sample]
    )
    repaired_people = {pk: n for pk in people if (n := check_person(pk))}
    teams = team_ids[:] if len(team_ids) <= max(1, sample // 10) else list(
        Team.objects.order_by("?").values_list("pk", flat=True)[: max(1, sample // 10)]
    )
    repaired_teams = {pk: n for pk in teams if (n := check_team(pk))}
    # Every summary, last: a teammate's change moves the team medians in a
    # person's coaching card and the team weeks their insights pool, and the
    # coaching window moves with the day.
    summaries = person_summary.refresh_everyone()
    # Then each team's default view, for the day that has begun.
    team_summary.refresh_everyone()
    result = {
        "people_checked": len(people), "people_repaired": repaired_people,
        "teams_checked": len(teams), "teams_repaired": repaired_teams, "summaries": summaries,
    }
    log.info("Nightly scoring check: %s", result)
    return result
