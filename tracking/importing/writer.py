"""Store parsed rows: one writer for the import command, the web upload and the API.

The parser yields validated rows; the writer stores them, in one transaction:
by default any rejected row means nothing is written. Two paths:

- ``staging``, the full path: the rows are copied into a temporary staging
  table, checked there against the database (unknown people, each person's own
  "today", duplicates within the file), compared with the stored rows, and only
  new rows inserted and changed ones updated, with exact created / updated /
  unchanged counts and a log of what was overwritten, for ``undo``;
- ``direct``, for the common import of new days (a per-day file without
  activity, every row plainly valid, known people, none of their days stored
  yet): its rows are copied straight into the snapshot table as the file is
  read, and any file that turns out otherwise is rolled back to a savepoint and
  written the full way.

``copy_layout`` lays the rows out as COPY text for either table.

Imports touching the same people take turns: each takes a transaction-scoped
advisory lock per person, in id order, before it reads or writes their rows, so
two imports can neither deadlock nor lose one another's updates. Every other
writer of snapshots and activity (forms and the API through
``recording.record_day``, Django admin, demo seeding, undo) takes the same locks
(``tracking.locks``), which is what lets an import insert the rows it found new
without ON CONFLICT.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from django.db import connection, transaction
from django.utils import timezone

from tracking.importing import direct, parser, staleness
from tracking.importing.staging import Staging
from tracking.importing.undo import CannotUndo, undo
from tracking.models import ImportJob

__all__ = ["CannotUndo", "ImportResult", "import_file", "undo", "write"]


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    format: str
    encoding: str | None = None
    delimiter: str | None = None
    date_order: str | None = None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict] = field(default_factory=list)
    rejected_lines: int = 0
    written: bool = False
    warnings: list[str] = field(default_factory=list)

    def report(self) -> dict:
        """The report the import command prints with --json (a fixed contract)."""
        return {
            "format": self.format,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "written": self.written,
        }

    def details(self) -> dict:
        """Everything, for an import job's stored report and the web pages."""
        return {
            **self.report(),
            "encoding": self.encoding,
            "delimiter": parser.DELIMITERS.get(self.delimiter or "", None),
            "date_order": self.date_order,
            "rejected_lines": self.rejected_lines,
            "warnings": self.warnings,
        }


def import_file(
    stream: BinaryIO,
    *,
    job: ImportJob | None = None,
    as_of: dt.date | None = None,
    dry_run: bool = False,
    create_users: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
    email: str | None = None,
    today: dt.date | None = None,
) -> ImportResult:
    """Parse ``stream`` and write its rows; record the outcome on ``job``.
    ``email`` names the one person the file is about, ``today`` is that
    person's today (see ``parser.parse``).

    Raises ``parser.ImportFileError`` for a file that cannot be imported at all
    (``job`` then records the reason)."""
    try:
        parsed = parser.parse(stream, as_of=as_of, email=email, today=today)
        result = write(
            parsed, job=None if dry_run else job, dry_run=dry_run, create_users=create_users,
            skip_invalid=skip_invalid, progress=progress,
        )
    except parser.ImportFileError as error:
        if job is not None:
            job.status = ImportJob.Status.FAILED
            job.error = str(error)
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
        raise
    if job is not None:
        _record_outcome(job, result, dry_run)
    return result


def _record_outcome(job: ImportJob, result: ImportResult, dry_run: bool) -> None:
    job.format = result.format
    job.rows, job.created, job.updated, job.unchanged = result.rows, result.created, result.updated, result.unchanged
    job.rejected = result.rejected_lines
    job.report = staleness.keep(result.details(), job.report)
    update = ["format", "rows", "created", "updated", "unchanged", "rejected", "report"]
    if not dry_run:
        job.status = ImportJob.Status.DONE if result.written else ImportJob.Status.FAILED
        job.progress = 100
        job.finished_at = timezone.now()
        update += ["status", "progress", "finished_at"]
    job.save(update_fields=update)


def write(
    parsed: parser.ParsedFile,
    *,
    job: ImportJob | None = None,
    dry_run: bool = False,
    create_users: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
    sample: list[parser.Row] | None = None,
) -> ImportResult:
    """Store ``parsed``'s rows in one transaction. With rejected rows nothing is
    written unless ``skip_invalid``; a dry run does everything, counts included,
    then rolls back. ``progress`` is called with a percentage now and then;
    ``sample``, when given, receives the first valid rows (for a preview)."""
    result = ImportResult(
        format=parsed.format, encoding=parsed.encoding, delimiter=parsed.delimiter, date_order=parsed.date_order
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if sample is None and direct.write_new_rows(cursor, parsed, job, result, dry_run, progress):
            if not result.written:
                transaction.set_rollback(True)
            if progress is not None:
                progress(100)
            return result
        batch = Staging(cursor, parsed, job)
        batch.stage(progress, sample)
        if create_users:
            created_people = batch.create_people()
            if created_people:
                result.warnings.append(_people_created(created_people))
        batch.check_people()
        duplicates = batch.drop_identical_duplicates()
        if duplicates:
            result.warnings.append(_duplicates_dropped(duplicates))
        result.warnings[:0] = parsed.warnings
        result.rows = parsed.records - batch.identical_duplicates
        result.rejected_lines = parsed.rejected_lines + batch.rejected_lines()
        result.rejected = sorted(
            parsed.rejected + batch.rejections(parser.MAX_REPORTED), key=lambda r: (r["line"], r["field"] or "")
        )[: parser.MAX_REPORTED]
        if result.rejected_lines == 0 or skip_invalid:
            batch.drop_rejected()
            batch.lock_people()
            result.created, result.updated, valid = batch.upsert()
            result.unchanged = valid - result.created - result.updated
            result.written = not dry_run
            if result.written:
                batch.schedule_recomputes()
        batch.drop()
        if not result.written:
            transaction.set_rollback(True)
    if progress is not None:
        progress(100)
    return result


def _people_created(emails: list[str]) -> str:
    shown = ", ".join(emails[:10]) + (f" and {len(emails) - 10} more" if len(emails) > 10 else "")
    return f"{len(emails)} {'person was' if len(emails) == 1 else 'people were'} created: {shown}."


def _duplicates_dropped(lines: list[int]) -> str:
    shown = ", ".join(map(str, lines[:10])) + (", …" if len(lines) > 10 else "")
    if len(lines) == 1:
        return f"Line {shown} repeats an earlier line exactly; it was imported once."
    return f"Lines {shown} repeat earlier lines exactly; each was imported once."


