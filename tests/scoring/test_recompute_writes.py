"""What a recompute writes: changed team rows come back with new ids (cached pages
are keyed by max id and count), rows that come out the same are left alone."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from scoring import trends
from scoring.models import TeamDay, TeamMemberDay
from tests.conftest import snap

D = dt.date


@pytest.fixture
def east_days(sales, peer, east):
    snap(sales, D(2026, 3, 1), 40)
    snap(peer, D(2026, 3, 2), 50)
    with time_machine.travel(dt.datetime(2026, 3, 4, 12, tzinfo=dt.UTC), tick=False):
        trends.recompute_team(east.pk)


def _ids(model, **filters):
    return dict(model.objects.filter(**filters).values_list("date", "pk"))


@pytest.mark.django_db
def test_a_team_recompute_that_changes_nothing_keeps_every_row(east_days, east):
    before = (_ids(TeamDay, team=east, metric="ssi"), _ids(TeamMemberDay, team=east))
    with time_machine.travel(dt.datetime(2026, 3, 4, 13, tzinfo=dt.UTC), tick=False):
        trends.recompute_team(east.pk)
    assert (_ids(TeamDay, team=east, metric="ssi"), _ids(TeamMemberDay, team=east)) == before


@pytest.mark.django_db
def test_a_changed_team_day_gets_a_new_id_and_its_new_values(east_days, east, peer):
    before = _ids(TeamDay, team=east, metric="ssi")
    peer.snapshots.filter(date=D(2026, 3, 2)).update(ssi=60, brand=15, people=15, insights=15, relationships=15)
    with time_machine.travel(dt.datetime(2026, 3, 4, 13, tzinfo=dt.UTC), tick=False):
        trends.recompute_team(east.pk, D(2026, 3, 2))
    after = _ids(TeamDay, team=east, metric="ssi")
    assert after[D(2026, 3, 1)] == before[D(2026, 3, 1)]  # before `since`: untouched
    assert after[D(2026, 3, 2)] > max(before.values())  # 40 and 60 instead of 40 and 50
    assert TeamDay.objects.get(team=east, metric="ssi", date=D(2026, 3, 2)).mean == Decimal(50)
    assert TeamMemberDay.objects.get(team=east, user=peer, date=D(2026, 3, 2)).ssi == Decimal(60)


@pytest.mark.django_db
def test_a_snapshot_deleted_since_the_last_run_takes_its_team_rows_with_it(east_days, east, peer):
    peer.snapshots.all().delete()
    with time_machine.travel(dt.datetime(2026, 3, 4, 13, tzinfo=dt.UTC), tick=False):
        trends.recompute_team(east.pk, D(2026, 3, 2))
    assert not TeamMemberDay.objects.filter(team=east, user=peer).exists()
    # Only Sasha's 40 from the 1st still counts (7 days old at most).
    assert TeamDay.objects.get(team=east, metric="ssi", date=D(2026, 3, 2)).reporting == 1
