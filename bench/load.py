"""Load: gunicorn (2 workers, 4 threads each) over 500 people × 3 years, 50 concurrent clients for 60 s.

wrk, from a second process on loopback, plays 50 clients that each open the
page, read it for about a second, and open it again; every client is a
different logged-in person (the personal dashboard) or a manager of one of
the 10 teams of 50 (the team page). Each page first gets a 15 s warm-up (its
figures are printed too: the first visit of each person to each process
computes their page), then the measured run. It prints p50/p95/p99 latency,
requests per second and errors.

    apt-get install wrk
    psql -h 127.0.0.1 -U postgres -c 'create database ssi_bench'
    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssi_bench .venv/bin/python manage.py migrate
    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssi_bench REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/load.py [--no-seed] [--duration 60] [--clients 50]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
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
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import scoring as scoring_bench  # noqa: E402
from scoring import trends  # noqa: E402
from tracking.models import Membership, Team, User  # noqa: E402

PORT = 8765
WARM_UP_SECONDS = 15
LUA = """
local threads = {}
setup = function(thread) table.insert(threads, thread) end

local visits = {%(visits)s}
local counter = 0
not_ok = 0  -- global, so done() can read it from each thread
request = function()
  counter = counter + 1
  local visit = visits[(counter %% #visits) + 1]
  return wrk.format("GET", visit[2], {["Cookie"] = "sessionid=" .. visit[1], ["Host"] = "127.0.0.1"})
end
response = function(status, headers, body)
  if status ~= 200 then not_ok = not_ok + 1 end
end
delay = function()
  return math.random(500, 1500)  -- a person reads the page before the next click
end
done = function(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("not_ok") end
  io.write(string.format("RESULT requests=%%d errors=%%d non200=%%d p50=%%.1f p95=%%.1f p99=%%.1f max=%%.1f rps=%%.1f\\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    bad, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.requests / (summary.duration / 1e6)))
end
"""


def seed(people: int, days: int) -> None:
    ids = scoring_bench.seed(people, days, timezone.localdate())
    for start in range(0, len(ids), 200):
        trends.recompute_people(ids[start:start + 200])
    for team in Team.objects.filter(slug__startswith="bench-scoring-"):
        trends.recompute_team(team.pk)
        manager, _ = User.objects.get_or_create(email=f"manager-{team.slug}@example.com", defaults={"name": "Manager"})
        Membership.objects.get_or_create(user=manager, team=team, defaults={"role": Membership.Role.MANAGER})


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def run_wrk(visits: list[tuple[str, str]], duration: int, clients: int) -> str:
    """``visits``: (session cookie, path) pairs, taken in turn by the clients."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {"visits": ",".join(f'{{"{c}", "{p}"}}' for c, p in visits)})
    result = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{duration}s", "--timeout", "10s", "-s", script.name,
         f"http://127.0.0.1:{PORT}"],
        capture_output=True, text=True, check=True,
    )
    os.unlink(script.name)
    return next(line for line in result.stdout.splitlines() if line.startswith("RESULT"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--no-seed", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    if not args.no_seed:
        started = time.perf_counter()
        seed(args.people, args.days)
        print(f"seeded and recomputed in {time.perf_counter() - started:.0f} s")
    people = list(User.objects.filter(email__startswith="bench-scoring-").order_by("pk")[: args.clients])
    managers = list(User.objects.filter(email__startswith="manager-bench-scoring-").order_by("email"))
    teams = {m.pk: m.memberships.get().team.slug for m in managers}

    # Production settings: DEBUG off, compressed manifest static files.
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env.update(SECRET_KEY=SECRET_KEY, ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="false", LOG_LEVEL="WARNING")
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        # Threads, as in docker-compose.yml: a sync worker would sit idle on a
        # client that has connected but not yet sent its request.
        [sys.executable, "-m", "gunicorn", "ssi_dashboard.wsgi", "--workers", "2", "--threads", "4",
         "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        pages = {
            "personal dashboard": [(session_cookie(p), "/") for p in people],
            "team page (50 members)": [(session_cookie(m), f"/teams/{teams[m.pk]}/") for m in managers],
        }
        for name, visits in pages.items():
            print(f"{name}, warm-up:", run_wrk(visits, WARM_UP_SECONDS, args.clients), flush=True)
            print(f"{name}:", run_wrk(visits, args.duration, args.clients), flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
