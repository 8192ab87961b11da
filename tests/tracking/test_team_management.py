"""Admins manage teams in the app; invited people set their own password."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tracking.models import Membership, Team, User

pytestmark = pytest.mark.django_db


def test_an_admin_creates_a_team_and_lands_on_its_people_page(client, admin):
    client.force_login(admin)
    response = client.post(reverse("tracking:manage-teams"), {"name": "North & South", "leaderboard_visible": "on"})
    team = Team.objects.get(name="North & South")
    assert team.slug == "north-south" and team.leaderboard_visible is True
    assert response["Location"] == reverse("tracking:team-members", args=["north-south"])


def test_a_team_slug_never_shadows_another_team_or_a_page(client, admin, east):
    client.force_login(admin)
    client.post(reverse("tracking:manage-teams"), {"name": "East"})
    client.post(reverse("tracking:manage-teams"), {"name": "Manage"})
    assert sorted(Team.objects.values_list("slug", flat=True)) == ["east", "east-2", "manage-2"]


def test_a_name_without_letters_or_digits_is_refused(client, admin):
    client.force_login(admin)
    response = client.post(reverse("tracking:manage-teams"), {"name": "!!!"})
    assert "Use at least one letter or digit in the name." in response.content.decode()
    assert not Team.objects.exists()


def test_adding_someone_who_has_an_account_sends_no_invitation(client, admin, east, outsider):
    client.force_login(admin)
    client.post(reverse("tracking:team-members", args=["east"]), {"email": "OUTSIDER@example.com", "role": "manager"})
    assert Membership.objects.get(user=outsider, team=east).role == "manager"
    assert mail.outbox == []


def test_adding_someone_twice_is_refused(client, admin, east, sales):
    client.force_login(admin)
    response = client.post(reverse("tracking:team-members", args=["east"]), {"email": sales.email, "role": "member"})
    assert "sales@example.com is already in East." in response.content.decode()
    assert Membership.objects.filter(user=sales, team=east).count() == 1


def test_an_invited_person_sets_their_own_password_once_through_the_emailed_link(
        client, admin, east, django_capture_on_commit_callbacks):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tracking:team-members", args=["east"]),
                    {"email": "New.Person@Example.com", "name": "Nia New", "role": "member"})
    person = User.objects.get(email="new.person@example.com")
    assert person.name == "Nia New" and not person.has_usable_password()
    assert Membership.objects.filter(user=person, team=east, role="member").exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.com"] and message.subject == "You're invited to East on SSI Dashboard"
    # Sent from a worker, so the link starts with SITE_URL.
    link = re.search(r"http://localhost:8000(/accounts/reset/\S+/)", message.body).group(1)

    client.logout()
    form_url = client.get(link)["Location"]  # Django swaps the token for a session marker
    response = client.post(form_url, {"new_password1": "a-long-fresh-secret-9", "new_password2": "a-long-fresh-secret-9"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("a-long-fresh-secret-9")
    signed_in = client.post(reverse("login"), {"username": "new.person@example.com", "password": "a-long-fresh-secret-9"})
    # Signed in, a salesperson lands on their own dashboard.
    assert signed_in["Location"] == reverse("scoring:home")
    assert "My Social Selling Index" in client.get(signed_in["Location"]).content.decode()
    client.logout()
    # The same link does not work a second time.
    assert "This link no longer works" in client.get(link, follow=True).content.decode()


def test_an_admin_makes_a_member_a_manager_and_removes_another(client, admin, east, sales, peer):
    client.force_login(admin)
    sales_membership = Membership.objects.get(user=sales, team=east)
    peer_membership = Membership.objects.get(user=peer, team=east)
    client.post(reverse("tracking:team-member-role", args=["east", sales_membership.pk]), {"role": "manager"})
    response = client.post(reverse("tracking:team-member-remove", args=["east", peer_membership.pk]))
    sales_membership.refresh_from_db()
    assert sales_membership.role == "manager"
    assert not Membership.objects.filter(pk=peer_membership.pk).exists()
    assert User.objects.filter(pk=peer.pk).exists()  # their history stays
    assert "Removed Pat Peer from East." in client.get(response["Location"]).content.decode()


def test_a_membership_of_another_team_cannot_be_changed_through_this_teams_url(client, admin, east, outsider):
    client.force_login(admin)
    membership = Membership.objects.get(user=outsider)
    assert client.post(reverse("tracking:team-member-remove", args=["east", membership.pk])).status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_manager_switches_the_leaderboard_off_for_members(client, manager, east):
    client.force_login(manager)
    response = client.post(reverse("tracking:team-settings", args=["east"]), {})
    east.refresh_from_db()
    assert east.leaderboard_visible is False
    assert "Members of East no longer see the leaderboard." in client.get(response["Location"]).content.decode()
