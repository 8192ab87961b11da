"""A web import whose worker process is killed with SIGKILL mid-way: the job is
known to be dead within seconds, wrote nothing and can be run again; the
broker's late redelivery of its message does nothing; and running it again
after a later import changed the same rows refuses instead of overwriting them.

The worker is a real ``celery worker`` process (tests/conftest.py
``worker_process``) with a 2 s lease. The test holds one person's writer lock,
so the import waits at a known point; the worker is killed there."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.conftest import advisory_waiters, make_user, wait_for
from tracking import locks
from tracking.importing import writer
from tracking.models import ImportJob, Snapshot

LEASE = 2
DAYS = 300


def per_day_file(ssi: int) -> str:
    pillar = Decimal(ssi) / 4
    lines = ["email,date,ssi,brand,people,insights,relationships"]
    for email in ("ana@example.com", "bo@example.com"):
        for n in range(1, DAYS + 1):
            day = dt.date.today() - dt.timedelta(days=n)
            lines.append(f"{email},{day},{ssi},{pillar},{pillar},{pillar},{pillar}")
    return "\n".join(lines) + "\n"


def status_text(client, job: ImportJob) -> str:
    """The part of the job page that the page polls (it also reaps lapsed leases)."""
    return client.get(reverse("tracking:import-status", args=[job.pk])).content.decode()


def stored_values() -> set[Decimal]:
    return set(Snapshot.objects.values_list("ssi", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_killed_import_is_interrupted_wrote_nothing_ignores_its_late_message_and_refuses_stale_values(
    client, admin, worker_process, advisory_lock
):
    ana, _bo = make_user("ana@example.com"), make_user("bo@example.com")
    client.force_login(admin)
    client.post(reverse("tracking:import-upload"), {
        "file": SimpleUploadedFile("team.csv", per_day_file(40).encode(), content_type="text/csv")
    })
    job = ImportJob.objects.get()
    assert (job.status, job.created) == ("preview", 2 * DAYS)

    with advisory_lock((locks.PEOPLE_WRITING << 32) + ana.pk):
        worker = worker_process(SSI_IMPORT_LEASE_SECONDS=LEASE)
        client.post(reverse("tracking:import-job", args=[job.pk]), {"action": "import"})
        assert wait_for(lambda: advisory_waiters() == 1, timeout=20), worker.log()
        # Blocked well past its lease, the import is alive: its heartbeat renews the lease.
        time.sleep(2 * LEASE)
        job.refresh_from_db()
        assert job.status == "running" and job.lease_until > timezone.now()
        assert "Importing…" in status_text(client, job)
        worker.kill()
        killed_at = time.monotonic()
    task_id = re.search(r"run_import\[([0-9a-f-]+)\] received", worker.log()).group(1)

    # Known to be dead within the lease (and a beat), shown as such, nothing written.
    assert wait_for(lambda: "Interrupted: nothing was written." in status_text(client, job), timeout=LEASE + 5)
    assert time.monotonic() - killed_at < LEASE + 5
    job.refresh_from_db()
    assert job.status == "interrupted"
    assert Snapshot.objects.count() == 0
    assert 'value="again">Run again</button>' in status_text(client, job)

    # Meanwhile a later import writes the same days with other values.
    later = writer.import_file(io.BytesIO(per_day_file(50).encode()))
    assert later.created == 2 * DAYS and stored_values() == {Decimal("50.000")}

    # A new worker takes the killed worker's unacknowledged message back from
    # the broker (its visibility timeout, shortened here, has passed): it does nothing.
    worker = worker_process(SSI_IMPORT_LEASE_SECONDS=LEASE, CELERY_VISIBILITY_TIMEOUT=1)
    assert wait_for(lambda: f"run_import[{task_id}] succeeded" in worker.log(), timeout=20), worker.log()
    job.refresh_from_db()
    assert job.status == "interrupted" and stored_values() == {Decimal("50.000")}

    # Run again: the rows it would overwrite changed after its preview, so it refuses.
    client.post(reverse("tracking:import-job", args=[job.pk]), {"action": "again"})
    assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == "failed", timeout=20), worker.log()
    page = status_text(client, job)
    assert "Nothing was written." in page
    assert (f"{2 * DAYS} rows this file would overwrite were changed after its preview (by a person, the API or "
            "another import). Check the file again to see what it would change now.") in page
    assert 'value="recheck"' in page
    assert stored_values() == {Decimal("50.000")}

    # Checked again, it shows what it would change now; imported, it writes it.
    client.post(reverse("tracking:import-job", args=[job.pk]), {"action": "recheck"})
    job.refresh_from_db()
    assert (job.status, job.created, job.updated) == ("preview", 0, 2 * DAYS)
    client.post(reverse("tracking:import-job", args=[job.pk]), {"action": "import"})
    assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == "done", timeout=20), worker.log()
    assert stored_values() == {Decimal("40.000")}
