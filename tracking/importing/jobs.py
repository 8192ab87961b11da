"""Import jobs from the web: an uploaded file is previewed (a dry run), then,
once an admin confirms, imported by a Celery worker that reports its progress.

A job's life: ``preview`` (checking, then checked or refused) → ``queued`` →
``running`` → ``done`` or ``failed``; a done import can become ``undone``. A
running job whose worker died becomes ``interrupted`` (``lease``). A job that
wrote nothing (interrupted or failed) keeps its file: it can be run again, with
other options (skip the rejected rows, create people, an as-of date), or checked
again (a new preview), without uploading the file again.

The preview is the whole import run as a dry run, rolled back: it sees exactly
what the import would see (unknown people, duplicates, each person's today).
Files up to ``sync_preview_bytes()`` (1 MiB by default, about 15,000 per-day
rows, under a second) are previewed while the admin waits; larger ones are
checked by a worker and the page polls for the answer, so a large file never
holds a web worker for long.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ssi_dashboard.celery import app
from tracking import background, rules
from tracking.importing import lease, parser, staleness, writer
from tracking.models import Activity, ImportChange, ImportJob, Snapshot

log = logging.getLogger(__name__)

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
        _queue(PREVIEW_IMPORT, job)
    except QueueUnavailable as error:
        _refuse(job, str(error))


def preview(job: ImportJob) -> None:
    """Dry-run ``job`` with its options and store what the preview page shows:
    the first rows as parsed, how the file was read, the counts, every rejected
    row and the warnings; or, for a file that cannot be imported, the reason."""
    options = job.options or {}
    sample: list[parser.Row] = []
    started = timezone.now()
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
    staleness.mark(job.report, started)
    job.save(update_fields=["format", "rows", "created", "updated", "unchanged", "rejected", "error", "report"])


class QueueUnavailable(Exception):
    """The broker did not take a job's task: nothing was started, the admin may retry."""


# The tasks (tracking/tasks.py) are named, not imported: they call into this
# module, and this module only hands their messages to the broker.
PREVIEW_IMPORT = "tracking.tasks.preview_import"
RUN_IMPORT = "tracking.tasks.run_import"
UNDO_IMPORT = "tracking.tasks.undo_import"


def _queue(task: str, job: ImportJob, *args) -> None:
    """Hand the task named ``task`` for ``job`` to the broker once the caller's transaction commits.

    An import is started by a person who is looking at the page, so a broker
    that is down is said to them (and the job stays where it was) rather than
    kept for later like a recompute.
    """
    def send():
        try:
            with app.connection_for_write() as connection:
                app.signature(task).apply_async((job.pk, *args), connection=connection, retry=False)
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
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEW, error="").exclude(
        report={}
    ).update(status=ImportJob.Status.QUEUED, options=options, progress=0, attempt=F("attempt") + 1)
    if claimed:
        job.refresh_from_db(fields=["attempt"])
        try:
            _queue(RUN_IMPORT, job, job.attempt)
        except QueueUnavailable:
            ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(status=ImportJob.Status.PREVIEW)
            raise
    return bool(claimed)


# A job that wrote nothing: it may be run again, or checked again, from its own file.
WROTE_NOTHING = (ImportJob.Status.INTERRUPTED, ImportJob.Status.FAILED)


def file_kept(job: ImportJob) -> bool:
    """Whether ``job``'s uploaded file is still on the server (an import run
    from the command line keeps none)."""
    return bool(job.file) and job.file.storage.exists(job.file.name)


def can_run_again(job: ImportJob) -> bool:
    """Whether running ``job`` again as it is could work: an interrupted one, or a
    failed one whose cause the same run would not meet again (a refusal for
    rows changed since the preview needs a new preview first)."""
    return job.status in WROTE_NOTHING and not staleness.is_refusal(job.error)


def run_again(job: ImportJob, options: dict | None = None) -> bool:
    """Queue a job that wrote nothing (interrupted, or failed) as a new attempt,
    from the file it was uploaded with, with ``options`` if given (skipping the
    rejected rows, creating people, an as-of date); False when it is no longer
    such a job (a second click, another admin) or its file is gone.

    The preview's time stays on the job's report, so a row changed since the
    preview the admin saw is still never overwritten unannounced."""
    if not file_kept(job):
        return False
    was, error = job.status, job.error
    claimed = ImportJob.objects.filter(pk=job.pk, status__in=WROTE_NOTHING).update(
        status=ImportJob.Status.QUEUED, attempt=F("attempt") + 1, progress=0, error="", finished_at=None,
        options=options if options is not None else F("options"),
    )
    if claimed:
        job.refresh_from_db(fields=["attempt", "options"])
        try:
            _queue(RUN_IMPORT, job, job.attempt)
        except QueueUnavailable:
            ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(status=was, error=error)
            raise
    return bool(claimed)


