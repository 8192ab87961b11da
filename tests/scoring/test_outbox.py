"""With the broker down, entries still save, and their recompute runs once it is back."""

import datetime as dt
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from scoring import outbox
from scoring.models import RecomputeRequest, UserDay
from tests.conftest import snap, wait_for
from tracking.models import Snapshot

DEAD_BROKER = "redis://127.0.0.1:1/0"



@pytest.fixture
def broker_down(celery_worker):
    """Publishing goes to a port where nothing listens; the worker keeps its own connection."""
    celery_worker.conf.broker_write_url = DEAD_BROKER
    outbox._broker_down_until = 0.0
    yield
    celery_worker.conf.broker_write_url = None
    outbox._broker_down_until = 0.0


@pytest.mark.django_db(transaction=True)
def test_entries_save_while_the_broker_is_down_and_recompute_when_it_is_back(
    celery_worker, broker_down, client, sales
):
    client.force_login(sales)
    for day, brand in [("2026-03-01", "10"), ("2026-03-02", "11")]:
        response = client.post(reverse("tracking:entry"), {
            "date": day, "brand": brand, "people": "10", "insights": "10", "relationships": "10",
        })
        assert response.status_code == 302
    assert sales.snapshots.count() == 2
    assert RecomputeRequest.objects.filter(user=sales).count() == 2
    assert not UserDay.objects.filter(user=sales).exists()

    celery_worker.conf.broker_write_url = None  # the broker is back
    assert outbox.flush(older_than=dt.timedelta(0)) == 1  # one task, from the person's earliest date
    assert wait_for(lambda: UserDay.objects.filter(user=sales).count() == 2)
    assert list(UserDay.objects.filter(user=sales).values_list("ssi", flat=True)) == [40, 41]
    assert not RecomputeRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_after_one_failure_saves_skip_the_broker_instead_of_waiting_on_it(celery_worker, broker_down, client, sales):
    client.force_login(sales)
    data = {"brand": "10", "people": "10", "insights": "10", "relationships": "10"}
    client.post(reverse("tracking:entry"), {"date": "2026-03-01", **data})
    started = time.monotonic()
    client.post(reverse("tracking:entry"), {"date": "2026-03-02", **data})
    assert time.monotonic() - started < 1.0
    assert RecomputeRequest.objects.filter(user=sales).count() == 2


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_up_the_request_is_handed_over_at_once(celery_worker, client, sales):
    client.force_login(sales)
    client.post(reverse("tracking:entry"), {
        "date": "2026-03-01", "brand": "10", "people": "10", "insights": "10", "relationships": "10",
    })
    assert not RecomputeRequest.objects.filter(dispatched_at=None).exists()  # in the broker's hands, or done
    assert wait_for(lambda: UserDay.objects.filter(user=sales).exists())
    # Done in the recompute's own transaction: the request goes with the rows' arrival.
    assert not RecomputeRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_web_process_hands_over_a_request_a_lost_worker_never_finished(celery_worker, client, sales, peer):
    snap(peer, dt.date(2026, 3, 1), 50)
    # Handed to a worker ten minutes ago, never done: that worker was lost.
    lost = RecomputeRequest.objects.create(user=peer, since=dt.date(2026, 3, 1))
    RecomputeRequest.objects.filter(pk=lost.pk).update(dispatched_at=timezone.now() - dt.timedelta(minutes=10))
    outbox._next_sweep = 0.0

    client.force_login(sales)
    client.post(reverse("tracking:entry"), {
        "date": "2026-03-01", "brand": "10", "people": "10", "insights": "10", "relationships": "10",
    })
    assert wait_for(lambda: UserDay.objects.filter(user=peer).exists())
    assert wait_for(lambda: not RecomputeRequest.objects.exists())
    assert UserDay.objects.get(user=peer).ssi == 50


@pytest.mark.django_db(transaction=True)
def test_a_request_delivered_again_after_it_was_done_does_nothing(sales):
    from scoring.tasks import recompute_person

    snap(sales, dt.date(2026, 3, 1), 40)
    request = RecomputeRequest.objects.create(user=sales, since=dt.date(2026, 3, 1))
    assert recompute_person(sales.pk, "2026-03-01", [request.pk]) == 1  # the task's body, as a worker runs it
    assert not RecomputeRequest.objects.exists()
    assert UserDay.objects.get(user=sales).ssi == 40
    # The broker's late copy of the same message finds its request done: no recompute.
    Snapshot.objects.filter(user=sales).update(ssi=44, brand=11, people=11, insights=11, relationships=11)
    assert recompute_person(sales.pk, "2026-03-01", [request.pk]) == 0
    assert UserDay.objects.get(user=sales).ssi == 40
