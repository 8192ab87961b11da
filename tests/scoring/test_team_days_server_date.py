"""A team's days run to the server's today, whoever's request (and so whichever
person's time zone) triggers the recompute."""

import datetime as dt
import zoneinfo

import pytest
from django.db.models import Max
from django.utils import timezone

from scoring import trends
from scoring.models import TeamDay
from tests.conftest import snap

NOON_UTC = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)  # already 3 December in Kiritimati (UTC+14)


@pytest.mark.django_db
def test_a_team_recompute_in_a_far_ahead_zone_still_ends_on_the_servers_date(time_machine, sales):
    time_machine.move_to(NOON_UTC, tick=False)
    snap(sales, dt.date(2026, 11, 30), 50)
    team_id = sales.memberships.get().team_id
    with timezone.override(zoneinfo.ZoneInfo("Pacific/Kiritimati")):
        trends.recompute_team(team_id)
    assert TeamDay.objects.filter(team_id=team_id).aggregate(last=Max("date"))["last"] == dt.date(2026, 12, 2)
