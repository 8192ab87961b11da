"""The organisation's spread that every team page compares its members against:
stored after each committed change of the summaries, read by the pages only
while no summary has changed since (tests/scoring/team_data.py's team)."""

import contextlib
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from scoring import organisation_figures, person_summary, trends
from scoring.models import OrganisationSpread, UserDay
from scoring.teams import Spread
from tests.scoring import team_data
from tests.scoring.team_data import NOW, TODAY, day
from tracking.models import Snapshot

pytestmark = pytest.mark.django_db
team_history, third, fourth = team_data.team_history, team_data.third, team_data.fourth


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def _fixtures_committed(request):
    # The fixtures' summaries are written in the test's transaction, which never
    # commits; they queued the spread's refresh there, and a summary change
    # queues it once per transaction. Drop it, as if the fixtures had committed.
    for name in ("team_history", "outsider"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
    _as_committed()


def _as_committed():
    # After a commit Django empties the list of callbacks; the test's
    # transaction never commits, so the refreshes it ran are dropped here.
    connection.run_on_commit[:] = [
        entry for entry in connection.run_on_commit if entry[1] is not organisation_figures.refresh_spreads]


@contextlib.contextmanager
def committed(capture):
    """The block's writes as their commit runs them: the refresh, once."""
    with capture(execute=True):
        yield
    _as_committed()


def _organisation_median_brand(client, url) -> float:
    html = client.get(url).content.decode()
    body = re.search(r'<script type="application/json" id="team-versus-org-data">(.*?)</script>', html, re.S)
    return json.loads(body.group(1))["data"][1]["y"][0]


def _change_everyone(people):
    # A summary change as the recompute commits it: the spreads follow on commit.
    person_summary.refresh([p.pk for p in people])


def test_a_committed_summary_change_stores_the_spread_for_the_teams_day(
        east, team_history, django_capture_on_commit_callbacks):
    assert not OrganisationSpread.objects.exists()  # nothing committed yet in this test
    with committed(django_capture_on_commit_callbacks):
        _change_everyone(team_history.values())
    stored = organisation_figures.current_spreads(TODAY)
    assert OrganisationSpread.objects.get().as_of == TODAY  # East's day, and the only one
    # 30 (West), 50, 60, 64: worked out by hand in team_data.
    assert stored["ssi"] == Spread(people=4, low=30.0, p25=45.0, median=55.0, p75=61.0, high=64.0)
    assert stored == organisation_figures.organisation_spreads(TODAY)


def test_the_team_page_reads_the_stored_spread_while_it_is_current(
        client, east, manager, team_history, django_capture_on_commit_callbacks):
    with committed(django_capture_on_commit_callbacks):
        _change_everyone(team_history.values())
    client.force_login(manager)
    url = reverse("scoring:team", args=["east"])
    assert _organisation_median_brand(client, url) == 12.5  # brands 7.5 (West), 10, 15, 16
    # The page draws what is stored (here altered by hand, its version kept).
    row = OrganisationSpread.objects.get(as_of=TODAY)
    row.spreads["brand"] = [4, 1.0, 2.0, 3.0, 4.0, 5.0]
    row.save()
    assert _organisation_median_brand(client, url) == 3.0


def test_a_later_change_makes_the_stored_spread_stale_until_it_is_stored_again(
        client, east, manager, team_history, django_capture_on_commit_callbacks):
    with committed(django_capture_on_commit_callbacks):
        _change_everyone(team_history.values())
    row = OrganisationSpread.objects.get(as_of=TODAY)
    row.spreads["brand"] = [4, 1.0, 2.0, 3.0, 4.0, 5.0]
    row.save()
    client.force_login(manager)
    url = reverse("scoring:team", args=["east"])
    # Fran's brand goes from 10 to 20; until its commit the page reads the stored row.
    UserDay.objects.filter(user=team_history["fourth"], date=day(2)).update(brand=Decimal(20))
    with django_capture_on_commit_callbacks(execute=False) as pending:
        person_summary.refresh([team_history["fourth"].pk])
    assert _organisation_median_brand(client, url) == 3.0
    # Committed: a new version, so the stored row no longer counts; the page computes.
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('scoring_summary_version')")
    assert _organisation_median_brand(client, url) == 15.5  # brands 7.5, 15, 16, 20
    for callback in pending:
        callback()
    assert OrganisationSpread.objects.get(as_of=TODAY).spreads["brand"][3] == 15.5
    assert _organisation_median_brand(client, url) == 15.5


def test_a_spread_stored_under_an_older_version_is_not_overwritten_by_it(east, team_history):
    organisation_figures.refresh_spreads()
    newer = OrganisationSpread.objects.get(as_of=TODAY).version
    with connection.cursor() as cursor:
        cursor.execute(organisation_figures._STORE_SQL, [TODAY, newer - 1, json.dumps({"ssi": None})])
    row = OrganisationSpread.objects.get(as_of=TODAY)
    assert row.version == newer and row.spreads["ssi"][3] == 55.0


def test_a_deleted_person_leaves_the_stored_spread(east, team_history, outsider, django_capture_on_commit_callbacks):
    with committed(django_capture_on_commit_callbacks):
        _change_everyone(team_history.values())
    assert organisation_figures.current_spreads(TODAY)["ssi"].people == 4
    with committed(django_capture_on_commit_callbacks):
        outsider.delete()
    # 50, 60, 64 without West's 30.
    assert organisation_figures.current_spreads(TODAY)["ssi"] == Spread(3, 50.0, 55.0, 60.0, 62.0, 64.0)


def test_many_summaries_changed_in_one_transaction_store_the_spread_once(
        east, team_history, outsider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        person_summary.refresh([team_history["sales"].pk])
        person_summary.refresh([team_history["peer"].pk])
        team_history["third"].delete()
        outsider.delete()
    assert callbacks.count(organisation_figures.refresh_spreads) == 1


@pytest.mark.django_db(transaction=True)
def test_a_recompute_of_several_batches_stores_the_spread_once_at_its_end(sales, outsider, monkeypatch):
    # Each batch commits on its own (as an import's recompute task runs them):
    # each commit makes the stored spread stale, and it is stored once, last.
    calls = []
    refresh, stale = organisation_figures.refresh_spreads, organisation_figures.stale_spreads

    def refreshed(*args, **kwargs):
        calls.append("refresh")
        return refresh(*args, **kwargs)

    def staled():
        calls.append("stale")
        stale()

    monkeypatch.setattr(organisation_figures, "refresh_spreads", refreshed)
    monkeypatch.setattr(organisation_figures, "stale_spreads", staled)
    monkeypatch.setattr(trends, "BATCH", 1)
    # Sasha (East) at 40 and the outsider (West) at 60: two teams, two batches.
    for person, ssi, pillar in ((sales, 40, 10), (outsider, 60, 15)):
        Snapshot.objects.create(user=person, date=TODAY, ssi=Decimal(ssi), brand=Decimal(pillar),
                                people=Decimal(pillar), insights=Decimal(pillar), relationships=Decimal(pillar))
    people = {sales.pk: None, outsider.pk: None}
    count = len(trends.batches(people))
    assert count == 2

    trends.recompute_batch(people)

    assert calls == ["stale"] * count + ["refresh"]
    row = OrganisationSpread.objects.get(as_of=TODAY)
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM scoring_summary_version")
        assert row.version == cursor.fetchone()[0]
    assert organisation_figures.current_spreads(TODAY)["ssi"] == Spread(2, 40.0, 45.0, 50.0, 55.0, 60.0)
