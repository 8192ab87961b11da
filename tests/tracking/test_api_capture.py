"""The browser extension's endpoint: /api/v1/capture records today from what
LinkedIn's SSI page loaded, with a key that can do nothing else."""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.db import IntegrityError, transaction

from tests.conftest import snap
from tests.tracking.test_linkedin_text import FULL_PAGE
from tracking.api import auth
from tracking.models import Activity, ApiToken, Snapshot

FIXTURES = Path(__file__).resolve().parent.parent / "linkedin_ssi"
# 10:00 in London on 2 Dec 2026.
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


@pytest.fixture
def extension_key(sales):
    return auth.create_token(sales, "Browser extension", scope=ApiToken.Scope.CAPTURE)[1]


def post(client, key, body):
    return client.post("/api/v1/capture", json.dumps(body), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {key}")


def messages(response) -> str:
    return " ".join(e["message"] for e in response.json()["errors"])


def stored(user):
    row = Snapshot.objects.get(user=user)
    return {
        "date": row.date, "ssi": row.ssi, "brand": row.brand, "people": row.people, "insights": row.insights,
        "relationships": row.relationships, "industry_rank": row.industry_rank, "network_rank": row.network_rank,
        "industry_avg": row.industry_avg, "network_avg": row.network_avg, "source": row.source,
    }


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_it_records_today_from_linkedins_json(client, sales, extension_key):
    response = post(client, extension_key, {"linkedin_json": json.loads(fixture("salesApiSsi.json"))})
    assert response.status_code == 201
    assert stored(sales) == {
        "date": dt.date(2026, 12, 2), "ssi": Decimal("19.706"), "brand": Decimal("13.118"),
        "people": Decimal("3.680"), "insights": Decimal("0.300"), "relationships": Decimal("2.608"),
        "industry_rank": 75, "network_rank": 81, "industry_avg": Decimal("30.990"),
        "network_avg": Decimal("32.720"), "source": "api",
    }
    assert response.json()["message"] == "Recorded 20 for 2 Dec: your first recorded day."


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_the_message_compares_with_the_previous_recorded_day(client, sales, extension_key):
    snap(sales, dt.date(2026, 11, 25), 42)
    snap(sales, dt.date(2026, 12, 3), 99)  # not before today: not the previous day
    response = post(client, extension_key, {"linkedin_json": fixture("salesApiSsi_seat.json")})
    body = response.json()
    assert body["message"] == "Recorded 43 for 2 Dec, +1 since 25 Nov."
    assert body["previous"] == {"date": "2026-11-25", "ssi": 42}
    assert Snapshot.objects.get(user=sales, date=dt.date(2026, 12, 2)).ssi == Decimal("43.491")


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_linkedins_json_is_found_where_a_wrapper_nests_it(client, sales, extension_key):
    # As a relay of LinkedIn's raw data returns it; a TEAM group is neither industry nor network.
    wrapped = {"object": "LinkedinRawData", "data": json.loads(fixture("salesApiSsi_seat.json"))}
    response = post(client, extension_key, {"linkedin_json": wrapped})
    assert response.status_code == 201
    row = stored(sales)
    assert (row["ssi"], row["industry_rank"], row["network_rank"], row["industry_avg"], row["network_avg"]) == (
        Decimal("43.491"), 5, 12, Decimal("24.182"), Decimal("31.020"))


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_a_previous_day_in_another_year_is_named_with_its_year(client, sales, extension_key):
    snap(sales, dt.date(2025, 12, 30), 43.4)
    response = post(client, extension_key, {"linkedin_json": fixture("salesApiSsi_seat.json")})
    assert response.json()["message"] == "Recorded 43 for 2 Dec, the same as on 30 Dec 2025."


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_capturing_again_the_same_day_corrects_it_and_keeps_its_activity(client, sales, extension_key):
    post(client, extension_key, {"linkedin_json": fixture("salesApiSsi.json")})
    Activity.objects.create(user=sales, period_start=dt.date(2026, 12, 2), period_end=dt.date(2026, 12, 2), searches=7)
    response = post(client, extension_key, {"linkedin_json": fixture("salesApiSsi_seat.json")})
    assert response.status_code == 200
    assert response.json()["message"] == "Updated 2 Dec to 43: your first recorded day."
    assert Snapshot.objects.filter(user=sales).count() == 1
    assert stored(sales)["ssi"] == Decimal("43.491")
    assert Activity.objects.get(user=sales).searches == 7
    # The same data again changes nothing but says so the same way.
    again = post(client, extension_key, {"linkedin_json": fixture("salesApiSsi_seat.json")})
    assert again.status_code == 200 and Snapshot.objects.filter(user=sales).count() == 1


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_a_capture_replaces_the_days_scores_as_a_whole_and_keeps_only_the_activity(client, sales, extension_key):
    page = json.loads(fixture("salesApiSsi_seat.json"))
    post(client, extension_key, {"linkedin_json": page})
    assert (stored(sales)["industry_rank"], stored(sales)["industry_avg"]) == (5, Decimal("24.182"))
    Activity.objects.create(user=sales, period_start=dt.date(2026, 12, 2), period_end=dt.date(2026, 12, 2), posts=2)
    # The same page on a day LinkedIn sent no group scores.
    del page["groupScore"]
    response = post(client, extension_key, {"linkedin_json": page})
    assert response.status_code == 200
    day = stored(sales)
    assert (day["ssi"], day["industry_rank"], day["industry_avg"], day["network_avg"]) == (
        Decimal("43.491"), None, None, None)
    assert Activity.objects.get(user=sales).posts == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("zone", "now", "day"), [
    ("Pacific/Auckland", dt.datetime(2026, 12, 2, 11, 30, tzinfo=dt.UTC), dt.date(2026, 12, 3)),
    ("America/Los_Angeles", dt.datetime(2026, 12, 2, 5, 0, tzinfo=dt.UTC), dt.date(2026, 12, 1)),
    ("UTC", dt.datetime(2026, 12, 2, 5, 0, tzinfo=dt.UTC), dt.date(2026, 12, 2)),
])
def test_today_is_the_persons_day_in_their_time_zone(client, sales, extension_key, zone, now, day):
    sales.time_zone = zone
    sales.save(update_fields=["time_zone"])
    with time_machine.travel(now):
        response = post(client, extension_key, {"linkedin_json": fixture("salesApiSsi.json")})
    assert response.json()["date"] == day.isoformat()
    assert stored(sales)["date"] == day


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_json_in_a_shape_linkedin_no_longer_gives_records_nothing_and_says_so(client, sales, extension_key):
    response = post(client, extension_key, {"linkedin_json": fixture("salesApiSsi_changed.json")})
    assert response.status_code == 400
    assert messages(response).startswith("LinkedIn's SSI data has changed shape, so nothing was recorded:")
    assert "memberScore" in messages(response)
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
@time_machine.travel(NOW)
@pytest.mark.parametrize(("member_score", "missing"), [
    ({"overall": 43.1}, "“Find the right people” pillar"),
    ({"subScores": [{"pillar": p, "score": 10} for p in
                    ("PROFESSIONAL_BRAND", "FIND_RIGHT_PEOPLE", "INSIGHT_ENGAGEMENT", "STRONG_RELATIONSHIP")]},
     "SSI total"),
    ({"overall": 30, "subScores": [{"pillar": "PROFESSIONAL_BRAND", "score": 10},
                                   {"pillar": "FIND_PEOPLE_V2", "score": 10}]}, "“Engage with insights” pillar"),
])
def test_json_without_the_total_or_a_pillar_records_nothing(client, sales, extension_key, member_score, missing):
    response = post(client, extension_key, {"linkedin_json": {"memberScore": member_score}})
    assert response.status_code == 400
    assert "changed shape" in messages(response) and missing in messages(response)
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_figures_that_break_the_rules_are_refused_with_the_rule(client, sales, extension_key):
    data = json.loads(fixture("salesApiSsi.json"))
    data["memberScore"]["subScores"][0]["score"] = 31.5
    data["memberScore"]["overall"] = 38.1
    response = post(client, extension_key, {"linkedin_json": data})
    assert response.status_code == 400
    assert "cannot be used" in messages(response) and "between 0 and 25" in messages(response)
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_the_pages_text_is_read_when_no_json_could_be_had(client, sales, extension_key):
    response = post(client, extension_key, {"page_text": FULL_PAGE})
    assert response.status_code == 201
    assert stored(sales) == {
        "date": dt.date(2026, 12, 2), "ssi": Decimal("43.000"), "brand": Decimal("12.960"),
        "people": Decimal("10.140"), "insights": Decimal("8.520"), "relationships": Decimal("11.280"),
        "industry_rank": 5, "network_rank": 12, "industry_avg": Decimal("24.000"),
        "network_avg": Decimal("31.000"), "source": "api",
    }


