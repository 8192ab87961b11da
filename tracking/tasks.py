"""Beat tasks for notifications: each is one call into tracking.notifications.

They run often (see CELERY_BEAT_SCHEDULE); whether an email is due is decided
per person in their own time zone, and the sent-log makes repeats harmless.

Import tasks take an import job's id and are one call into
tracking.importing.jobs.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from tracking import notifications, sweeps
from tracking.importing import jobs, lease

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "retry_jitter": True, "max_retries": 3}


@shared_task(**RETRY)
def send_weekly_digests() -> int:
    return notifications.send_weekly_digests()


@shared_task(**RETRY)
def send_team_digests() -> int:
    return notifications.send_team_digests()


@shared_task(**RETRY)
def send_alerts() -> int:
    return notifications.send_alerts()


@shared_task(**RETRY)
def send_daily_reminders() -> int:
    return notifications.send_daily_reminders()


# Imports are not retried automatically: a failed import says so on its page,
# nothing of it was written, and the admin decides whether to run it again.
# A message carries the attempt it was sent for: one redelivered for an
# earlier attempt (its worker was lost) does nothing.
@shared_task(acks_late=True)
def run_import(job_id: int, attempt: int | None = None) -> None:
    jobs.run(job_id, attempt)


# Every worker, with or without beat, declares imports whose worker died interrupted.
sweeps.register(lease.reap)


@shared_task(acks_late=True)
def preview_import(job_id: int) -> None:
    jobs.run_preview(job_id)


@shared_task(acks_late=True)
def undo_import(job_id: int) -> None:
    jobs.run_undo(job_id)
