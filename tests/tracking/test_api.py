"""The JSON API: keys, writing a day, reading one's own data, team aggregates."""

import datetime as dt
import json
import logging
from decimal import Decimal

import pytest
import time_machine
from django.test import Client, override_settings

from scoring import trends
from scoring.models import TeamDay
from tests.conftest import snap
from tracking.api import auth
from tracking.models import Activity, ApiToken, Snapshot

# 02:00 UTC on the 10th is still the 9th in New York.
NOW = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC)
DAY = {"brand": 12.5, "people": 10, "insights": 8.25, "relationships": 14}


def call(client, method, path, key=None, body=None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    data = json.dumps(body) if body is not None and not isinstance(body, str) else body
    return getattr(client, method)(f"/api/v1{path}", data=data, content_type="application/json", **headers, **extra)


@pytest.fixture
def key(sales):
    sales.time_zone = "America/New_York"
    sales.save()
    return auth.create_token(sales, "laptop")[1]


@pytest.mark.django_db
def test_the_schema_is_served_without_a_key(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"] == "3.0.3"
    assert set(schema["paths"]) == {
        "/snapshots", "/snapshots/{date}", "/capture", "/trends", "/teams", "/teams/{slug}/days",
    }
    day = schema["paths"]["/snapshots/{date}"]
    assert set(day) == {"parameters", "get", "put", "patch"}
    assert "Only the fields sent change" in day["patch"]["description"]
    assert "activity left out (or null) removes the day's activity" in day["put"]["description"]
    assert "The same as PUT on that date" in schema["paths"]["/snapshots"]["post"]["description"]
    assert "keeps today's logged activity" in schema["paths"]["/capture"]["post"]["description"]


@pytest.mark.django_db
def test_a_request_without_a_key_is_401_in_json(client):
    response = call(client, "get", "/snapshots")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["message"].startswith("Give a valid API key")


@pytest.mark.django_db
def test_a_wrong_or_revoked_key_is_401(client, key):
    assert call(client, "get", "/snapshots", key + "x").status_code == 401
    assert call(client, "get", "/snapshots", "ssi_" + "a" * 43).status_code == 401
    ApiToken.objects.update(revoked_at=NOW)
    assert call(client, "get", "/snapshots", key).status_code == 401


@pytest.mark.django_db
def test_only_a_hash_of_the_key_is_stored_and_use_is_recorded(client, key):
    token = ApiToken.objects.get()
    assert key not in (token.key_hash, token.prefix) and len(token.key_hash) == 64
    assert key.startswith(token.prefix)
    assert token.last_used_at is None
    call(client, "get", "/snapshots", key)
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.django_db
def test_a_logged_in_browser_without_a_key_is_not_let_in(client, sales):
    client.force_login(sales)
    assert call(client, "put", "/snapshots/2026-06-09", body=DAY).status_code == 401
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_put_records_a_day_from_the_api_and_a_second_put_updates_it(key, sales):
    client = Client(enforce_csrf_checks=True)
    response = call(client, "put", "/snapshots/2026-06-09", key, {**DAY, "industry_rank": 5, "activity": {"searches": 7}})
    assert response.status_code == 201
    assert response["Location"] == "/api/v1/snapshots/2026-06-09"
    body = response.json()
    assert (body["ssi"], body["brand"], body["industry_rank"], body["source"]) == (44.75, 12.5, 5, "api")
    assert body["activity"]["searches"] == 7
    snapshot = Snapshot.objects.get(user=sales)
    assert (snapshot.ssi, snapshot.source) == (Decimal("44.750"), "api")
    response = call(client, "put", "/snapshots/2026-06-09", key, {**DAY, "brand": 13.5, "ssi": 45.75})
    assert response.status_code == 200
    snapshot = Snapshot.objects.get(user=sales)
    # PUT replaces the whole day: the rank and the activity left out are gone.
    assert (snapshot.brand, snapshot.industry_rank) == (Decimal("13.500"), None)
    assert not Activity.objects.filter(user=sales).exists()
    assert (response.json()["industry_rank"], response.json()["activity"]) == (None, None)


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_activity_null_clears_the_days_activity(client, key, sales):
    call(client, "put", "/snapshots/2026-06-09", key, {**DAY, "activity": {"posts": 1}})
    call(client, "put", "/snapshots/2026-06-09", key, {**DAY, "activity": None})
    assert not Activity.objects.filter(user=sales).exists()


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_post_without_a_date_records_today_in_the_persons_time_zone(client, key, sales):
    response = call(client, "post", "/snapshots", key, {"ssi": 42})
    assert response.status_code == 201
    assert response.json()["date"] == "2026-06-09"
    assert Snapshot.objects.get(user=sales).date == dt.date(2026, 6, 9)


@pytest.mark.django_db
@time_machine.travel(NOW)
@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"insights": 26}, "insights", "Engage with insights must be between 0 and 25."),
        ({"ssi": 60}, "ssi", "SSI 60 differs from the sum of its pillars (44.75) by more than 1 point."),
        ({"brand": "abc"}, "brand", "Establish your professional brand must be a number, not “abc”."),
        ({"brand": True}, "brand", "Establish your professional brand must be a number, not “true”."),
        ({"industry_rank": 0}, "industry_rank", "Industry rank must be a whole number between 1 and 100."),
        ({"industry_rank": 5.5}, "industry_rank", "Industry rank must be a whole number between 1 and 100."),
        ({"people": None}, "people", "Give all four pillars or none: missing Find the right people."),
        ({"activity": {"searches": -3}}, "activity.searches", "Searches cannot be negative."),
        ({"activity": {"likes": 3}}, "activity.likes", "“likes” is not an activity count."),
        ({"mood": "good"}, "mood", "“mood” is not a field of a day."),
        ({"brand": -1e25}, "brand", "Establish your professional brand is too large."),
        ({"email": None}, "email", "email must be an email address."),
    ],
)
def test_a_refused_value_names_its_field_with_the_forms_sentence(client, key, body, field, message):
    response = call(client, "put", "/snapshots/2026-06-09", key, {**DAY, **body})
    assert response.status_code == 400
    assert {"field": field, "message": message} in response.json()["errors"]
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_a_future_date_or_a_broken_body_is_refused(client, key):
    response = call(client, "put", "/snapshots/2026-06-10", key, DAY)
    assert response.json()["errors"] == [{"field": "date", "message": "The date cannot be in the future."}]
    response = call(client, "put", "/snapshots/9-6-2026", key, DAY)
    assert response.json()["errors"] == [{"field": "date", "message": "date must be a date in the form YYYY-MM-DD."}]
    response = call(client, "put", "/snapshots/2026-06-09", key, "{not json")
    assert response.json()["errors"] == [{"field": None, "message": "The body must be a JSON object."}]
    response = call(client, "put", "/snapshots/2026-06-09", key, "[1, 2]")
    assert response.status_code == 400
    response = call(client, "put", "/snapshots/2026-06-09", key, '{"ssi": NaN}')
    assert response.json()["errors"][0]["field"] == "ssi"


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_a_persons_key_cannot_write_for_someone_else(client, key, peer):
    response = call(client, "put", "/snapshots/2026-06-09", key, {**DAY, "email": peer.email})
    assert response.status_code == 404
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_an_admins_write_for_anyone_key_records_a_day_for_the_person_named(client, admin, sales, peer):
    anyone = auth.create_token(admin, "CRM sync", can_write_for_anyone=True)[1]
    only_own = auth.create_token(admin, "my script")[1]
    response = call(client, "put", "/snapshots/2026-06-09", anyone, {**DAY, "email": "SALES@example.com"})
    assert response.status_code == 201
    assert Snapshot.objects.get().user == sales
    assert call(client, "put", "/snapshots/2026-06-09", only_own, {**DAY, "email": peer.email}).status_code == 404
    assert call(client, "put", "/snapshots/2026-06-09", anyone, {**DAY, "email": "nobody@example.com"}).status_code == 404
    # Once its owner is no longer an admin, the key writes only for them.
    admin.is_staff = False
    admin.save()
    assert call(client, "put", "/snapshots/2026-06-09", anyone, {**DAY, "email": peer.email}).status_code == 404


