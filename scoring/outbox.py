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

A change that names several people (an import, an undo, a bulk API write) is
``recompute_batch``: its people in batches, each batch with its teams in a
transaction that also marks that batch's requests done (``claim_people``). A
change of one batch is one task; a larger one is dealt, whole batches each,
into ``SSI_RECOMPUTE_TASKS`` tasks (the worker's processes, so they share it),
each naming only its own people's requests. Each team's changed members are in
one batch, so each team is still recomputed once. A worker lost mid-way leaves
only the unfinished batches' requests, and those come back the same way. A
change of one person stays ``recompute_person``. A sweep hands over everything
due in the same way: the people as above, one task per team.
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

from scoring import trends
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
    """Hand these requests to the broker: their people (each from their
    earliest date) as up to ``SSI_RECOMPUTE_TASKS`` tasks (``trends.task_groups``;
    ``recompute_person`` when there is only one person) and one task per team,
    each task naming its own requests. Returns the number of tasks sent."""
    global _broker_down_until
    if not ids or time.monotonic() < _broker_down_until:
        return 0
    from scoring.tasks import recompute_batch, recompute_person, recompute_team

    with connection.cursor() as cursor:
        cursor.execute(_CLAIM, [ids, redeliver_after()])
        rows = cursor.fetchall()
    people: dict[int, list] = defaultdict(list)
    teams: dict[int, list] = defaultdict(list)
    for pk, user_id, team_id, since in rows:
        (people[user_id] if user_id else teams[team_id]).append((pk, since))

    def since_of(requests: list) -> dt.date | None:
        dates = [since for _, since in requests]
        return None if None in dates else min(dates)

    def iso(day: dt.date | None) -> str | None:
        return None if day is None else day.isoformat()

    # (task, its arguments before the request ids, the request ids)
    messages: list[tuple] = []
    if len(people) == 1:
        [(user_id, requests)] = people.items()
        messages.append((recompute_person, (user_id, iso(since_of(requests))), [pk for pk, _ in requests]))
    elif people:
        since_by_user = {user_id: since_of(requests) for user_id, requests in people.items()}
        for group in trends.task_groups(since_by_user, settings.SSI_RECOMPUTE_TASKS):
            args = ([[user_id, iso(since_by_user[user_id])] for user_id in group],)
            messages.append((recompute_batch, args, [pk for user_id in group for pk, _ in people[user_id]]))
    for team_id, requests in sorted(teams.items()):
        messages.append((recompute_team, (team_id, iso(since_of(requests))), [pk for pk, _ in requests]))
    sent: list[int] = []
    tasks_sent = 0
    try:
        with app.connection_for_write() as broker:
            for task, args, pks in messages:
                task.apply_async((*args, pks), connection=broker, retry=False)
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


# Marks a batch's requests done, in the batch's transaction, and returns whose
# they were; requests another recompute holds are left to it.
_DONE = f"""
    DELETE FROM {RecomputeRequest._meta.db_table} WHERE id IN (
        SELECT id FROM {RecomputeRequest._meta.db_table}
        WHERE id = ANY(%s) AND user_id = ANY(%s)
        FOR UPDATE SKIP LOCKED
    )
    RETURNING user_id"""
# The rest of the task's requests are still in hand: handed over again only if
# the task stops making progress, not because the whole change takes long.
# Renewed once their hand-over is older than a tenth of the redelivery time,
# not after every batch: each renewal rewrites every remaining row, which for
# a task of 50 batches made its claims cost more than some of its batches.
_RENEW = f"""
    UPDATE {RecomputeRequest._meta.db_table} SET dispatched_at = now() WHERE id IN (
        SELECT id FROM {RecomputeRequest._meta.db_table}
        WHERE id = ANY(%s) AND dispatched_at IS NOT NULL AND dispatched_at <= now() - %s
        FOR UPDATE SKIP LOCKED
    )"""


def claim_people(request_ids: list[int]) -> Callable[[list[int]], list[int]]:
    """The ``claim`` of ``trends.recompute_batch`` for a task sent for these
    requests: inside each batch's transaction, it marks the requests of the
    batch's people done (deleted with the rows' arrival, or not at all) and
    returns the people who still had one; a batch whose requests are all done,
    or in another recompute's hands, is skipped."""

    def claim(user_ids: list[int]) -> list[int]:
        with connection.cursor() as cursor:
            background.guard(cursor)
            cursor.execute(_DONE, [request_ids, user_ids])
            pending = sorted({user_id for (user_id,) in cursor.fetchall()})
            if pending:
                cursor.execute(_RENEW, [request_ids, redeliver_after() / 10])
        return pending

    return claim


@shared_task(acks_late=True, ignore_result=True)
def flush_recompute_outbox() -> int:
    return flush()


# Every worker hands over overdue requests on its own timer, beat or no beat.
sweeps.register(flush)
