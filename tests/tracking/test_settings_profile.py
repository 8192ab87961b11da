"""A person's own settings page: their name, email and time zone, reached from
their name in the navigation; and every time shown to them in their own zone."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.conftest import make_user
from tracking.api import auth
from tracking.models import ApiToken, ImportJob

NOON_UTC = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)


def _zone_options(html: str) -> dict[str, str]:
    select = re.search(r'<select name="profile-time_zone".*?</select>', html, re.S).group(0)
    return dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select))


@pytest.mark.django_db
def test_the_name_in_the_navigation_opens_the_settings_page_with_a_change_password_link(client, sales):
    client.force_login(sales)
    nav = re.search(r'<nav aria-label="Main">.*?</nav>', client.get("/").content.decode(), re.S).group(0)
    assert re.search(r'<a href="/settings/"[^>]*>Sasha Sales<', nav)
    assert "/accounts/password_change/" not in nav

    page = client.get("/settings/").content.decode()
    assert "<h1>Settings</h1>" in page
    assert "sales@example.com" in page
    assert 'href="/accounts/password_change/">Change password</a>' in page
    assert 'value="Sasha Sales"' in page


@pytest.mark.django_db
def test_the_time_zone_is_a_list_of_zones_with_their_offsets_and_the_saved_one_chosen(client, sales):
    sales.time_zone = "Asia/Kolkata"
    sales.save(update_fields=["time_zone"])
    client.force_login(sales)
    page = client.get("/settings/").content.decode()
    options = _zone_options(page)
    assert len(options) > 400
    assert options["Asia/Kolkata"] == "Asia/Kolkata (UTC+05:30)"  # no daylight saving: always +05:30
    assert options["America/St_Johns"] in ("America/St_Johns (UTC-03:30)", "America/St_Johns (UTC-02:30)")
    assert re.search(r'<option value="Asia/Kolkata" selected>', page)
    assert '<optgroup label="Europe">' in page


@pytest.mark.django_db
def test_a_person_saves_their_name_and_time_zone(client, sales):
    client.force_login(sales)
    response = client.post("/settings/", {
        "action": "profile", "profile-name": "Sasha Seller", "profile-time_zone": "Europe/London",
    }, follow=True)
    assert "Your name and time zone are saved." in response.content.decode()
    sales.refresh_from_db()
    assert (sales.name, sales.time_zone) == ("Sasha Seller", "Europe/London")


@pytest.mark.django_db
def test_an_unknown_time_zone_is_refused_with_a_reason_and_nothing_changes(client, sales):
    client.force_login(sales)
    response = client.post("/settings/", {
        "action": "profile", "profile-name": "Sasha Sales", "profile-time_zone": "Europe/Atlantis",
    })
    assert response.status_code == 200
    assert "“Europe/Atlantis” is not a time zone this server knows" in response.content.decode()
    sales.refresh_from_db()
    assert sales.time_zone == "UTC"


@pytest.mark.django_db
def test_api_key_times_are_shown_in_the_persons_zone_with_its_abbreviation(client, sales):
    sales.time_zone = "America/New_York"
    sales.save(update_fields=["time_zone"])
    token, _ = auth.create_token(sales, "laptop")
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=NOON_UTC, last_used_at=NOON_UTC + dt.timedelta(hours=3, minutes=5),
    )
    client.force_login(sales)
    page = client.get("/settings/").content.decode()
    assert '<time datetime="2026-12-02T12:00:00+00:00">2 Dec 2026, 07:00 EST</time>' in page
    assert "2 Dec 2026, 10:05 EST" in page


@pytest.mark.django_db
def test_a_zone_without_letters_of_its_own_is_named_by_its_offset(client, sales):
    sales.time_zone = "Pacific/Kiritimati"  # UTC+14 all year
    sales.save(update_fields=["time_zone"])
    token, _ = auth.create_token(sales, "laptop")
    ApiToken.objects.filter(pk=token.pk).update(created_at=NOON_UTC)
    client.force_login(sales)
    assert "3 Dec 2026, 02:00 UTC+14" in client.get("/settings/").content.decode()


@pytest.mark.django_db
def test_import_times_are_shown_in_the_persons_zone(client):
    admin = make_user("admin@example.com", is_staff=True, is_superuser=True, time_zone="America/New_York")
    job = ImportJob.objects.create(created_by=admin, file_name="days.csv", status=ImportJob.Status.DONE)
    ImportJob.objects.filter(pk=job.pk).update(created_at=NOON_UTC, finished_at=NOON_UTC + dt.timedelta(minutes=2))
    client.force_login(admin)
    assert "2 Dec 2026, 07:00 EST" in client.get("/imports/").content.decode()
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "Uploaded <time datetime=\"2026-12-02T12:00:00+00:00\">2 Dec 2026, 07:00 EST</time>" in page
    assert "Finished <time datetime=\"2026-12-02T12:02:00+00:00\">2 Dec 2026, 07:02 EST</time>" in page


@pytest.mark.django_db
def test_a_request_leaves_no_time_zone_behind_and_anonymous_pages_use_the_servers(client, sales):
    sales.time_zone = "America/New_York"
    sales.save(update_fields=["time_zone"])
    client.force_login(sales)
    client.get("/settings/")
    assert timezone.get_current_timezone_name() == "UTC"
    client.logout()
    assert client.get("/accounts/login/").status_code == 200
    assert timezone.get_current_timezone_name() == "UTC"
