"""The writer's direct path, for the common import of new days: rows copied
straight into the snapshot table as the file is read, with no staging table, no
comparison and no change log, when that is exactly what the full path
(``staging``) would write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import psycopg
from django.db import transaction
from django.utils import timezone

from tracking import rules
from tracking.changes import rows_changed
from tracking.importing import copy_layout
from tracking.importing.per_day import PerDayFile
from tracking.importing.rows import NotPlain, ParsedFile
from tracking.locks import lock_people
from tracking.models import ImportJob, Snapshot, Source, User

if TYPE_CHECKING:
    from tracking.importing.writer import ImportResult


def write_new_rows(cursor, parsed: ParsedFile, job: ImportJob | None, result: ImportResult,
                   dry_run: bool, progress: Callable[[int], None] | None) -> bool:
    """The direct path, for the common import of new days: a per-day file without
    activity whose every row is plainly valid, names only known people, none of
    them with a snapshot in the file's span of days, and no day after their
    today. Its rows are then all created, so they are copied straight into the
    snapshot table while the file is read, with no staging table, no comparison
    and no change log: what the full path would write, with the same counts.

    Returns False, having written nothing, as soon as the file is anything
    else (a row that needs the full checks, an unknown person, a stored day, a
    day repeated in the file); the full path then reads the file again."""
    if not isinstance(parsed, PerDayFile) or any(f in parsed.fields for f in rules.ACTIVITY_FIELDS):
        return False
    emails, span = parsed.named_people(), parsed.date_span()
    if not emails or span is None:
        return False
    users, snapshots = User._meta.db_table, Snapshot._meta.db_table
    cursor.execute(f"SELECT lower(email), id, time_zone FROM {users} WHERE lower(email) = ANY(%s)", [list(emails)])
    known = cursor.fetchall()
    if len(known) != len(emails):
        return False
    ids = sorted(pk for _, pk, _ in known)
    # The people's locks first, as every writer takes them: until commit no one
    # else writes their rows, so none of the days checked below can appear.
    lock_people(cursor, ids)
    first, last = span
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM {snapshots} WHERE user_id = ANY(%s) AND date BETWEEN %s AND %s)",
        [ids, first, last],
    )
    if cursor.fetchone()[0]:
        return False
    limits = {}
    # Nowhere on Earth is it earlier than UTC-12: dates up to then are past for everyone.
    if last > (timezone.now() - dt.timedelta(hours=12)).date():
        for email, _, zone in known:
            today = User(time_zone=zone).today()
            if today < last:
                limits[email] = today
    now = copy_layout.copy_value(timezone.now())
    tail = f"\t{Source.IMPORT.value}\t{copy_layout.copy_value(job.pk if job else None)}\t{now}\t{now}\n"
    scores = copy_layout.snapshot_scores(parsed.fields)
    people = {email: pk for email, pk, _ in known}
    columns = ", ".join(("user_id", "date", *scores, "import_line", "source", "import_job_id", "created_at",
                         "updated_at"))
    total = max(parsed.total_records, 1)
    try:
        with transaction.atomic(), cursor.copy(f"COPY {snapshots} ({columns}) FROM STDIN") as copy:
            rows = parsed.plain_values(scores, copy_layout.copy_value)
            for chunk in copy_layout.snapshot_chunks(rows, len(scores), people, limits, tail):
                copy.write(chunk)
                if progress is not None:
                    progress(min(80, parsed.records * 80 // total))
    except (NotPlain, psycopg.IntegrityError):
        # A row for the full checks, or a day the file gives twice: read it again that way.
        parsed.restart()
        return False
    result.rows = result.created = parsed.records
    result.warnings[:0] = parsed.warnings
    result.written = not dry_run
    if result.written:
        cursor.execute(f"""
            SELECT id, (SELECT min(date) FROM {snapshots} s WHERE s.user_id = p.id AND s.date >= %s)
            FROM unnest(%s::bigint[]) AS p(id)""", [first, ids])
        rows_changed(dict(cursor.fetchall()))
    return True
