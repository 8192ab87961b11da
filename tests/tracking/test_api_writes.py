"""What each API write does to a stored day: PUT and POST replace the whole
day, PATCH changes only the fields sent, and the extension's capture replaces
the scores but keeps the logged activity."""

import datetime as dt
import json
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.test import Client

from tests.conftest import snap
from tracking.api import auth
from tracking.locks import lock_people
from tracking.models import Activity, ApiToken, Snapshot

# 02:00 UTC on the 10th is still the 9th in New York.
NOW = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC)
DATE = dt.date(2026, 6, 9)
DAY = {"brand": 12.5, "people": 10, "insights": 8.25, "relationships": 14}  # SSI 44.75


def call(client, method, path, key, body):
    return getattr(client, method)(f"/api/v1{path}", data=json.dumps(body), content_type="application/json",
                                   HTTP_AUTHORIZATION=f"Bearer {key}")


def stored(person):
    day = Snapshot.objects.get(user=person, date=DATE)
    activity = Activity.objects.filter(user=person, period_start=DATE, period_end=DATE).first()
    return {
        "ssi": day.ssi, "brand": day.brand, "people": day.people, "insights": day.insights,
        "relationships": day.relationships, "industry_avg": day.industry_avg, "source": day.source,
        "activity": None if activity is None else {k: v for k, v in vars(activity).items()
                                                   if k in ("posts", "searches", "comments") and v is not None},
    }


@pytest.fixture
def key(sales):
    sales.time_zone = "America/New_York"
    sales.save()
    return auth.create_token(sales, "laptop")[1]


