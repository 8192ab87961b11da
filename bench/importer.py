"""CSV import: the whole ``import_ssi`` command against the floor (bare
PostgreSQL COPY of the same file into a table with UNIQUE(email, date)) and
against the same rows COPYed into the snapshot table with its real
constraints, in one run, on one generated file; then Django's bulk_create and
django-import-export in its fastest bulk mode.

The file is generated deterministically: PEOPLE × DAYS per-day rows
(email,date,ssi,brand,people,insights,relationships,industry_rank,network_rank),
person by person. Each contender starts from the same state (no snapshots for
the bench people, table vacuumed). Recompute requests are recorded in the
outbox, as an import always does, but not handed to a broker: the recompute is
the worker's job, measured in bench/scoring.py.

``import_ssi`` runs in a child process, timed from the call of the command to
its end (Python's and Django's start-up excluded), with its import job, as an
administrator runs it; the child's peak RSS is read with
getrusage(RUSAGE_CHILDREN). The million rows (1,000 people × 1,000 days) are
measured the same way, once.

The second reference, printed under each result and never in place of the floor:
COPY of the same rows, already resolved to people and in the snapshot table's
columns, with the import job, into that table (its indexes, check constraints
and foreign keys, the commit included) — what PostgreSQL alone spends storing
what an import stores. The same COPY without an import job shows what the
job's foreign key costs.

django-import-export is needed for its part only (not a dependency of the app):

    .venv/bin/pip install django-import-export==4.4.3
    psql -h 127.0.0.1 -U postgres -c 'create database ssi_bench'
    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssi_bench .venv/bin/python manage.py migrate
    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssi_bench .venv/bin/python bench/importer.py \\
        [--runs 3] [--no-million] [--no-import-export]

It replaces the people bench-import-NNNN@example.com and their snapshots.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssi_dashboard.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from scoring import outbox  # noqa: E402
from scoring.models import RecomputeRequest  # noqa: E402
from tracking.models import ImportJob, Snapshot, User  # noqa: E402

START = dt.date(2023, 1, 1)
HEADER = "email,date,ssi,brand,people,insights,relationships,industry_rank,network_rank\n"
EMAIL = "bench-import-{:04d}@example.com"
IMPORT_EXPORT_ROWS = 10_000


def no_broker() -> None:
    """Requests stay in the outbox table (written in the import's transaction, as always)."""
    outbox.dispatch = lambda ids: 0


def generate(path: Path, people: int, days: int) -> int:
    rng = random.Random(20260301)
    with path.open("w", newline="") as out:
        out.write(HEADER)
        for n in range(people):
            email = EMAIL.format(n)
            level = [rng.uniform(4, 20) for _ in range(4)]
            for d in range(days):
                level = [min(25.0, max(0.0, p + rng.gauss(0.0, 0.3))) for p in level]
                pillars = [round(p, 2) for p in level]
                out.write(
                    f"{email},{START + dt.timedelta(days=d)},{sum(pillars):.2f},{pillars[0]},{pillars[1]},"
                    f"{pillars[2]},{pillars[3]},{rng.randint(1, 100)},{rng.randint(1, 100)}\n"
                )
    return people * days


def ensure_people(people: int) -> None:
    User.objects.bulk_create(
        [User(email=EMAIL.format(n), name=f"Bench {n}", password="!") for n in range(people)],
        ignore_conflicts=True, batch_size=5000,
    )


def fresh_state() -> None:
    bench = f"SELECT id FROM {User._meta.db_table} WHERE email LIKE 'bench-import-%%'"
    with connection.cursor() as cursor:
        for model in (Snapshot, RecomputeRequest):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE user_id IN ({bench})")
        cursor.execute(f"VACUUM ANALYZE {Snapshot._meta.db_table}")


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def bare_copy(path: Path) -> float:
    """The floor: the file as it is, COPYed into a table with the same unique key."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute("""CREATE TABLE bench_copy (
            email text NOT NULL, date date NOT NULL, ssi numeric(6,3), brand numeric(5,3), people numeric(5,3),
            insights numeric(5,3), relationships numeric(5,3), industry_rank smallint, network_rank smallint,
            UNIQUE (email, date))""")

        def load():
            with path.open("rb") as stream, cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                while chunk := stream.read(1024 * 1024):
                    copy.write(chunk)

        seconds = timed(load)
        cursor.execute("DROP TABLE bench_copy")
    return seconds


def snapshot_copy(path: Path, rows: int, with_job: bool) -> float:
    """A second reference, not the floor: what PostgreSQL alone needs to store the
    same rows in the snapshot table as an import leaves them (people already
    resolved, provenance, every index, check and reference check, commit included):
    COPY of ready rows, no parsing or validation in Python."""
    fresh_state()
    ids = dict(User.objects.filter(email__startswith="bench-import-").values_list("email", "pk"))
    job = ImportJob.objects.create(file_name=path.name) if with_job else None
    now = dt.datetime.now(dt.UTC).isoformat()
    job_text = str(job.pk) if job else "\\N"
    tail = f"\timport\t{job_text}\t{now}\t{now}\n"
    ready = path.with_suffix(".snapshots")
    with path.open(newline="") as source, ready.open("w") as out:
        reader = csv.reader(source)
        next(reader)
        for line, (email, *values) in enumerate(reader, 2):
            out.write("\t".join((str(ids[email]), *values, str(line))) + tail)
    columns = "user_id, date, ssi, brand, people, insights, relationships, industry_rank, network_rank, import_line, " \
              "source, import_job_id, created_at, updated_at"

    def load():
        with transaction.atomic(), connection.cursor() as cursor, ready.open("rb") as stream, \
                cursor.copy(f"COPY {Snapshot._meta.db_table} ({columns}) FROM STDIN") as copy:
            while chunk := stream.read(1024 * 1024):
                copy.write(chunk)

    seconds = timed(load)
    assert Snapshot.objects.filter(user__email__startswith="bench-import-").count() == rows
    ready.unlink()
    fresh_state()
    if job is not None:
        job.delete()
    return seconds


def bulk_create(path: Path, rows: int) -> float:
    """Django's bulk upsert, with only the conversions the model needs (no validation)."""
    fresh_state()

    def run():
        ids = dict(User.objects.filter(email__startswith="bench-import-").values_list("email", "pk"))
        batch = []
        with path.open(newline="") as stream:
            reader = csv.reader(stream)
            next(reader)
            for email, date, ssi, brand, people, insights, relationships, industry_rank, network_rank in reader:
                batch.append(Snapshot(
                    user_id=ids[email], date=dt.date.fromisoformat(date), ssi=Decimal(ssi), brand=Decimal(brand),
                    people=Decimal(people), insights=Decimal(insights), relationships=Decimal(relationships),
                    industry_rank=int(industry_rank), network_rank=int(network_rank),
                ))
                if len(batch) == 5000:
                    _upsert(batch)
                    batch = []
        _upsert(batch)

    seconds = timed(run)
    assert Snapshot.objects.filter(user__email__startswith="bench-import-").count() == rows
    return seconds


def _upsert(batch):
    Snapshot.objects.bulk_create(
        batch, update_conflicts=True, unique_fields=["user", "date"],
        update_fields=["ssi", "brand", "people", "insights", "relationships", "industry_rank", "network_rank"],
    )


def import_export(path: Path, rows: int) -> float:
    """django-import-export's fastest configuration: bulk inserts, no instance
    look-up (insert only), no diff, no per-row report."""
    import tablib
    from import_export import fields, resources, widgets

    class SnapshotResource(resources.ModelResource):
        user = fields.Field(attribute="user", column_name="email", widget=widgets.ForeignKeyWidget(User, "email"))

        class Meta:
            model = Snapshot
            fields = ("user", "date", "ssi", "brand", "people", "insights", "relationships", "industry_rank",
                      "network_rank")
            import_id_fields = ("user", "date")
            use_bulk = True
            batch_size = 1000
            force_init_instance = True
            skip_diff = True
            skip_html_diff = True
            report_skipped = False
            use_transactions = True

    fresh_state()
    with path.open() as stream:
        head = [next(stream) for _ in range(rows + 1)]
    dataset = tablib.Dataset().load("".join(head), format="csv")
    result = None

    def run():
        nonlocal result
        result = SnapshotResource().import_data(dataset, dry_run=False, raise_errors=True)

    seconds = timed(run)
    assert not result.has_errors()
    assert Snapshot.objects.filter(user__email__startswith="bench-import-").count() == rows
    return seconds


def child(path: str) -> None:
    """Run in a subprocess: ``import_ssi`` on the file, the elapsed time as JSON on
    stderr. Start-up (Python, Django, the command's module) is not timed."""
    from tracking.management.commands import import_ssi  # noqa: F401  (loaded before the clock starts)

    no_broker()
    started = time.perf_counter()
    call_command("import_ssi", path, "--json", stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(json.dumps({"seconds": time.perf_counter() - started}), file=sys.stderr)


def ours_in_child(path: Path, rows: int) -> tuple[float, float]:
    """(seconds inside the child, the child's peak RSS in MB)."""
    fresh_state()
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(path)], capture_output=True, text=True,
        # The file is larger than the default upload limit of 50 MB.
        env={**os.environ, "SSI_IMPORT_MAX_BYTES": str(path.stat().st_size + 1)},
    )
    if done.returncode != 0:
        raise SystemExit(f"import_ssi failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    seconds = json.loads(done.stderr.strip().splitlines()[-1])["seconds"]
    imported = Snapshot.objects.filter(user__email__startswith="bench-import-").count()
    assert imported == rows, imported
    return seconds, peak_kb / 1024


def line(label: str, seconds: float, rows: int, floor: float | None = None) -> str:
    ratio = f"  {seconds / floor:5.1f}× bare COPY" if floor else ""
    return f"{label:<48} {seconds:8.2f} s  {rows / seconds:10,.0f} rows/s{ratio}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3, help="runs of bare COPY and ours (medians reported)")
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--no-million", action="store_true")
    parser.add_argument("--million-only", action="store_true")
    parser.add_argument("--no-import-export", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    no_broker()
    with tempfile.TemporaryDirectory() as folder:
        if not args.million_only:
            hundred_thousand(Path(folder) / "bench.csv", args)
        if not args.no_million:
            million(Path(folder) / "million.csv")


def hundred_thousand(path: Path, args) -> None:
    rows = generate(path, args.people, args.days)
    ensure_people(args.people)
    print(f"{rows:,} rows ({args.people:,} people × {args.days} days), {path.stat().st_size / 1e6:.1f} MB")
    copies, ourss, tables = [], [], []
    for _ in range(args.runs):
        copies.append(bare_copy(path))
        ourss.append(ours_in_child(path, rows)[0])
        tables.append(snapshot_copy(path, rows, with_job=True))
    floor, mine, table = (statistics.median(runs) for runs in (copies, ourss, tables))
    print(line("bare COPY into UNIQUE(email, date) (median)", floor, rows))
    print(line("ours: import_ssi, start-up excluded (median)", mine, rows, floor))
    print(line("reference: ready rows COPYed into snapshots", table, rows, floor))
    print(f"  (second reference, not the floor: with an import job, as import_ssi; the snapshot table's indexes, "
          f"checks and foreign keys, commit included; median; ours is {mine / table:.2f}× this)")
    print(f"  runs: COPY {_runs(copies)}; ours {_runs(ourss)}; reference {_runs(tables)}")
    without_job = statistics.median(snapshot_copy(path, rows, with_job=False) for _ in range(args.runs))
    print(line("reference without an import job (median)", without_job, rows, floor))
    print(line("Django bulk_create(update_conflicts=True)", bulk_create(path, rows), rows, floor))
    if not args.no_import_export:
        ie = import_export(path, IMPORT_EXPORT_ROWS)
        per_10k_ours = mine * 10_000 / rows
        print(line(f"django-import-export, bulk, {IMPORT_EXPORT_ROWS:,} rows", ie, IMPORT_EXPORT_ROWS))
        print(f"  per 10,000 rows: django-import-export {ie * 10_000 / IMPORT_EXPORT_ROWS:.2f} s, "
              f"ours {per_10k_ours:.2f} s → ours {ie * 10_000 / IMPORT_EXPORT_ROWS / per_10k_ours:.0f}× faster")
    print(f"targets: ours within 6× bare COPY: {'met' if mine <= 6 * floor else 'MISSED'} ({mine / floor:.1f}×)")
    print(_load())
    fresh_state()


def _load() -> str:
    """The machine's load average: a shared machine's figures mean little without it."""
    return "load average (1, 5, 15 min): " + ", ".join(f"{n:.2f}" for n in os.getloadavg())


def _runs(seconds: list[float]) -> str:
    return ", ".join(f"{s:.2f}" for s in seconds)


def million(big: Path) -> None:
    big_rows = generate(big, 1000, 1000)
    ensure_people(1000)
    print(f"\n{big_rows:,} rows (1,000 people × 1,000 days), {big.stat().st_size / 1e6:.1f} MB")
    big_floor = bare_copy(big)
    print(line("bare COPY into UNIQUE(email, date)", big_floor, big_rows))
    seconds, peak = ours_in_child(big, big_rows)
    print(line("ours: import_ssi in a child process", seconds, big_rows, big_floor))
    print(f"  peak RSS of the child: {peak:.0f} MB")
    table = snapshot_copy(big, big_rows, with_job=True)
    print(line("reference: ready rows COPYed into snapshots", table, big_rows, big_floor))
    print(f"  (second reference, not the floor: with an import job, as import_ssi; the snapshot table's indexes, "
          f"checks and foreign keys, commit included; ours is {seconds / table:.2f}× this)")
    print(f"targets: within 5× bare COPY: {'met' if seconds <= 5 * big_floor else 'MISSED'} "
          f"({seconds / big_floor:.1f}×); peak RSS under 300 MB: {'met' if peak < 300 else 'MISSED'}")
    print(_load())
    fresh_state()


if __name__ == "__main__":
    main()
