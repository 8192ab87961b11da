"""Import jobs from the web: an uploaded file is previewed (a dry run), then,
once an admin confirms, imported by a Celery worker that reports its progress.

A job's life: ``preview`` (checking, then checked or refused) → ``queued`` →
``running`` → ``done`` or ``failed``; a done import can become ``undone``.

The preview is the whole import run as a dry run, rolled back: it sees exactly
what the import would see (unknown people, duplicates, each person's today).
Files up to ``sync_preview_bytes()`` (1 MiB by default, about 15,000 per-day
rows, under a second) are previewed while the admin waits; larger ones are
checked by a worker and the page polls for the answer, so a large file never
holds a web worker for long.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from ssi_dashboard.celery import app
from tracking import rules
from tracking.importing import parser, writer
from tracking.models import ImportJob

DEFAULT_SYNC_PREVIEW_BYTES = 1024 * 1024
# An undo of more rows than this runs on a worker: restoring a large import
# takes seconds, more than a web request should hold.
SYNC_UNDO_ROWS = 20_000
# What an unexpected failure tells the admin; the traceback goes to the worker's log.
UNEXPECTED = "The import stopped on an unexpected error; nothing was written. Try again, or ask for the worker's log."


def sync_preview_bytes() -> int:
    return getattr(settings, "SSI_IMPORT_SYNC_PREVIEW_BYTES", DEFAULT_SYNC_PREVIEW_BYTES)


def option_as_of(job: ImportJob) -> dt.date | None:
    value = (job.options or {}).get("as_of")
    return dt.date.fromisoformat(value) if value else None


def about(job: ImportJob) -> dict:
    """The parser's options for the one person ``job``'s file is about, if it is
    one person's history: their email, and their today."""
    return {"email": job.about.email, "today": job.about.today()} if job.about_id else {}


def is_checking(job: ImportJob) -> bool:
    """A preview a worker has not finished yet."""
    return job.status == ImportJob.Status.PREVIEW and not job.report and not job.error


def start_preview(job: ImportJob, size: int) -> None:
    """Preview ``job`` now if its file is small, else refuse a non-text file at
    once and leave the rest to a worker."""
    from tracking.tasks import preview_import

    if size <= sync_preview_bytes():
        preview(job)
        return
    try:
        with job.file.open("rb") as stream:
            parser.check_text(stream)
    except parser.ImportFileError as error:
        _refuse(job, str(error))
        return
    try:
        _queue(preview_import, job)
    except QueueUnavailable as error:
        _refuse(job, str(error))


def preview(job: ImportJob) -> None:
    """Dry-run ``job`` with its options and store what the preview page shows:
    the first rows as parsed, how the file was read, the counts, every rejected
    row and the warnings; or, for a file that cannot be imported, the reason."""
    options = job.options or {}
    sample: list[parser.Row] = []
    try:
        with job.file.open("rb") as stream:
            parsed = parser.parse(stream, as_of=option_as_of(job), **about(job))
            # skip_invalid: the counts of the valid rows are wanted even when some are rejected.
            result = writer.write(
                parsed, dry_run=True, create_users=bool(options.get("create_users")), skip_invalid=True,
                sample=sample,
            )
    except parser.ImportFileError as error:
        _refuse(job, str(error))
        return
    except FileNotFoundError:
        _refuse(job, "The uploaded file is gone from the server: upload it again.")
        return
    columns = [f for f in (*parser.SCORE_FIELDS, *rules.ACTIVITY_FIELDS) if f in parsed.fields]
    period_ends = {row.period_end for row in sample if row.period_end}
    job.format = result.format
    job.rows, job.created, job.updated, job.unchanged = result.rows, result.created, result.updated, result.unchanged
    job.rejected = result.rejected_lines
    job.error = ""
    job.report = {
        **result.details(),
        "columns": columns,
        "sample": [_sample_row(row, columns) for row in sample],
        # The usage report's own date, the default for its snapshots when it gives none per row.
        "period_end": period_ends.pop().isoformat() if len(period_ends) == 1 else None,
    }
    job.save(update_fields=["format", "rows", "created", "updated", "unchanged", "rejected", "error", "report"])


class QueueUnavailable(Exception):
    """The broker did not take a job's task: nothing was started, the admin may retry."""


def _queue(task, job: ImportJob) -> None:
    """Hand ``task`` for ``job`` to the broker once the caller's transaction commits.

    An import is started by a person who is looking at the page, so a broker
    that is down is said to them (and the job stays where it was) rather than
    kept for later like a recompute.
    """
    def send():
        try:
            with app.connection_for_write() as connection:
                task.apply_async((job.pk,), connection=connection, retry=False)
        except Exception as error:  # whatever the broker's failure, the person reads one sentence
            raise QueueUnavailable(
                "The background workers cannot be reached just now, so nothing was started. "
                "Try again in a minute."
            ) from error

    transaction.on_commit(send)


