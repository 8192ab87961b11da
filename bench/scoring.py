"""Scoring recompute: a full recompute of 1,000 people × 3 years (20 teams of 50),
from empty derived tables and over the rows already there, as
`manage.py recompute --all --jobs N` runs it; the import path after one day's
import (the tasks an import enqueues, run one after another as a worker runs each); and the floor (one bare SQL
window pass over the same rows), with the ratio.

Run against a development database of its own (it replaces people
bench-scoring-NNNN@example.com and teams bench-scoring-NN, and the full recompute
covers everyone in the database):

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssi_bench \\
        .venv/bin/python bench/scoring.py [--people 1000] [--days 1095] [--no-seed] [--jobs 2] [--runs 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssi_dashboard.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from scoring import trends  # noqa: E402
from scoring.models import Anomaly, RecomputeRequest, TeamDay, TeamMemberDay, UserDay  # noqa: E402
from scoring.tasks import recompute_batch  # noqa: E402
from tracking.models import Membership, Snapshot, Team, User  # noqa: E402

TEAM_SIZE = 50
DERIVED = ("scoring_userday", "scoring_teamday", "scoring_teammemberday", "scoring_anomaly")


def seed(people: int, days: int, today: dt.date) -> list[int]:
    User.objects.filter(email__startswith="bench-scoring-").delete()
    Team.objects.filter(slug__startswith="bench-scoring-").delete()
    users = User.objects.bulk_create(
        User(email=f"bench-scoring-{n:04d}@example.com", name=f"Bench {n}", password="!") for n in range(people)
    )
    teams = Team.objects.bulk_create(
        Team(name=f"Bench scoring {t:02d}", slug=f"bench-scoring-{t:02d}") for t in range(people // TEAM_SIZE)
    )
    Membership.objects.bulk_create(
        Membership(user=u, team=teams[i // TEAM_SIZE]) for i, u in enumerate(users) if i // TEAM_SIZE < len(teams)
    )
    rng = random.Random(4)
    buffer = io.StringIO()
    stamp = timezone.now().isoformat()
    first = today - dt.timedelta(days=days)  # the last day is left for the incremental import
    for user in users:
        level = [rng.uniform(5, 15) for _ in range(4)]
        for offset in range(days):
            level = [min(25.0, max(0.0, p + rng.gauss(0.01, 0.3))) for p in level]
            if rng.random() < 0.15:  # about one day in seven not logged
                continue
            pillars = [round(p, 3) for p in level]
            rank = rng.randint(1, 100)
            buffer.write(
                f"{user.pk}\t{first + dt.timedelta(days=offset)}\t{round(sum(pillars), 3)}\t"
                + "\t".join(map(str, pillars)) + f"\t{rank}\t{rank}\tmanual\t{stamp}\t{stamp}\n"
            )
    buffer.seek(0)
    with connection.cursor() as cursor, cursor.copy(
        "COPY tracking_snapshot (user_id, date, ssi, brand, people, insights, relationships,"
        " industry_rank, network_rank, source, created_at, updated_at) FROM STDIN"
    ) as copy:
        copy.write(buffer.getvalue())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tracking_snapshot")
    return [u.pk for u in users]


def timed(label: str, fn) -> float:
    start = time.perf_counter()
    fn()
    took = time.perf_counter() - start
    print(f"{label}: {took:.2f} s")
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--jobs", type=int, default=2, help="parallel jobs of the full recompute")
    parser.add_argument("--runs", type=int, default=2, help="full recomputes of each kind (the median is reported)")
    args = parser.parse_args()
    today = timezone.localdate()
    if args.no_seed:
        ids = list(User.objects.filter(email__startswith="bench-scoring-").order_by("pk").values_list("pk", flat=True))
    else:
        start = time.perf_counter()
        ids = seed(args.people, args.days, today)
        print(f"seeded in {time.perf_counter() - start:.1f} s")
    team_ids = list(Team.objects.filter(slug__startswith="bench-scoring-").values_list("pk", flat=True))
    rows = Snapshot.objects.filter(user_id__in=ids).count()
    print(f"{len(ids)} people, {len(team_ids)} teams, {rows:,} snapshots "
          f"(in the database: {Snapshot.objects.values('user_id').distinct().count()} people with snapshots, "
          f"{Team.objects.count()} teams)")

    def vacuum():
        # The development server runs with autovacuum off: without this, each run
        # would find the dead rows of every run before it. Production vacuums itself.
        # The checkpoint flushes the previous run's writes (a run from empty writes
        # over 1 GB of WAL), so a run is not billed for the one before it.
        with connection.cursor() as cursor:
            for table in ("tracking_snapshot", *DERIVED):
                cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute("CHECKPOINT")

    def floor():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """
                CREATE TEMP TABLE bench_floor ON COMMIT DROP AS
                SELECT user_id, date, ssi,
                    AVG(ssi) OVER (PARTITION BY user_id ORDER BY date
                                   RANGE BETWEEN INTERVAL '6 days' PRECEDING AND CURRENT ROW) AS avg7,
                    AVG(ssi) OVER (PARTITION BY user_id ORDER BY date
                                   RANGE BETWEEN INTERVAL '29 days' PRECEDING AND CURRENT ROW) AS avg30
                FROM tracking_snapshot WHERE user_id = ANY(%s)
                """,
                [ids],
            )

    def full():
        out = io.StringIO()
        call_command("recompute", "--all", "--jobs", str(args.jobs), stdout=out)
        print("  " + out.getvalue().strip())

    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    vacuum()
    floor_s = timed("floor: one bare SQL window pass (avg7, avg30)", floor)
    empty, existing = [], []
    for run in range(1, args.runs + 1):
        with connection.cursor() as cursor:
            for table, column, keys in (("scoring_userday", "user_id", ids), ("scoring_anomaly", "user_id", ids),
                                        ("scoring_teamday", "team_id", team_ids),
                                        ("scoring_teammemberday", "team_id", team_ids)):
                cursor.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", [keys])
        vacuum()
        empty.append(timed(f"run {run}: full recompute from empty derived tables, "
                           f"`recompute --all --jobs {args.jobs}`", full))
        vacuum()
        existing.append(timed(f"run {run}: full recompute over the rows in place, "
                              f"`recompute --all --jobs {args.jobs}`", full))
    for label, times in (("from empty", empty), ("over the rows in place", existing)):
        median = statistics.median(times)
        print(f"full recompute {label}: median {median:.2f} s of {args.runs} (budget 20 s); "
              f"{median / floor_s:.1f}× the floor")
    print(f"  {UserDay.objects.filter(user_id__in=ids).count():,} person days, "
          f"{TeamDay.objects.filter(team_id__in=team_ids).count():,} team days, "
          f"{TeamMemberDay.objects.filter(team_id__in=team_ids).count():,} standings, "
          f"{Anomaly.objects.filter(user_id__in=ids).count():,} anomalies")

    # One day's import: a snapshot for everyone today, its outbox requests (as
    # the import writes them, handed over), then exactly what the import
    # enqueues: its recompute_batch tasks (up to SSI_RECOMPUTE_TASKS, whole
    # batches each), their bodies run here one after another as a worker runs each.
    Snapshot.objects.filter(user_id__in=ids, date=today).delete()
    Snapshot.objects.bulk_create(
        Snapshot(user_id=pk, date=today, ssi=40, brand=10, people=10, insights=10, relationships=10) for pk in ids
    )
    stamp = timezone.now()
    requests = [r.pk for r in RecomputeRequest.objects.bulk_create(
        RecomputeRequest(user_id=pk, since=today, dispatched_at=stamp) for pk in ids
    )]
    request_of = dict(zip(ids, requests, strict=True))
    groups = trends.task_groups(dict.fromkeys(ids, today), settings.SSI_RECOMPUTE_TASKS)
    batches = len(trends.batches(dict.fromkeys(ids, today)))
    outcome = {"people": 0, "days": 0, "teams": 0}

    def import_path():
        for group in groups:
            people = [[pk, today.isoformat()] for pk in group]
            done = recompute_batch.apply(args=(people, [request_of[pk] for pk in group]), throw=True).get()
            outcome.update({key: outcome[key] + done[key] for key in outcome})

    took = timed(f"import path: the {len(groups)} recompute_batch tasks of a day's import ({len(ids):,} people, "
                 f"{len(team_ids)} teams, {batches} batches), one after another", import_path)
    left = RecomputeRequest.objects.filter(pk__in=requests).count()
    print(f"import path: {took:.2f} s (budget 2 s); {outcome}; requests left open: {left}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
