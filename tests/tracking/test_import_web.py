"""The import pages for admins: upload, preview, confirm, progress, result,
history and undo; the upload limits; and a 404 for everyone else."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import make_user, snap
from tracking.importing import jobs
from tracking.models import ImportJob, Snapshot, User
from tracking.tasks import run_import

FILES = Path(__file__).parent / "files"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def ana(db):
    return make_user("ana@example.com", name="Ana")


def days_ago(n: int) -> dt.date:
    return dt.date.today() - dt.timedelta(days=n)


def csv_file(text: str, name: str = "team.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def upload(client, file, **fields):
    return client.post(reverse("tracking:import-upload"), {"file": file, **fields})


def three_rows_one_bad() -> str:
    # Line 3 has a pillar above 25; lines 2 and 4 are valid.
    return (
        "Email,Date,SSI,Brand,People,Insights,Relationships\n"
        f"ana@example.com,{days_ago(2)},50,12.5,12.5,12.5,12.5\n"
        f"ana@example.com,{days_ago(1)},60,26,14,10,10\n"
        f"ana@example.com,{days_ago(0)},61,15.25,15.25,15.25,15.25\n"
    )


def confirm(client, job: ImportJob, capture, **options):
    """Confirm the import; without a worker (eager tasks) it runs when the request commits."""
    with capture(execute=True):
        return client.post(reverse("tracking:import-job", args=[job.pk]), {"action": "import", **options}, follow=True)


def wait_until_finished(job: ImportJob, seconds: float = 20) -> ImportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED) or (
            job.status == ImportJob.Status.PREVIEW and not jobs.is_checking(job)
        ):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job still {job.status} after {seconds} s")


@pytest.mark.django_db(transaction=True)
def test_an_admin_goes_from_upload_to_result_with_the_import_run_by_a_worker(celery_worker, admin_client, ana):
    response = upload(admin_client, csv_file(three_rows_one_bad()))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("tracking:import-job", args=[job.pk])

    preview = admin_client.get(response["Location"]).content.decode()
    assert "Per-day file" in preview and "UTF-8" in preview and "comma" in preview
    assert "3 rows" in preview and "2 valid (2 new, 0 changed, 0 unchanged)" in preview
    assert ('<td><span class="rejected-sep">Line </span>3</td><td class="rejected-email"><span class="rejected-sep"> · '
            '</span>ana@example.com</td><td><span class="rejected-sep"> · </span>Establish your professional brand</td>'
            ) in preview
    assert "must be between 0 and 25" in preview
    assert Snapshot.objects.count() == 0

    confirmed = admin_client.post(reverse("tracking:import-job", args=[job.pk]), {"action": "import", "skip_invalid": "on"})
    assert confirmed.status_code == 302
    job = wait_until_finished(job)
    assert (job.status, job.progress, job.created, job.rejected) == ("done", 100, 2, 1)
    assert sorted(Snapshot.objects.values_list("date", "ssi")) == [
        (days_ago(2), Decimal("50.000")), (days_ago(0), Decimal("61.000"))]

    result = admin_client.get(reverse("tracking:import-status", args=[job.pk])).content.decode()
    assert "Imported." in result and "2 created, 0 updated, 0 unchanged; 1 rejected row skipped" in result
    assert "hx-trigger" not in result  # finished: the page stops polling
    history = admin_client.get(reverse("tracking:imports")).content.decode()
    assert "team.csv" in history and "<td>Done</td>" in history and "<td>admin</td>" in history


@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_previewed_by_the_worker_while_the_page_polls(celery_worker, admin_client, ana, settings):
    settings.SSI_IMPORT_SYNC_PREVIEW_BYTES = 10
    upload(admin_client, csv_file(three_rows_one_bad()))
    job = wait_until_finished(ImportJob.objects.get())
    assert (job.rows, job.rejected, job.created) == (3, 1, 2)
    page = admin_client.get(reverse("tracking:import-status", args=[job.pk])).content.decode()
    assert "The first rows, as read" in page and "hx-trigger" not in page


def test_the_preview_writes_nothing_and_the_page_polls_while_a_job_runs(admin_client, ana):
    upload(admin_client, csv_file(three_rows_one_bad()))
    job = ImportJob.objects.get()
    assert (job.status, job.rows, job.rejected) == ("preview", 3, 1)
    assert Snapshot.objects.count() == 0
    ImportJob.objects.filter(pk=job.pk).update(status="running", progress=40)
    page = admin_client.get(reverse("tracking:import-job", args=[job.pk])).content.decode()
    assert f'hx-get="/imports/{job.pk}/status/"' in page
    assert '<progress id="import-progress" value="40" max="100">' in page
    assert "htmx-2.min.js" in page and "<script>" not in page


def test_the_preview_shows_how_the_file_was_read(admin_client, ana):
    # Windows-1252, semicolons, decimal commas and day-first dates, as Excel writes them in Europe.
    text = ("E-mail;Snapshot date;Total;Name\r\nana@example.com;05/03/2026;41,5;Zoë\r\n"
            "ana@example.com;13/03/2026;42;Zoë\r\n")
    upload(admin_client, SimpleUploadedFile("excel.csv", text.encode("cp1252")))
    job = ImportJob.objects.get()
    page = admin_client.get(reverse("tracking:import-job", args=[job.pk])).content.decode()
    assert "<dd>Windows-1252</dd>" in page
    assert "<dd>semicolon</dd>" in page and "<dd>day-first</dd>" in page
    assert "<td>2</td><td>ana@example.com</td><td>2026-03-05</td><td>41.5</td>" in page


def test_a_usage_report_offers_its_period_end_as_the_snapshot_date(admin_client, ana):
    text = "Email,Start date,End date,SSI,Searches\nana@example.com,2026-02-01,2026-02-28,52,42\n"
    upload(admin_client, csv_file(text, "usage.csv"))
    job = ImportJob.objects.get()
    page = admin_client.get(reverse("tracking:import-job", args=[job.pk])).content.decode()
    assert "Sales Navigator usage report" in page
    assert 'name="as_of" value="2026-02-28"' in page

    admin_client.post(reverse("tracking:import-job", args=[job.pk]), {"action": "check", "as_of": "2026-03-01"})
    job.refresh_from_db()
    assert (job.options["as_of"], job.report["sample"][0]["date"]) == ("2026-03-01", "2026-03-01")


def test_a_binary_file_is_refused_whatever_its_name(admin_client):
    upload(admin_client, SimpleUploadedFile("scores.csv", (FILES / "png_renamed.csv").read_bytes()))
    page = admin_client.get(reverse("tracking:import-job", args=[ImportJob.objects.get().pk])).content.decode()
    assert "This file cannot be imported." in page
    assert "This is an image, not a CSV file: export or save it as CSV and import that." in page
    assert 'value="import"' not in page


def test_a_large_binary_file_is_refused_at_once_without_waiting_for_a_worker(admin_client, settings):
    settings.SSI_IMPORT_SYNC_PREVIEW_BYTES = 10
    upload(admin_client, SimpleUploadedFile("book.csv", (FILES / "xlsx_renamed.csv").read_bytes()))
    job = ImportJob.objects.get()
    assert job.error.startswith("This is an Excel workbook")


def test_the_file_is_kept_on_disk_under_media_imports(admin_client, ana, media):
    upload(admin_client, csv_file(three_rows_one_bad(), "east team.csv"))
    job = ImportJob.objects.get()
    assert job.file.name.startswith("imports/") and job.file_name == "east team.csv"
    assert (media / job.file.name).read_text().startswith("Email,Date")


class _UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_an_upload_announcing_more_than_the_limit_is_refused_before_its_body_is_read(admin_client, settings):
    settings.SSI_IMPORT_MAX_BYTES = 1024 * 1024
    response = admin_client.post(
        reverse("tracking:import-upload"), data=b"--x--", content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(5 * 1024 * 1024), **{"wsgi.input": _UnreadableBody()},
    )
    assert response.status_code == 413
    assert "The file is larger than 1 MB, the most this server accepts." in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_an_upload_growing_past_the_limit_is_stopped_while_it_streams(admin_client, settings, ana):
    # 10 kB over the limit fits the announced length's allowance for the form
    # around the file, so only the byte count while streaming can stop it.
    settings.SSI_IMPORT_MAX_BYTES = 1024 * 1024
    row = f"ana@example.com,{days_ago(1)},40\n"
    body = "Email,Date,SSI\n" + row * ((1024 * 1024 + 10_000) // len(row))
    response = upload(admin_client, csv_file(body))
    assert response.status_code == 413
    assert "The file is larger than 1 MB, the most this server accepts." in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_undo_restores_the_values_an_import_overwrote(admin_client, ana, django_capture_on_commit_callbacks):
    snap(ana, days_ago(3), 40, industry_rank=9)
    text = f"email,date,ssi\nana@example.com,{days_ago(3)},42\nana@example.com,{days_ago(2)},43\n"
    upload(admin_client, csv_file(text))
    job = ImportJob.objects.get()
    confirm(admin_client, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.status, job.created, job.updated) == ("done", 1, 1)
    assert Snapshot.objects.get(date=days_ago(3)).ssi == Decimal("42.000")

    confirm_page = admin_client.get(reverse("tracking:import-undo", args=[job.pk])).content.decode()
    assert "Undo this import" in confirm_page and "csrfmiddlewaretoken" in confirm_page
    assert Snapshot.objects.count() == 2  # asking changes nothing
    response = admin_client.post(reverse("tracking:import-undo", args=[job.pk]), follow=True)
    assert "1 rows restored to their previous values, 1 rows it had added removed" in response.content.decode()
    restored = Snapshot.objects.get()
    assert (restored.date, restored.ssi, restored.brand, restored.industry_rank, restored.source) == (
        days_ago(3), Decimal("40.000"), Decimal("10.000"), 9, "manual")
    job.refresh_from_db()
    assert job.status == "undone"


def test_undo_needs_a_post(admin_client, ana, django_capture_on_commit_callbacks):
    upload(admin_client, csv_file(f"email,date,ssi\nana@example.com,{days_ago(1)},42\n"))
    job = ImportJob.objects.get()
    confirm(admin_client, job, django_capture_on_commit_callbacks)
    admin_client.get(reverse("tracking:import-undo", args=[job.pk]))
    assert Snapshot.objects.count() == 1


def test_with_rejected_rows_and_no_skip_the_import_is_refused_and_says_why(admin_client, ana, django_capture_on_commit_callbacks):
    upload(admin_client, csv_file(three_rows_one_bad()))
    job = ImportJob.objects.get()
    page = confirm(admin_client, job, django_capture_on_commit_callbacks).content.decode()
    job.refresh_from_db()
    assert job.status == "preview" and Snapshot.objects.count() == 0
    assert "1 row was rejected: import the valid rows and skip the rejected ones, or fix the file" in page


def test_confirming_twice_imports_once(admin_client, ana, django_capture_on_commit_callbacks):
    upload(admin_client, csv_file(f"email,date,ssi\nana@example.com,{days_ago(1)},42\n"))
    job = ImportJob.objects.get()
    confirm(admin_client, job, django_capture_on_commit_callbacks)
    second = confirm(admin_client, job, django_capture_on_commit_callbacks)
    assert "already been started" in second.content.decode()
    assert ImportJob.objects.get().created == 1


def test_unknown_people_are_created_only_when_asked(admin_client, django_capture_on_commit_callbacks):
    upload(admin_client, csv_file(f"email,date,ssi\nnew.person@example.com,{days_ago(1)},42\n"))
    job = ImportJob.objects.get()
    assert job.rejected == 1 and "No one here has the email" in str(job.report["rejected"])
    admin_client.post(reverse("tracking:import-job", args=[job.pk]), {"action": "check", "create_users": "on"})
    job.refresh_from_db()
    assert (job.rejected, job.created) == (0, 1)
    assert not User.objects.filter(email="new.person@example.com").exists()  # the preview created nobody
    confirm(admin_client, job, django_capture_on_commit_callbacks, create_users="on")
    assert Snapshot.objects.get().user.email == "new.person@example.com"


def test_the_import_task_ends_quietly_for_a_missing_job(db):
    assert run_import.delay(987654).get() is None


def test_admins_see_the_import_link_and_others_do_not(client, admin, sales):
    client.force_login(admin)
    assert 'href="/imports/">Import</a>' in client.get(reverse("scoring:dashboard")).content.decode()
    client.force_login(sales)
    assert 'href="/imports/"' not in client.get(reverse("scoring:dashboard")).content.decode()


@pytest.mark.parametrize("persona", ["sales", "manager", "outsider"])
def test_everyone_but_an_admin_gets_404_on_every_import_url(client, request, admin, persona, settings):
    job = ImportJob.objects.create(file_name="x.csv", created_by=admin, status="done")
    client.force_login(request.getfixturevalue(persona))
    for method, name, args in [
        ("get", "tracking:imports", []), ("post", "tracking:import-upload", []), ("get", "tracking:import-job", [job.pk]),
        ("post", "tracking:import-job", [job.pk]), ("get", "tracking:import-status", [job.pk]), ("get", "tracking:import-undo", [job.pk]),
        ("post", "tracking:import-undo", [job.pk]),
    ]:
        response = getattr(client, method)(reverse(name, args=args), {"action": "import"} if method == "post" else {})
        assert response.status_code == 404, (name, method)
    assert ImportJob.objects.get().status == "done"


def test_a_report_without_dates_asks_for_one_and_imports_with_it(admin_client, ana):
    upload(admin_client, SimpleUploadedFile("seats.csv", (FILES / "sales_navigator_no_dates.csv").read_bytes()))
    job = ImportJob.objects.get()
    page = admin_client.get(reverse("tracking:import-job", args=[job.pk])).content.decode()
    assert "The file has no Date column: give the date its scores were taken (the as-of date)." in page
    assert 'name="as_of"' in page and "Check again with this date" in page

    admin_client.post(reverse("tracking:import-job", args=[job.pk]), {"action": "check", "as_of": str(days_ago(1))})
    job.refresh_from_db()
    assert (job.error, job.rows, job.created, job.report["sample"][0]["date"]) == ("", 1, 1, str(days_ago(1)))


def test_a_large_undo_runs_on_a_worker(admin_client, ana, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(jobs, "SYNC_UNDO_ROWS", 1)
    snap(ana, days_ago(3), 40)
    upload(admin_client, csv_file(f"email,date,ssi\nana@example.com,{days_ago(3)},42\nana@example.com,{days_ago(2)},43\n"))
    job = ImportJob.objects.get()
    confirm(admin_client, job, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks() as queued:
        response = admin_client.post(reverse("tracking:import-undo", args=[job.pk]), follow=True)
    assert "in the background" in response.content.decode()
    assert Snapshot.objects.count() == 2  # not yet: the task is queued after commit
    for callback in queued:
        callback()
    job.refresh_from_db()
    assert job.status == "undone"
    assert list(Snapshot.objects.values_list("date", "ssi")) == [(days_ago(3), Decimal("40.000"))]


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_confirming_says_so_and_the_import_can_be_started_later(celery_worker, admin_client, ana):
    upload(admin_client, csv_file(three_rows_one_bad()))
    job = ImportJob.objects.get()
    celery_worker.conf.broker_write_url = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        page = admin_client.post(reverse("tracking:import-job", args=[job.pk]), {"action": "import", "skip_invalid": "on"},
                                 follow=True).content.decode()
    finally:
        celery_worker.conf.broker_write_url = None
    assert "The background workers cannot be reached just now, so nothing was started." in page
    job.refresh_from_db()
    assert job.status == "preview" and Snapshot.objects.count() == 0

    admin_client.post(reverse("tracking:import-job", args=[job.pk]), {"action": "import", "skip_invalid": "on"})
    assert wait_until_finished(job).created == 2
