"""Import and mail tasks: each takes ids (or a rendered message) and is one
call into tracking.importing.jobs or tracking.mail."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from tracking import mail, sweeps
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


def _retry_mail(task, error: Exception) -> None:
    """Try again later (SSI_MAIL_RETRY_SECONDS, doubling), at most SSI_MAIL_MAX_RETRIES
    times; after that the failure stays recorded where an admin sees it."""
    if task.request.retries >= settings.SSI_MAIL_MAX_RETRIES:
        return
    raise task.retry(exc=error, countdown=mail.retry_delay(task.request.retries),
                     max_retries=settings.SSI_MAIL_MAX_RETRIES)


@shared_task(bind=True, acks_late=True, ignore_result=True)
def send_invitation(self, invitation_id: int) -> None:
    try:
        mail.send_invitation(invitation_id)
    except mail.MailUnavailable as error:
        _retry_mail(self, error)


@shared_task(bind=True, acks_late=True, ignore_result=True)
def send_email(self, subject: str, body: str, to: list[str], html: str | None = None) -> None:
    try:
        mail.send_email(subject, body, to, html)
    except mail.MailUnavailable as error:
        _retry_mail(self, error)
