"""Morning rush: every visit a different person's first of the day, after the
night's full recompute, with nothing warm anywhere.

Seeds PEOPLE × DAYS of history (bench/scoring.py's seeder: teams of 50, each
with a manager), runs the nightly `manage.py recompute --all --jobs 2` as its
own process, then serves the app with gunicorn as docker-compose.yml does
(2 workers × 4 threads, DEBUG off, compressed static files), started only
after the recompute so no process has anything cached. 50 clients, each
reading a page for 0.5–1.5 s before its next, then:

- personal dashboards: each bench person's dashboard exactly once, in a
  shuffled order, by that person (every visit a first visit);
- team pages: gunicorn restarted, then each team's page exactly once, by its
  manager.

After each rush, 21 of its visits again, one at a time: the page's own cost
with nothing queued before it (latency, and gunicorn's CPU time per visit
from /proc).

Each visit is a fresh connection (a phone opening the app), timed from connect
to the last byte of the answer. Errors count connection failures and every
answer that is not 200. A visit list never repeats, so the run ends when it is
used up: its length, not a duration, sets how long it runs.

The database's and the operating system's page caches are not emptied
(PostgreSQL serves other databases on this machine); everything above them is
cold.

    psql -h 127.0.0.1 -U postgres -c 'create database ssi_bench_rush'
    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssi_bench_rush .venv/bin/python manage.py migrate
    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssi_bench_rush REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/rush.py [--people 3000] [--days 1095] [--no-seed] [--clients 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssi_dashboard.settings")
# The sessions made here must be valid in the gunicorn workers: one key for both.
SECRET_KEY = "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
os.environ["SECRET_KEY"] = SECRET_KEY

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from bench import scoring as scoring_bench  # noqa: E402
from tracking.models import Membership, Team, User  # noqa: E402

PORT = int(os.environ.get("BENCH_PORT", "8765"))
PEOPLE_PREFIX = "bench-scoring-"
MANAGER_PREFIX = "manager-bench-scoring-"


def production_env(**extra: str) -> dict[str, str]:
    """The environment of a production process on this database and broker: DEBUG off."""
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env.update(SECRET_KEY=SECRET_KEY, ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="false", LOG_LEVEL="WARNING")
    env.update(extra)
    return env


def seed(people: int, days: int) -> None:
    """People and their history (COPY), teams of 50, a manager for each team and one administrator."""
    scoring_bench.seed(people, days, timezone.localdate())
    User.objects.filter(email__startswith=MANAGER_PREFIX).delete()
    teams = list(Team.objects.filter(slug__startswith=PEOPLE_PREFIX).order_by("slug"))
    managers = User.objects.bulk_create(
        User(email=f"{MANAGER_PREFIX}{team.slug.removeprefix(PEOPLE_PREFIX)}@example.com", name="Manager",
             password="!") for team in teams
    )
    Membership.objects.bulk_create(
        Membership(user=m, team=t, role=Membership.Role.MANAGER) for m, t in zip(managers, teams, strict=True)
    )
    User.objects.update_or_create(email="admin-bench@example.com",
                                  defaults={"name": "Bench admin", "is_staff": True, "password": "!"})


def full_recompute(jobs: int) -> float:
    """The nightly `manage.py recompute --all --jobs N`, as its own production process; seconds."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "manage.py", "recompute", "--all", "--jobs", str(jobs)],
                         cwd=ROOT, env=production_env(), capture_output=True, text=True, check=True)
    took = time.perf_counter() - started
    print(f"full recompute, `recompute --all --jobs {jobs}`: {took:.1f} s ({out.stdout.strip()})", flush=True)
    return took


def sessions(users: list[User]) -> dict[int, str]:
    """A logged-in session for each person (as a login would leave it), written in bulk."""
    backend = "django.contrib.auth.backends.ModelBackend"
    expires = timezone.now() + dt.timedelta(days=1)
    keys, rows = {}, []
    store = SessionStore()
    for user in users:
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend, HASH_SESSION_KEY: user.get_session_auth_hash()}
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        keys[user.pk] = key
    Session.objects.bulk_create(rows, batch_size=2000)
    return keys


class Server:
    """gunicorn as in docker-compose.yml: 2 workers × 4 threads, DEBUG off."""

    collected = False

    def __init__(self) -> None:
        if not Server.collected:
            subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                           cwd=ROOT, env=production_env(), check=True)
            Server.collected = True
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "ssi_dashboard.wsgi", "--workers", "2", "--threads", "4",
             "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning"],
            cwd=ROOT, env=production_env(),
        )
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health/", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /health/")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)

    def cpu_ms(self) -> float:
        """CPU time (user + system) used so far by gunicorn's master and workers, in ms."""
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        total = 0
        for pid in [self.process.pid, *map(int, children.split())]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total * 1000 / os.sysconf("SC_CLK_TCK")


