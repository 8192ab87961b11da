"""Import tasks: each takes an import job's id and is one call into
tracking.importing.jobs."""

from __future__ import annotations

from celery import shared_task

from tracking.importing import jobs


# Imports are not retried automatically: a failed import says so on its page,
# nothing of it was written, and the admin decides whether to run it again.
@shared_task(acks_late=True)
def run_import(job_id: int) -> None:
    jobs.run(job_id)


@shared_task(acks_late=True)
def preview_import(job_id: int) -> None:
    jobs.run_preview(job_id)


@shared_task(acks_late=True)
def undo_import(job_id: int) -> None:
    jobs.run_undo(job_id)
