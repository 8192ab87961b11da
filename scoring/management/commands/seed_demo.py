"""Demo data: 3 teams, 25 people, 18 months of history each, and their derived rows. Safe to run again."""

from __future__ import annotations

import zlib

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from scoring import trends
from tracking import demo, rules
from tracking.locks import lock_people
from tracking.models import Activity, Membership, Snapshot, Source, Team, User

DEMO_PASSWORD = "demo"

TEAMS = [
    ("Enterprise East", "enterprise-east"),
    ("Mid-Market West", "mid-market-west"),
    ("SMB Growth", "smb-growth"),
]
FIRST = ["Ava", "Ben", "Chloe", "Dev", "Elena", "Felix", "Grace", "Hiro", "Isla", "Jonas", "Kemi", "Liam",
         "Maya", "Noah", "Olivia", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor"]
LAST = ["Adams", "Bauer", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Khan",
        "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Quist", "Rossi", "Singh", "Tanaka", "Ueda", "Vargas"]
ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London", "Europe/Berlin"]


def _people():
    """(email, name, team slug, role, time zone): the three fixed logins first."""
    yield "admin@example.com", "Alex Admin", None, None, "UTC"
    yield "manager@example.com", "Morgan Manager", "enterprise-east", Membership.Role.MANAGER, "America/New_York"
    yield "sales@example.com", "Sasha Sales", "enterprise-east", Membership.Role.MEMBER, "America/New_York"
    yield "manager.west@example.com", "Wes Manager", "mid-market-west", Membership.Role.MANAGER, "America/Los_Angeles"
    yield "manager.smb@example.com", "Sofia Manager", "smb-growth", Membership.Role.MANAGER, "Europe/London"
    for i in range(20):
        first, last = FIRST[i], LAST[(i * 7) % len(LAST)]
        slug = TEAMS[i % 3][1]
        yield f"{first}.{last}@example.com".lower(), f"{first} {last}", slug, Membership.Role.MEMBER, ZONES[i % 5]


class Command(BaseCommand):
    help = "Create demo teams, people (password 'demo') and 18 months of SSI history. Idempotent."

    def handle(self, *args, **options):
        with transaction.atomic():
            teams = {slug: Team.objects.get_or_create(slug=slug, defaults={"name": name})[0] for name, slug in TEAMS}
            people = []
            for email, name, slug, role, zone in _people():
                user, created = User.objects.get_or_create(email=email, defaults={"name": name, "time_zone": zone})
                if created:
                    user.set_password(DEMO_PASSWORD)
                    user.is_staff = user.is_superuser = email == "admin@example.com"
                    user.save()
                if slug:
                    Membership.objects.get_or_create(user=user, team=teams[slug], defaults={"role": role})
                if email != "admin@example.com":
                    people.append(user)
            # As every writer of a person's rows: an import of the same people waits its turn.
            with connection.cursor() as cursor:
                lock_people(cursor, [user.pk for user in people])
            for user in people:
                self._history(user)
        # The derived rows, as the workers would compute them: people, then their teams.
        trends.recompute_with_teams([user.pk for user in people])
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {len(teams)} teams, {len(people) + 1} people, "
            f"{Snapshot.objects.count()} snapshots. Logins use the password '{DEMO_PASSWORD}'."
        ))

    def _history(self, user: User) -> None:
        days = demo.history(seed=zlib.crc32(user.email.encode()), end=user.today())
        Snapshot.objects.bulk_create(
            [
                Snapshot(
                    user=user, date=day.date, ssi=day.ssi, **day.pillars,
                    industry_rank=day.industry_rank, network_rank=day.network_rank,
                    industry_avg=day.industry_avg, network_avg=day.network_avg, source=Source.MANUAL,
                )
                for day in days
            ],
            update_conflicts=True,
            unique_fields=["user", "date"],
            update_fields=["ssi", *rules.PILLARS, "industry_rank", "network_rank", "industry_avg", "network_avg"],
        )
        Activity.objects.bulk_create(
            [Activity(user=user, period_start=day.date, period_end=day.date, **day.activity) for day in days],
            update_conflicts=True,
            unique_fields=["user", "period_start", "period_end"],
            update_fields=list(days[0].activity) if days else ["posts"],
        )
