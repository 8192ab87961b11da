"""Goal progress and its projection, computed here and only here.

A person has at most two current goals: their own and the one a manager set
for them. Setting a new goal of a kind replaces the current one of that kind,
which stays as history; editing corrects a goal in place.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from scoring.models import Goal
from scoring.summary import Slope, Trend
from tracking import rules
from tracking.models import Snapshot, User

# How many replaced goals the dashboard lists.
HISTORY_SHOWN = 10

# A status's words, shown beside the progress bar and coloured with it.
STATUS_LABELS = {
    "met": "Goal met",
    "on_track": "On track",
    "late": "Not on track",
    "not_on_track": "Not on track",
    "no_trend": "No projection yet",
}


@dataclass(frozen=True)
class PillarProgress:
    pillar: str
    label: str
    current: Decimal | None
    target: Decimal

    @property
    def met(self) -> bool:
        return self.current is not None and self.current >= self.target


@dataclass(frozen=True)
class Projection:
    """Where the current trend takes the SSI.

    ``status`` is one of: "met" (already at or past the target), "on_track"
    (the slope reaches it by the target date), "late" (it reaches it, but after
    the date), "not_on_track" (the trend is flat or falling, so it never does),
    "no_trend" (too few observations to fit one: ``reason`` says what a trend
    needs, in the trend's own words). ``earliest``/``latest`` bound
    the projected date with the slope's 25th–75th percentile range; ``latest``
    is None when the low end of that range never reaches the target.
    """

    goal: Goal
    current: Decimal | None
    as_of: dt.date | None
    status: str
    slope: Slope | None
    reaches_on: dt.date | None = None
    earliest: dt.date | None = None
    latest: dt.date | None = None
    pillars: tuple[PillarProgress, ...] = ()
    reason: str | None = None

    @property
    def start(self) -> Decimal:
        """Where the progress bar starts: the SSI when the goal was set, or 0
        when nothing had been logged then (or the goal was already met then)."""
        baseline = self.goal.baseline_ssi
        if baseline is None or baseline >= self.goal.target_ssi:
            return Decimal(0)
        return baseline

    @property
    def progress_percent(self) -> int | None:
        """The share of the way from ``start`` to the target covered, 0–100.

        It is 100 exactly when the goal is met, and only then: short of the
        target it stops at 99, so a full bar always means "met". Below the
        start it is 0.
        """
        if self.current is None:
            return None
        if self.status == "met":
            return 100
        span = self.goal.target_ssi - self.start
        covered = math.floor((self.current - self.start) * 100 / span)
        return max(0, min(99, covered))

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def _reach(as_of: dt.date, gap: Decimal, per_week: Decimal) -> dt.date | None:
    if per_week <= 0:
        return None
    days = math.ceil(gap * 7 / per_week)
    try:
        return as_of + dt.timedelta(days=days)
    except OverflowError:
        return None


def _field(day, name: str):
    """A value of the latest day, whether a derived row or its dict of values."""
    return day.get(name) if isinstance(day, dict) else getattr(day, name)


def project(goal: Goal, latest_day, trend: Trend | Slope | None) -> Projection:
    """Where ``trend`` (the person's trend up to ``latest_day``: a ``Trend``, a
    bare ``Slope``, or None) takes ``goal``, from ``latest_day`` (their latest
    derived day, a ``UserDay`` or a dict of its values; None before their
    first log). A function of its arguments only: the recompute calls it for
    each goal."""
    slope = getattr(trend, "slope", trend)
    pillars = tuple(
        PillarProgress(p, rules.LABELS[p], _field(latest_day, p) if latest_day else None, target)
        for p, target in goal.pillar_targets().items()
    )
    if latest_day is None:
        return Projection(goal, None, None, "no_trend", None, pillars=pillars, reason="No days logged yet.")
    current, as_of = _field(latest_day, "ssi"), _field(latest_day, "date")
    if current >= goal.target_ssi:
        return Projection(goal, current, as_of, "met", None, pillars=pillars)
    if slope is None:
        reason = getattr(trend, "shortfall", None)
        return Projection(goal, current, as_of, "no_trend", None, pillars=pillars, reason=reason)
    gap = goal.target_ssi - current
    reaches_on = _reach(as_of, gap, slope.per_week)
    if reaches_on is None:
        return Projection(goal, current, as_of, "not_on_track", slope, pillars=pillars)
    status = "on_track" if reaches_on <= goal.target_date else "late"
    return Projection(
        goal, current, as_of, status, slope, reaches_on=reaches_on,
        earliest=_reach(as_of, gap, slope.high), latest=_reach(as_of, gap, slope.low),
        pillars=pillars,
    )


def current_goals(person) -> list[Goal]:
    """The goals shown now: the person's own first, then their manager's."""
    return current_goals_of([person.pk]).get(person.pk, [])


def current_goals_of(user_ids) -> dict[int, list[Goal]]:
    """``current_goals`` of many people in one query, keyed by person."""
    found: dict[int, dict[str, Goal]] = {}
    # order_by(): the default ordering would join the people to sort by name.
    for g in (Goal.objects.filter(user_id__in=list(user_ids), replaced_at__isnull=True).select_related("set_by")
              .order_by()):
        found.setdefault(g.user_id, {})[g.kind] = g
    return {uid: [kinds[k] for k in (Goal.Kind.OWN, Goal.Kind.MANAGER) if k in kinds] for uid, kinds in found.items()}


# Written out, as the dashboard's other reads are (scoring.views).
_GOALS_SQL = f"SELECT * FROM {Goal._meta.db_table} WHERE user_id = %s"


def shown(person) -> tuple[list[Goal], list[Goal]]:
    """``current_goals`` of one person and the goals that a newer one of their
    kind replaced, newest first, from one query (the dashboard shows both)."""
    current: dict[str, Goal] = {}
    replaced = []
    found = list(Goal.objects.raw(_GOALS_SQL, [person.pk]))
    # Who set a manager's goal (the page names them): a second query only then.
    prefetch_related_objects([g for g in found if g.kind == Goal.Kind.MANAGER and g.set_by_id], "set_by")
    for goal in found:
        if goal.replaced_at is None:
            current[goal.kind] = goal
        else:
            replaced.append(goal)
    replaced.sort(key=lambda g: (g.replaced_at, g.pk), reverse=True)
    return [current[k] for k in (Goal.Kind.OWN, Goal.Kind.MANAGER) if k in current], replaced[:HISTORY_SHOWN]


def kind_set_by(setter: User, person: User) -> str:
    """A goal a person sets for themselves is their own; anyone else who may
    set one (a manager, an admin) sets the manager's goal."""
    return Goal.Kind.OWN if setter.pk == person.pk else Goal.Kind.MANAGER


def set_goal(goal: Goal, person: User, setter: User) -> Goal | None:
    """Store ``goal`` (unsaved) as ``person``'s current goal of the kind
    ``setter`` sets, with the SSI it starts from; returns the goal it replaced."""
    goal.user, goal.set_by, goal.kind = person, setter, kind_set_by(setter, person)
    baseline = (Snapshot.objects.filter(user=person, date__lte=person.today())
                .order_by("-date").values_list("ssi", "date").first())
    goal.baseline_ssi, goal.baseline_on = baseline or (None, None)
    with transaction.atomic():
        # Two goals set at once for the same person: the second waits here, so
        # it replaces the first rather than breaking the one-current rule.
        list(User.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))
        replaced = Goal.objects.filter(user=person, kind=goal.kind, replaced_at__isnull=True).first()
        if replaced is not None:
            replaced.replaced_at = timezone.now()
            replaced.save(update_fields=["replaced_at", "updated_at"])
        goal.save()
    return replaced
