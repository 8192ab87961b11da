"""Recomputes in flight when the whole worker is killed with SIGKILL are not
lost until the broker's visibility timeout (an hour): their outbox requests are
done only with the rows they write, and a restarted worker, with no beat
running, hands them over again within seconds.

The worker is a real ``celery worker`` process (tests/conftest.py
``worker_process``); both people's requests go as one batch task, and the test
holds both people's recompute locks, so the worker is killed with that
recompute waiting for them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from scoring import outbox
from scoring.models import RecomputeRequest, UserDay
from tests.conftest import advisory_waiters, snap, wait_for

REDELIVER = 2
DAYS = [dt.date(2026, 3, 1) + dt.timedelta(days=n) for n in range(10)]


@pytest.mark.django_db(transaction=True)
def test_recomputes_lost_with_the_worker_are_handed_over_again_by_the_next_worker_without_beat(
    sales, peer, worker_process, advisory_lock
):
    for n, day in enumerate(DAYS):
        snap(sales, day, 40 + n)
        snap(peer, day, 60 - n)
    settings = {"SSI_RECOMPUTE_REDELIVER_SECONDS": REDELIVER, "SSI_WORKER_SWEEP_SECONDS": 1}

    # A person's recompute lock is their bare id (tracking.locks): both are held,
    # so the batch's recompute waits for the first of them.
    with advisory_lock(sales.pk), advisory_lock(peer.pk):
        worker = worker_process(**settings)
        with transaction.atomic():
            outbox.request_recomputes({sales.pk: DAYS[0], peer.pk: DAYS[0]})
        assert wait_for(lambda: advisory_waiters() == 1, timeout=20), worker.log()
        worker.kill()
    # The killed worker's transaction never committed: no rows, both requests still open.
    assert wait_for(lambda: advisory_waiters() == 0, timeout=10)
    assert not UserDay.objects.exists()
    # Both requests are still open. Each is marked handed over, unless a sweep of
    # the killed worker tried to hand one over again and could not reach the
    # broker in time (a loaded machine): then it waits as never handed over.
    assert RecomputeRequest.objects.count() == 2

    # A new worker, alone (no beat), hands them over again and runs them: an
    # overdue hand-over after REDELIVER seconds, one never handed over after 30.
    worker = worker_process(**settings)
    assert wait_for(lambda: not RecomputeRequest.objects.exists(), timeout=50), worker.log()
    assert list(UserDay.objects.filter(user=sales).order_by("date").values_list("ssi", flat=True)) == [
        40 + n for n in range(len(DAYS))
    ]
    assert list(UserDay.objects.filter(user=peer).order_by("date").values_list("ssi", flat=True)) == [
        60 - n for n in range(len(DAYS))
    ]
