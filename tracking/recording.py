"""Recording one person's day: the one write path for the form, the API and the
browser extension.

``record_day`` writes a whole day (what PUT and POST do, and the entry form);
``change_day`` changes only the fields it is given (PATCH), merging them with
the stored day and checking every rule on the merged result. Both hold the
person's writing lock for the whole read and write, so an import or another
save of the same person sees each change wholly before or wholly after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from django.db import connection, transaction

from tracking import rules
from tracking.changes import person_changed
from tracking.locks import lock_people
from tracking.models import Activity, Snapshot, Source, User

SCORE_FIELDS = tuple(rules.Scores.__dataclass_fields__)


class DayRefused(Exception):
    """The merged day breaks a rule; ``errors`` say which, in the form's words."""

    def __init__(self, errors: list[rules.RuleError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def _lock(user: User) -> None:
    with connection.cursor() as cursor:
        # Take turns with an import touching this person, so its counts and its
        # undo log see this save either wholly before or wholly after.
        lock_people(cursor, [user.pk])


@transaction.atomic
def record_day(
    user: User,
    date: dt.date,
    scores: rules.Scores,
    counts: dict[str, int | None] | None,
    source: str = Source.MANUAL,
) -> tuple[Snapshot, bool]:
    """Create or replace ``user``'s snapshot for ``date`` with ``scores``.

    ``counts`` replaces the day's activity (all None removes it); ``None``
    leaves the day's activity as it is — the browser extension records what
    LinkedIn's page shows, which has no activity counts.

    Returns the snapshot and whether it was created. The person's derived rows
    are recomputed from ``date`` on after commit, through the outbox: a broker
    outage delays that recompute but never loses it.
    """
    _lock(user)
    snapshot, created = Snapshot.objects.update_or_create(
        user=user,
        date=date,
        defaults={**asdict(scores), "source": source, "import_job": None, "import_line": None},
    )
    if counts is not None:
        _write_activity(user, date, counts, source)
    person_changed([user.pk], date)
    return snapshot, created


@transaction.atomic
def change_day(
    user: User,
    date: dt.date,
    scores: dict,
    counts: dict[str, int | None] | None,
    source: str = Source.API,
) -> Snapshot | None:
    """Change only the given fields of ``user``'s recorded day; None when there is no such day.

    ``scores`` holds the score fields sent (None clears one; a cleared SSI is
    the sum of the pillars again). ``counts`` holds the activity counts sent
    (None clears one), or is None to leave the activity alone. The stored day
    and the changes are merged under the person's lock and the merged day must
    keep every rule, else ``DayRefused`` and nothing is written. What is not
    changed keeps its provenance: a change of activity only leaves the
    snapshot's source as it was.
    """
    _lock(user)
    snapshot = Snapshot.objects.filter(user=user, date=date).first()
    if snapshot is None:
        return None
    if scores:
        merged = {field: getattr(snapshot, field) for field in SCORE_FIELDS} | scores
        cleaned, errors = rules.validate_scores(**merged)
        if errors:
            raise DayRefused(errors)
        for field, value in asdict(cleaned).items():
            setattr(snapshot, field, value)
        snapshot.source, snapshot.import_job, snapshot.import_line = source, None, None
        snapshot.save()
    if counts:
        stored = Activity.objects.filter(user=user, period_start=date, period_end=date).values(*rules.ACTIVITY_FIELDS)
        _write_activity(user, date, dict(stored.first() or dict.fromkeys(rules.ACTIVITY_FIELDS)) | counts, source)
    if scores or counts:
        person_changed([user.pk], date)
    return snapshot


def _write_activity(user: User, date: dt.date, counts: dict[str, int | None], source: str) -> None:
    if any(value is not None for value in counts.values()):
        Activity.objects.update_or_create(
            user=user,
            period_start=date,
            period_end=date,
            defaults={**counts, "source": source, "import_job": None, "import_line": None},
        )
    else:
        Activity.objects.filter(user=user, period_start=date, period_end=date).delete()
