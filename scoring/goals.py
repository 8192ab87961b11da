"""Goal progress and its projection, computed here and only here."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from scoring.models import Goal
from scoring.summary import Slope, Trend
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


def project(goal: Goal, latest_day: dict | None, trend: Trend | None) -> Projection:
    """Where ``trend`` (the person's trend up to ``latest_day``, their latest
    derived day as a dict with "date", "ssi" and the pillars) takes ``goal``.
    A function of its arguments only: the recompute calls it for each goal."""
    pillars = tuple(
        PillarProgress(p, rules.LABELS[p], latest_day.get(p) if latest_day else None, target)
        for p, target in goal.pillar_targets().items()
    )
    if latest_day is None:
        return Projection(goal, None, None, "no_trend", None, pillars=pillars, reason="No days logged yet.")
    current, as_of = latest_day["ssi"], latest_day["date"]
    if current >= goal.target_ssi:
        return Projection(goal, current, as_of, "met", None, pillars=pillars)
    slope = trend.slope if trend else None
    if slope is None:
        reason = trend.shortfall if trend else "No days logged yet."
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
    """The goals that stand for ``person``: the newest one."""
    goal = Goal.objects.filter(user=person).select_related("set_by").order_by("-created_at", "-id").first()
    return [goal] if goal else []

