"""Team management in the app: admins create, rename and delete teams, add and
remove members, set managers and invite people by email (pending invitations:
tracking.invitation_views); a team's managers set whether its members see the
leaderboard.

An invited person gets a one-time link made with Django's password-reset
token: it stops working once they have set a password (the token covers the
password hash) or after ``PASSWORD_RESET_TIMEOUT``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from tracking import invitation_views, mail
from tracking.access import get_managed_team_for_viewer, require_admin
from tracking.forms import AddPersonForm, RoleForm, TeamForm, TeamNameForm, TeamSettingsForm
from tracking.locks import lock_recompute_team
from tracking.models import Invitation, Membership, Team, User

# Paths under /teams/ that a team's slug must not shadow.
RESERVED_SLUGS = {"manage"}


def _unique_slug(name: str, keep: Team | None = None) -> str:
    """A slug for ``name`` no other team has (``keep``: the team being renamed)."""
    base = slugify(name)[:100]
    slug, n = base, 2
    others = Team.objects.exclude(pk=keep.pk) if keep else Team.objects.all()
    while slug in RESERVED_SLUGS or others.filter(slug=slug).exists():
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
        return redirect("tracking:team-members", slug=team.slug)
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
            # Someone invited before who never set a password (or whose
            # invitation was cancelled) is invited again.
            invited = person is None or not person.has_usable_password()
            if person is None:
                # No usable password until they choose one through the link.
                person = User.objects.create_user(email=data["email"], password=None, name=data["name"].strip())
            Membership.objects.create(user=person, team=team, role=data["role"])
            if invited:
                invitation, _ = Invitation.objects.update_or_create(user=person, team=team, defaults={
                    "invited_by": request.user, "state": Invitation.State.QUEUED, "problem": "",
                    "cancelled_at": None, "sent_at": None, "created_at": timezone.now(),
                })
                # Sent by a worker after commit: a mail server that is down never fails this page.
                mail.invite(invitation)
        if invited:
            messages.success(request, f"Invited {person.email}: they set their own password from the link "
                                      "we are emailing them. This page says if the email could not be sent.")
        else:
            messages.success(request, f"Added {person} to {team.name}.")
        return redirect("tracking:team-members", slug=team.slug)
    memberships = list(team.memberships.select_related("user").order_by("role", "user__name", "user__email"))
    invitations = {i.user_id: i for i in Invitation.objects.filter(team=team)}
    for membership in memberships:
        # Only while they have not set a password: once they have, the invitation is history.
        membership.invitation = None if membership.user.has_usable_password() else invitations.get(membership.user_id)
    return render(request, "teams/members.html", {
        "team": team, "form": form, "memberships": memberships, "roles": Membership.Role.choices,
        "pending": invitation_views.pending_for(team),
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
    return redirect("tracking:team-members", slug=slug)


@login_required
@require_POST
def remove_member(request, slug: str, membership_id: int):
    require_admin(request.user)
    membership = get_object_or_404(Membership.objects.select_related("user", "team"), pk=membership_id, team__slug=slug)
    membership.delete()
    messages.success(request, f"Removed {membership.user} from {membership.team}. Their own history stays.")
    return redirect("tracking:team-members", slug=slug)


@login_required
def team_settings(request, slug: str):
    team = get_managed_team_for_viewer(request.user, slug)
    form = TeamSettingsForm(request.POST if request.method == "POST" else None, instance=team)
    if request.method == "POST" and form.is_valid():
        form.save(commit=False).save(update_fields=["leaderboard_visible"])
        shown = "see" if team.leaderboard_visible else "no longer see"
        messages.success(request, f"Members of {team.name} {shown} the leaderboard.")
        return redirect("scoring:team", slug=team.slug)
    return render(request, "teams/settings.html", {"team": team, "form": form})


@login_required
def rename_team(request, slug: str):
    """A new name, and the slug that goes with it: the team's old addresses then answer 404."""
    require_admin(request.user)
    team = get_object_or_404(Team, slug=slug)
    old_name = team.name
    form = TeamNameForm(request.POST if request.method == "POST" else None, instance=team)
    if request.method == "POST" and form.is_valid():
        team = form.save(commit=False)
        team.slug = _unique_slug(team.name, keep=team)
        team.save(update_fields=["name", "slug"])
        messages.success(request, f"“{old_name}” is now “{team.name}”, at a new address: update any bookmarks.")
        return redirect("tracking:team-members", slug=team.slug)
    return render(request, "teams/rename.html", {"team": team, "old_name": old_name, "form": form},
                  status=400 if form.errors else 200)


@login_required
def delete_team(request, slug: str):
    """Asks first, naming what goes; deletes on POST. People and their own
    history stay; the team's memberships, invitations and derived days go."""
    require_admin(request.user)
    team = get_object_or_404(Team, slug=slug)
    if request.method == "POST":
        with transaction.atomic(), connection.cursor() as cursor:
            # A recompute of the team in progress finishes first; one that
            # starts after finds no team and writes nothing.
            lock_recompute_team(cursor, team.pk)
            team.delete()
        messages.success(request, f"Deleted the team “{team.name}”. Its people and their own history stay.")
        return redirect("tracking:manage-teams")
    roles = dict(team.memberships.values_list("role").annotate(n=Count("id")).order_by())
    return render(request, "teams/delete.html", {
        "team": team,
        "members": roles.get(Membership.Role.MEMBER, 0),
        "managers": roles.get(Membership.Role.MANAGER, 0),
        "pending": len(invitation_views.pending_for(team)),
    })