@pytest.fixture
def recorded(client, key, sales):
    """The day as a full write leaves it: pillars, an industry average and two counts."""
    body = {**DAY, "industry_avg": 31, "activity": {"posts": 1, "searches": 7}}
    assert call(client, "put", "/snapshots/2026-06-09", key, body).status_code == 201
    return stored(sales)


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_a_post_without_the_averages_or_activity_replaces_both_alike(client, key, sales):
    body = {"ssi": 44, **DAY, "industry_avg": 31, "network_avg": 29.5, "activity": {"searches": 7}}
    assert call(client, "post", "/snapshots", key, body).status_code == 201
    response = call(client, "post", "/snapshots", key, {"ssi": 45, **DAY})
    assert response.status_code == 200
    day = Snapshot.objects.get(user=sales)
    assert (day.date, day.ssi, day.industry_avg, day.network_avg) == (DATE, Decimal("45.000"), None, None)
    assert not Activity.objects.filter(user=sales).exists()
    body = response.json()
    assert (body["industry_avg"], body["network_avg"], body["activity"]) == (None, None, None)


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_patch_of_one_pillar_keeps_every_other_field(client, key, sales, recorded):
    response = call(client, "patch", "/snapshots/2026-06-09", key, {"brand": 13.5})
    assert response.status_code == 200
    # 13.5 + 10 + 8.25 + 14 = 45.75, within 1 point of the stored 44.75, which stays.
    assert stored(sales) == {**recorded, "brand": Decimal("13.500")}
    assert response.json()["ssi"] == 44.75 and response.json()["activity"]["searches"] == 7
    # A null SSI is the pillars' sum again.
    call(client, "patch", "/snapshots/2026-06-09", key, {"ssi": None})
    assert stored(sales)["ssi"] == Decimal("45.750")
    # A null clears just that field.
    call(client, "patch", "/snapshots/2026-06-09", key, {"industry_avg": None})
    assert stored(sales) == {**recorded, "brand": Decimal("13.500"), "ssi": Decimal("45.750"), "industry_avg": None}


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_a_patch_that_breaks_a_rule_on_the_merged_day_is_refused_and_changes_nothing(client, key, sales, recorded):
    response = call(client, "patch", "/snapshots/2026-06-09", key, {"brand": 20, "activity": {"posts": 5}})
    assert response.status_code == 400
    # 20 + 10 + 8.25 + 14 = 52.25 against the stored SSI 44.75.
    assert response.json()["errors"] == [
        {"field": "ssi", "message": "SSI 44.75 differs from the sum of its pillars (52.25) by more than 1 point."},
    ]
    assert stored(sales) == recorded
    response = call(client, "patch", "/snapshots/2026-06-09", key, {"people": None})
    assert response.json()["errors"] == [
        {"field": "people", "message": "Give all four pillars or none: missing Find the right people."},
    ]
    response = call(client, "patch", "/snapshots/2026-06-09", key, {"insights": 26, "mood": "good"})
    assert response.json()["errors"] == [{"field": "mood", "message": "“mood” is not a field of a day."}]
    response = call(client, "patch", "/snapshots/2026-06-09", key, {"insights": 26})
    assert response.json()["errors"] == [{"field": "insights", "message": "Engage with insights must be between 0 and 25."}]
    assert stored(sales) == recorded


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_patch_of_activity_only_leaves_the_scores_and_their_source(client, key, sales):
    snap(sales, DATE, 40, source="import")
    Activity.objects.create(user=sales, period_start=DATE, period_end=DATE, posts=1, searches=7)
    response = call(client, "patch", "/snapshots/2026-06-09", key, {"activity": {"searches": 3, "comments": 2}})
    assert response.status_code == 200
    assert stored(sales) == {"ssi": Decimal("40.000"), "brand": Decimal("10.000"), "people": Decimal("10.000"),
                             "insights": Decimal("10.000"), "relationships": Decimal("10.000"),
                             "industry_avg": None, "source": "import",
                             "activity": {"posts": 1, "searches": 3, "comments": 2}}
    assert Activity.objects.get(user=sales).source == "api"
    call(client, "patch", "/snapshots/2026-06-09", key, {"activity": {"posts": None}})
    assert stored(sales)["activity"] == {"searches": 3, "comments": 2}
    call(client, "patch", "/snapshots/2026-06-09", key, {"activity": None})
    assert not Activity.objects.filter(user=sales).exists()
    assert stored(sales)["source"] == "import"


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_patch_of_a_day_not_recorded_is_a_json_404_and_records_nothing(client, key, sales):
    response = call(client, "patch", "/snapshots/2026-06-09", key, {"ssi": 40})
    assert response.status_code == 404
    assert response.json() == {"errors": [{"field": None, "message": (
        "No day is recorded on 2026-06-09, so there is nothing to change: record it with PUT first.")}]}
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_a_browser_extension_key_cannot_patch(client, key, sales, recorded):
    extension = auth.create_token(sales, "Browser extension", scope=ApiToken.Scope.CAPTURE)[1]
    response = call(client, "patch", "/snapshots/2026-06-09", extension, {"brand": 13})
    assert response.status_code == 403
    assert response.json()["errors"][0]["message"].startswith("This key only records your own SSI")
    assert stored(sales) == recorded


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_another_method_on_a_day_names_the_three_it_takes(client, key):
    response = call(client, "delete", "/snapshots/2026-06-09", key, {})
    assert (response.status_code, response["Allow"]) == (405, "GET, PUT, PATCH")
    assert response.json()["errors"][0]["message"] == "Use GET, PUT or PATCH here."


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_an_admins_key_patches_the_day_of_the_person_named(client, admin, sales, key, recorded):
    anyone = auth.create_token(admin, "CRM sync", can_write_for_anyone=True)[1]
    response = call(client, "patch", "/snapshots/2026-06-09", anyone, {"email": sales.email, "relationships": 14.5})
    assert response.status_code == 200
    assert stored(sales) == {**recorded, "relationships": Decimal("14.500")}


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW)
def test_a_patch_waits_for_an_import_writing_the_person_and_merges_with_what_it_wrote(key, sales):
    snap(sales, DATE, 44.75, pillars=[12.5, 10, 8.25, 14])
    written, release = threading.Event(), threading.Event()

    def import_the_day():
        # As an import does: the person's lock, then the row, committed later.
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                lock_people(cursor, [sales.pk])
                Snapshot.objects.filter(user=sales, date=DATE).update(people=11, ssi=45.75, source="import")
                written.set()
                release.wait(30)
        finally:
            connections.close_all()

    result = {}

    def patch():
        try:
            result["response"] = call(Client(), "patch", "/snapshots/2026-06-09", key, {"brand": 13.5})
        finally:
            connections.close_all()

    importer = threading.Thread(target=import_the_day)
    importer.start()
    assert written.wait(30)
    patcher = threading.Thread(target=patch)
    patcher.start()
    patcher.join(1)  # the PATCH waits for the import's lock
    assert patcher.is_alive()
    release.set()
    importer.join(30)
    patcher.join(30)
    assert result["response"].status_code == 200
    day = Snapshot.objects.get(user=sales)
    # The import's people (11) and SSI (45.75) merged with the PATCH's brand: 13.5 + 11 + 8.25 + 14 = 46.75.
    assert (day.brand, day.people, day.ssi, day.source) == (
        Decimal("13.500"), Decimal("11.000"), Decimal("45.750"), "api")
