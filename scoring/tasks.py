"""Celery tasks: thin wrappers that take ids and call one function in scoring/.

Every task is safe to run twice or to be redelivered after a worker died
mid-way (acks_late, reject_on_worker_lost, prefetch 1 and time limits under the
broker's visibility timeout are set in settings): each recompute rewrites its
rows from a date on in one transaction, so a half-done run left nothing behind.
A recompute sent for outbox requests (``requests``, their ids) marks them done
in that same transaction (``outbox.fulfil``); one whose requests are all done
already does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db import OperationalError

from scoring import checks, notifications, outbox, trends

log = logging.getLogger(__name__)

_RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 5,
}


def _date(since: str | None) -> dt.date | None:
    return dt.date.fromisoformat(since) if since else None


@shared_task(**_RETRY)
def recompute_person(user_id: int, since: str | None = None, requests: list[int] | None = None) -> int:
    """Recompute one person's derived rows from ``since`` (ISO date) on, and the
    teams they count in from the same date, in one transaction.

    A person deleted in the meantime has no snapshots left: the recompute then
    writes nothing, which is the right answer.
    """
    return outbox.fulfil(requests, lambda: trends.recompute_with_teams([user_id], _date(since)))


@shared_task(**_RETRY)
def recompute_batch(people: list[list], requests: list[int] | None = None) -> dict:
    """Recompute everyone a change names, ``people`` as [user id, since (ISO
    date)] pairs, and each team they count in once (``trends.recompute_batch``):
    what an import, an undo or a bulk API write sends, one task for a small
    change, up to ``SSI_RECOMPUTE_TASKS`` of them, whole batches each, for a
    large one (``outbox.dispatch``).

    Each batch commits on its own, marking its people's requests done in the
    same transaction; run again (redelivered, or retried), only the batches
    whose requests are still open are recomputed.
    """
    since_by_user = {int(user_id): _date(since) for user_id, since in people}
    claim = outbox.claim_people(requests) if requests is not None else None
    people_done, days, teams = trends.recompute_batch(since_by_user, claim)
    log.info("Recomputed %d of %d people (%d days written) and %d teams", people_done, len(since_by_user), days, teams)
    return {"people": people_done, "days": days, "teams": teams}


@shared_task(**_RETRY)
def recompute_team(team_id: int, since: str | None = None, requests: list[int] | None = None) -> int:
    """Recompute one team's days, members' standing and pillar anomalies from ``since`` on."""
    return outbox.fulfil(requests, lambda: trends.recompute_roster(team_id, _date(since)))


@shared_task(**_RETRY)
def nightly_check(sample: int = checks.DEFAULT_SAMPLE) -> dict:
    """Recompute a sample of people and teams from scratch, repair and log any difference;
    bring every team's days up to today and record who stopped reporting."""
    return checks.nightly(sample)


# Emails. Beat runs them often (see CELERY_BEAT_SCHEDULE); whether an email is
# due is decided per person in their own time zone, and the sent-log makes
# repeats harmless.
_MAIL_RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "retry_jitter": True, "max_retries": 3}


@shared_task(**_MAIL_RETRY)
def send_weekly_digests() -> int:
    return notifications.send_weekly_digests()


@shared_task(**_MAIL_RETRY)
def send_team_digests() -> int:
    return notifications.send_team_digests()


@shared_task(**_MAIL_RETRY)
def send_alerts() -> int:
    return notifications.send_alerts()


@shared_task(**_MAIL_RETRY)
def send_daily_reminders() -> int:
    return notifications.send_daily_reminders()
