"""Manual entry: one form for a day's SSI, pillars, ranks and activity."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from tracking.models import Activity, Snapshot

# 02:00 UTC on the 10th is still the 9th in New York.
NOW = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC)


def _post(client, **fields):
    data = {"date": "2026-06-09", "brand": "12.5", "people": "10", "insights": "8.25", "relationships": "14"}
    data.update(fields)
    return client.post(reverse("tracking:entry"), data)


@pytest.fixture
def logged_in(client, sales):
    sales.time_zone = "America/New_York"
    sales.save()
    client.force_login(sales)
    return client


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_the_date_defaults_to_today_in_the_persons_time_zone(logged_in):
    html = logged_in.get(reverse("tracking:entry")).content.decode()
    assert 'value="2026-06-09"' in html


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_a_blank_total_is_the_sum_of_the_pillars(logged_in, sales):
    response = _post(logged_in, ssi="", industry_rank="Top 5%", network_rank="12", searches="7")
    assert response.status_code == 302
    snapshot = Snapshot.objects.get(user=sales)
    assert snapshot.ssi == Decimal("44.750")
    assert (snapshot.industry_rank, snapshot.network_rank) == (5, 12)
    assert snapshot.source == "manual"
    activity = Activity.objects.get(user=sales)
    assert (activity.period_start, activity.period_end, activity.searches) == (dt.date(2026, 6, 9),) * 2 + (7,)


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_re_entering_a_date_edits_that_day(logged_in, sales):
    _post(logged_in)
    _post(logged_in, brand="13.5", ssi="45.75")
    assert Snapshot.objects.filter(user=sales).count() == 1
    assert Snapshot.objects.get(user=sales).brand == Decimal("13.500")
    # The edit form shows the stored values.
    html = logged_in.get(reverse("tracking:entry"), {"date": "2026-06-09"}).content.decode()
    assert 'value="13.5"' in html


@pytest.mark.django_db
@time_machine.travel(NOW)
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"insights": "26"}, "Engage with insights must be between 0 and 25."),
        ({"brand": "abc"}, "Establish your professional brand must be a number, not “abc”."),
        ({"ssi": "60"}, "SSI 60 differs from the sum of its pillars (44.75) by more than 1 point."),
        ({"ssi": "101"}, "SSI must be between 0 and 100."),
        ({"industry_rank": "0"}, "Industry rank must be a whole number between 1 and 100."),
        ({"date": "2026-06-10"}, "The date cannot be in the future."),
        ({"people": ""}, "Give all four pillars or none: missing Find the right people."),
        ({"searches": "-3"}, "Searches cannot be negative."),
        ({"insights": "NaN"}, "Engage with insights must be a number, not “NaN”."),
    ],
)
def test_it_names_the_field_and_the_rule_in_plain_words(logged_in, sales, fields, message):
    response = _post(logged_in, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
def test_anonymous_visitors_cannot_post_entries(client, sales):
    response = _post(client)
    assert response.status_code == 302
    assert not Snapshot.objects.exists()