@pytest.mark.django_db
@time_machine.travel(NOW)
@pytest.mark.parametrize(("text", "says"), [
    ("Sales Navigator\nHome\nSomething went wrong. Try again later.", "gives no SSI total"),
    (FULL_PAGE.replace("Engage with insights\n8.52", "Engage with insights\n—"), "not found: “Engage with insights”"),
    (FULL_PAGE.replace("Build relationships\n11.28", "Build relationships\n21.28"), "do not hold together"),
])
def test_text_without_a_total_and_pillars_that_add_up_records_nothing(client, sales, extension_key, text, says):
    response = post(client, extension_key, {"page_text": text})
    assert response.status_code == 400
    assert says in messages(response)
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "says"), [
    ({}, "Send either linkedin_json"),
    ({"linkedin_json": {"memberScore": {}}, "page_text": "43"}, "Send either linkedin_json"),
    ({"linkedin_json": {"memberScore": {}}, "page_text": None}, "Send either linkedin_json"),
    ({"page_text": "x", "date": "2026-01-01"}, "“date” is not a field of a capture."),
    ({"linkedin_json": 42}, "linkedin_json must be LinkedIn's JSON"),
    ({"linkedin_json": "not json at all"}, "changed shape"),
    ({"page_text": ["a"]}, "page_text must be the page's text."),
    ({"page_text": "x" * 300_000}, "far longer than LinkedIn's SSI page"),
])
def test_a_malformed_capture_is_refused_with_a_message(client, sales, extension_key, body, says):
    response = post(client, extension_key, body)
    assert response.status_code == 400
    assert says in messages(response)
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
def test_a_body_beyond_the_servers_limit_is_refused_in_json(client, sales, extension_key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = post(client, extension_key, {"page_text": "Social Selling Index 43 " * 1000})
    assert response.status_code == 413
    assert "larger than" in messages(response)
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
def test_get_tells_the_extension_whose_key_it_is(client, sales, extension_key):
    response = client.get("/api/v1/capture", HTTP_AUTHORIZATION=f"Bearer {extension_key}")
    assert response.json() == {"connected": True, "email": "sales@example.com", "time_zone": "UTC"}


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/v1/snapshots"), ("post", "/api/v1/snapshots"), ("get", "/api/v1/snapshots/2026-12-01"),
    ("put", "/api/v1/snapshots/2026-12-01"), ("get", "/api/v1/trends"), ("get", "/api/v1/teams"),
    ("get", "/api/v1/teams/east/days"),
])
def test_an_extension_key_is_refused_everywhere_else_with_a_json_403(client, sales, extension_key, method, path):
    snap(sales, dt.date(2026, 12, 1), 40)
    response = client.generic(method.upper(), path, json.dumps({"ssi": 50, "email": "peer@example.com"}),
                              content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {extension_key}")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "only records your own SSI from the browser extension" in messages(response)
    assert Snapshot.objects.get(user=sales).ssi == 40


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_a_full_key_may_capture_too_but_only_its_owners_day(client, sales, peer, admin):
    key = auth.create_token(admin, "integration", can_write_for_anyone=True)[1]
    response = post(client, key, {"linkedin_json": fixture("salesApiSsi.json")})
    assert response.status_code == 201
    assert list(Snapshot.objects.values_list("user__email", flat=True)) == ["admin@example.com"]


@pytest.mark.django_db
def test_a_revoked_extension_key_is_refused(client, sales):
    token, key = auth.create_token(sales, "Browser extension", scope=ApiToken.Scope.CAPTURE)
    client.force_login(sales)
    client.post(f"/settings/keys/{token.pk}/revoke/")
    response = post(client, key, {"linkedin_json": fixture("salesApiSsi.json")})
    assert response.status_code == 401
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
def test_an_extension_key_never_writes_for_anyone(admin):
    token = auth.create_token(admin, "x", can_write_for_anyone=True, scope=ApiToken.Scope.CAPTURE)[0]
    assert token.can_write_for_anyone is False


@pytest.mark.django_db
@pytest.mark.parametrize("values", [
    {"scope": "all"},
    {"scope": "capture", "can_write_for_anyone": True},
])
def test_the_database_keeps_a_keys_scope_to_its_rules(sales, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(user=sales, name="x", key_hash="a" * 64, prefix="ssi_ab", **values)
