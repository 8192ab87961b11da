"""Who may change a goal or a note: the person who set or wrote it, and admins.

As in tracking.access, views never filter by owner themselves, and anything a
viewer may not change is a 404, indistinguishable from something that does
not exist. A salesperson cannot change the goal their manager set for them,
nor a manager a note the salesperson wrote.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from scoring import goals
from scoring.models import Annotation, Goal
from tracking.access import people_visible_to
from tracking.models import User


def goals_changeable_by(viewer: User) -> QuerySet[Goal]:
    """Current goals ``viewer`` may edit or delete; a replaced goal is history, kept as it was."""
    if not viewer.is_authenticated:
        return Goal.objects.none()
    goals = Goal.objects.filter(replaced_at__isnull=True)
    if viewer.is_staff:
        return goals
    return goals.filter(set_by=viewer, user__in=people_visible_to(viewer))


def get_goal_to_change(viewer: User, goal_id: int) -> Goal:
    try:
        return goals_changeable_by(viewer).select_related("user").get(pk=goal_id)
    except (Goal.DoesNotExist, ValueError, TypeError):
        raise Http404("No such goal.") from None


def notes_changeable_by(viewer: User) -> QuerySet[Annotation]:
    if not viewer.is_authenticated:
        return Annotation.objects.none()
    if viewer.is_staff:
        return Annotation.objects.all()
    return Annotation.objects.filter(created_by=viewer, user__in=people_visible_to(viewer))


def get_note_to_change(viewer: User, note_id: int) -> Annotation:
    try:
        return notes_changeable_by(viewer).select_related("user").get(pk=note_id)
    except (Annotation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such note.") from None


def can_change(viewer: User, item: Goal | Annotation) -> bool:
    """For a page that already shows ``item`` to ``viewer``: whether to offer Edit and Delete."""
    if isinstance(item, Goal) and item.replaced_at is not None:
        return False
    author = item.set_by_id if isinstance(item, Goal) else item.created_by_id
    return viewer.is_staff or author == viewer.pk


def dashboard_rights(viewer: User, person: User, data: dict) -> dict:
    """What the goal and note parts of a dashboard show this viewer: which
    goal a new one of theirs would replace, and what they may change."""
    kind = goals.kind_set_by(viewer, person)
    current = data.get("goals", [])
    return {
        "goal_kind": kind,
        "replaces": next((g for g in current if g.kind == kind), None),
        "changeable_goal_ids": {g.pk for g in current if can_change(viewer, g)},
        "changeable_note_ids": {e.annotation.pk for e in data.get("effects", []) if can_change(viewer, e.annotation)},
    }
