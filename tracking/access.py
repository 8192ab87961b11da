"""Who may see whom: one permission-scoped getter per object kind.

Views never filter by owner themselves; they ask here, and anything a viewer
may not see is a 404, indistinguishable from something that does not exist.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from tracking.models import Membership, Team, User


def managed_team_ids(viewer: User) -> QuerySet:
    return Membership.objects.filter(user=viewer, role=Membership.Role.MANAGER).values("team_id")


def people_visible_to(viewer: User) -> QuerySet[User]:
    """The people whose personal dashboards ``viewer`` may open."""
    if not viewer.is_authenticated:
        return User.objects.none()
    if viewer.is_staff:
        return User.objects.all()
    managed = Membership.objects.filter(user=OuterRef("pk"), team_id__in=managed_team_ids(viewer))
    return User.objects.filter(Exists(managed) | Q(pk=viewer.pk))


def get_person_for_viewer(viewer: User, person_id: int) -> User:
    """The person, if ``viewer`` may see their dashboard; otherwise 404."""
    try:
        return people_visible_to(viewer).get(pk=person_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("No such person.") from None


def can_manage(viewer: User, person: User) -> bool:
    """Whether ``viewer`` may set goals and notes for ``person`` (not edit their data)."""
    if viewer.is_staff or viewer.pk == person.pk:
        return True
    return Membership.objects.filter(user=person, team_id__in=managed_team_ids(viewer)).exists()


def teams_visible_to(viewer: User) -> QuerySet[Team]:
    if not viewer.is_authenticated:
        return Team.objects.none()
    if viewer.is_staff:
        return Team.objects.all()
    return Team.objects.filter(memberships__user=viewer).distinct()
