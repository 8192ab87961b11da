"""python manage.py export_trends --user EMAIL [--from DATE] [--to DATE]

One person's derived days as CSV on stdout, for BI tools:
``date,ssi,avg7,avg30,delta7,delta30,delta90``; numbers rounded to 2 decimals
in their shortest form, empty where undefined.
"""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal

from django.core.management.base import BaseCommand, CommandError

from scoring.models import UserDay
from tracking.management.arguments import iso_date
from tracking.models import User

HEADER = ("date", "ssi", "avg7", "avg30", "delta7", "delta30", "delta90")


def two_places(value: Decimal | None) -> str:
    """2 decimals, rounded half-up, in the shortest form: 44.40 → 44.4, 45.00 → 45."""
    if value is None:
        return ""
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    return format(rounded + 0, "f")  # + 0 turns -0 into 0



class Command(BaseCommand):
    help = "Write one person's trend rows as CSV to stdout."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, metavar="EMAIL")
        parser.add_argument("--from", dest="start", type=iso_date, metavar="DATE")
        parser.add_argument("--to", dest="end", type=iso_date, metavar="DATE")

    def handle(self, *args, user, start, end, **options):
        try:
            person = User.objects.get_by_natural_key(user)
        except User.DoesNotExist:
            raise CommandError(f"No user with the email address {user}.") from None
        rows = UserDay.objects.filter(user=person).order_by("date")
        if start:
            rows = rows.filter(date__gte=start)
        if end:
            rows = rows.filter(date__lte=end)
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(HEADER)
        for row in rows.values_list(*HEADER):
            writer.writerow([row[0].isoformat(), *(two_places(v) for v in row[1:])])
