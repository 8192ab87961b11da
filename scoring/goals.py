"""Goal progress and its projection, computed here and only here."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from scoring.models import Goal, UserDay
from scoring.summary import Slope, slope_for
from tracking import rules


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
    "no_trend" (too few observations to fit one). ``earliest``/``latest`` bound
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

    @property
    def progress_percent(self) -> int | None:
        """Share of the target reached, 0–100, for a progress bar."""
        if self.current is None or not self.goal.target_ssi:
            return None
        return min(100, int(self.current * 100 / self.goal.target_ssi))


def _reach(as_of: dt.date, gap: Decimal, per_week: Decimal) -> dt.date | None:
    if per_week <= 0:
        return None
    days = math.ceil(gap * 7 / per_week)
    try:
        return as_of + dt.timedelta(days=days)
    except OverflowError:
        return None


def project(goal: Goal) -> Projection:
    latest = UserDay.objects.filter(user_id=goal.user_id).order_by("-date").first()
    pillars = tuple(
        PillarProgress(p, rules.LABELS[p], getattr(latest, p) if latest else None, target)
        for p, target in goal.pillar_targets().items()
    )
    if latest is None:
        return Projection(goal, None, None, "no_trend", None, pillars=pillars)
    if latest.ssi >= goal.target_ssi:
        return Projection(goal, latest.ssi, latest.date, "met", None, pillars=pillars)
    slope = slope_for(goal.user, latest.date)
    if slope is None:
        return Projection(goal, latest.ssi, latest.date, "no_trend", None, pillars=pillars)
    gap = goal.target_ssi - latest.ssi
    reaches_on = _reach(latest.date, gap, slope.per_week)
    if reaches_on is None:
        return Projection(goal, latest.ssi, latest.date, "not_on_track", slope, pillars=pillars)
    status = "on_track" if reaches_on <= goal.target_date else "late"
    return Projection(
        goal, latest.ssi, latest.date, status, slope, reaches_on=reaches_on,
        earliest=_reach(latest.date, gap, slope.high), latest=_reach(latest.date, gap, slope.low),
        pillars=pillars,
    )


def current_goal(person) -> Goal | None:
    return Goal.objects.filter(user=person).order_by("-created_at", "-id").first()
