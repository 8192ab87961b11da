"""python manage.py export_ssi [--user EMAIL] [--team SLUG] [--from DATE] [--to DATE]

SSI snapshots as CSV on stdout, in the format ``import_ssi`` reads back
unchanged: ``email,date,ssi,brand,people,insights,relationships,industry_rank,
network_rank`` first, then the group averages, the day's activity and the name.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tracking.importing import export
from tracking.management.arguments import iso_date
from tracking.models import Membership, Team, User


class Command(BaseCommand):
    help = "Write SSI snapshots as CSV to stdout (everyone's, a person's or a team's)."

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", help="Only this person.")
        parser.add_argument("--team", metavar="SLUG", help="Only this team's members.")
        parser.add_argument("--from", dest="start", type=iso_date, metavar="DATE")
        parser.add_argument("--to", dest="end", type=iso_date, metavar="DATE")

    def handle(self, *args, user, team, start, end, **options):
        user_ids = None
        if user:
            try:
                user_ids = {User.objects.get_by_natural_key(user.strip()).pk}
            except User.DoesNotExist:
                raise CommandError(f"No user with the email address {user}.") from None
        if team:
            if not Team.objects.filter(slug=team).exists():
                raise CommandError(f"No team with the slug “{team}”.")
            members = set(Membership.objects.filter(team__slug=team).values_list("user_id", flat=True))
            user_ids = members if user_ids is None else user_ids & members
        for chunk in export.iter_csv(user_ids=user_ids, date_from=start, date_to=end):
            self.stdout.write(chunk, ending="")
