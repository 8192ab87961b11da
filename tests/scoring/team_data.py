"""One small team with numbers worked out by hand, shared by the team tests.

Today is Wednesday 2026-05-20 (D). Team East:

- sales (Sasha): D-37 50, D-30 52, D-7 67, D-1 62, D 60 → now 60, 7-day change
  60-67 = -7, 30-day change 60-52 = +8; a week ago 67 (first then).
- peer (Pat):    D-31 70, D-8 66, D-1 64 → now 64, 7-day 64-66 = -2, 30-day 64-70 = -6;
  a week ago 66 (second then).
- fourth (Fran): D-2 50, pillars 10/10/10/20 → now 50, no changes, no rank a week ago.
- third (Theo):  D-20 40 → not reporting (20 days old).
- manager (Morgan) manages East and is not ranked.

Ranks now: Pat 1, Sasha 2, Fran 3; a week ago Sasha 1, Pat 2 → Sasha -1, Pat +1.
SSI now across the three reporting: 50, 60, 64 → median 60, p25 55, p75 62.
Outside the team, outsider (West) has D 30: the organisation's SSI is 30, 50,
60, 64 → median 55, p25 45, p75 61.

The derived days are written as the recompute would write them (DESIGN.md's
window rules, worked out above), so these tests check the team arithmetic on
its own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from scoring import person_summary
from scoring.models import UserDay
from tests.conftest import make_user
from tracking.models import Membership

TODAY = dt.date(2026, 5, 20)
NOW = dt.datetime(2026, 5, 20, 15, 0, tzinfo=dt.UTC)


def day(offset: int) -> dt.date:
    return TODAY - dt.timedelta(days=offset)


@pytest.fixture
def third(east):
    user = make_user("third@example.com", name="Theo Third")
    Membership.objects.create(user=user, team=east)
    return user


@pytest.fixture
def fourth(east):
    user = make_user("fourth@example.com", name="Fran Fourth")
    Membership.objects.create(user=user, team=east)
    return user


def derived(user, offset: int, ssi, pillars=None, delta7=None, delta30=None) -> UserDay:
    """A derived day, and the person's summary as the recompute then stores it;
    pillars default to an even split of the total."""
    ssi = Decimal(ssi)
    brand, people, insights, relationships = (Decimal(p) for p in (pillars or [ssi / 4] * 4))
    row = UserDay.objects.create(
        user=user, date=day(offset), ssi=ssi, brand=brand, people=people, insights=insights,
        relationships=relationships, avg7=ssi, avg30=ssi,
        delta7=None if delta7 is None else Decimal(delta7), delta30=None if delta30 is None else Decimal(delta30),
    )
    person_summary.refresh([user.pk])
    return row


@pytest.fixture
def team_history(sales, peer, third, fourth, manager, outsider):
    for offset, ssi in [(37, 50), (30, 52), (7, 67), (1, 62)]:
        derived(sales, offset, ssi)
    derived(sales, 0, 60, delta7=-7, delta30=8)
    for offset, ssi in [(31, 70), (8, 66)]:
        derived(peer, offset, ssi)
    derived(peer, 1, 64, delta7=-2, delta30=-6)
    derived(fourth, 2, 50, pillars=[10, 10, 10, 20])
    derived(third, 20, 40)
    derived(outsider, 0, 30)
    return {"sales": sales, "peer": peer, "third": third, "fourth": fourth}
