"""Personas and services shared by every test.

The personas: ``sales`` (a salesperson in team East), ``peer`` (same team),
``outsider`` (another team), ``manager`` (manages East), ``other_manager``
(manages West) and ``admin``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tracking.models import Membership, Snapshot, Team, User


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (it is per process, and tests share one)."""
    from django.core.cache import cache

    cache.clear()


def make_user(email: str, **extra) -> User:
    return User.objects.create_user(email=email, password="pw-for-tests", name=extra.pop("name", ""), **extra)


@pytest.fixture
def east(db):
    return Team.objects.create(name="East", slug="east")


@pytest.fixture
def west(db):
    return Team.objects.create(name="West", slug="west")


@pytest.fixture
def sales(east):
    user = make_user("sales@example.com", name="Sasha Sales")
    Membership.objects.create(user=user, team=east)
    return user


@pytest.fixture
def peer(east):
    user = make_user("peer@example.com", name="Pat Peer")
    Membership.objects.create(user=user, team=east)
    return user


@pytest.fixture
def outsider(west):
    user = make_user("outsider@example.com", name="Olly Outsider")
    Membership.objects.create(user=user, team=west)
    return user


@pytest.fixture
def manager(east):
    user = make_user("manager@example.com", name="Morgan Manager")
    Membership.objects.create(user=user, team=east, role=Membership.Role.MANAGER)
    return user


@pytest.fixture
def other_manager(west):
    user = make_user("other.manager@example.com", name="Wes Manager")
    Membership.objects.create(user=user, team=west, role=Membership.Role.MANAGER)
    return user


@pytest.fixture
def admin(db):
    return User.objects.create_superuser(email="admin@example.com", password="pw-for-tests")


def wait_for(predicate, timeout: float = 15.0) -> bool:
    """Poll ``predicate`` until it holds (True) or ``timeout`` seconds pass (False):
    for work a real worker does in the background."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def snap(user: User, date: dt.date, ssi, pillars=None, **extra) -> Snapshot:
    """A snapshot with the given total; pillars default to an even split."""
    ssi = Decimal(str(ssi))
    if pillars is None:
        pillars = [ssi / 4] * 4
    brand, people, insights, relationships = (Decimal(str(p)) for p in pillars)
    return Snapshot.objects.create(
        user=user, date=date, ssi=ssi, brand=brand, people=people, insights=insights,
        relationships=relationships, **extra,
    )


@pytest.fixture(scope="module")
def _worker_thread(django_db_blocker):
    from celery.contrib.testing.worker import start_worker

    from ssi_dashboard.celery import app

    app.conf.task_always_eager = False
    with django_db_blocker.unblock(), start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app
    app.conf.task_always_eager = True


def _queue_length(app) -> int:
    with app.connection_for_read() as connection:
        return connection.default_channel.client.llen(
            app.conf.broker_transport_options.get("global_keyprefix", "") + app.conf.task_default_queue
        )


@pytest.fixture
def celery_worker(_worker_thread):
    """A real Celery worker, in a thread, consuming from the real Redis broker.

    Tests using it must be marked ``django_db(transaction=True)``: the worker
    has its own database connection and sees only committed rows. After the
    test it waits for the worker to go idle, so no task still holds locks while
    the test database is emptied (that would deadlock the flush).
    """
    import time

    from celery.worker import state

    app = _worker_thread
    yield app
    quiet, deadline = 0, time.monotonic() + 30
    while quiet < 3 and time.monotonic() < deadline:
        busy = state.active_requests or state.reserved_requests or _queue_length(app)
        quiet = 0 if busy else quiet + 1
        time.sleep(0.05)
