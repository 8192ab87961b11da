"""python manage.py recompute [--all | --user EMAIL] [--since DATE]

Runs the recompute synchronously (no worker needed), for admins and repair:
the people's derived days, then every team they count in, from the same date.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from scoring import trends
from tracking.management.arguments import iso_date
from tracking.models import Snapshot, Team, User

# People per transaction for --all: large enough to use set-based SQL, small
# enough that one batch holds its locks briefly.
BATCH = 200



class Command(BaseCommand):
    help = "Recompute derived rows now, for everyone or one person."

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--all", dest="everyone", action="store_true")
        who.add_argument("--user", metavar="EMAIL")
        parser.add_argument("--since", type=iso_date, metavar="DATE")

    def handle(self, *args, everyone, user, since, **options):
        if user:
            try:
                ids = [User.objects.get_by_natural_key(user).pk]
            except User.DoesNotExist:
                raise CommandError(f"No user with the email address {user}.") from None
            team_ids = trends.team_ids_for(ids)
        else:
            ids = sorted(set(Snapshot.objects.values_list("user_id", flat=True).distinct()))
            team_ids = list(Team.objects.order_by("pk").values_list("pk", flat=True))
        days = 0
        for start in range(0, len(ids), BATCH):
            days += trends.recompute_people(ids[start:start + BATCH], since)
        team_days = sum(trends.recompute_team(team_id, since) for team_id in team_ids)
        self.stdout.write(
            f"Recomputed {days} day(s) for {len(ids)} person(s) and {team_days} day(s) for {len(team_ids)} team(s)."
        )
