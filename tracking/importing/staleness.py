"""An import never overwrites, unannounced, a value that changed after its preview.

The preview records when it read the stored rows (``mark``). The import logs
the previous version of every row it overwrites (``ImportChange``, for undo);
before it commits, ``changed_since`` counts the logged rows that were
written after the preview. Those are values the admin never saw compared with
the file: a later import, a person or the API changed them. The import then
rolls back and says how many, and a fresh preview shows what it would change now.

The count is taken inside the import's transaction, after it took the people's
locks, so no write can slip between the check and the commit.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from tracking.models import ImportChange, ImportJob

KEY = "checked_at"


def mark(report: dict, started: dt.datetime) -> None:
    """Record on a preview's report the time it started reading."""
    report[KEY] = started.isoformat()


def preview_time(job: ImportJob) -> dt.datetime | None:
    """When ``job``'s preview read the stored rows; None for a job never
    previewed (the command line) or previewed before this was recorded."""
    value = (job.report or {}).get(KEY)
    return dt.datetime.fromisoformat(value) if value else None


def changed_since(job_id: int, checked_at: dt.datetime) -> int:
    """How many rows this (uncommitted) import overwrote that were written after ``checked_at``."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {ImportChange._meta.db_table} "
            "WHERE job_id = %s AND (previous ->> 'updated_at')::timestamptz > %s",
            [job_id, checked_at],
        )
        return cursor.fetchone()[0]


_CHECK_AGAIN = "Check the file again to see what it would change now."


def refusal(count: int) -> str:
    values = "1 row" if count == 1 else f"{count:,} rows"
    verb = "was" if count == 1 else "were"
    return (
        f"{values} this file would overwrite {verb} changed after its preview (by a person, the API or another "
        f"import). {_CHECK_AGAIN}"
    )


def is_refusal(error: str) -> bool:
    """Whether a failed job's ``error`` is ``refusal``'s: running it again would meet it again."""
    return error.endswith(_CHECK_AGAIN)


def keep(report: dict, previous: dict | None) -> dict:
    """``report`` with the preview time of ``previous`` (the report it replaces), so a
    job run again still compares with the preview the admin saw."""
    if previous and KEY in previous and KEY not in report:
        return {**report, KEY: previous[KEY]}
    return report
