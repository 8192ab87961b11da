"""A team's aggregates count its current roster on every day, so a roster change
recomputes the team's whole history, after the change commits."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tracking.models import Membership


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
