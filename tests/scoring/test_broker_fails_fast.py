"""With the broker down, a save answers at once (a sub-second connect, no
retries in the request) and its recompute waits in the outbox."""

import socket
import time

import pytest
from django.urls import reverse

from scoring import outbox
from scoring.models import RecomputeRequest
from tracking.models import Snapshot


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker_unreachable(settings):
    from ssi_dashboard.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.broker_write_url = f"redis://127.0.0.1:{closed_port()}/0"
    outbox._broker_down_until = 0.0
    yield app
    app.conf.broker_write_url = None
    app.conf.task_always_eager = True
    outbox._broker_down_until = 0.0


@pytest.mark.django_db(transaction=True)
def test_a_save_with_the_broker_down_answers_in_under_a_second_and_its_recompute_waits(
        client, sales, broker_unreachable):
    client.force_login(sales)
    client.get(reverse("tracking:entry"))  # the page's own first-use costs (templates) are not the broker's
    started = time.monotonic()
    response = client.post(reverse("tracking:entry"), {"date": "2026-03-01", "ssi": "40"})
    took = time.monotonic() - started
    assert response.status_code == 302
    assert took < 1.0, f"the save took {took:.1f} s"
    assert Snapshot.objects.filter(user=sales).count() == 1
    assert RecomputeRequest.objects.filter(user=sales).count() == 1
    # The process skips the broker for a while after a failure, so only the first save pays even that.
    assert outbox._broker_down_until > time.monotonic()


def test_publishing_gives_up_after_one_quick_attempt():
    from ssi_dashboard.celery import app

    options = app.conf.broker_transport_options
    assert options["socket_connect_timeout"] <= 0.5 and options["max_retries"] == 0
