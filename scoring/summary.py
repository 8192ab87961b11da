"""Headline figures for a person: computed here, and only here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max

from scoring.models import UserDay
from tracking.models import Snapshot, User

RANGES = {"30": 30, "90": 90, "365": 365, "all": None}
RANGE_LABELS = {"30": "30 days", "90": "90 days", "365": "1 year", "all": "All"}
DEFAULT_RANGE = "90"

FIELDS = (
    "date", "ssi", "brand", "people", "insights", "relationships",
    "industry_rank", "network_rank", "avg7", "avg30", "delta7", "delta30", "delta90",
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

    @property
    def ssi_whole(self) -> int:
        return whole(self.ssi)


def range_start(key: str, today: dt.date) -> dt.date | None:
    days = RANGES.get(key)
    return None if days is None else today - dt.timedelta(days=days - 1)


def days_for(person: User, start: dt.date | None) -> list[dict]:
    rows = UserDay.objects.filter(user=person).order_by("date")
    if start is not None:
        rows = rows.filter(date__gte=start)
    return list(rows.values(*FIELDS))


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
    )


def has_pending_snapshots(person: User) -> bool:
    """True when raw snapshots exist that the derived table does not show yet
    (the recompute is queued or running)."""
    latest_raw = Snapshot.objects.filter(user=person).aggregate(d=Max("date"))["d"]
    if latest_raw is None:
        return False
    return not UserDay.objects.filter(user=person, date=latest_raw).exists()
