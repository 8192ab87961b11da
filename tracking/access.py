"""Who may see whom: one permission-scoped getter per object kind.

Views never filter by owner themselves; they ask here, and anything a viewer
may not see is a 404, indistinguishable from something that does not exist.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from tracking.models import Membership, Team, User


def managed_team_ids(viewer: User) -> QuerySet:
    return Membership.objects.filter(user=viewer, role=Membership.Role.MANAGER).values("team_id")


def teams_managed_by(viewer: User) -> QuerySet[Team]:
    """The teams ``viewer`` is a manager of (by membership, not by being an admin)."""
    if not viewer.is_authenticated:
        return Team.objects.none()
    return Team.objects.filter(pk__in=managed_team_ids(viewer))


# The slugs of the teams a person manages, by name: what the home page asks of
# everyone who signs in, read without the ORM (which costs a millisecond to
# write this query on every visit).
_MANAGED_SLUGS_SQL = """
SELECT t.slug FROM tracking_team t
WHERE t.id IN (SELECT team_id FROM tracking_membership WHERE user_id = %s AND role = %s)
ORDER BY t.name, t.id LIMIT %s
"""


def managed_team_slugs(viewer: User, limit: int) -> list[str]:
    """The slugs of up to ``limit`` of ``teams_managed_by(viewer)``, by name."""
    if not viewer.is_authenticated:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_MANAGED_SLUGS_SQL, [viewer.pk, Membership.Role.MANAGER, limit])
        return [slug for (slug,) in cursor.fetchall()]


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


def get_team_and_role_for_viewer(viewer: User, slug: str) -> tuple[Team, bool]:
    """The team, if ``viewer`` may open it (``teams_visible_to``; otherwise
    404), and whether they see it member by member: its managers and admins
    do; members get the aggregate (and the leaderboard, where the team allows
    it). One query."""
    manages = Membership.objects.filter(team=OuterRef("pk"), user=viewer.pk, role=Membership.Role.MANAGER)
    try:
        team = teams_visible_to(viewer).annotate(viewer_manages=Exists(manages)).get(slug=slug)
    except (Team.DoesNotExist, ValueError, TypeError):
        raise Http404("No such team.") from None
    return team, viewer.is_staff or team.viewer_manages


def get_managed_team_for_viewer(viewer: User, slug: str) -> Team:
    """The team, if ``viewer`` manages it or is an admin; otherwise 404 — also
    for its own members, who must not learn more than the team page tells them."""
    if not viewer.is_authenticated:
        raise Http404("No such team.")
    teams = Team.objects.all() if viewer.is_staff else Team.objects.filter(pk__in=managed_team_ids(viewer))
    try:
        return teams.get(slug=slug)
    except (Team.DoesNotExist, ValueError, TypeError):
        raise Http404("No such team.") from None


def get_people_for_viewer(viewer: User, person_ids: list) -> list[User]:
    """All of these people, in the order given, if ``viewer`` may see every one
    of them; one forged or unknown id makes the whole request a 404."""
    try:
        ids = list(dict.fromkeys(int(pk) for pk in person_ids))
    except (ValueError, TypeError):
        raise Http404("No such person.") from None
    found = {person.pk: person for person in people_visible_to(viewer).filter(pk__in=ids)}
    if len(found) != len(ids):
        raise Http404("No such person.")
    return [found[pk] for pk in ids]


def require_admin(viewer: User) -> None:
    """Organisation-wide pages and team management exist only for admins: 404 for anyone else."""
    if not (viewer.is_authenticated and viewer.is_staff):
        raise Http404("No such page.")


def get_person_to_manage(viewer: User, person_id: int) -> User:
    """The person, if ``viewer`` may set their goals and notes (themselves, their
    manager, an admin); otherwise 404, whether or not they exist."""
    person = get_person_for_viewer(viewer, person_id)
    if not can_manage(viewer, person):
        raise Http404("No such person.")
    return person
