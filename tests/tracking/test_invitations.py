"""Invitations (and password resets) are sent by a worker with retries: a mail
server that is down never fails a page, the admin sees what was not sent, and
sends it again once mail is back."""

import socket

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import wait_for
from tracking.models import Invitation, Membership, User

NEW = {"email": "new.person@example.com", "name": "Nia New", "role": "member"}


def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mail_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 1
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.SSI_MAIL_RETRY_SECONDS, settings.SSI_MAIL_MAX_RETRIES = 0, 1
    return settings


def _state(email="new.person@example.com"):
    invitation = Invitation.objects.filter(user__email=email).first()
    return invitation and (invitation.state, invitation.attempts)


@pytest.mark.django_db(transaction=True)
def test_inviting_while_mail_is_down_keeps_the_person_and_says_the_email_was_not_sent(
        client, admin, east, celery_worker, mail_down):
    client.force_login(admin)
    response = client.post(reverse("tracking:team-members", args=["east"]), NEW)
    assert response.status_code == 302
    person = User.objects.get(email="new.person@example.com")
    assert Membership.objects.filter(user=person, team=east).exists()
    # The first attempt and its one retry both meet a refused connection.
    assert wait_for(lambda: _state() == ("failed", 2)), _state()
    page = client.get(reverse("tracking:team-members", args=["east"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Invitation not sent yet: mail server unreachable." in text
    assert "Resend invitation" in text

    # Mail is back: Resend sends it, and the page stops warning.
    mail_down.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    invitation = Invitation.objects.get(user=person, team=east)
    resent = client.post(reverse("tracking:invitation-resend", args=["east", invitation.pk]))
    assert resent.status_code == 302
    assert wait_for(lambda: _state() == ("sent", 3)), _state()
    assert [m.to for m in mail.outbox] == [["new.person@example.com"]]
    assert "/accounts/reset/" in mail.outbox[0].body
    after = client.get(reverse("tracking:team-members", args=["east"])).content.decode()
    assert "Invitation not sent yet" not in after
    assert "(invited)" in after


@pytest.mark.django_db(transaction=True)
def test_inviting_while_the_broker_is_down_too_answers_and_offers_a_resend(client, admin, east, settings):
    from ssi_dashboard.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    old_url = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    app.pool.force_close_all()
    try:
        client.force_login(admin)
        response = client.post(reverse("tracking:team-members", args=["east"]), NEW)
    finally:
        app.conf.broker_url = old_url
        app.pool.force_close_all()
        app.conf.task_always_eager = True
    assert response.status_code == 302
    assert _state() == ("failed", 0)
    assert Invitation.objects.get().problem == "mail queue unreachable"
    assert "Invitation not sent yet: mail queue unreachable." in client.get(
        reverse("tracking:team-members", args=["east"])).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_password_reset_while_mail_is_down_still_answers(client, sales, celery_worker, mail_down):
    response = client.post(reverse("password_reset"), {"email": "SALES@example.com"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_password_reset_is_sent_by_the_worker_to_the_stored_address(client, sales):
    response = client.post(reverse("password_reset"), {"email": "Sales@Example.com"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["sales@example.com"]]
    assert mail.outbox[0].subject == "Reset your SSI Dashboard password"
