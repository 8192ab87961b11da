"""Team management in the app: admins create teams, add and remove members,
set managers and invite people by email; a team's managers set whether its
members see the leaderboard.

An invited person gets a one-time link made with Django's password-reset
token: it stops working once they have set a password (the token covers the
password hash) or after ``PASSWORD_RESET_TIMEOUT``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from tracking import mail
from tracking.access import get_managed_team_for_viewer, require_admin
from tracking.forms import AddPersonForm, RoleForm, TeamForm, TeamSettingsForm
from tracking.models import Invitation, Membership, Team, User

# Paths under /teams/ that a team's slug must not shadow.
RESERVED_SLUGS = {"manage"}


def _unique_slug(name: str) -> str:
    base = slugify(name)[:100]
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Team.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@login_required
def manage_teams(request):
    require_admin(request.user)
    form = TeamForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        team = form.save(commit=False)
        team.slug = _unique_slug(team.name)
        team.save()
        messages.success(request, f"Team “{team.name}” created. Add its people below.")
        return redirect("team-members", slug=team.slug)
    all_teams = Team.objects.annotate(
        member_count=Count("memberships", filter=Q(memberships__role=Membership.Role.MEMBER)),
        manager_count=Count("memberships", filter=Q(memberships__role=Membership.Role.MANAGER)),
    ).order_by("name")
    return render(request, "teams/manage.html", {"teams": all_teams, "form": form})


@login_required
def team_members(request, slug: str):
    require_admin(request.user)
    team = get_object_or_404(Team, slug=slug)
    form = AddPersonForm(request.POST if request.method == "POST" else None, team=team)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            person = User.objects.filter(email=data["email"]).first()
            invited = person is None
            if invited:
                # No usable password until they choose one through the link.
                person = User.objects.create_user(email=data["email"], password=None, name=data["name"].strip())
            Membership.objects.create(user=person, team=team, role=data["role"])
            if invited:
                # Sent by a worker after commit: a mail server that is down never fails this page.
                mail.invite(Invitation.objects.create(user=person, team=team, invited_by=request.user))
        if invited:
            messages.success(request, f"Invited {person.email}: they set their own password from the link "
                                      "we are emailing them. This page says if the email could not be sent.")
        else:
            messages.success(request, f"Added {person} to {team.name}.")
        return redirect("team-members", slug=team.slug)
    memberships = list(team.memberships.select_related("user").order_by("role", "user__name", "user__email"))
    invitations = {i.user_id: i for i in Invitation.objects.filter(team=team)}
    for membership in memberships:
        # Only while they have not set a password: once they have, the invitation is history.
        membership.invitation = None if membership.user.has_usable_password() else invitations.get(membership.user_id)
    return render(request, "teams/members.html", {
        "team": team, "form": form, "memberships": memberships, "roles": Membership.Role.choices,
    })


@login_required
@require_POST
def set_role(request, slug: str, membership_id: int):
    require_admin(request.user)
    membership = get_object_or_404(Membership, pk=membership_id, team__slug=slug)
    form = RoleForm(request.POST)
    if form.is_valid():
        membership.role = form.cleaned_data["role"]
        membership.save(update_fields=["role"])
        messages.success(request, f"{membership.user} is now a {membership.get_role_display().lower()} of {membership.team}.")
    return redirect("team-members", slug=slug)


@login_required
@require_POST
def resend_invitation(request, slug: str, membership_id: int):
    require_admin(request.user)
    membership = get_object_or_404(Membership.objects.select_related("user", "team"), pk=membership_id, team__slug=slug)
    if membership.user.has_usable_password():
        messages.info(request, f"{membership.user} has already set a password: there is nothing to resend.")
        return redirect("team-members", slug=slug)
    invitation, _ = Invitation.objects.get_or_create(
        user=membership.user, team=membership.team, defaults={"invited_by": request.user}
    )
    mail.resend(invitation)
    messages.success(request, f"Sending the invitation to {membership.user.email} again.")
    return redirect("team-members", slug=slug)


@login_required
@require_POST
def remove_member(request, slug: str, membership_id: int):
    require_admin(request.user)
    membership = get_object_or_404(Membership.objects.select_related("user", "team"), pk=membership_id, team__slug=slug)
    membership.delete()
    messages.success(request, f"Removed {membership.user} from {membership.team}. Their own history stays.")
    return redirect("team-members", slug=slug)


@login_required
def team_settings(request, slug: str):
    team = get_managed_team_for_viewer(request.user, slug)
    form = TeamSettingsForm(request.POST if request.method == "POST" else None, instance=team)
    if request.method == "POST" and form.is_valid():
        form.save(commit=False).save(update_fields=["leaderboard_visible"])
        shown = "see" if team.leaderboard_visible else "no longer see"
        messages.success(request, f"Members of {team.name} {shown} the leaderboard.")
        return redirect("team", slug=team.slug)
    return render(request, "teams/settings.html", {"team": team, "form": form})