def one_at_a_time(visits: list[tuple[str, str]], server: Server) -> dict:
    """Each visit alone, the next only once the last has answered: the time a
    page costs the server with nothing queued before it. Returns the latencies
    (ms) and gunicorn's CPU per visit, counted from the second visit on (the
    first pays each worker's start)."""
    cookie_name = settings.SESSION_COOKIE_NAME
    latencies, cpu_from = [], None
    for key, path in visits:
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        conn.request("GET", path, headers={"Cookie": f"{cookie_name}={key}", "Host": "127.0.0.1",
                                           "Accept-Encoding": "gzip"})
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 200:
            raise RuntimeError(f"{response.status} {path}")
        latencies.append((time.perf_counter() - started) * 1000)
        if cpu_from is None:
            cpu_from = server.cpu_ms()
    cpu = (server.cpu_ms() - cpu_from) / max(1, len(visits) - 1)
    return {"latencies": latencies[1:], "cpu": cpu}


def visit_all(visits: list[tuple[str, str]], clients: int, seed: int = 7) -> dict:
    """Each (session key, path) visited exactly once by ``clients`` concurrent
    readers; the latencies (ms), errors and the wall time."""
    pending = list(visits)
    random.Random(seed).shuffle(pending)
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    cookie_name = settings.SESSION_COOKIE_NAME

    def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        time.sleep(rng.uniform(0, 1.0))  # not all at the same instant
        while True:
            with lock:
                if not pending:
                    return
                key, path = pending.pop()
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                conn.request("GET", path, headers={"Cookie": f"{cookie_name}={key}", "Host": "127.0.0.1",
                                                   "Accept-Encoding": "gzip"})
                response = conn.getresponse()
                response.read()
                conn.close()
                took = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(took)
                    if response.status != 200:
                        errors.append(f"{response.status} {path}")
            except OSError as error:
                with lock:
                    errors.append(f"{type(error).__name__} {path}")
            time.sleep(rng.uniform(0.5, 1.5))  # a person reads the page before the next click

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "errors": errors, "seconds": time.perf_counter() - started}


def summary(name: str, result: dict) -> str:
    lat = sorted(result["latencies"])

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(round(p / 100 * len(lat) + 0.5)) - 1)] if lat else float("nan")

    load = os.getloadavg()
    line = (f"{name}: {len(lat)} visits, "
            f"{len(result['errors'])} errors, p50 {pct(50):.0f} ms, p95 {pct(95):.0f} ms, p99 {pct(99):.0f} ms, "
            f"max {lat[-1] if lat else float('nan'):.0f} ms, mean {statistics.fmean(lat) if lat else 0:.0f} ms, "
            f"{len(lat) / result['seconds']:.1f} visits/s over {result['seconds']:.0f} s; "
            f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    if result["errors"]:
        line += f"\n  first errors: {result['errors'][:5]}"
    return line


def measure(clients: int, dashboards: int | None = None) -> dict[str, dict]:
    """The rush over the seeded people: dashboards, then team pages, each on a fresh gunicorn."""
    people = list(User.objects.filter(email__startswith=PEOPLE_PREFIX).order_by("pk"))
    if dashboards is not None and dashboards < len(people):
        people = random.Random(11).sample(people, dashboards)
    managers = list(User.objects.filter(email__startswith=MANAGER_PREFIX).order_by("email"))
    slugs = dict(Membership.objects.filter(user__in=managers).values_list("user_id", "team__slug"))
    keys = sessions(people + managers)
    pages = {
        "personal dashboard, each person once": [(keys[p.pk], "/") for p in people],
        f"team page ({scoring_bench.TEAM_SIZE} members), each team once": [
            (keys[m.pk], f"/teams/{slugs[m.pk]}/") for m in managers],
    }
    results = {}
    for name, visits in pages.items():
        server = Server()  # a fresh start: nothing cached in any worker
        try:
            results[name] = visit_all(visits, clients)
            # Then 21 of the same visits again, one at a time: with nothing
            # cached above the database, a second visit costs what a first does.
            alone = one_at_a_time(visits[:21], server)
        finally:
            server.stop()
        print(summary(name, results[name]), flush=True)
        print(f"  one at a time: median {statistics.median(alone['latencies']):.0f} ms, "
              f"gunicorn CPU {alone['cpu']:.1f} ms a visit", flush=True)
    Session.objects.filter(session_key__in=keys.values()).delete()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2, help="jobs of the nightly recompute")
    parser.add_argument("--no-seed", action="store_true", help="reuse the seeded people (the recompute still runs)")
    args = parser.parse_args()
    if not args.no_seed:
        started = time.perf_counter()
        seed(args.people, args.days)
        print(f"seeded {args.people} people × {args.days} days in {time.perf_counter() - started:.0f} s", flush=True)
    full_recompute(args.jobs)
    measure(args.clients)


if __name__ == "__main__":
    main()
