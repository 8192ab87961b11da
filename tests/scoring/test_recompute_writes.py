"""What a recompute writes: changed rows come back with new ids, rows that come
out the same are left alone, and the person's summary follows; and a
recompute of everyone in parallel jobs writes what one job does."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from scoring import trends
from scoring.models import Anomaly, PersonSummary, TeamDay, TeamMemberDay, UserDay
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


@pytest.fixture
def sales_days(sales):
    for day, ssi in ((D(2026, 3, 1), 40), (D(2026, 3, 2), 42), (D(2026, 3, 3), 44), (D(2026, 4, 20), 50)):
        snap(sales, day, ssi)
    trends.recompute(sales.pk)


@pytest.mark.django_db
def test_a_person_recompute_that_changes_nothing_keeps_every_day(sales_days, sales):
    before = _ids(UserDay, user=sales)
    trends.recompute(sales.pk)
    assert _ids(UserDay, user=sales) == before


@pytest.mark.django_db
def test_a_changed_snapshot_re_ids_only_the_days_it_changes(sales_days, sales):
    before = _ids(UserDay, user=sales)
    # A bulk edit (no updated_at), as an import writes.
    sales.snapshots.filter(date=D(2026, 3, 2)).update(ssi=48, brand=12, people=12, insights=12, relationships=12)
    trends.recompute(sales.pk, D(2026, 3, 2))
    after = _ids(UserDay, user=sales)
    assert after[D(2026, 3, 1)] == before[D(2026, 3, 1)]
    # The 2nd itself and the 3rd (its 7-day mean (40 + 48 + 44) / 3 = 44 was 42)
    # are new rows; no window of 20 April reaches back to the 2nd, so it is kept.
    assert min(after[D(2026, 3, 2)], after[D(2026, 3, 3)]) > max(before.values())
    assert after[D(2026, 4, 20)] == before[D(2026, 4, 20)]
    assert UserDay.objects.get(user=sales, date=D(2026, 3, 3)).avg7 == Decimal(44)


@pytest.mark.django_db
def test_a_deleted_snapshot_takes_its_day_with_it_and_the_summary_counts_one_fewer(sales_days, sales):
    before = _ids(UserDay, user=sales)
    sales.snapshots.filter(date=D(2026, 3, 3)).delete()  # no later window reaches the 3rd
    trends.recompute(sales.pk, D(2026, 3, 3))
    after = _ids(UserDay, user=sales)
    del before[D(2026, 3, 3)]
    assert after == before  # every other day keeps its id
    assert PersonSummary.objects.get(user=sales).days_logged == 3


@pytest.mark.django_db
def test_an_anomaly_that_comes_out_the_same_keeps_its_row(sales):
    for day, ssi in ((D(2026, 3, 1), 45), (D(2026, 3, 3), 41), (D(2026, 3, 20), 42)):
        snap(sales, day, ssi)
    with time_machine.travel(dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC), tick=False):
        trends.recompute(sales.pk)
        before = _anomalies(sales)
        trends.recompute(sales.pk)
        assert _anomalies(sales) == before
    # A 4-point drop on the 3rd, then silent from the 3rd to the 20th.
    assert sorted((kind, day) for kind, day, _ in before) == [
        ("not_reporting", D(2026, 3, 10)), ("ssi_drop", D(2026, 3, 3)),
    ]


def _anomalies(person):
    return sorted(Anomaly.objects.filter(user=person).values_list("kind", "date", "pk"))


def _everything():
    def rows(model):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "created_at")]
        return sorted(model.objects.values_list(*fields), key=repr)
    return [rows(model) for model in (UserDay, TeamDay, TeamMemberDay, Anomaly)]


@pytest.mark.django_db(transaction=True)
def test_recomputing_everyone_in_two_jobs_writes_what_one_job_writes(sales, peer, east, capsys):
    for offset, ssi in enumerate((40, 46, 38, 41, 45)):
        snap(sales, D(2026, 3, 1) + dt.timedelta(days=offset * 2), ssi)
        snap(peer, D(2026, 3, 2) + dt.timedelta(days=offset * 3), ssi + 5)
    with time_machine.travel(dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC), tick=False):
        call_command("recompute", "--all")
        one_job = _everything()
        for model in (UserDay, TeamDay, TeamMemberDay, Anomaly):
            model.objects.all().delete()
        call_command("recompute", "--all", "--jobs", "2")
        assert _everything() == one_job
        ids = _ids(UserDay, user=sales)
        call_command("recompute", "--all", "--jobs", "2")  # over its own rows: nothing to change
        assert _ids(UserDay, user=sales) == ids
    assert len(one_job[0]) == 10 and len(one_job[1]) == 5 * 20  # 5 metrics, 1 to 20 March
    assert "Recomputed 10 day(s) for 2 person(s) and 20 day(s) for 1 team(s)." in capsys.readouterr().out


@pytest.mark.django_db
def test_a_recompute_over_stored_rows_writes_what_one_into_empty_tables_writes(sales, peer, east):
    for offset, ssi in enumerate((40, 46, 38, 41, 45, 44)):
        snap(sales, D(2026, 3, 1) + dt.timedelta(days=offset * 2), ssi)
        snap(peer, D(2026, 3, 2) + dt.timedelta(days=offset * 3), ssi + 5)
    with time_machine.travel(dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC), tick=False):
        trends.recompute_with_teams([sales.pk, peer.pk])
        # Stored rows now differ from what the snapshots give: the merge must
        # update, insert and delete.
        sales.snapshots.filter(date=D(2026, 3, 5)).update(ssi=30, brand=None, people=None, insights=None,
                                                          relationships=None)
        peer.snapshots.filter(date=D(2026, 3, 8)).delete()
        snap(peer, D(2026, 3, 19), 60)
        trends.recompute_with_teams([sales.pk, peer.pk])
        merged = _everything()
        for model in (UserDay, TeamDay, TeamMemberDay, Anomaly):
            model.objects.all().delete()
        trends.recompute_with_teams([sales.pk, peer.pk])
        assert _everything() == merged
    assert Anomaly.objects.filter(user=sales, kind="ssi_drop", date=D(2026, 3, 5)).exists()  # 46 → 30
