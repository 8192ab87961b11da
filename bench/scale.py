"""Scale: 10,000 people × 3 years (about 9 million snapshots, 200 teams of 50).

Steps, each timed with the load average at its end:

1. seed (skipped with --no-seed): bench/rush.py's seeder (COPY), the last day
   left empty for the import;
2. the nightly full recompute, `manage.py recompute --all --jobs 2`, as its own
   process (from empty derived tables right after seeding; over the rows in
   place with --no-seed);
3. a daily import of one row per person for today through the real path: the
   `import_ssi` command as its own process, the recompute it requests run by a
   real Celery worker (`celery -A ssi_dashboard worker --concurrency 2`, as in
   docker-compose.yml) on Redis; timed from the start of the command until the
   outbox (scoring_recomputerequest) is empty and every person's and team's
   derived day for today exists. The worker's log gives the tasks it ran and
   their time;
4. the organisation view (200 teams), over HTTP from a freshly started
   gunicorn: the first visit (cold) and the median of the next five;
5. the morning rush (bench/rush.py) over these people: --rush-dashboards
   different people's dashboards, then every team's page once.

Before steps 2 and 3 the snapshot and derived tables are vacuumed (the
development server runs with autovacuum off) and a CHECKPOINT taken; that time
is printed apart. Give it a database of its own (`recompute --all` covers
everyone in it) and a Redis database of its own (the worker's queue):

    psql -h 127.0.0.1 -U postgres -c 'create database ssi_bench_scale'
    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssi_bench_scale .venv/bin/python manage.py migrate
    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssi_bench_scale REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/scale.py [--people 10000] [--no-seed] [--skip recompute,import,organisation,rush]
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone

from bench import rush
from scoring.models import RecomputeRequest, TeamDay, UserDay
from tracking.models import Snapshot, Team, User

ROOT = rush.ROOT
DERIVED = ("scoring_userday", "scoring_teamday", "scoring_teammemberday", "scoring_anomaly")
TASK_DONE = re.compile(r"Task ([\w.]+)\[[^\]]+\] succeeded in ([0-9.]+)s")


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def vacuum() -> None:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("tracking_snapshot", *DERIVED):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("CHECKPOINT")
    print(f"  (vacuum analyze and checkpoint, not timed: {time.perf_counter() - started:.1f} s)", flush=True)


def bench_ids() -> tuple[list[int], list[int]]:
    people = list(User.objects.filter(email__startswith=rush.PEOPLE_PREFIX).order_by("pk").values_list("pk", flat=True))
    teams = list(Team.objects.filter(slug__startswith=rush.PEOPLE_PREFIX).values_list("pk", flat=True))
    return people, teams


def forget_day(day: dt.date, ids: list[int], team_ids: list[int]) -> None:
    """No snapshot and no derived row for ``day``, and every summary as of the
    day before: the state before its import (a re-run starts there too)."""
    from scoring import person_summary

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tracking_snapshot WHERE date = %s AND user_id = ANY(%s)", [day, ids])
        for table, column, keys in (("scoring_userday", "user_id", ids), ("scoring_anomaly", "user_id", ids),
                                    ("scoring_teamday", "team_id", team_ids),
                                    ("scoring_teammemberday", "team_id", team_ids)):
            cursor.execute(f"DELETE FROM {table} WHERE date >= %s AND {column} = ANY(%s)", [day, keys])
    RecomputeRequest.objects.all().delete()
    if apps.get_model("scoring", "PersonSummary").objects.filter(user_id__in=ids, as_of__gte=day).exists():
        started = time.perf_counter()
        person_summary.refresh_everyone()
        print(f"  (summaries back to the day before, not timed: {time.perf_counter() - started:.1f} s)", flush=True)


def write_day_file(path: Path, day: dt.date) -> int:
    """One row per bench person for ``day``, in the per-day CSV an administrator imports."""
    emails = User.objects.filter(email__startswith=rush.PEOPLE_PREFIX).order_by("pk").values_list("email", flat=True)
    with path.open("w") as out:
        out.write("email,date,ssi,brand,people,insights,relationships,industry_rank,network_rank\n")
        for n, email in enumerate(emails):
            pillars = [10 + (n * k) % 7 + 0.25 * k for k in (1, 2, 3, 4)]
            out.write(f"{email},{day},{sum(pillars):.2f},{pillars[0]:.2f},{pillars[1]:.2f},{pillars[2]:.2f},"
                      f"{pillars[3]:.2f},{n % 100 + 1},{n % 97 + 1}\n")
    return len(emails)


def start_worker(log_path: Path) -> subprocess.Popen:
    env = rush.production_env(LOG_LEVEL="INFO")
    subprocess.run([sys.executable, "-m", "celery", "-A", "ssi_dashboard", "purge", "-f"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    log = log_path.open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "ssi_dashboard", "worker", "--concurrency", "2", "--loglevel", "info",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while "ready." not in log_path.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the Celery worker did not start:\n{log_path.read_text()[-2000:]}")
        time.sleep(0.2)
    return worker


def stop_worker(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def daily_import(ids: list[int], team_ids: list[int]) -> None:
    day = timezone.localdate()
    forget_day(day, ids, team_ids)
    vacuum()
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    rows = write_day_file(tmp / f"ssi-{day}.csv", day)
    worker_log = tmp / "worker.log"
    worker = start_worker(worker_log)
    try:
        started = time.perf_counter()
        started_at = timezone.now()
        command = subprocess.run([sys.executable, "manage.py", "import_ssi", str(tmp / f"ssi-{day}.csv")],
                                 cwd=ROOT, env=rush.production_env(), capture_output=True, text=True)
        imported = time.perf_counter() - started
        if command.returncode != 0:
            raise RuntimeError(f"import_ssi failed ({command.returncode}):\n{command.stdout}\n{command.stderr}")
        print(f"daily import of {rows:,} rows: `import_ssi` process {imported:.1f} s ({load()})", flush=True)
        print("  " + command.stdout.strip().replace("\n", "\n  "), flush=True)
        requests = RecomputeRequest.objects.count()
        print(f"  recompute requests it left in the outbox: {requests:,}", flush=True)
        # Pages read each person's summary where the recompute writes one.
        summaries = apps.get_model("scoring", "PersonSummary") if "personsummary" in apps.all_models["scoring"] else None
        marks = {}
        while True:
            outbox = RecomputeRequest.objects.count()
            people_done = UserDay.objects.filter(date=day, user_id__in=ids).count()
            teams_done = TeamDay.objects.filter(date=day, team_id__in=team_ids).values("team_id").distinct().count()
            summaries_done = (summaries.objects.filter(as_of=day, computed_at__gte=started_at, user_id__in=ids).count()
                              if summaries else len(ids))
            now = time.perf_counter() - started
            if summaries_done == len(ids) and "summaries" not in marks:
                marks["summaries"] = now
            if people_done == len(ids) and "people" not in marks:
                marks["people"] = now
            if teams_done == len(team_ids) and "teams" not in marks:
                marks["teams"] = now
            if outbox == 0 and people_done == len(ids) and teams_done == len(team_ids) and summaries_done == len(ids):
                break
            if now > 1800:
                raise RuntimeError(f"not done after 30 min: outbox {outbox}, people {people_done}, teams {teams_done},"
                                   f" summaries {summaries_done}")
            time.sleep(0.25)
        total = time.perf_counter() - started
        print(f"  every person's day for {day} derived at {marks['people']:.1f} s, every team's at "
              f"{marks['teams']:.1f} s, every summary at {marks['summaries']:.1f} s"
              f"{'' if summaries else ' (no summary table in this commit)'}; outbox empty at {total:.1f} s", flush=True)
        print(f"import and its recompute, end to end: {total:.1f} s (target 60 s; {load()})", flush=True)
    finally:
        stop_worker(worker)
    tasks: dict[str, list[float]] = collections.defaultdict(list)
    for name, seconds in TASK_DONE.findall(worker_log.read_text()):
        tasks[name].append(float(seconds))
    for name, times in sorted(tasks.items()):
        print(f"  worker: {len(times):,} × {name}, {sum(times):.1f} s of task time "
              f"(median {statistics.median(times):.3f} s, max {max(times):.2f} s)", flush=True)


def import_breakdown(ids: list[int], team_ids: list[int]) -> None:
    """Where the import's recompute spends its time: the task's body
    (``trends.recompute_batch`` over one new day for everyone) in this process,
    each of its steps timed. The day's snapshots are written directly (the
    import itself is timed in step 3); no outbox requests, so nothing is claimed."""
    from scoring import person_summary, trends

    day = timezone.localdate()
    forget_day(day, ids, team_ids)
    Snapshot.objects.bulk_create(
        (Snapshot(user_id=pk, date=day, ssi=40, brand=10, people=10, insights=10, relationships=10) for pk in ids),
        batch_size=5000,
    )
    vacuum()
    spent: dict[str, list[float]] = collections.defaultdict(list)
    originals = {}

    def timed(module, name: str, label: str) -> None:
        original = getattr(module, name)
        originals[(module, name)] = original

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label].append(time.perf_counter() - started)
        setattr(module, name, wrapper)

    timed(trends, "recompute_people", "people's derived days (SQL)")
    timed(trends, "recompute_team", "team recomputes (SQL)")
    timed(person_summary, "refresh", "person summaries")
    timed(trends, "team_ids_for", "finding each batch's teams")
    started = time.perf_counter()
    try:
        people, written, teams = trends.recompute_batch(dict.fromkeys(ids, day))
        total = time.perf_counter() - started
    finally:
        for (module, name), original in originals.items():
            setattr(module, name, original)
    print(f"import's recompute, in process: {total:.1f} s for {people:,} people ({written:,} days), "
          f"{teams} team recomputes, {len(trends.batches(dict.fromkeys(ids, day)))} batches ({load()})", flush=True)
    accounted = 0.0
    for label, times in spent.items():
        accounted += sum(times)
        print(f"  {label}: {sum(times):.1f} s over {len(times)} calls", flush=True)
    print(f"  the rest (batching, transactions, commits): {total - accounted:.1f} s", flush=True)


def organisation_queries() -> None:
    """The organisation view through Django's test client: its queries and their time."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(User.objects.get(email="admin-bench@example.com"))
    client.get("/organisation/", HTTP_HOST="127.0.0.1")
    times = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get("/organisation/", HTTP_HOST="127.0.0.1")
            times.append((time.perf_counter() - started) * 1000)
    sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
    print(f"organisation view, test client: {response.status_code}, median {statistics.median(times):.0f} ms of 3, "
          f"{len(queries)} queries, {sql:.0f} ms of SQL ({load()})", flush=True)
    for q in slowest:
        print(f"  {float(q['time']) * 1000:.0f} ms: {q['sql'][:160]}", flush=True)


