"""CSV downloads: a person's own data, a team's for its managers and admins,
nothing for anyone else; and a downloaded file imports back unchanged."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse

from tests.conftest import snap
from tracking.importing import writer

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def data(sales, peer, outsider):
    snap(sales, DAY, 44.75, [12.5, 11, 10.25, 11], industry_rank=5, network_rank=12, network_avg=31)
    snap(sales, DAY + dt.timedelta(days=1), 45)
    snap(peer, DAY, 38)
    snap(outsider, DAY, 70)


def download(client, user, url) -> tuple[int, str]:
    client.force_login(user)
    response = client.get(url)
    body = b"".join(response.streaming_content).decode() if response.status_code == 200 else ""
    return response.status_code, body


def test_a_salesperson_downloads_their_own_data(client, sales, data):
    status, body = download(client, sales, reverse("tracking:download-person", args=[sales.pk]))
    assert status == 200
    lines = body.splitlines()
    assert lines[0].startswith("email,date,ssi,brand,people,insights,relationships,industry_rank,network_rank,")
    assert lines[1].startswith("sales@example.com,2026-03-02,44.75,12.5,11,10.25,11,5,12,,31,")
    assert lines[2].startswith("sales@example.com,2026-03-03,45,11.25,11.25,11.25,11.25,,,")
    assert len(lines) == 3


def test_the_download_is_an_attachment_named_for_its_owner(client, sales, data):
    client.force_login(sales)
    response = client.get(reverse("tracking:download-person", args=[sales.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="my-ssi-')


def test_the_dashboard_offers_the_download(client, sales, data):
    client.force_login(sales)
    page = client.get(reverse("scoring:dashboard")).content.decode()
    assert f'href="/people/{sales.pk}/data.csv" download>Download my data (CSV)</a>' in page


@pytest.mark.parametrize("persona", ["peer", "outsider", "other_manager"])
def test_a_forged_person_id_gets_404_and_no_data(client, request, sales, data, persona):
    status, body = download(client, request.getfixturevalue(persona), reverse("tracking:download-person", args=[sales.pk]))
    assert (status, body) == (404, "")


def test_a_manager_downloads_a_members_data_and_the_whole_team(client, manager, sales, data):
    status, body = download(client, manager, reverse("tracking:download-person", args=[sales.pk]))
    assert status == 200 and body.count("sales@example.com") == 2
    status, body = download(client, manager, reverse("tracking:download-team", args=["east"]))
    assert status == 200
    emails = [line.split(",")[0] for line in body.splitlines()[1:]]
    assert emails == ["peer@example.com", "sales@example.com", "sales@example.com"]


def test_the_team_page_offers_the_download_to_its_managers_only(client, manager, sales, data):
    client.force_login(manager)
    assert 'href="/teams/east/data.csv"' in client.get(reverse("scoring:team", args=["east"])).content.decode()
    client.force_login(sales)
    assert "data.csv" not in client.get(reverse("scoring:team", args=["east"])).content.decode()


def test_an_admin_downloads_any_team(client, admin, data):
    status, body = download(client, admin, reverse("tracking:download-team", args=["west"]))
    assert status == 200 and body.splitlines()[1].startswith("outsider@example.com,2026-03-02,70,")


@pytest.mark.parametrize("persona,slug", [
    ("sales", "east"), ("peer", "east"), ("outsider", "east"), ("other_manager", "east"), ("manager", "west"),
    ("manager", "no-such-team"),
])
def test_a_team_download_is_404_for_anyone_who_does_not_manage_it(client, request, data, persona, slug, west):
    status, body = download(client, request.getfixturevalue(persona), reverse("tracking:download-team", args=[slug]))
    assert (status, body) == (404, "")


def test_logged_out_visitors_are_sent_to_log_in(client, sales, data):
    response = client.get(reverse("tracking:download-person", args=[sales.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_downloaded_team_file_imports_back_unchanged(client, manager, data):
    _, body = download(client, manager, reverse("tracking:download-team", args=["east"]))
    result = writer.import_file(io.BytesIO(body.encode()))
    assert (result.rows, result.created, result.updated, result.unchanged, result.rejected) == (3, 0, 0, 3, [])


def test_a_name_that_looks_like_a_formula_is_neutralised_and_imports_back_unchanged(client, sales, data):
    sales.name = "=HYPERLINK(\"http://evil\")"
    sales.save(update_fields=["name"])
    _, body = download(client, sales, reverse("tracking:download-person", args=[sales.pk]))
    assert body.splitlines()[1].endswith(",\"'=HYPERLINK(\"\"http://evil\"\")\"")
    result = writer.import_file(io.BytesIO(body.encode()))
    assert (result.unchanged, result.rejected) == (2, [])
