"""Mail a page sends (invitations, password resets) goes out from a worker, with
retries, never inside the request: a mail server that is down or slow cannot
make a page fail or hang. An invitation records whether it went out, so the
team's page can say so and offer to send it again.
"""

from __future__ import annotations

import logging
import smtplib
import socket

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tracking.models import Invitation

log = logging.getLogger(__name__)

UNREACHABLE = "mail server unreachable"
QUEUE_UNREACHABLE = "mail queue unreachable"


class MailUnavailable(Exception):
    """Sending failed for a reason that may pass (the server is down, busy, slow)."""


def describe(error: OSError) -> str:
    """Why a message could not be sent, in words an admin can act on."""
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return "the mail server refused our login (check EMAIL_URL)"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "the mail server refused the address"
    if isinstance(error, smtplib.SMTPException):
        return f"the mail server answered with an error: {error}"[:200]
    if isinstance(error, ConnectionError | socket.timeout | socket.gaierror | TimeoutError):
        return UNREACHABLE
    return f"{UNREACHABLE} ({error})"[:200]


def retry_delay(retries: int) -> int:
    """Seconds before the next attempt: doubling from SSI_MAIL_RETRY_SECONDS, at most an hour."""
    return min(settings.SSI_MAIL_RETRY_SECONDS * 2**retries, 3600)


def enqueue(task, *args) -> bool:
    """Hand a task to the broker; False (logged) if the broker cannot take it."""
    try:
        task.apply_async(args, retry=False)
    except Exception as error:  # whatever the broker's failure, the page goes on
        log.warning("Could not queue %s%r: %s", task.name, args, error)
        return False
    return True


# --- invitations ------------------------------------------------------------

def invite(invitation: Invitation) -> None:
    """Send ``invitation`` once the transaction that made it commits."""
    invitation_id = invitation.pk
    transaction.on_commit(lambda: _queue_invitation(invitation_id))


def resend(invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk).update(state=Invitation.State.QUEUED, problem="")
    invite(invitation)


def _queue_invitation(invitation_id: int) -> None:
    from tracking.tasks import send_invitation

    if not enqueue(send_invitation, invitation_id):
        Invitation.objects.filter(pk=invitation_id).update(state=Invitation.State.FAILED, problem=QUEUE_UNREACHABLE)


def invitation_message(invitation: Invitation) -> EmailMultiAlternatives:
    person, team = invitation.user, invitation.team
    link = settings.SITE_URL.rstrip("/") + reverse("password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
        "token": default_token_generator.make_token(person),
    })
    body = render_to_string("teams/invite_email.txt", {
        "person": person, "team": team, "inviter": invitation.invited_by or "An admin", "link": link,
        "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    })
    return EmailMultiAlternatives(f"You're invited to {team.name} on SSI Dashboard", body, None, [person.email])


def send_invitation(invitation_id: int) -> None:
    """One attempt at sending an invitation; records the outcome. Raises
    MailUnavailable when the attempt failed (the task then retries)."""
    invitation = Invitation.objects.select_related("user", "team", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or invitation.state == Invitation.State.SENT or invitation.cancelled_at is not None:
        return
    try:
        invitation_message(invitation).send()
    except OSError as error:  # smtplib's errors, refused and timed-out connections are all OSErrors
        Invitation.objects.filter(pk=invitation_id).update(
            state=Invitation.State.FAILED, problem=describe(error), attempts=F("attempts") + 1
        )
        raise MailUnavailable(describe(error)) from error
    Invitation.objects.filter(pk=invitation_id).update(
        state=Invitation.State.SENT, problem="", attempts=F("attempts") + 1, sent_at=timezone.now()
    )


# --- any other message --------------------------------------------------------

def queue_email(subject: str, body: str, to: list[str], html: str | None = None) -> None:
    """Send a message from a worker. With the broker down too, it is logged and
    dropped: the page that asked for it still answers (a person can ask again)."""
    from tracking.tasks import send_email

    if not enqueue(send_email, subject, body, to, html):
        log.error("A message to %s (%s) could not be queued and was not sent.", ", ".join(to), subject)


def send_email(subject: str, body: str, to: list[str], html: str | None = None) -> None:
    message = EmailMultiAlternatives(subject, body, None, to)
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except OSError as error:
        raise MailUnavailable(describe(error)) from error