@pytest.mark.django_db
def test_a_non_admin_never_gets_a_write_for_anyone_key(sales):
    token, _ = auth.create_token(sales, "sneaky", can_write_for_anyone=True)
    assert token.can_write_for_anyone is False


@pytest.mark.django_db
def test_the_snapshot_list_holds_only_ones_own_days_within_the_range(client, key, sales, peer):
    snap(sales, dt.date(2026, 6, 1), 40)
    snap(sales, dt.date(2026, 6, 5), 41.5, industry_rank=7)
    snap(peer, dt.date(2026, 6, 5), 70)
    response = call(client, "get", "/snapshots", key)
    assert [(s["date"], s["ssi"]) for s in response.json()["snapshots"]] == [("2026-06-01", 40), ("2026-06-05", 41.5)]
    response = call(client, "get", "/snapshots?from=2026-06-02&to=2026-06-30", key)
    assert [s["industry_rank"] for s in response.json()["snapshots"]] == [7]
    assert call(client, "get", "/snapshots/2026-06-05", key).json()["ssi"] == 41.5
    assert call(client, "get", "/snapshots/2026-06-02", key).status_code == 404
    assert call(client, "get", "/snapshots?from=2026-06-09&to=2026-06-01", key).json() == {"snapshots": []}
    response = call(client, "get", "/snapshots?form=2026-06-09", key)
    assert response.json()["errors"] == [{"field": "form", "message": "“form” is not a parameter here."}]


