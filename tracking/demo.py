"""Realistic demo history: deterministic, so seeding twice gives the same rows.

Each person's pillars follow bounded random walks with their own drift. Daily
activity moves in campaigns, and a pillar gains in the week after the activity
that feeds it rises (DESIGN.md's levers), so the insight features have something
real to find. A few sharp drops (a lost network, a profile gone stale) recover
over the following weeks; about 15% of days are not logged.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from tracking import rules

THREE = Decimal("0.001")


@dataclass
class Day:
    date: dt.date
    ssi: Decimal
    pillars: dict[str, Decimal]
    industry_rank: int
    network_rank: int
    industry_avg: Decimal
    network_avg: Decimal
    activity: dict[str, int] = field(default_factory=dict)


def _d(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(THREE, rounding=ROUND_HALF_UP)


def history(seed: int, end: dt.date, days: int = 548) -> list[Day]:
    """One person's logged days up to ``end``, about 18 months by default."""
    rng = random.Random(seed)
    level = {
        "brand": rng.uniform(6, 18),
        "people": rng.uniform(7, 19),
        "insights": rng.uniform(4, 16),
        "relationships": rng.uniform(9, 21),
    }
    drift = {p: rng.uniform(-0.004, 0.02) for p in rules.PILLARS}
    engagement = rng.uniform(0.6, 1.4)
    industry_avg, network_avg = rng.uniform(24, 32), rng.uniform(28, 40)
    drops = {end - dt.timedelta(days=rng.randint(30, days - 30)): rng.choice(rules.PILLARS) for _ in range(rng.randint(1, 3))}
    campaign_until = None
    recent: list[dict[str, int]] = []
    out: list[Day] = []
    for offset in range(days, -1, -1):
        date = end - dt.timedelta(days=offset)
        weekend = date.weekday() >= 5
        if campaign_until is None and rng.random() < 0.02:
            campaign_until = date + dt.timedelta(days=rng.randint(10, 25))
        boost = 1.8 if campaign_until and date <= campaign_until else 1.0
        if campaign_until and date > campaign_until:
            campaign_until = None
        scale = engagement * boost * (0.3 if weekend else 1.0)
        activity = {
            "posts": _poisson(rng, 0.3 * scale),
            "comments": _poisson(rng, 2.0 * scale),
            "reactions": _poisson(rng, 5.0 * scale),
            "shares": _poisson(rng, 0.5 * scale),
            "connection_requests": _poisson(rng, 4.0 * scale),
            "connections_accepted": _poisson(rng, 2.0 * scale),
            "messages_sent": _poisson(rng, 3.0 * scale),
            "inmails_sent": _poisson(rng, 1.5 * scale),
            "inmail_replies": _poisson(rng, 0.4 * scale),
            "profile_views": _poisson(rng, 8.0 * scale),
            "searches": _poisson(rng, 6.0 * scale),
            "leads_saved": _poisson(rng, 2.0 * scale),
            "accounts_saved": _poisson(rng, 0.6 * scale),
        }
        recent = (recent + [activity])[-7:]
        for pillar, levers in rules.PILLAR_LEVERS.items():
            week = sum(day.get(lever, 0) for day in recent for lever in levers)
            # Activity in the past week above this person's usual pace lifts the pillar.
            expected = 7 * engagement * sum(_RATE[lever] for lever in levers)
            push = 0.02 * (week - expected) / max(expected, 1) * 3
            level[pillar] += drift[pillar] + push + rng.gauss(0, 0.12)
            # Mean reversion keeps the walk inside LinkedIn's plausible band.
            level[pillar] += (13 - level[pillar]) * 0.002
            level[pillar] = min(24.6, max(0.4, level[pillar]))
        if date in drops:
            level[drops[date]] = max(0.4, level[drops[date]] - rng.uniform(3, 6))
        industry_avg = min(45, max(18, industry_avg + rng.gauss(0.005, 0.05)))
        network_avg = min(55, max(20, network_avg + rng.gauss(0.005, 0.06)))
        if rng.random() < (0.35 if weekend else 0.08):
            continue  # not logged that day
        pillars = {p: _d(level[p]) for p in rules.PILLARS}
        ssi = sum(pillars.values())
        out.append(
            Day(
                date=date,
                ssi=ssi,
                pillars=pillars,
                industry_rank=_rank(float(ssi), industry_avg, rng),
                network_rank=_rank(float(ssi), network_avg, rng),
                industry_avg=_d(industry_avg),
                network_avg=_d(network_avg),
                activity=activity,
            )
        )
    return out


_RATE = {
    "posts": 0.3, "comments": 2.0, "reactions": 5.0, "shares": 0.5, "connection_requests": 4.0,
    "connections_accepted": 2.0, "messages_sent": 3.0, "inmails_sent": 1.5, "inmail_replies": 0.4,
    "profile_views": 8.0, "searches": 6.0, "leads_saved": 2.0, "accounts_saved": 0.6,
}


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method is fine for the small means used here.
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _rank(ssi: float, group_avg: float, rng: random.Random) -> int:
    """Top N%: above the group's average SSI means a small N."""
    top = 50 - (ssi - group_avg) * 1.6 + rng.gauss(0, 1.2)
    return int(min(100, max(1, round(top))))
