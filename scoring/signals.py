"""What scoring listens to: tracking's announcement that people's rows changed
(a recompute request in the same transaction), and roster changes (a team's
aggregates count its current roster on every day, so a roster change
recomputes the team's whole history)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from scoring.outbox import request_recomputes
from tracking.changes import person_rows_changed
from tracking.models import Membership, User


@receiver(person_rows_changed, dispatch_uid="scoring_person_rows_changed")
def person_rows_changed_received(sender, since_by_user, **kwargs):
    request_recomputes(since_by_user)


def _recompute_team(team_id: int) -> None:
    from scoring.models import TeamDay
    from scoring.outbox import request_team_recompute
    from tracking.models import Snapshot

    # A roster of people without snapshots, for a team without days, changes nothing.
    if TeamDay.objects.filter(team_id=team_id).exists() or Snapshot.objects.filter(
        user__memberships__team_id=team_id
    ).exists():
        request_team_recompute([team_id], None)


@receiver(post_save, sender=Membership, dispatch_uid="scoring_membership_saved")
def membership_saved(sender, instance: Membership, raw=False, **kwargs):
    if not raw:
        _recompute_team(instance.team_id)


@receiver(post_delete, sender=Membership, dispatch_uid="scoring_membership_deleted")
def membership_deleted(sender, instance: Membership, **kwargs):
    _recompute_team(instance.team_id)


@receiver(post_delete, sender=User, dispatch_uid="scoring_person_deleted")
def person_deleted(sender, instance: User, **kwargs):
    # Their summary goes with them (a cascade): the organisation's stored spread follows.
    from scoring import organisation_figures

    organisation_figures.summaries_changed()