def check_again(job: ImportJob, options: dict | None = None) -> bool:
    """Preview a job that wrote nothing again, from its file, as it would import
    now (with ``options`` if given); False when the job is not such a job or its
    file is gone."""
    if not file_kept(job):
        return False
    if not ImportJob.objects.filter(pk=job.pk, status__in=WROTE_NOTHING).update(
        status=ImportJob.Status.PREVIEW, report={}, error="", progress=0, finished_at=None,
        options=options if options is not None else F("options"),
    ):
        return False
    job.refresh_from_db()
    start_preview(job, job.file.size)
    return True


class _Stale(Exception):
    def __init__(self, count: int):
        self.count = count


def run(job_id: int, attempt: int | None = None) -> None:
    """Import a confirmed job (the Celery task's body). A job that is gone, or
    not queued for this attempt, ends quietly: that is also what a message
    redelivered after its worker was lost finds (see ``lease``).

    The import runs in one transaction, with a statement timeout, and commits
    only while this attempt still holds the job (``lease.hold``) and after
    checking that it overwrote nothing changed since the preview."""
    if not lease.claim(job_id, attempt):
        return
    job = ImportJob.objects.get(pk=job_id)
    options, checked_at = job.options or {}, staleness.preview_time(job)
    try:
        with lease.Heartbeat(job_id, job.attempt) as heartbeat, transaction.atomic():
            with connection.cursor() as cursor:
                background.guard(cursor)
            try:
                with job.file.open("rb") as stream:
                    result = writer.import_file(
                        stream, job=job, as_of=option_as_of(job), create_users=bool(options.get("create_users")),
                        skip_invalid=bool(options.get("skip_invalid")), progress=heartbeat, **about(job),
                    )
            except parser.ImportFileError:
                result = None  # import_file recorded the reason on the job.
            written = result is not None and result.written
            if written and checked_at is not None and (changed := staleness.changed_since(job_id, checked_at)):
                raise _Stale(changed)
            lease.hold(job_id, job.attempt)
    except lease.Superseded:
        log.warning("Import %s, attempt %s: declared interrupted while it ran; rolled back.", job_id, job.attempt)
    except _Stale as stale:
        _fail(job, staleness.refusal(stale.count))
    except FileNotFoundError:
        _fail(job, "The uploaded file is gone from the server: upload it again.")
    except Exception as error:
        if not background.timed_out(error):
            _fail(job, UNEXPECTED)
            raise
        _fail(job, f"The import was stopped: {background.timeout_text()}.")
    else:
        if result is not None and result.written:
            background.analyze(result.created + result.updated, Snapshot, Activity, ImportChange)


def _fail(job: ImportJob, reason: str) -> None:
    lease.holding(job.pk, job.attempt).update(
        status=ImportJob.Status.FAILED, error=reason, finished_at=timezone.now(), lease_until=None
    )


def undo(job: ImportJob) -> dict[str, int] | None:
    """Undo ``job`` now (the outcome) or, for a large import, on a worker (None).
    Raises ``writer.CannotUndo`` for a job that is not a finished import."""
    if job.status != ImportJob.Status.DONE:
        raise writer.CannotUndo(f"Only a finished import can be undone; this one is “{job.get_status_display()}”.")
    if job.created + job.updated <= SYNC_UNDO_ROWS:
        return writer.undo(job)
    ImportJob.objects.filter(pk=job.pk).update(error="")  # a failed undo's message, from before
    _queue(UNDO_IMPORT, job)
    return None


def run_undo(job_id: int) -> None:
    """A large undo (the Celery task's body); a job gone, or already undone (a
    second click), ends quietly. It runs in one transaction with a statement
    timeout; when it fails, the job page says so and offers the undo again."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return
    # The import's change log drives the undo's join: its statistics must know its size.
    background.analyze(job.updated, ImportChange)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            background.guard(cursor)
            outcome = writer.undo(job)
    except writer.CannotUndo:
        return
    except Exception as error:
        timed_out = background.timed_out(error)
        why = background.timeout_text() if timed_out else "it stopped on an unexpected error"
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.DONE).update(
            error=f"Undo failed: {why}, so nothing was changed. Try the undo again."
        )
        if not timed_out:
            raise
        return
    background.analyze(outcome["restored"] + outcome["deleted"], Snapshot, Activity)


def run_preview(job_id: int) -> None:
    """A large file's preview (the Celery task's body); a job gone, or no longer
    waiting for its preview, ends quietly."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or not is_checking(job):
        return
    preview(job)
