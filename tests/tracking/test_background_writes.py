"""Background undos and imports: their statements carry a timeout below the
task's time limit, a failure says so on the job page and can be retried, and big
writes analyse the tables they changed (this machine, like a busy production
server, has no autovacuum to do it soon)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.conftest import advisory_waiters, make_user, snap, wait_for
from tracking import background, locks
from tracking.importing import jobs
from tracking.models import ImportChange, ImportJob, Snapshot


@pytest.fixture
def ana(db):
    return make_user("ana@example.com")


def days_ago(n: int) -> dt.date:
    return dt.date.today() - dt.timedelta(days=n)


def import_through_the_pages(client, text: str) -> ImportJob:
    client.post(reverse("tracking:import-upload"), {
        "file": SimpleUploadedFile("team.csv", text.encode(), content_type="text/csv")
    })
    job = ImportJob.objects.latest("pk")
    client.post(reverse("tracking:import-job", args=[job.pk]), {"action": "import"})
    assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == "done")
    job.refresh_from_db()
    return job


def counted_rows(model) -> float:
    """The planner's idea of a table's size (-1: never analysed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_an_undo_past_its_statement_timeout_says_so_changes_nothing_and_can_be_tried_again(
    celery_worker, client, admin, ana, settings, monkeypatch, advisory_lock
):
    monkeypatch.setattr(jobs, "SYNC_UNDO_ROWS", 0)  # every undo runs on the worker
    settings.SSI_BACKGROUND_STATEMENT_TIMEOUT = 1
    client.force_login(admin)
    snap(ana, days_ago(3), 40)
    job = import_through_the_pages(client, f"email,date,ssi\nana@example.com,{days_ago(3)},44\n"
                                           f"ana@example.com,{days_ago(2)},45\n")

    # Another writer holds Ana's rows: the undo waits, and PostgreSQL stops it after 1 s.
    with advisory_lock((locks.PEOPLE_WRITING << 32) + ana.pk):
        client.post(reverse("tracking:import-undo", args=[job.pk]))
        assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).error, timeout=10)
        # Nothing of it still runs in the database while the lock is held.
        assert advisory_waiters() == 0
    page = client.get(reverse("tracking:import-job", args=[job.pk])).content.decode()
    assert ("Undo failed: a database statement ran past the 1 s a background statement may take, "
            "so nothing was changed. Try the undo again.") in page
    assert "Try the undo again…</a>" in page
    job.refresh_from_db()
    assert job.status == "done"
    assert sorted(Snapshot.objects.values_list("ssi", flat=True)) == [Decimal("44.000"), Decimal("45.000")]

    client.post(reverse("tracking:import-undo", args=[job.pk]))
    assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == "undone")
    assert list(Snapshot.objects.values_list("date", "ssi")) == [(days_ago(3), Decimal("40.000"))]
    assert "Undo failed" not in client.get(reverse("tracking:import-job", args=[job.pk])).content.decode()


@pytest.mark.django_db(transaction=True)
def test_big_imports_and_undos_on_a_worker_analyse_the_tables_they_changed(
    celery_worker, client, admin, ana, monkeypatch
):
    monkeypatch.setattr(background, "ANALYZE_AFTER_ROWS", 20)
    monkeypatch.setattr(jobs, "SYNC_UNDO_ROWS", 0)
    client.force_login(admin)
    days = range(1, 31)
    for n in days:
        snap(ana, days_ago(n), 30)
    job = import_through_the_pages(client, "email,date,ssi\n" + "".join(
        f"ana@example.com,{days_ago(n)},{31 + n % 5}\n" for n in days
    ))
    assert job.updated == 30
    # The undo joins the change log; once the import has committed, the planner knows its 30 rows.
    assert wait_for(lambda: counted_rows(ImportChange) == 30, timeout=5)
    assert counted_rows(Snapshot) == 30

    undo_asked = timezone.now()
    client.post(reverse("tracking:import-undo", args=[job.pk]))
    assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == "undone")
    assert set(Snapshot.objects.values_list("ssi", flat=True)) == {Decimal("30.000")}
    # Analysed again after the undo's 30 restored rows (once it has committed).
    assert wait_for(lambda: last_analyzed(Snapshot) > undo_asked, timeout=5)


def last_analyzed(model):
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(last_analyze, 'epoch') FROM pg_stat_user_tables WHERE relname = %s",
                       [model._meta.db_table])
        return cursor.fetchone()[0]
