"""Beat tasks for notifications: each is one call into tracking.notifications.

They run often (see CELERY_BEAT_SCHEDULE); whether an email is due is decided
per person in their own time zone, and the sent-log makes repeats harmless.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from tracking import notifications

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
