"""Which weekly activity precedes pillar gains the week after.

For each pillar and each activity that moves it (tracking.rules.PILLAR_LEVERS):
the Pearson correlation between a week's activity count and the pillar's gain
over the following week (last observation of week w+1 minus that of week w).
Below ``MIN_WEEKS`` paired weeks, or without variation on either side, there is
no number: "not enough data yet" beats a spurious one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F

from scoring.models import UserDay
from tracking import rules
from tracking.models import Activity

MIN_WEEKS = 8


@dataclass(frozen=True)
class Insight:
    pillar: str
    activity: str
    label: str
    weeks: int
    correlation: float | None

    @property
    def enough(self) -> bool:
        return self.correlation is not None


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(sxx * syy)


def _pairs(user_ids: list[int]) -> dict[tuple[str, str], tuple[list, list]]:
    """(pillar, activity) → (weekly counts, next week's pillar gains), pooled over people."""
    fields = sorted({f for levers in rules.PILLAR_LEVERS.values() for f in levers})
    counts: dict[tuple[int, dt.date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    # Only daily rows: a Sales Navigator period total has no week to belong to.
    for row in Activity.objects.filter(user_id__in=user_ids, period_start=F("period_end")).values(
        "user_id", "period_start", *fields
    ):
        bucket = counts[(row["user_id"], _monday(row["period_start"]))]
        for f in fields:
            if row[f] is not None:
                bucket[f] += row[f]
    week_end: dict[tuple[int, dt.date], dict] = {}
    for row in UserDay.objects.filter(user_id__in=user_ids, brand__isnull=False).order_by("date").values(
        "user_id", "date", *rules.PILLARS
    ):
        week_end[(row["user_id"], _monday(row["date"]))] = row
    out: dict[tuple[str, str], tuple[list, list]] = defaultdict(lambda: ([], []))
    for (user_id, week), activity in counts.items():
        this_end = week_end.get((user_id, week))
        next_end = week_end.get((user_id, week + dt.timedelta(days=7)))
        if this_end is None or next_end is None:
            continue
        for pillar, levers in rules.PILLAR_LEVERS.items():
            gain = float(next_end[pillar] - this_end[pillar])
            for f in levers:
                if f in activity:
                    xs, ys = out[(pillar, f)]
                    xs.append(float(activity[f]))
                    ys.append(gain)
    return out


def insights_for(user_ids: list[int]) -> list[Insight]:
    """One insight per (pillar, lever), for one person or pooled over a team's members."""
    pairs = _pairs(user_ids)
    found = []
    for pillar, levers in rules.PILLAR_LEVERS.items():
        for f in levers:
            xs, ys = pairs.get((pillar, f), ([], []))
            r = pearson(xs, ys) if len(xs) >= MIN_WEEKS else None
            found.append(Insight(pillar, f, rules.LABELS[f], len(xs), None if r is None else round(r, 2)))
    return found
