"""Recording one person's day: the one write path for the form and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from django.db import connection, transaction

from tracking import rules
from tracking.changes import person_changed
from tracking.locks import lock_people
from tracking.models import Activity, Snapshot, Source, User


@transaction.atomic
def record_day(
    user: User,
    date: dt.date,
    scores: rules.Scores,
    counts: dict[str, int | None],
    source: str = Source.MANUAL,
) -> tuple[Snapshot, bool]:
    """Create or replace ``user``'s snapshot (and daily activity) for ``date``.

    Returns the snapshot and whether it was created. The person's derived rows
    are recomputed from ``date`` on after commit, through the outbox: a broker
    outage delays that recompute but never loses it.
    """
    with connection.cursor() as cursor:
        # Take turns with an import touching this person, so its counts and its
        # undo log see this save either wholly before or wholly after.
        lock_people(cursor, [user.pk])
    snapshot, created = Snapshot.objects.update_or_create(
        user=user,
        date=date,
        defaults={**asdict(scores), "source": source, "import_job": None, "import_line": None},
    )
    if any(value is not None for value in counts.values()):
        Activity.objects.update_or_create(
            user=user,
            period_start=date,
            period_end=date,
            defaults={**counts, "source": source, "import_job": None, "import_line": None},
        )
    else:
        Activity.objects.filter(user=user, period_start=date, period_end=date).delete()
    person_changed([user.pk], date)
    return snapshot, created
