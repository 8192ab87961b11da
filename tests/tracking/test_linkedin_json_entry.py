"""The entry page's "Paste from LinkedIn" box also takes the raw JSON LinkedIn's
SSI page loads, pasted or uploaded as a file, and fills the form for today."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracking.models import Snapshot

pytestmark = pytest.mark.django_db

LINKEDIN_JSON = (Path(__file__).parent / "files" / "linkedin_ssi.json").read_text()
# LinkedIn's raw decimals, rounded half-up to three places as they are stored.
EXPECTED = {
    "ssi": "19.706", "brand": "8.145", "people": "2.46", "insights": "0.3", "relationships": "8.8",
    "industry_rank": "63", "network_rank": "41", "industry_avg": "24.315", "network_avg": "21.07",
}
# 23:30 in UTC is already the next day in Berlin.
NOW = dt.datetime(2026, 3, 20, 23, 30, tzinfo=dt.UTC)


@pytest.fixture
def logged_in(client, sales):
    sales.time_zone = "Europe/Berlin"
    sales.save(update_fields=["time_zone"])
    client.force_login(sales)
    with time_machine.travel(NOW, tick=False):
        yield client


def test_pasted_json_fills_every_figure_and_todays_date(logged_in):
    body = logged_in.post(reverse("tracking:entry-parse-linkedin"), {"linkedin_text": "  " + LINKEDIN_JSON}).json()
    assert body["values"] == {**EXPECTED, "date": "2026-03-21"}
    assert body["message"] == "Filled 9 figures from LinkedIn. Check them, then save."


def test_pasted_json_fills_the_form_without_javascript(logged_in):
    page = logged_in.post(reverse("tracking:entry"), {"paste": "1", "linkedin_text": LINKEDIN_JSON, "date": "2026-03-01"})
    html = page.content.decode()
    assert 'name="date" value="2026-03-21"' in html
    assert 'name="ssi" value="19.706"' in html and 'name="network_avg" value="21.07"' in html
    assert Snapshot.objects.count() == 0  # filled, not saved


def test_an_uploaded_json_file_fills_the_form(logged_in):
    upload = SimpleUploadedFile("ssi.json", LINKEDIN_JSON.encode(), content_type="application/json")
    html = logged_in.post(reverse("tracking:entry"), {"paste_file": "1", "linkedin_file": upload}).content.decode()
    assert 'name="industry_rank" value="63"' in html and 'name="brand" value="8.145"' in html
    assert "Filled 9 figures from LinkedIn." in html


def test_saving_the_filled_form_keeps_one_snapshot_for_today_with_ranks_and_averages(logged_in, sales):
    values = logged_in.post(reverse("tracking:entry-parse-linkedin"), {"linkedin_text": LINKEDIN_JSON}).json()["values"]
    response = logged_in.post(reverse("tracking:entry"), values)
    assert response.status_code == 302
    saved = Snapshot.objects.get()
    assert (saved.user, saved.date, saved.ssi, saved.insights, saved.industry_rank, saved.network_rank,
            saved.industry_avg, saved.network_avg) == (
        sales, dt.date(2026, 3, 21), Decimal("19.706"), Decimal("0.300"), 63, 41, Decimal("24.315"),
        Decimal("21.070"))


@pytest.mark.parametrize("text,message", [
    ('{"memberScore": ', "The file starts like JSON but is not valid JSON."),
    ('{"profile": {"name": "x"}}', "This JSON is not LinkedIn's SSI data: it has no memberScore."),
    ('{"memberScore": {"overall": 60, "subScores": [{"pillar": "PROFESSIONAL_BRAND", "score": 30}]}}',
     "LinkedIn's data cannot be used: "),
])
def test_json_that_cannot_be_used_says_why_and_fills_nothing(logged_in, text, message):
    body = logged_in.post(reverse("tracking:entry-parse-linkedin"), {"linkedin_text": text}).json()
    assert body["values"] == {}
    assert body["message"].startswith(message)


def test_a_file_that_is_not_json_is_refused_with_the_parsers_sentence(logged_in):
    upload = SimpleUploadedFile("ssi.json", b"\x89PNG\r\n\x1a\n\x00\x00")
    html = logged_in.post(reverse("tracking:entry"), {"paste_file": "1", "linkedin_file": upload}).content.decode()
    assert "This is an image, not a CSV file" in html


def test_the_file_button_without_a_file_asks_for_one(logged_in):
    html = logged_in.post(reverse("tracking:entry"), {"paste_file": "1"}).content.decode()
    assert "Choose the JSON file saved from LinkedIn&#x27;s SSI page." in html
