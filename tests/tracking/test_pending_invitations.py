"""An admin sees the invitations still waiting for their person on the team's
people page, sends one again or cancels it; a cancelled invitation's link
says so."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from tracking.models import Invitation, Membership, User

pytestmark = pytest.mark.django_db

NEW = {"email": "new.person@example.com", "name": "Nia New", "role": "member"}
SENT_AT = dt.datetime(2026, 5, 20, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def invited(client, admin, east, django_capture_on_commit_callbacks):
    """Nia invited to East by the admin on 20 May 2026 at 09:30 UTC, the email sent."""
    client.force_login(admin)
    with time_machine.travel(SENT_AT, tick=False), django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tracking:team-members", args=["east"]), NEW)
    assert len(mail.outbox) == 1
    return Invitation.objects.get(user__email=NEW["email"])


def _link(message) -> str:
    return re.search(r"http://localhost:8000(/accounts/reset/\S+/)", message.body).group(1)


def _pending_table(client) -> str:
    html = client.get(reverse("tracking:team-members", args=["east"])).content.decode()
    match = re.search(r'<section aria-labelledby="pending-title">(.*?)</section>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))


def test_a_pending_invitation_is_listed_with_who_when_by_whom_and_its_email(client, invited, admin):
    with time_machine.travel(SENT_AT + dt.timedelta(hours=1), tick=False):
        table = _pending_table(client)
    # Django's default PASSWORD_RESET_TIMEOUT is 3 days: the link works until 23 May.
    assert "Nia New new.person@example.com" in table
    assert "Invited 20 May 2026, 09:30 by admin" in table
    assert "Sent 20 May 2026, 09:30; the link works until 23 May 2026" in table
    assert "Resend invitation" in table and "Cancel invitation" in table


def test_an_accepted_invitation_is_no_longer_pending(client, invited):
    person = invited.user
    person.set_password("a-long-fresh-secret-9")
    person.save()
    assert "No invitations waiting" in _pending_table(client)


def test_an_expired_link_says_so_and_resend_sends_a_fresh_one(client, invited, django_capture_on_commit_callbacks):
    later = SENT_AT + dt.timedelta(days=4)
    with time_machine.travel(later, tick=False):
        assert "the link expired on 23 May 2026" in _pending_table(client)
        mail.outbox = []
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("tracking:invitation-resend", args=["east", invited.pk]))
        assert response.status_code == 302
        assert [m.to for m in mail.outbox] == [["new.person@example.com"]]
        invited.refresh_from_db()
        assert (invited.state, invited.attempts, invited.sent_at) == ("sent", 2, later)
        assert "the link works until 27 May 2026" in _pending_table(client)
    # The fresh link works.
    client.logout()
    with time_machine.travel(later + dt.timedelta(hours=1), tick=False):
        form = client.get(_link(mail.outbox[0]), follow=True).content.decode()
    assert "Set a new password" in form


def test_a_cancelled_invitations_link_says_it_was_cancelled(client, invited, east):
    link = _link(mail.outbox[0])
    with time_machine.travel(SENT_AT + dt.timedelta(hours=1), tick=False):
        response = client.post(reverse("tracking:invitation-cancel", args=["east", invited.pk]))
        assert "Cancelled the invitation of new.person@example.com to East" in client.get(
            response["Location"]).content.decode()
        invited.refresh_from_db()
        assert invited.cancelled_at is not None
        # They leave the team they were invited to; the table has nothing waiting.
        assert not Membership.objects.filter(user__email=NEW["email"], team=east).exists()
        assert "No invitations waiting" in _pending_table(client)
        client.logout()
        page = client.get(link, follow=True)
        assert page.status_code == 410
        assert "This invitation was cancelled" in page.content.decode()
        # Not even the set-password step past the token works.
        assert not User.objects.get(email=NEW["email"]).has_usable_password()


def test_a_cancelled_invitation_is_not_sent_by_a_queued_resend(client, invited, django_capture_on_commit_callbacks):
    from tracking.mail import send_invitation

    mail.outbox = []
    Invitation.objects.filter(pk=invited.pk).update(state="queued")
    client.post(reverse("tracking:invitation-cancel", args=["east", invited.pk]))
    send_invitation(invited.pk)
    assert mail.outbox == []


def test_inviting_again_after_a_cancel_sends_a_link_that_works(client, invited, django_capture_on_commit_callbacks):
    client.post(reverse("tracking:invitation-cancel", args=["east", invited.pk]))
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tracking:team-members", args=["east"]), NEW)
    assert [m.to for m in mail.outbox] == [["new.person@example.com"]]
    invited.refresh_from_db()
    assert invited.cancelled_at is None
    client.logout()
    assert "Set a new password" in client.get(_link(mail.outbox[0]), follow=True).content.decode()


@pytest.mark.parametrize("persona", ["manager", "sales"])
def test_only_admins_resend_or_cancel(request, client, invited, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(reverse("tracking:invitation-resend", args=["east", invited.pk])).status_code == 404
    assert client.post(reverse("tracking:invitation-cancel", args=["east", invited.pk])).status_code == 404
    invited.refresh_from_db()
    assert invited.cancelled_at is None


def test_an_invitation_of_another_team_cannot_be_cancelled_through_this_teams_url(client, invited, west):
    assert client.post(reverse("tracking:invitation-cancel", args=["west", invited.pk])).status_code == 404
    assert client.get(reverse("tracking:invitation-cancel", args=["east", invited.pk])).status_code == 405
    invited.refresh_from_db()
    assert invited.cancelled_at is None
