"""Person summaries: the cost of ``person_summary.refresh`` per person, for 1,000
people × 3 years (20 teams of 50), as the recompute runs it, in its batches.

Seeds with bench/scoring.py's seeder (or reuses its people with --no-seed),
recomputes everyone once, then gives ``--activity`` of them three years of
daily activity (so their insights run the permutation tests) and times:
- every summary in batches of 500 (the nightly run, ``recompute --all``);
- one batch of 1,000 (a day's import of everyone: ``recompute_with_teams``'s last step);
- one person at a time (a single entry), for 50 people;
- with activity: everyone again (the people with activity run their tests),
  those people again with nothing changed (their tests reused), and afresh.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssi_bench \\
        .venv/bin/python bench/summaries.py [--people 1000] [--days 1095] [--no-seed] [--activity 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssi_dashboard.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.scoring import seed  # noqa: E402
from scoring import person_summary  # noqa: E402
from scoring.models import PersonSummary  # noqa: E402
from tracking.models import Activity, User  # noqa: E402


def seed_activity(ids: list[int], days: int, today: dt.date) -> int:
    """Daily posts, comments, reactions and searches for these people."""
    Activity.objects.filter(user_id__in=ids).delete()
    rng = random.Random(7)
    buffer = io.StringIO()
    stamp = timezone.now().isoformat()
    n = 0
    for pk in ids:
        for offset in range(days):
            day = today - dt.timedelta(days=days - offset)
            counts = [rng.randint(0, 5), rng.randint(0, 15), rng.randint(0, 30), rng.randint(0, 20)]
            buffer.write(f"{pk}\t{day}\t{day}\t" + "\t".join(map(str, counts)) + f"\tmanual\t{stamp}\t{stamp}\n")
            n += 1
    buffer.seek(0)
    with connection.cursor() as cursor, cursor.copy(
        "COPY tracking_activity (user_id, period_start, period_end, posts, comments, reactions, searches,"
        " source, created_at, updated_at) FROM STDIN"
    ) as copy:
        copy.write(buffer.getvalue())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tracking_activity")
    return n


def timed(label: str, people: int, fn) -> float:
    start = time.perf_counter()
    fn()
    took = time.perf_counter() - start
    print(f"{label}: {took:.2f} s, {took * 1000 / max(1, people):.2f} ms a person")
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--activity", type=int, default=200, help="people given daily activity")
    args = parser.parse_args()
    today = timezone.localdate()
    if args.no_seed:
        ids = list(User.objects.filter(email__startswith="bench-scoring-").order_by("pk").values_list("pk", flat=True))
    else:
        ids = seed(args.people, args.days, today)
        out = io.StringIO()
        call_command("recompute", "--all", "--jobs", "2", stdout=out)
        print(out.getvalue().strip())
    Activity.objects.filter(user_id__in=ids).delete()
    timed(f"{len(ids)} summaries, no activity logged, in batches of {person_summary.BATCH}", len(ids),
          lambda: [person_summary.refresh_batch(ids[i:i + person_summary.BATCH])
                   for i in range(0, len(ids), person_summary.BATCH)])
    timed(f"{len(ids)} summaries in one batch (a day's import)", len(ids),
          lambda: person_summary.refresh_batch(ids))
    sample = ids[:50]

    def one_by_one():
        for pk in sample:
            with transaction.atomic():
                person_summary.refresh([pk])

    timed("50 summaries one person at a time", len(sample), one_by_one)
    if args.activity:
        # Every other team's first members: some teams pool, some people test their own weeks.
        active = ids[:args.activity]
        rows = seed_activity(active, args.days, today)
        print(f"{rows:,} daily activity rows for {len(active)} people")
        timed(f"{len(ids)} summaries, {len(active)} of them with 3 years of daily activity", len(ids),
              lambda: [person_summary.refresh_batch(ids[i:i + person_summary.BATCH])
                       for i in range(0, len(ids), person_summary.BATCH)])
        timed(f"the {len(active)} with activity alone, nothing changed (tests reused)", len(active),
              lambda: person_summary.refresh_batch(active))
        PersonSummary.objects.filter(user_id__in=active).delete()
        timed(f"the {len(active)} with activity alone, tests run afresh", len(active),
              lambda: person_summary.refresh_batch(active))
        tested = PersonSummary.objects.filter(user_id__in=active).values_list("data", flat=True)
        pairs = sum(len(d["evidence"]["tests"]) for d in tested)
        print(f"  {pairs} pair tests stored for them ({pairs / len(active):.1f} a person)")


if __name__ == "__main__":
    main()
