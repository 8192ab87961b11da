"""Undo an import exactly: rows it overwrote get their previous values back
(from its ``ImportChange`` log), rows it created are deleted."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction

from tracking.changes import rows_changed
from tracking.locks import lock_people
from tracking.models import Activity, ImportChange, ImportJob, Snapshot


class CannotUndo(Exception):
    """The import is not one that can be undone; ``str(err)`` says why."""


def undo(job: ImportJob) -> dict[str, int]:
    """Undo ``job``: rows it overwrote get their previous values back, rows it
    created are deleted. A row changed again since (by a form, the API or a later
    import) no longer carries this import, and keeps its newer values."""
    with transaction.atomic(), connection.cursor() as cursor:
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ImportJob.Status.DONE:
            raise CannotUndo(f"Only a finished import can be undone; this one is “{job.get_status_display()}”.")
        tables = ((Snapshot, "snapshot", ("date",)), (Activity, "activity", ("period_start", "period_end")))
        people = set(ImportChange.objects.filter(job=job).values_list("user_id", flat=True).distinct())
        for model, _, _ in tables:
            people.update(model.objects.filter(import_job=job).values_list("user_id", flat=True).distinct())
        lock_people(cursor, list(people))
        changed: dict[int, dt.date] = {}
        outcome = {"restored": 0, "deleted": 0}
        for model, kind, key in tables:
            for counter, user_id, day in _undo_table(cursor, model, kind, key, job.pk):
                outcome[counter] += 1
                changed[user_id] = min(day, changed.get(user_id, day))
        job.status = ImportJob.Status.UNDONE
        job.save(update_fields=["status"])
        rows_changed(changed)
    return outcome


def _undo_table(cursor, model, kind: str, key: tuple[str, ...], job_id: int):
    """(what, user id, first day) for each row restored, then each row deleted."""
    table = model._meta.db_table
    changes = ImportChange._meta.db_table
    start, end = (key[0], key[0]) if len(key) == 1 else key
    restored = [f.column for f in model._meta.concrete_fields if f.column not in ("id", "user_id", *key, "created_at")]
    cursor.execute(f"""
        UPDATE {table} t SET ({", ".join(restored)}) = ({", ".join(f"r.{c}" for c in restored)})
        FROM {changes} c, jsonb_populate_record(NULL::{table}, c.previous) r
        WHERE c.job_id = %(job)s AND c.kind = %(kind)s AND t.import_job_id = %(job)s
          AND t.user_id = c.user_id AND t.{start} = c.period_start AND t.{end} = c.period_end
        RETURNING t.user_id, t.{start}""", {"job": job_id, "kind": kind})
    for user_id, day in cursor.fetchall():
        yield "restored", user_id, day
    cursor.execute(f"DELETE FROM {table} WHERE import_job_id = %s RETURNING user_id, {start}", [job_id])
    for user_id, day in cursor.fetchall():
        yield "deleted", user_id, day
