"""Dates before LinkedIn's SSI existed (2014) are refused everywhere, with one
plain sentence, and the database keeps them out; a team's days cover only
what its members' data covers."""

import datetime as dt
import html
import json

import pytest
import time_machine
from django.db import IntegrityError, transaction

from scoring import trends
from scoring.models import TeamDay, UserDay
from tests.conftest import make_user, snap
from tests.tracking.test_import_command import FILES, run, write
from tracking import rules
from tracking.api import auth
from tracking.models import Activity, Membership, Snapshot

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
MESSAGE = "Dates before 2014 cannot be SSI dates: LinkedIn's SSI did not exist yet."
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_rule_names_2014_as_the_first_ssi_year():
    assert dt.date(2014, 1, 1) == rules.FIRST_DATE
    assert rules.DATE_TOO_EARLY == MESSAGE
    assert rules.check_date("date", dt.date(2014, 1, 1)) == dt.date(2014, 1, 1)
    with pytest.raises(rules.RuleError, match="Dates before 2014"):
        rules.check_date("date", dt.date(2013, 12, 31))


@pytest.mark.parametrize("day", ["0001-01-01", "2013-12-31"])
def test_the_entry_form_refuses_a_date_before_2014(client, sales, day):
    client.force_login(sales)
    response = client.post("/entry/", {"date": day, "ssi": "40"})
    assert response.status_code == 200
    assert html.escape(MESSAGE) in response.content.decode()
    assert not Snapshot.objects.exists()


def test_the_entry_form_accepts_the_first_day_of_2014(client, sales):
    client.force_login(sales)
    assert client.post("/entry/", {"date": "2014-01-01", "ssi": "40"}).status_code == 302
    assert Snapshot.objects.get(user=sales).date == dt.date(2014, 1, 1)


@pytest.mark.parametrize("method, path, body", [
    ("put", "/api/v1/snapshots/0001-01-01", {"ssi": 40}),
    ("post", "/api/v1/snapshots", {"date": "0001-01-01", "ssi": 40}),
])
def test_the_api_refuses_a_date_before_2014(client, sales, method, path, body):
    key = auth.create_token(sales, "script")[1]
    response = getattr(client, method)(path, data=json.dumps(body), content_type="application/json",
                                       HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "date", "message": MESSAGE}]
    assert not Snapshot.objects.exists()


@pytest.mark.parametrize("text", [
    # A plain per-day file (the writer's shortcut) and one with a column the shortcut does not take.
    "email,date,ssi,brand,people,insights,relationships\nana@example.com,0001-01-01,40,10,10,10,10\n"
    "ana@example.com,2026-06-01,40,10,10,10,10\n",
    "email,date,ssi\nana@example.com,2026-06-01,40\nana@example.com,0001-01-01,40\n",
])
def test_an_import_rejects_rows_dated_before_2014_and_writes_nothing(tmp_path, text):
    make_user("ana@example.com")
    code, report, _ = run(write(tmp_path, text), "--json")
    assert code == 1
    assert [r["message"] for r in report["rejected"]] == [MESSAGE]
    assert not Snapshot.objects.exists()


def test_an_import_refuses_an_as_of_date_before_2014():
    make_user("ana@example.com")
    code, _, stderr = run(FILES / "sales_navigator_no_dates.csv", "--as-of", "2013-06-01")
    assert (code, stderr) == (2, MESSAGE)
    assert not Snapshot.objects.exists()


def test_the_database_refuses_raw_and_derived_days_before_2014(sales):
    early = dt.date(2013, 12, 31)
    for make in (
        lambda: Snapshot.objects.create(user=sales, date=early, ssi=40),
        lambda: Activity.objects.create(user=sales, period_start=early, period_end=dt.date(2014, 1, 5), posts=1),
        lambda: UserDay.objects.create(user=sales, date=early, ssi=40, avg7=40, avg30=40),
    ):
        with pytest.raises(IntegrityError, match="from_2014"), transaction.atomic():
            make()


def test_a_members_lone_early_day_does_not_fill_the_years_between_with_team_days(east, sales, peer):
    """A member's one day in 2014 and a colleague's recent days: the team has the
    days those snapshots hold (and the one after each lapses), and the days
    from the latest through today, not twelve years of empty ones."""
    snap(sales, dt.date(2014, 1, 1), 30)
    for n in range(5):
        snap(peer, dt.date(2026, 6, 1) + dt.timedelta(days=n), 40 + n)
    written = trends.recompute_team(east.pk)
    days = sorted(set(TeamDay.objects.filter(team=east).values_list("date", flat=True)))
    # 2014-01-01 … 01-09 (held 8 days, then the day it lapsed), 2026-06-01 … 06-10 (today).
    assert len(days) == 9 + 10 == written
    assert days[:9] == [dt.date(2014, 1, 1) + dt.timedelta(days=n) for n in range(9)]
    lapsed = TeamDay.objects.get(team=east, metric="ssi", date=dt.date(2014, 1, 9))
    assert (lapsed.reporting, lapsed.median) == (0, None)
    assert days[9] == dt.date(2026, 6, 1) and days[-1] == dt.date(2026, 6, 10)
    assert Membership.objects.filter(team=east).count() == 2
