"""Recompute requests that survive a broker outage.

A change to raw data writes a ``RecomputeRequest`` in its own transaction, and
after commit hands it to the broker. If the broker is down the entry is saved
all the same: the request waits in PostgreSQL and ``flush`` (run every minute
by beat, and by anyone after a successful hand-over) delivers it when the
broker is back. Recomputes are idempotent, so a request delivered twice costs
only time.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from scoring.models import RecomputeRequest
from ssi_dashboard.celery import app

log = logging.getLogger(__name__)

# After a failed hand-over this process skips direct dispatch for a while, so a
# broker outage costs one slow request, not one per entry. The requests wait in
# the outbox meanwhile; nothing is lost by skipping.
BROKER_BACKOFF_SECONDS = 30
_broker_down_until = 0.0


def request_recompute(user_ids: Iterable[int], since: dt.date | None) -> None:
    """Record that these people's derived rows are stale from ``since`` on.

    Call it inside the transaction that changed their raw data: the request
    commits with the change, or not at all. After commit it goes to the broker.
    """
    request_recomputes({user_id: since for user_id in user_ids})


def request_recomputes(since_by_user: Mapping[int, dt.date | None]) -> None:
    """The same, each person from their own date (an import, an undo)."""
    _request([RecomputeRequest(user_id=u, since=since) for u, since in sorted(since_by_user.items())])


def request_team_recompute(team_ids: Iterable[int], since: dt.date | None) -> None:
    """The same for teams (a roster change makes a team's history stale)."""
    _request([RecomputeRequest(team_id=team_id, since=since) for team_id in sorted(set(team_ids))])


def _request(rows: list[RecomputeRequest]) -> None:
    ids = [row.pk for row in RecomputeRequest.objects.bulk_create(rows)]
    transaction.on_commit(lambda: dispatch(ids))


def _earliest(dates: list[dt.date | None]) -> str | None:
    return None if None in dates else min(dates).isoformat()


def dispatch(ids: list[int]) -> int:
    """Hand these requests to the broker, one task per person or team from its
    earliest date; delete each once handed over. Returns the number of tasks sent."""
    global _broker_down_until
    if not ids or time.monotonic() < _broker_down_until:
        return 0
    from scoring.tasks import recompute_person, recompute_team

    with transaction.atomic():
        # Claim the rows: a concurrent flush skips them instead of sending them twice.
        rows = list(
            RecomputeRequest.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids)
            .values_list("pk", "user_id", "team_id", "since")
        )
        targets: dict[tuple, list] = defaultdict(list)
        for pk, user_id, team_id, since in rows:
            key = (recompute_person, user_id) if user_id else (recompute_team, team_id)
            targets[key].append((pk, since))
        sent: list[int] = []
        tasks_sent = 0
        try:
            with app.connection_for_write() as connection:
                for (task, target_id), requests in targets.items():
                    since = _earliest([since for _, since in requests])
                    task.apply_async((target_id, since), connection=connection, retry=False)
                    sent.extend(pk for pk, _ in requests)
                    tasks_sent += 1
        except Exception as err:  # whatever the broker's failure, the outbox keeps the rest
            _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
            log.warning("Broker unavailable; %d recompute request(s) wait in the outbox: %s",
                        len(rows) - len(sent), err)
        RecomputeRequest.objects.filter(pk__in=sent).delete()
    return tasks_sent


def flush(older_than: dt.timedelta = dt.timedelta(seconds=30)) -> int:
    """Deliver every request that has waited longer than ``older_than``."""
    global _broker_down_until
    _broker_down_until = 0.0  # an explicit flush always tries
    cutoff = timezone.now() - older_than
    ids = list(RecomputeRequest.objects.filter(created_at__lte=cutoff).values_list("pk", flat=True))
    return dispatch(ids)


@shared_task(acks_late=True, ignore_result=True)
def flush_recompute_outbox() -> int:
    return flush()