@pytest.mark.django_db
def test_trends_are_the_derived_windows(client, key, sales, peer):
    snap(sales, dt.date(2026, 6, 1), 40)
    snap(sales, dt.date(2026, 6, 8), 43)
    snap(peer, dt.date(2026, 6, 8), 70)
    trends.recompute(sales.pk, dt.date(2026, 5, 1))
    trends.recompute(peer.pk, dt.date(2026, 5, 1))
    days = call(client, "get", "/trends", key).json()["days"]
    # 8 June: its 7-day window [2–8 June] holds only itself; its 30-day window both days;
    # 7 days before it (1 June) it was 40.
    assert [(d["date"], d["ssi"], d["avg7"], d["avg30"], d["delta7"]) for d in days] == [
        ("2026-06-01", 40, 40, 40, None),
        ("2026-06-08", 43, 43, 41.5, 3),
    ]


@pytest.fixture
def east_days(east):
    for day, reporting, median in ((dt.date(2026, 6, 8), 2, "41.5"), (dt.date(2026, 6, 9), 3, "43")):
        TeamDay.objects.create(team=east, date=day, metric="ssi", members=3, reporting=reporting,
                               mean=Decimal(median), median=Decimal(median), p25=None, p75=None, min=None, max=None)


@pytest.mark.django_db
def test_a_manager_reads_their_teams_daily_aggregate(client, manager, east_days):
    key = auth.create_token(manager, "bi")[1]
    assert call(client, "get", "/teams", key).json() == {"teams": [{"slug": "east", "name": "East"}]}
    body = call(client, "get", "/teams/east/days?from=2026-06-09", key).json()
    assert body["metric"] == "ssi"
    assert [(d["date"], d["reporting"], d["members"], d["median"]) for d in body["days"]] == [("2026-06-09", 3, 3, 43)]
    response = call(client, "get", "/teams/east/days?metric=charm", key)
    assert response.json()["errors"][0]["field"] == "metric"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["sales", "other_manager", "outsider"])
def test_team_aggregates_are_404_to_anyone_not_managing_the_team(client, request, persona, east_days):
    person = request.getfixturevalue(persona)
    key = auth.create_token(person, "x")[1]
    response = call(client, "get", "/teams/east/days", key)
    assert response.status_code == 404
    assert response.json() == {"errors": [{"field": None, "message": "Not found."}]}
    assert call(client, "get", "/teams/nowhere/days", key).status_code == 404
    assert "east" not in call(client, "get", "/teams", key).content.decode()


@pytest.mark.django_db
def test_an_admin_reads_any_teams_aggregate(client, admin, east_days):
    key = auth.create_token(admin, "bi")[1]
    assert len(call(client, "get", "/teams/east/days", key).json()["days"]) == 2


@pytest.mark.django_db
def test_unknown_paths_and_methods_answer_in_json(client, key):
    assert call(client, "get", "/nothing", key).json()["errors"][0]["message"] == "Not found."
    assert call(Client(enforce_csrf_checks=True), "post", "/snapshot", key, {}).status_code == 404
    assert call(client, "post", "/openapi.json").status_code == 405
    response = call(client, "delete", "/snapshots", key)
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


@pytest.mark.django_db
def test_a_key_over_its_rate_limit_gets_429_with_retry_after(client, key):
    with override_settings(API_RATE_LIMIT=2, API_RATE_WINDOW=3600):
        assert call(client, "get", "/snapshots", key)["X-RateLimit-Remaining"] == "1"
        assert call(client, "get", "/snapshots", key).status_code == 200
        response = call(client, "get", "/snapshots", key)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert response.json()["errors"][0]["message"] == "Too many requests: at most 2 per key every 3600 seconds."
    # Another key has its own window.
    other = auth.create_token(ApiToken.objects.get().user, "other")[1]
    with override_settings(API_RATE_LIMIT=2, API_RATE_WINDOW=3600):
        assert call(client, "get", "/snapshots", other).status_code == 200


@pytest.mark.django_db
def test_without_redis_the_api_stays_up_and_logs_it(client, key, caplog, monkeypatch):
    monkeypatch.setattr(auth, "_client", None)
    monkeypatch.setattr(auth, "_last_warning", -auth.WARNING_INTERVAL)
    with override_settings(REDIS_URL="", API_RATE_LIMIT=1), caplog.at_level(logging.WARNING, "tracking.api.auth"):
        assert call(client, "get", "/snapshots", key).status_code == 200
        assert call(client, "get", "/snapshots", key).status_code == 200
    # Logged, but not once per request.
    assert caplog.text.count("rate limit not enforced") == 1
