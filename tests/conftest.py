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


def day_first_days(count: int) -> list[dt.date]:
    """The latest ``count`` consecutive past days (oldest first) whose day of
    the month is above 12: a day-first file of them (13.11.2026) tells its
    order, where 01.12.2026 could be either and is refused."""
    end = dt.date.today() - dt.timedelta(days=1)
    while (end - dt.timedelta(days=count - 1)).day <= 12:
        end -= dt.timedelta(days=1)
    return [end - dt.timedelta(days=n) for n in range(count - 1, -1, -1)]


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
    """Messages waiting in the broker's default queue (the client adds the run's key prefix)."""
    with app.connection_for_read() as connection:
        return connection.default_channel.client.llen(app.conf.task_default_queue)


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


# The application_name of a worker process's database sessions.
WORKER_APP_NAME = "ssi-test-worker-process"


class WorkerProcess:
    """``celery -A ssi_dashboard worker`` as its own process group, on the test
    database and the test run's broker keys, for tests that kill it with SIGKILL.

    ``env`` adds settings read from the environment (shorter leases, a sweep
    period, a visibility timeout). Its log is kept in ``log_path``.
    """

    def __init__(self, log_dir, env: dict[str, str]):
        self.log_dir = log_dir
        self.env = env
        self.proc = None
        self.started = 0

    def start(self) -> WorkerProcess:
        import os
        import subprocess
        import sys
        from pathlib import Path
        from urllib.parse import quote, urlencode

        from django.db import connection

        db = connection.settings_dict
        # The connection's parameters as a query string: a socket folder (the
        # embedded server) is a host django-environ reads only from there.
        parameters = {"host": db["HOST"] or "", "port": db["PORT"] or 5432, "user": db["USER"] or "",
                      "password": db["PASSWORD"] or ""}
        url = f"postgres:///{quote(db['NAME'])}?{urlencode({k: v for k, v in parameters.items() if v != ''})}"
        self.started += 1
        self.log_path = Path(self.log_dir) / f"worker-{self.started}.log"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ssi_dashboard.test_settings", "DATABASE_URL": url,
               "PYTHONUNBUFFERED": "1", "PGAPPNAME": WORKER_APP_NAME, **self.env}
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "ssi_dashboard", "worker", "--pool=prefork",
                 "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "-n", f"crash{self.started}@%h"],
                cwd=Path(__file__).resolve().parent.parent, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if not wait_for(lambda: " ready." in self.log() or self.proc.poll() is not None, timeout=60):
            raise AssertionError(f"the worker did not start:\n{self.log()}")
        assert self.proc.poll() is None, self.log()
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the worker and its pool children (its process group), and reap it."""
        import os
        import signal

        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)


@pytest.fixture
def worker_process(tmp_path, django_db_blocker):
    """Start real worker processes with ``worker_process(**env)``; every one is
    killed at the end, and the broker keys of the test run are emptied, so no
    message of a killed worker reaches a later test."""
    from ssi_dashboard.celery import app

    started: list[WorkerProcess] = []
    app.conf.task_always_eager = False

    def start(**env) -> WorkerProcess:
        worker = WorkerProcess(tmp_path, {name: str(value) for name, value in env.items()}).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()
    _end_sessions_of_killed_workers()
    app.conf.task_always_eager = True
    prefix = app.conf.broker_transport_options.get("global_keyprefix", "")
    with app.connection_for_write() as connection:
        client = connection.default_channel.client
        # SCAN names keys with their prefix; DEL adds it itself.
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key.decode().removeprefix(prefix))


def _end_sessions_of_killed_workers() -> None:
    """A killed worker's session can go on with its statement for a while, holding
    locks; end it, so the test database can be emptied for the next test."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                       [WORKER_APP_NAME])

    def gone() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [WORKER_APP_NAME])
            return cursor.fetchone()[0] == 0

    assert wait_for(gone, timeout=10)


def advisory_waiters() -> int:
    """Backends waiting for an advisory lock (a writer or a recompute held back by a test)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0]


@pytest.fixture
def advisory_lock():
    """``with advisory_lock(key):`` holds a session-level advisory lock from a
    connection of its own, so the background writer that needs it waits."""
    import contextlib

    from django.db import DEFAULT_DB_ALIAS, connections

    @contextlib.contextmanager
    def hold(key: int):
        db = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with db.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [key])
            yield
            with db.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        finally:
            db.close()

    return hold
