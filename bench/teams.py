"""Team page: server-side render time, query count and figure JSON size for a
50-member team with 3 years of data.

Run against a development database (it creates and replaces a team "Bench"
and its people, bench-NN@example.com):

    DEBUG=true ALLOWED_HOSTS=testserver DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssi_bench \\
        .venv/bin/python bench/teams.py [--members 50] [--days 1095] [--runs 15]

Seeding goes through the real path (snapshots, then the person and team
recomputes), so the page reads what production would.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssi_dashboard.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from scoring import trends  # noqa: E402
from tracking import demo  # noqa: E402
from tracking.models import Membership, Snapshot, Team, User  # noqa: E402

FIGURE = re.compile(r'<script type="application/json" id="[\w-]+">(.*?)</script>', re.S)


def seed(members: int, days: int) -> tuple[Team, User]:
    User.objects.filter(email__startswith="bench-").delete()
    Team.objects.filter(slug="bench").delete()
    team = Team.objects.create(name="Bench", slug="bench")
    manager = User.objects.create_user("bench-manager@example.com", name="Bench Manager")
    Membership.objects.create(user=manager, team=team, role=Membership.Role.MANAGER)
    end = timezone.localdate()
    people = []
    for i in range(members):
        person = User.objects.create_user(f"bench-{i:02d}@example.com", name=f"Bench Person {i:02d}")
        Membership.objects.create(user=person, team=team)
        people.append(person)
        Snapshot.objects.bulk_create([
            Snapshot(user=person, date=d.date, ssi=d.ssi, **d.pillars,
                     industry_rank=d.industry_rank, network_rank=d.network_rank)
            for d in demo.history(1000 + i, end, days=days)
        ])
    started = time.perf_counter()
    trends.recompute_people([p.pk for p in people])
    trends.recompute_team(team.pk)
    print(f"seeded {members} people × {days} days; recompute {time.perf_counter() - started:.1f} s")
    return team, manager


def measure(client: Client, url: str, runs: int, headers=None) -> dict:
    client.get(url, headers=headers or {})  # warm caches and the connection
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers or {})
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url, headers=headers or {}).content.decode()
    figures = sum(len(body.encode()) for body in FIGURE.findall(html))
    return {
        "median_ms": statistics.median(timings),
        "max_ms": max(timings),
        "queries": len(queries),
        "figure_kb": figures / 1024,
        "html_kb": len(html.encode()) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-seed", action="store_true", help="reuse the team seeded by an earlier run")
    args = parser.parse_args()
    if args.no_seed:
        team, manager = Team.objects.get(slug="bench"), User.objects.get(email="bench-manager@example.com")
    else:
        team, manager = seed(args.members, args.days)
    client = Client()
    client.force_login(manager)
    base = reverse("scoring:team", args=[team.slug])
    cases = [
        ("30 days", "?range=30", None),
        ("90 days", "?range=90", None),
        ("1 year (weekly)", "?range=365", None),
        ("all, 3 years (weekly)", "?range=all", None),
        ("all, a pillar", "?range=all&metric=insights", None),
        ("all, days since start", "?range=all&align=start", None),
        ("90 days, htmx fragment", "?range=90", {"HX-Request": "true"}),
    ]
    print(f"{'case':28} {'median ms':>9} {'max ms':>7} {'queries':>7} {'figures KB':>10} {'page KB':>8}")
    for label, query, headers in cases:
        r = measure(client, base + query, args.runs, headers)
        print(f"{label:28} {r['median_ms']:9.0f} {r['max_ms']:7.0f} {r['queries']:7d} "
              f"{r['figure_kb']:10.0f} {r['html_kb']:8.0f}")


if __name__ == "__main__":
    main()
