"""Invitations still waiting for their person: listed on a team's people page,
sent again or cancelled by an admin, and the emailed link that says so once
an invitation is cancelled.

The link is Django's password-reset link: it stops working once the person
has set a password, and ``PASSWORD_RESET_TIMEOUT`` after it was sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tracking import mail
from tracking.access import require_admin
from tracking.models import Invitation, Membership, Team


@dataclass(frozen=True)
class Pending:
    invitation: Invitation
    # When the emailed link stops working; None while no email has gone out.
    expires_at: dt.datetime | None

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


def _waiting(team: Team):
    """Invitations of ``team`` whose person has not set a password yet and that nobody cancelled."""
    return Invitation.objects.filter(
        team=team, cancelled_at__isnull=True, user__password__startswith=UNUSABLE_PASSWORD_PREFIX
    )


def pending_for(team: Team) -> list[Pending]:
    timeout = dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    return [
        Pending(invitation, invitation.sent_at + timeout if invitation.sent_at else None)
        for invitation in _waiting(team).select_related("user", "invited_by").order_by("-created_at", "-id")
    ]


@login_required
@require_POST
def resend(request, slug: str, invitation_id: int):
    require_admin(request.user)
    invitation = get_object_or_404(_waiting(get_object_or_404(Team, slug=slug)).select_related("user"),
                                   pk=invitation_id)
    mail.resend(invitation)
    messages.success(request, f"Sending the invitation to {invitation.user.email} again, with a fresh link.")
    return redirect("tracking:team-members", slug=slug)


@login_required
@require_POST
def cancel(request, slug: str, invitation_id: int):
    """Withdraw an invitation: the person leaves the team they were invited to,
    and the emailed link says the invitation was cancelled."""
    require_admin(request.user)
    team = get_object_or_404(Team, slug=slug)
    invitation = get_object_or_404(_waiting(team).select_related("user"), pk=invitation_id)
    with transaction.atomic():
        Invitation.objects.filter(pk=invitation.pk).update(cancelled_at=timezone.now())
        Membership.objects.filter(user=invitation.user, team=team).delete()
    messages.success(request, f"Cancelled the invitation of {invitation.user.email} to {team.name}: "
                              "the link we emailed now says so.")
    return redirect("tracking:team-members", slug=slug)


def withdrawn(person) -> bool:
    """Whether every invitation ``person`` had was cancelled before they set a password."""
    if person.has_usable_password():
        return False
    invitations = list(person.invitations.values_list("cancelled_at", flat=True))
    return bool(invitations) and all(invitations)


class InvitationLinkView(auth_views.PasswordResetConfirmView):
    """Django's set-a-password page, which first tells someone whose invitation
    was cancelled that it was, rather than letting them in."""

    def dispatch(self, *args, **kwargs):
        person = self.get_user(kwargs["uidb64"])
        if person is not None and withdrawn(person):
            return render(self.request, "teams/invitation_cancelled.html", status=410)
        return super().dispatch(*args, **kwargs)
