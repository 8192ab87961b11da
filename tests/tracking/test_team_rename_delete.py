"""Admins rename and delete teams in the app."""

import datetime as dt

import pytest
from django.urls import reverse

from scoring.models import TeamDay
from tracking.models import Invitation, Membership, Snapshot, Team, User

pytestmark = pytest.mark.django_db


def test_an_admin_renames_a_team_and_its_address_follows_the_name(client, admin, east, sales):
    client.force_login(admin)
    assert "Rename East" in client.get(reverse("tracking:team-rename", args=["east"])).content.decode()
    response = client.post(reverse("tracking:team-rename", args=["east"]), {"name": "East & Central"})
    east.refresh_from_db()
    assert (east.name, east.slug) == ("East & Central", "east-central")
    assert response["Location"] == reverse("tracking:team-members", args=["east-central"])
    assert "“East” is now “East &amp; Central”" in client.get(response["Location"]).content.decode()
    # The old address is gone; the new one answers, and the people stay.
    assert client.get(reverse("scoring:team", args=["east"])).status_code == 404
    assert client.get(reverse("scoring:team", args=["east-central"])).status_code == 200
    assert Membership.objects.filter(team=east, user=sales).exists()


def test_a_rename_keeps_slugs_unique_and_keeps_the_slug_when_only_the_case_changes(client, admin, east, west):
    client.force_login(admin)
    client.post(reverse("tracking:team-rename", args=["west"]), {"name": "East"})
    west.refresh_from_db()
    assert (west.name, west.slug) == ("East", "east-2")
    client.post(reverse("tracking:team-rename", args=["east"]), {"name": "EAST"})
    east.refresh_from_db()
    assert (east.name, east.slug) == ("EAST", "east")


def test_a_name_without_letters_is_refused_on_rename(client, admin, east):
    client.force_login(admin)
    response = client.post(reverse("tracking:team-rename", args=["east"]), {"name": "!!!"})
    assert response.status_code == 400
    assert "Use at least one letter or digit in the name." in response.content.decode()
    east.refresh_from_db()
    assert east.name == "East"


@pytest.mark.parametrize("persona", ["manager", "sales", "other_manager"])
def test_only_admins_rename_or_delete_a_team(request, client, east, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("tracking:team-rename", args=["east"])).status_code == 404
    assert client.post(reverse("tracking:team-rename", args=["east"]), {"name": "Mine"}).status_code == 404
    assert client.post(reverse("tracking:team-delete", args=["east"])).status_code == 404
    assert Team.objects.filter(name="East").exists()


def test_deleting_a_team_asks_first_naming_what_goes(client, admin, east, sales, peer, manager):
    client.force_login(admin)
    Invitation.objects.create(user=User.objects.create_user("new@example.com", None), team=east, invited_by=admin)
    page = client.get(reverse("tracking:team-delete", args=["east"])).content.decode()
    assert "Delete East?" in page
    assert "Its 2 members and 1 manager keep their accounts and their own SSI history." in page
    assert "its daily team figures" in page and "1 pending invitation " in page
    assert Team.objects.filter(pk=east.pk).exists()  # asking deletes nothing


def test_deleting_a_team_keeps_its_people_and_their_history_and_drops_its_days(client, admin, east, west, sales,
                                                                               outsider):
    day = dt.date(2026, 5, 1)
    Snapshot.objects.create(user=sales, date=day, ssi=40)
    TeamDay.objects.create(team=east, date=day, metric="ssi", members=1, reporting=1, mean=40)
    TeamDay.objects.create(team=west, date=day, metric="ssi", members=1, reporting=0)
    client.force_login(admin)
    response = client.post(reverse("tracking:team-delete", args=["east"]))
    assert response["Location"] == reverse("tracking:manage-teams")
    assert "Deleted the team “East”. Its people and their own history stay." in client.get(
        response["Location"]).content.decode()
    assert not Team.objects.filter(slug="east").exists()
    assert User.objects.filter(pk=sales.pk).exists() and Snapshot.objects.filter(user=sales).count() == 1
    assert not Membership.objects.filter(user=sales).exists()
    assert list(TeamDay.objects.values_list("team__slug", flat=True)) == ["west"]
    assert client.get(reverse("scoring:team", args=["east"])).status_code == 404


def test_a_team_is_deleted_only_by_post(client, admin, east):
    client.force_login(admin)
    client.get(reverse("tracking:team-delete", args=["east"]))
    assert Team.objects.filter(pk=east.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_team_with_history_is_deleted_for_good(client, admin, east, sales):
    """Committed, so every reference is checked: nothing left pointing at the team."""
    from scoring.models import RecomputeRequest

    Snapshot.objects.create(user=sales, date=dt.date(2026, 5, 1), ssi=40)
    TeamDay.objects.create(team=east, date=dt.date(2026, 5, 1), metric="ssi", members=1, reporting=1, mean=40)
    client.force_login(admin)
    assert client.post(reverse("tracking:team-delete", args=["east"])).status_code == 302
    assert not Team.objects.exists() and not TeamDay.objects.exists()
    assert not RecomputeRequest.objects.filter(team__isnull=False).exists()
