"""Celery tasks: thin wrappers that take ids and call one function in scoring/."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import OperationalError

from scoring import trends


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def recompute_person(user_id: int, since: str | None = None) -> int:
    """Recompute one person's derived rows from ``since`` (ISO date) on.

    A person deleted in the meantime has no snapshots left: the recompute then
    writes nothing, which is the right answer.
    """
    return trends.recompute(user_id, dt.date.fromisoformat(since) if since else None)
