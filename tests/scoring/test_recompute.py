"""Recompute safety: aborted runs, redelivered tasks, the nightly repair, and the commands."""

import datetime as dt
import logging
from decimal import Decimal

import pytest
import time_machine
from celery.worker import state
from django.core.management import CommandError, call_command

from scoring import checks, trends
from scoring.models import Anomaly, TeamDay, TeamMemberDay, TeamSummary, UserDay
from scoring.tasks import recompute_person
from tests.conftest import _queue_length, snap, wait_for

D = dt.date
SERIES = {D(2026, 1, 1): 40, D(2026, 1, 2): 42, D(2026, 1, 5): 44, D(2026, 1, 9): 46, D(2026, 1, 12): 50,
          D(2026, 2, 2): 55, D(2026, 2, 10): 56}


def _seed(person):
    for day, ssi in SERIES.items():
        snap(person, day, ssi)


def _state(model, **filters):
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "created_at")]
    return sorted(model.objects.filter(**filters).values_list(*fields))


@pytest.mark.django_db
def test_a_recompute_aborted_half_way_leaves_the_previous_rows(sales, east, monkeypatch):
    _seed(sales)
    trends.recompute_with_teams([sales.pk])
    before = _state(UserDay, user=sales), _state(Anomaly, user=sales)
    sales.snapshots.filter(date=D(2026, 2, 10)).update(ssi=57)
    # The failure comes after the person's rows were rewritten, in their team's step.
    monkeypatch.setattr(trends, "TEAM_SQL", {False: "SELECT 1/0", True: "SELECT 1/0"})
    with pytest.raises(Exception, match="division by zero"):
        trends.recompute_with_teams([sales.pk], D(2026, 1, 1))
    assert (_state(UserDay, user=sales), _state(Anomaly, user=sales)) == before


@pytest.mark.django_db
def test_the_nightly_check_finds_and_repairs_a_tampered_row(sales, east, caplog):
    _seed(sales)
    with time_machine.travel(dt.datetime(2026, 2, 12, 12, tzinfo=dt.UTC), tick=False):
        trends.recompute(sales.pk)
        trends.recompute_team(east.pk)
        UserDay.objects.filter(user=sales, date=D(2026, 1, 9)).update(avg7=Decimal(99))
        TeamDay.objects.filter(team=east, metric="ssi", date=D(2026, 1, 10)).update(mean=Decimal(1))
        with caplog.at_level(logging.WARNING, logger="scoring.checks"):
            result = checks.nightly(sample=10)
    assert result["people_repaired"] == {sales.pk: 1}
    assert result["teams_repaired"] == {east.pk: 1}
    assert UserDay.objects.get(user=sales, date=D(2026, 1, 9)).avg7 == Decimal(45)
    assert TeamDay.objects.get(team=east, metric="ssi", date=D(2026, 1, 10)).mean == Decimal(46)
    assert f"Repaired person {sales.pk}: 1 stored row(s)" in caplog.text
    assert f"Repaired team {east.pk}: 1 stored row(s)" in caplog.text
    # A second night finds nothing left to repair.
    with time_machine.travel(dt.datetime(2026, 2, 12, 13, tzinfo=dt.UTC), tick=False):
        again = checks.nightly(sample=10)
    assert (again["people_repaired"], again["teams_repaired"]) == ({}, {})


@pytest.mark.django_db
def test_the_nightly_run_records_who_stopped_reporting(sales, east):
    _seed(sales)
    trends.recompute(sales.pk)
    with time_machine.travel(dt.datetime(2026, 2, 17, 12, tzinfo=dt.UTC), tick=False):
        checks.nightly(sample=0)
    assert Anomaly.objects.filter(user=sales, kind="not_reporting", date=D(2026, 2, 17)).exists()
    assert TeamDay.objects.filter(team=east, date=D(2026, 2, 17)).exists()  # team days reach today
    # And every team's default view is stored for the day that has begun.
    assert TeamSummary.objects.get(team=east).as_of == D(2026, 2, 17)



@pytest.mark.django_db(transaction=True)
def test_a_redelivered_task_runs_to_the_same_result_and_its_teams_follow(celery_worker, sales, east):
    _seed(sales)
    trends.recompute(sales.pk)
    expected = _state(UserDay, user=sales)
    UserDay.objects.filter(user=sales).delete()
    # The same message twice, as a broker hands a task back when a worker died before acking.
    recompute_person.delay(sales.pk, "2026-01-01")
    assert wait_for(lambda: _state(UserDay, user=sales) == expected)
    started = state.all_total_count[0]
    recompute_person.delay(sales.pk, "2026-01-01")
    # The second run leaves the same rows, so wait for the worker to have taken
    # it and gone idle; it writes them in one transaction with the team's.
    assert wait_for(lambda: state.all_total_count[0] > started and not (
        state.active_requests or state.reserved_requests or _queue_length(celery_worker)))
    assert _state(UserDay, user=sales) == expected
    assert TeamMemberDay.objects.filter(team=east, user=sales).count() == len(SERIES)
    assert TeamDay.objects.get(team=east, date=D(2026, 2, 10), metric="ssi").mean == 56


@pytest.mark.django_db
def test_export_trends_writes_csv_with_two_decimals_in_shortest_form(sales, capsys):
    _seed(sales)
    trends.recompute(sales.pk)
    call_command("export_trends", "--user", "SALES@example.com", "--from", "2026-01-09", "--to", "2026-02-10")
    assert capsys.readouterr().out.splitlines() == [
        "date,ssi,avg7,avg30,delta7,delta30,delta90",
        "2026-01-09,46,45,43,4,,",
        "2026-01-12,50,48,44.4,6,,",
        "2026-02-02,55,55,48.75,,13,",
        "2026-02-10,56,56,53.67,1,10,",
    ]


@pytest.mark.django_db
def test_export_trends_refuses_an_unknown_person_or_a_bad_date(sales):
    with pytest.raises(CommandError, match="No user with the email address nobody@example.com"):
        call_command("export_trends", "--user", "nobody@example.com")
    with pytest.raises(CommandError, match="is not a date"):
        call_command("export_trends", "--user", "sales@example.com", "--from", "yesterday")


@pytest.mark.django_db
def test_the_recompute_command_rebuilds_people_and_their_teams(sales, peer, east, capsys):
    _seed(sales)
    snap(peer, D(2026, 1, 2), 50)
    with time_machine.travel(dt.datetime(2026, 2, 12, 12, tzinfo=dt.UTC), tick=False):
        call_command("recompute", "--user", "sales@example.com")
        assert UserDay.objects.filter(user=sales).count() == len(SERIES)
        assert not UserDay.objects.filter(user=peer).exists()
        assert TeamDay.objects.get(team=east, metric="ssi", date=D(2026, 1, 2)).reporting == 2
        assert TeamSummary.objects.get(team=east).roster == [[sales.pk, sales.name], [peer.pk, peer.name]]
        UserDay.objects.all().delete()
        TeamSummary.objects.all().delete()
        call_command("recompute", "--all", "--since", "2026-01-05")
        assert TeamSummary.objects.get(team=east).as_of == D(2026, 2, 12)
    assert sorted(UserDay.objects.values_list("date", flat=True)) == [d for d in SERIES if d >= D(2026, 1, 5)]
    assert "Recomputed 5 day(s) for 2 person(s)" in capsys.readouterr().out