def _refuse(job: ImportJob, reason: str) -> None:
    job.error = reason
    job.report = {}
    job.save(update_fields=["error", "report"])


def _sample_row(row: parser.Row, columns: list[str]) -> dict:
    values = {}
    for name in columns:
        if row.scores is not None and hasattr(row.scores, name):
            value = getattr(row.scores, name)
        else:
            value = (row.counts or {}).get(name)
        values[name] = rules.plain(value) if value is not None else ""
    return {
        "line": row.line, "email": row.email, "name": row.name,
        "date": row.date.isoformat() if row.date else "",
        "period": f"{row.period_start.isoformat()} – {row.period_end.isoformat()}"
        if row.period_start and row.period_end and row.period_start != row.period_end else "",
        "values": [values[name] for name in columns],
    }


def recheck(job: ImportJob, options: dict) -> bool:
    """Preview again with new options (an as-of date, creating people); False
    when the job is no longer a preview."""
    if not ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEW).update(
        options=options, report={}, error=""
    ):
        return False
    job.refresh_from_db()
    start_preview(job, job.file.size if job.file else 0)
    return True


def confirm(job: ImportJob, options: dict) -> bool:
    """Queue the import; False when it was already confirmed (a second click,
    another admin). Claimed with one conditional UPDATE, so it is queued once."""
    from tracking.tasks import run_import

    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEW, error="").exclude(
        report={}
    ).update(status=ImportJob.Status.QUEUED, options=options, progress=0)
    if claimed:
        try:
            _queue(run_import, job)
        except QueueUnavailable:
            ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(status=ImportJob.Status.PREVIEW)
            raise
    return bool(claimed)


class _Progress:
    """Writes the progress through a connection of its own: the import's own
    transaction would hide it from the page until the very end."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = -1
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, percent: int) -> None:
        if percent == self.last:
            return
        self.last = percent
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET progress = %s WHERE id = %s AND status = %s",
                [percent, self.job_id, ImportJob.Status.RUNNING.value],
            )

    def close(self) -> None:
        self.connection.close()


def run(job_id: int) -> None:
    """Import a confirmed job (the Celery task's body). A job that is gone, or not
    waiting to run, ends quietly.

    A running job is taken again too: its message comes back only when the
    worker running it was lost (acks_late, and time limits well under the
    broker's visibility timeout), and a lost import wrote nothing, since it
    writes in one transaction."""
    claimed = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    ).update(status=ImportJob.Status.RUNNING, progress=0)
    if not claimed:
        return
    job = ImportJob.objects.get(pk=job_id)
    options = job.options or {}
    progress = _Progress(job_id)
    try:
        with job.file.open("rb") as stream:
            writer.import_file(
                stream, job=job, as_of=option_as_of(job), create_users=bool(options.get("create_users")),
                skip_invalid=bool(options.get("skip_invalid")), progress=progress, **about(job),
            )
    except parser.ImportFileError:
        pass  # import_file recorded the reason on the job.
    except FileNotFoundError:
        _fail(job_id, "The uploaded file is gone from the server: upload it again.")
    except Exception:
        _fail(job_id, UNEXPECTED)
        raise
    finally:
        progress.close()


def _fail(job_id: int, reason: str) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.FAILED, error=reason, finished_at=timezone.now()
    )


def undo(job: ImportJob) -> dict[str, int] | None:
    """Undo ``job`` now (the outcome) or, for a large import, on a worker (None).
    Raises ``writer.CannotUndo`` for a job that is not a finished import."""
    from tracking.tasks import undo_import

    if job.status != ImportJob.Status.DONE:
        raise writer.CannotUndo(f"Only a finished import can be undone; this one is “{job.get_status_display()}”.")
    if job.created + job.updated <= SYNC_UNDO_ROWS:
        return writer.undo(job)
    _queue(undo_import, job)
    return None


def run_undo(job_id: int) -> None:
    """A large undo (the Celery task's body); a job gone, or already undone (a
    second click), ends quietly."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return
    with contextlib.suppress(writer.CannotUndo):
        writer.undo(job)


def run_preview(job_id: int) -> None:
    """A large file's preview (the Celery task's body); a job gone, or no longer
    waiting for its preview, ends quietly."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or not is_checking(job):
        return
    preview(job)
