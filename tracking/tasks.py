"""Import tasks: each takes an import job's id and is one call into
tracking.importing.jobs."""

from __future__ import annotations

from celery import shared_task

from tracking import sweeps
from tracking.importing import jobs, lease


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