def organisation_view(visits: int = 6) -> None:
    admin = User.objects.get(email="admin-bench@example.com")
    key = rush.sessions([admin])[admin.pk]
    server = rush.Server()
    times = []
    try:
        for _ in range(visits):
            started = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", rush.PORT, timeout=120)
            conn.request("GET", "/organisation/", headers={
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={key}", "Host": "127.0.0.1"})
            response = conn.getresponse()
            body = response.read()
            conn.close()
            times.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                raise RuntimeError(f"/organisation/ answered {response.status}")
    finally:
        server.stop()
    print(f"organisation view ({Team.objects.filter(slug__startswith=rush.PEOPLE_PREFIX).count()} teams, "
          f"{len(body) / 1000:.0f} KB): first visit {times[0]:.0f} ms, next {len(times) - 1}: median "
          f"{statistics.median(times[1:]):.0f} ms, max {max(times[1:]):.0f} ms (target 500 ms; over HTTP from a fresh "
          f"gunicorn, one visit at a time; {load()})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rush-dashboards", type=int, default=3000,
                        help="different people whose dashboards the rush opens (each once)")
    parser.add_argument("--no-seed", action="store_true", help="reuse the seeded people")
    parser.add_argument("--skip", default="", help="comma-separated steps to leave out: recompute,import,organisation,rush")
    parser.add_argument("--breakdown", action="store_true",
                        help="afterwards: the import's recompute step by step, and the organisation view's queries")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    print(f"commit {commit.strip()}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {load()}", flush=True)
    if not args.no_seed:
        started = time.perf_counter()
        rush.seed(args.people, args.days)
        print(f"seeded {args.people:,} people × {args.days} days in {time.perf_counter() - started:.0f} s ({load()})",
              flush=True)
    ids, team_ids = bench_ids()
    print(f"{len(ids):,} people, {len(team_ids)} teams, {Snapshot.objects.count():,} snapshots", flush=True)
    if "recompute" not in skip:
        vacuum()
        rush.full_recompute(args.jobs)
        print(f"  (target 10 min; {load()})", flush=True)
    if "import" not in skip:
        daily_import(ids, team_ids)
    if "organisation" not in skip:
        organisation_view()
    if "rush" not in skip:
        rush.measure(args.clients, dashboards=args.rush_dashboards)
    if args.breakdown:
        organisation_queries()
        import_breakdown(ids, team_ids)


if __name__ == "__main__":
    main()
