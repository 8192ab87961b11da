"""Leases on running imports: how a job whose worker died is known to be dead.

A worker takes an import with one conditional UPDATE (queued, for this attempt
→ running, with a lease of ``SSI_IMPORT_LEASE_SECONDS``), and while the import
runs a heartbeat thread in the same process renews the lease and writes the
progress. A worker killed outright (SIGKILL, a lost machine) renews nothing: once
the lease lapses, ``reap`` (run by every worker on its own timer and by the
import pages) turns the job into "interrupted". An import writes in one
transaction, so an interrupted one wrote nothing, and it may be run again as a
new attempt.

Each task message carries the attempt it was sent for. The broker redelivers a
message a lost worker never acknowledged, an hour later (its visibility
timeout); by then the job is no longer queued for that attempt, so the message
does nothing. And before an import commits, ``hold`` takes its job row inside
the import's transaction: a job declared interrupted in the meantime makes the
import roll back rather than write behind the page's "nothing was written",
and once held, no reaper can declare it interrupted until it has committed.

Lease times are the database's clock (``now()``), never a worker's.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models.functions import Now

from tracking.models import ImportJob

log = logging.getLogger(__name__)

INTERRUPTED = "The worker running it stopped before it finished (it was restarted, or its machine was lost)."
# The heartbeat writes the progress this often (the page polls every second).
PROGRESS_SECONDS = 1.0


class Superseded(Exception):
    """The job was declared interrupted (or run again) while this attempt ran."""


def lease_seconds() -> int:
    return settings.SSI_IMPORT_LEASE_SECONDS


def _lease() -> Now:
    return Now() + dt.timedelta(seconds=lease_seconds())


def claim(job_id: int, attempt: int | None) -> bool:
    """Take a queued job for ``attempt`` (None: whatever its attempt, for a
    message sent before attempts were counted). True once, for one worker."""
    queued = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED)
    if attempt is not None:
        queued = queued.filter(attempt=attempt)
    return bool(queued.update(status=ImportJob.Status.RUNNING, progress=0, lease_until=_lease()))


def holding(job_id: int, attempt: int):
    """The job while this attempt runs it and its lease has not been declared lapsed."""
    return ImportJob.objects.filter(pk=job_id, attempt=attempt, status=ImportJob.Status.RUNNING,
                                    lease_until__isnull=False)


def hold(job_id: int, attempt: int) -> None:
    """Inside the import's transaction, just before it commits: lock the job row
    and give up the lease, or raise ``Superseded`` when the job was declared
    interrupted meanwhile. The job's outcome, saved in the same transaction,
    leaves the lease alone, which is how a reaper's mark shows through it."""
    held = ImportJob.objects.select_for_update(no_key=True).filter(
        pk=job_id, attempt=attempt, lease_until__isnull=False
    ).values_list("pk", flat=True)
    if not list(held):
        raise Superseded
    ImportJob.objects.filter(pk=job_id).update(lease_until=None)


def reap() -> int:
    """Mark every running job whose lease lapsed as interrupted; the number marked.
    (An import run by ``manage.py import_ssi`` holds no lease: its operator sees
    the command end.)"""
    return ImportJob.objects.filter(lease_until__lt=Now(), status=ImportJob.Status.RUNNING).update(
        status=ImportJob.Status.INTERRUPTED, lease_until=None, error=INTERRUPTED, finished_at=Now()
    )


class Heartbeat:
    """A thread that, while an import runs, renews its lease and writes its progress.

    It uses a connection of its own: the import's transaction would hide the
    progress from the page until the very end. Use it as a context manager
    around the import's transaction, never inside it (at commit the import holds
    the job row, which the heartbeat's last write may wait for).
    """

    def __init__(self, job_id: int, attempt: int):
        self.job_id, self.attempt = job_id, attempt
        self.percent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"import-{job_id}-heartbeat", daemon=True)

    def __call__(self, percent: int) -> None:
        """The import's progress callback: remembered, written on the next beat."""
        self.percent = percent

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        db = connections.create_connection(DEFAULT_DB_ALIAS)
        renew_every = max(lease_seconds() / 4, PROGRESS_SECONDS)
        written, renewed = -1, 0.0
        try:
            while not self._stop.wait(PROGRESS_SECONDS):
                renewed += PROGRESS_SECONDS
                if self.percent == written and renewed < renew_every:
                    continue
                written, renewed = self.percent, 0.0
                self._beat(db, written)
        finally:
            db.close()

    def _beat(self, db, percent: int) -> None:
        table = ImportJob._meta.db_table
        try:
            with db.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET progress = %s, lease_until = now() + %s * interval '1 second' "
                    "WHERE id = %s AND attempt = %s AND status = %s AND lease_until IS NOT NULL",
                    [percent, lease_seconds(), self.job_id, self.attempt, ImportJob.Status.RUNNING.value],
                )
        except DatabaseError as error:
            # A missed beat costs nothing while the lease lasts; many missed, and
            # the job is taken for dead and the import rolls back at ``hold``.
            log.warning("Import %s: could not renew its lease: %s", self.job_id, error)
