"""python manage.py recompute [--all [--jobs N] | --user EMAIL] [--since DATE]

Runs the recompute synchronously (no worker needed), for admins and repair:
the people's derived days, then every team they count in, from the same date,
then their summaries.
"""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand, CommandError

from scoring import person_summary, team_summary, trends
from tracking.management.arguments import iso_date
from tracking.models import User


def _jobs(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of jobs (1 or more).")
    return int(value)


class Command(BaseCommand):
    help = "Recompute derived rows now, for everyone or one person."

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--all", dest="everyone", action="store_true")
        who.add_argument("--user", metavar="EMAIL")
        parser.add_argument("--since", type=iso_date, metavar="DATE")
        parser.add_argument(
            "--jobs", type=_jobs, default=1, metavar="N",
            help="With --all: batches run at once, each on its own database connection (about one per core).",
        )

    def handle(self, *args, everyone, user, since, jobs, **options):
        if user:
            try:
                ids = [User.objects.get_by_natural_key(user).pk]
            except User.DoesNotExist:
                raise CommandError(f"No user with the email address {user}.") from None
            days = trends.recompute_people(ids, since)
            team_ids = trends.team_ids_for(ids)
            team_days = sum(trends.recompute_team(team_id, since) for team_id in team_ids)
            person_summary.refresh(ids)
            team_summary.refresh(team_ids)
            people, teams = len(ids), len(team_ids)
        else:
            people, days, teams, team_days = trends.recompute_everyone(since, jobs)
        self.stdout.write(
            f"Recomputed {days} day(s) for {people} person(s) and {team_days} day(s) for {teams} team(s)."
        )
