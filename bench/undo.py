"""Undo of a 200,000-row import: as the tables are when the import has just
committed (no ANALYZE since the change log was near empty), then after the
ANALYZE a background import or undo now runs.

Seeds PEOPLE × DAYS snapshots for the people bench-undo-NNN@example.com (an
import, then ANALYZE: a table in its steady state), imports the same days with
other values (200,000 rows overwritten, 200,000 change-log rows), prints the
plan of the undo's UPDATE and times the undo in a transaction that is rolled
back; then analyses the tables and does the same again. Each timed undo runs
under a statement timeout of ``--timeout`` seconds.

    psql -h 127.0.0.1 -U postgres -c 'create database ssi_bench'
    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssi_bench .venv/bin/python manage.py migrate
    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssi_bench .venv/bin/python bench/undo.py [--timeout 120]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssi_dashboard.settings")

import django  # noqa: E402

django.setup()

from django.db import OperationalError, connection, transaction  # noqa: E402

from tracking import changes  # noqa: E402
from tracking.importing import writer  # noqa: E402
from tracking.models import Activity, ImportChange, ImportJob, Snapshot, User  # noqa: E402

PEOPLE, DAYS = 200, 1000
EMAIL = "bench-undo-{:03d}@example.com"
START = dt.date(2023, 1, 1)


def per_day_file(offset: int) -> io.BytesIO:
    lines = ["email,date,ssi,brand,people,insights,relationships"]
    for n in range(PEOPLE):
        for d in range(DAYS):
            pillar = 5 + (n + d + offset) % 20
            lines.append(f"{EMAIL.format(n)},{START + dt.timedelta(days=d)},{4 * pillar},{pillar},{pillar},"
                         f"{pillar},{pillar}")
    return io.BytesIO(("\n".join(lines) + "\n").encode())


def analyze(*models) -> None:
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def undo_plan(job: ImportJob) -> str:
    table, log = Snapshot._meta.db_table, ImportChange._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"""EXPLAIN UPDATE {table} t SET ssi = r.ssi
            FROM {log} c, jsonb_populate_record(NULL::{table}, c.previous) r
            WHERE c.job_id = %s AND c.kind = 'snapshot' AND t.import_job_id = %s
              AND t.user_id = c.user_id AND t.date = c.period_start AND t.date = c.period_end""", [job.pk, job.pk])
        return "\n".join(row[0] for row in cursor.fetchall() if "->" in row[0] or row[0][0] != " ")


def timed_undo(job: ImportJob, timeout: int) -> str:
    started = time.perf_counter()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{timeout}s"])
            outcome = writer.undo(job)
            transaction.set_rollback(True)
    except OperationalError:
        return f"over {timeout} s (cancelled by the statement timeout)"
    return f"{time.perf_counter() - started:.1f} s ({outcome['restored']:,} rows restored)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=int, default=120)
    args = parser.parse_args()
    changes.person_rows_changed.receivers = []  # the recomputes are not measured here
    User.objects.bulk_create([User(email=EMAIL.format(n), password="!") for n in range(PEOPLE)],
                             ignore_conflicts=True)
    people = list(User.objects.filter(email__startswith="bench-undo-").values_list("pk", flat=True))
    Snapshot.objects.filter(user_id__in=people).delete()
    ImportChange.objects.filter(user_id__in=people).delete()
    writer.import_file(per_day_file(0))
    analyze(Snapshot, Activity, ImportChange)
    job = ImportJob.objects.create(file_name="bench-undo.csv", status=ImportJob.Status.RUNNING)
    started = time.perf_counter()
    result = writer.import_file(per_day_file(7), job=job)
    print(f"import: {result.updated:,} rows overwritten in {time.perf_counter() - started:.1f} s")
    job.refresh_from_db()
    print("before ANALYZE, the undo's plan:\n" + undo_plan(job))
    print("undo before ANALYZE:", timed_undo(job, args.timeout))
    started = time.perf_counter()
    analyze(Snapshot, Activity, ImportChange)
    print(f"ANALYZE of the three tables: {time.perf_counter() - started:.1f} s")
    print("after ANALYZE, the undo's plan:\n" + undo_plan(job))
    print("undo after ANALYZE:", timed_undo(job, args.timeout))


if __name__ == "__main__":
    main()
