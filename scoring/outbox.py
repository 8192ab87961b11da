"""Recompute requests that survive a broker outage and a lost worker.

A change to raw data writes a ``RecomputeRequest`` in its own transaction, and
after commit hands it to the broker, marking it dispatched. The recompute
deletes its requests in the same transaction as the rows it writes: a request
is done exactly when its rows are. If the broker is down the entry waits in
PostgreSQL; if the worker running it is lost (killed, its machine gone), its
message would come back only after the broker's visibility timeout (an hour).
``flush`` hands over both kinds: requests never handed over, and requests
handed over more than ``SSI_RECOMPUTE_REDELIVER_SECONDS`` ago and still not
done. It runs on every worker's own timer (``tracking.sweeps``, beat or no
beat), from beat, and now and then in any process that requested a recompute.
A request a recompute is working on is locked by it, and is left alone.
Recomputes are idempotent, so a request delivered twice costs only time.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from scoring.models import RecomputeRequest
from ssi_dashboard.celery import app
from tracking import background, sweeps

log = logging.getLogger(__name__)

# After a failed hand-over this process skips direct dispatch for a while, so a
# broker outage costs one slow request, not one per entry. The requests wait in
# the outbox meanwhile; nothing is lost by skipping.
BROKER_BACKOFF_SECONDS = 30
_broker_down_until = 0.0
# A process that requests recomputes also hands over overdue ones, at most this often.
SWEEP_SECONDS = 60
_next_sweep = 0.0


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
    transaction.on_commit(lambda: _dispatch_then_sweep(ids))


def _dispatch_then_sweep(ids: list[int]) -> None:
    global _next_sweep
    dispatch(ids)
    if time.monotonic() >= _next_sweep:
        _next_sweep = time.monotonic() + SWEEP_SECONDS
        dispatch(_due(dt.timedelta(seconds=30)))


def _earliest(dates: list[dt.date | None]) -> str | None:
    return None if None in dates else min(dates).isoformat()


def redeliver_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.SSI_RECOMPUTE_REDELIVER_SECONDS)


# Claims the requests that are due (never handed over, or handed over long
# enough ago), skipping those a running recompute holds; one statement, so two
# processes dispatching at once never both send one request.
_CLAIM = f"""
    UPDATE {RecomputeRequest._meta.db_table} SET dispatched_at = now()
    WHERE id IN (
        SELECT id FROM {RecomputeRequest._meta.db_table}
        WHERE id = ANY(%s) AND (dispatched_at IS NULL OR dispatched_at <= now() - %s)
        FOR UPDATE SKIP LOCKED
    )
    RETURNING id, user_id, team_id, since"""


def dispatch(ids: list[int]) -> int:
    """Hand these requests to the broker, one task per person or team from its
    earliest date, each task naming its requests. Returns the number of tasks sent."""
    global _broker_down_until
    if not ids or time.monotonic() < _broker_down_until:
        return 0
    from scoring.tasks import recompute_person, recompute_team

    with connection.cursor() as cursor:
        cursor.execute(_CLAIM, [ids, redeliver_after()])
        rows = cursor.fetchall()
    targets: dict[tuple, list] = defaultdict(list)
    for pk, user_id, team_id, since in rows:
        key = (recompute_person, user_id) if user_id else (recompute_team, team_id)
        targets[key].append((pk, since))
    sent: list[int] = []
    tasks_sent = 0
    try:
        with app.connection_for_write() as broker:
            for (task, target_id), requests in targets.items():
                pks = [pk for pk, _ in requests]
                task.apply_async((target_id, _earliest([since for _, since in requests]), pks),
                                 connection=broker, retry=False)
                sent.extend(pks)
                tasks_sent += 1
    except Exception as err:  # whatever the broker's failure, the outbox keeps the rest
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        log.warning("Broker unavailable; %d recompute request(s) wait in the outbox: %s", len(rows) - len(sent), err)
        RecomputeRequest.objects.filter(pk__in=[pk for pk, *_ in rows]).exclude(pk__in=sent).update(
            dispatched_at=None
        )
    return tasks_sent


def flush(older_than: dt.timedelta = dt.timedelta(seconds=30)) -> int:
    """Deliver every request that has waited longer than ``older_than`` to be
    handed over, and every one handed over that is overdue; the tasks sent."""
    global _broker_down_until
    _broker_down_until = 0.0  # an explicit flush always tries
    return dispatch(_due(older_than))


def _due(older_than: dt.timedelta) -> list[int]:
    now = timezone.now()
    return list(RecomputeRequest.objects.filter(
        Q(dispatched_at__isnull=True, created_at__lte=now - older_than)
        | Q(dispatched_at__lte=now - redeliver_after())
    ).values_list("pk", flat=True))


def fulfil(request_ids: list[int] | None, recompute: Callable[[], int]) -> int:
    """Run ``recompute`` (a task's body) and delete the requests it answers, in
    one transaction: they are done exactly when its rows are. Requests another
    recompute is running are left to it; when none of them is left (done, or
    in hand), the task does nothing. ``request_ids`` None: a recompute asked
    for directly (the nightly check, a command), which answers no request."""
    if request_ids is None:
        return recompute()
    with transaction.atomic(), connection.cursor() as cursor:
        background.guard(cursor)
        pending = list(
            RecomputeRequest.objects.select_for_update(skip_locked=True)
            .filter(pk__in=request_ids).values_list("pk", flat=True)
        )
        if not pending:
            return 0
        written = recompute()
        RecomputeRequest.objects.filter(pk__in=pending).delete()
    return written


@shared_task(acks_late=True, ignore_result=True)
def flush_recompute_outbox() -> int:
    return flush()


# Every worker hands over overdue requests on its own timer, beat or no beat.
sweeps.register(flush)
