"""No dead ends on the import pages: a preview with rejected rows offers the
choices that exist (import the valid rows, or fix the file and upload it
again); a job that wrote nothing runs again from its kept file with other
options; rejected rows show the email and the value; a template CSV can be
downloaded and imports back. Both the admin's pages and one's own."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import make_user
from tests.tracking.test_import_web import confirm, csv_file, days_ago, three_rows_one_bad, upload
from tracking import rules
from tracking.importing import lease
from tracking.models import ImportJob, Snapshot

IMPORT_BUTTON = 'value="import">Import</button>'


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


def job_page(client, job: ImportJob, own: bool = False) -> str:
    name = "tracking:my-import-job" if own else "tracking:import-job"
    return client.get(reverse(name, args=[job.pk])).content.decode()


def rejected_rows(page: str) -> list[list[str]]:
    """The rejected-rows table's cells as the page's HTML has them (escapes kept),
    without the separators a phone shows."""
    body = page.split('<table class="rejected">', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    body = re.sub(r'<span class="rejected-sep">.*?</span>', "", body)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]


def post(client, job: ImportJob, capture, own: bool = False, **data):
    name = "tracking:my-import-job" if own else "tracking:import-job"
    with capture(execute=True):
        return client.post(reverse(name, args=[job.pk]), data, follow=True)


def ana_and_bo() -> str:
    return (
        "Email,Date,SSI,Brand,People,Insights,Relationships\n"
        f"ana@example.com,{days_ago(2)},50,12.5,12.5,12.5,12.5\n"
        f"bo@example.com,{days_ago(2)},44,11,11,11,11\n"
    )


def failed_because_bo_left(client, capture) -> ImportJob:
    """A job previewed clean whose import then refused a row: Bo was removed
    between the preview and the import, so his row names no one."""
    bo = make_user("bo@example.com")
    upload(client, csv_file(ana_and_bo()))
    job = ImportJob.objects.get()
    assert (job.rejected, job.created) == (0, 2)
    bo.delete()
    confirm(client, job, capture)
    job.refresh_from_db()
    assert (job.status, job.rejected, Snapshot.objects.count()) == ("failed", 1, 0)
    return job


# -- the preview -----------------------------------------------------------------

def test_a_preview_with_a_rejected_row_offers_the_valid_rows_or_a_new_upload_not_import(admin_client, ana):
    upload(admin_client, csv_file(three_rows_one_bad()))
    page = job_page(admin_client, ImportJob.objects.get())
    assert "<strong>1 rejected</strong>" in page
    assert IMPORT_BUTTON not in page
    assert 'value="import">Import the 2 valid rows (skip 1 rejected)</button>' in page
    assert "Fix the file and upload again" in page
    assert f'action="{reverse("tracking:import-upload")}"' in page and 'type="file"' in page


def test_a_preview_where_every_row_is_rejected_offers_only_a_new_upload(admin_client, ana):
    upload(admin_client, csv_file(f"email,date,ssi\nana@example.com,{days_ago(1)},101\n"))
    page = job_page(admin_client, ImportJob.objects.get())
    assert 'value="import"' not in page
    assert "Fix the file and upload again" in page


def test_a_clean_preview_offers_import_as_before(admin_client, ana):
    upload(admin_client, csv_file(f"email,date,ssi\nana@example.com,{days_ago(1)},42\n"))
    page = job_page(admin_client, ImportJob.objects.get())
    assert IMPORT_BUTTON in page and "valid row" not in page
    assert "Fix the file and upload again" not in page


def test_importing_all_or_nothing_with_rejected_rows_is_refused_and_writes_nothing(
    admin_client, ana, django_capture_on_commit_callbacks
):
    upload(admin_client, csv_file(three_rows_one_bad()))
    job = ImportJob.objects.get()
    page = post(admin_client, job, django_capture_on_commit_callbacks, action="import").content.decode()
    assert "1 row was rejected: import the valid rows and skip the rejected ones, or fix the file" in page
    job.refresh_from_db()
    assert job.status == "preview" and Snapshot.objects.count() == 0


def test_importing_the_valid_rows_writes_them_and_the_result_counts_the_skipped_one(
    admin_client, ana, django_capture_on_commit_callbacks
):
    upload(admin_client, csv_file(three_rows_one_bad()))
    job = ImportJob.objects.get()
    post(admin_client, job, django_capture_on_commit_callbacks, action="import", skip_invalid="on")
    page = job_page(admin_client, job)
    assert "2 created, 0 updated, 0 unchanged; 1 rejected row skipped" in page
    assert sorted(Snapshot.objects.values_list("ssi", flat=True)) == [Decimal("50.000"), Decimal("61.000")]


def test_ones_own_preview_with_a_rejected_row_offers_the_same_choices(client, sales, django_capture_on_commit_callbacks):
    client.force_login(sales)
    text = f"date,ssi\n{days_ago(2)},40\n{days_ago(1)},140\n"
    client.post(reverse("tracking:my-import-upload"), {"file": csv_file(text)})
    job = ImportJob.objects.get()
    page = job_page(client, job, own=True)
    assert 'value="import">Import the 1 valid row (skip 1 rejected)</button>' in page
    assert f'action="{reverse("tracking:my-import-upload")}"' in page
    assert "Create people" not in page
    post(client, job, django_capture_on_commit_callbacks, own=True, action="import", skip_invalid="on")
    assert list(Snapshot.objects.filter(user=sales).values_list("ssi", flat=True)) == [Decimal("40.000")]


# -- rejected rows -----------------------------------------------------------------

def test_rejected_rows_show_the_email_and_the_value_escaped_and_cut_short(admin_client, ana):
    long_rank = "Top " + "9" * 60 + "%"
    text = (
        "Email,Date,SSI,Brand,People,Insights,Relationships,Industry rank\n"
        f"ana@example.com,{days_ago(3)},50,12.5,12.5,12.5,12.5,\n"
        f"ana@example.com,{days_ago(2)},62,27.5,14,10,10,\n"
        f"ana@example.com,{days_ago(1)},<b>40</b>,,,,,\n"
        f"ana@example.com,{days_ago(0)},40,,,,,{long_rank}\n"
    )
    upload(admin_client, csv_file(text))
    job = ImportJob.objects.get()
    assert job.report["rejected"][0] == {
        "line": 3, "field": "brand", "message": "Establish your professional brand must be between 0 and 25.",
        "email": "ana@example.com", "value": "27.5"}
    page = job_page(admin_client, job)
    rows = rejected_rows(page)
    assert rows[0] == ["3", "ana@example.com", "Establish your professional brand", "“27.5”",
                       "Establish your professional brand must be between 0 and 25."]
    assert rows[1][:4] == ["4", "ana@example.com", "SSI", "“&lt;b&gt;40&lt;/b&gt;”"] and "<b>40</b>" not in page
    assert rows[2][3] == "“Top " + "9" * 35 + "…”"  # 40 characters shown, the ellipsis included


def test_a_failed_jobs_page_lists_its_rejected_rows_with_the_email(admin_client, ana, django_capture_on_commit_callbacks):
    job = failed_because_bo_left(admin_client, django_capture_on_commit_callbacks)
    page = job_page(admin_client, job)
    assert rejected_rows(page) == [["3", "bo@example.com", "Email", "“bo@example.com”",
                                    "No one here has the email “bo@example.com”: add them first, or let the import "
                                    "create people."]]


# -- a job that wrote nothing -------------------------------------------------------

def test_a_failed_job_runs_again_skipping_the_rejected_row_without_a_new_upload(
    admin_client, ana, django_capture_on_commit_callbacks
):
    job = failed_because_bo_left(admin_client, django_capture_on_commit_callbacks)
    page = job_page(admin_client, job)
    assert "1 row was rejected, and an import with rejected rows writes nothing unless they are skipped." in page
    assert "The file is still here: no need to upload it again." in page
    assert 'value="again">Import the 1 valid row (skip 1 rejected)</button>' in page
    post(admin_client, job, django_capture_on_commit_callbacks, action="again", change_options="1", skip_invalid="on")
    page = job_page(admin_client, job)
    assert "1 created, 0 updated, 0 unchanged; 1 rejected row skipped" in page
    job.refresh_from_db()
    assert (job.status, job.attempt, job.options["skip_invalid"]) == ("done", 2, True)
    assert list(Snapshot.objects.values_list("user__email", "ssi")) == [("ana@example.com", Decimal("50.000"))]
    assert ImportJob.objects.count() == 1


def test_a_failed_job_runs_again_creating_the_missing_person(admin_client, ana, django_capture_on_commit_callbacks):
    job = failed_because_bo_left(admin_client, django_capture_on_commit_callbacks)
    assert "Create people the file names who are not here yet" in job_page(admin_client, job)
    post(admin_client, job, django_capture_on_commit_callbacks, action="recheck", change_options="1", create_users="on")
    job.refresh_from_db()
    assert (job.status, job.rejected, job.created) == ("preview", 0, 2)
    post(admin_client, job, django_capture_on_commit_callbacks, action="import", create_users="on")
    assert sorted(Snapshot.objects.values_list("user__email", flat=True)) == ["ana@example.com", "bo@example.com"]


def test_running_a_failed_job_again_without_skipping_is_refused(admin_client, ana, django_capture_on_commit_callbacks):
    job = failed_because_bo_left(admin_client, django_capture_on_commit_callbacks)
    page = post(admin_client, job, django_capture_on_commit_callbacks, action="again", change_options="1").content.decode()
    assert "1 row was rejected: import the valid rows" in page
    job.refresh_from_db()
    assert (job.status, job.attempt) == ("failed", 1) and Snapshot.objects.count() == 0


def test_a_job_run_again_still_refuses_rows_changed_since_its_preview(
    admin_client, ana, django_capture_on_commit_callbacks
):
    job = failed_because_bo_left(admin_client, django_capture_on_commit_callbacks)
    # After the preview, Ana's day is recorded by hand with another value.
    Snapshot.objects.create(user=ana, date=days_ago(2), ssi=30, brand=7.5, people=7.5, insights=7.5,
                            relationships=7.5, source="manual")
    post(admin_client, job, django_capture_on_commit_callbacks, action="again", change_options="1", skip_invalid="on")
    page = job_page(admin_client, job)
    assert "1 row this file would overwrite was changed after its preview" in page
    assert 'value="again"' not in page.split("Nothing was written.")[1]  # only checking again can help
    assert 'value="recheck"' in page
    assert list(Snapshot.objects.values_list("ssi", flat=True)) == [Decimal("30.000")]


def test_a_job_whose_file_is_gone_says_so_and_offers_an_upload(admin_client, ana, django_capture_on_commit_callbacks):
    job = failed_because_bo_left(admin_client, django_capture_on_commit_callbacks)
    job.file.storage.delete(job.file.name)
    page = job_page(admin_client, job)
    assert "The file of this import is no longer on the server, so it cannot be run again from this page." in page
    assert 'value="again"' not in page and "Fix the file and upload again" in page
    page = post(admin_client, job, django_capture_on_commit_callbacks, action="again", change_options="1",
                skip_invalid="on").content.decode()
    assert "The uploaded file is no longer on the server: upload it again." in page
    job.refresh_from_db()
    assert job.status == "failed"


def test_a_failed_command_line_import_says_its_file_is_not_kept(admin_client, admin):
    job = ImportJob.objects.create(file_name="team.csv", status="failed", rows=2, rejected=1,
                                   options={"via": "command"})
    page = job_page(admin_client, job)
    assert "This import was run from the command line, and its file is not kept here" in page


def usage_report() -> SimpleUploadedFile:
    """A Sales Navigator usage report without dates; Bo is no one here, so his seat is rejected."""
    text = ("Name,Email,SSI,Professional brand,Find right people,Engage with insights,Build relationships,Days active\n"
            "Ana Lopez,ana@example.com,52.4,14.1,13.2,11.6,13.5,18\n"
            "Bo Berg,bo@example.com,40,10,10,10,10,3\n")
    return SimpleUploadedFile("seats.csv", text.encode(), content_type="text/csv")


def test_a_usage_reports_valid_rows_import_with_the_as_of_date_it_was_checked_with(
    admin_client, ana, django_capture_on_commit_callbacks
):
    upload(admin_client, usage_report(), as_of=str(days_ago(3)))
    job = ImportJob.objects.get()
    page = job_page(admin_client, job)
    assert (job.rows, job.rejected) == (2, 1)
    assert page.count('id="id_as_of"') == 1  # the choice carries the date; "Other options" changes it
    assert f'<input type="hidden" name="as_of" value="{days_ago(3)}">' in page
    post(admin_client, job, django_capture_on_commit_callbacks, action="import", skip_invalid="on",
         as_of=str(days_ago(3)))
    assert list(Snapshot.objects.values_list("user__email", "date")) == [("ana@example.com", days_ago(3))]


def test_an_interrupted_import_runs_again_with_another_as_of_date(admin_client, ana, django_capture_on_commit_callbacks):
    upload(admin_client, usage_report(), as_of=str(days_ago(3)))
    job = ImportJob.objects.get()
    post(admin_client, job, django_capture_on_commit_callbacks, action="check", create_users="on",
         as_of=str(days_ago(3)))
    # Its worker died while it ran (what lease.reap records): nothing was written.
    ImportJob.objects.filter(pk=job.pk).update(status="interrupted", attempt=1, error=lease.INTERRUPTED)
    page = job_page(admin_client, job)
    assert "Interrupted: nothing was written." in page and 'value="again">Run again</button>' in page
    assert f'name="as_of" value="{days_ago(3)}"' in page
    post(admin_client, job, django_capture_on_commit_callbacks, action="again", change_options="1",
         create_users="on", as_of=str(days_ago(1)))
    job.refresh_from_db()
    assert (job.status, job.attempt, job.options["as_of"]) == ("done", 2, str(days_ago(1)))
    assert sorted(Snapshot.objects.values_list("user__email", "date")) == [
        ("ana@example.com", days_ago(1)), ("bo@example.com", days_ago(1))]


# -- the template --------------------------------------------------------------------

def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_admins_template_has_the_per_day_header_and_one_example_row_that_previews_clean(admin_client, admin):
    index = admin_client.get(reverse("tracking:imports")).content.decode()
    assert f'href="{reverse("tracking:import-template")}" download>Download a template (CSV)</a>' in index
    response = admin_client.get(reverse("tracking:import-template"))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="ssi-import-template.csv"' in response["Content-Disposition"]
    header, example = read_csv(response)
    assert header == ["email", "date", "ssi", "brand", "people", "insights", "relationships", "industry_rank",
                      "network_rank", *rules.ACTIVITY_FIELDS]
    assert example[:9] == ["admin@example.com", str(admin.today() - dt.timedelta(days=1)),
                           "62", "15.5", "14.25", "16", "16.25", "12", "18"]

    upload(admin_client, SimpleUploadedFile("template.csv", response.content, content_type="text/csv"))
    job = ImportJob.objects.get()
    assert (job.error, job.rows, job.rejected, job.created) == ("", 1, 0, 1)
    assert IMPORT_BUTTON in job_page(admin_client, job)


def test_ones_own_template_has_no_email_column_and_previews_clean(client, sales):
    client.force_login(sales)
    index = client.get(reverse("tracking:my-imports")).content.decode()
    assert "without an email column" in index
    response = client.get(reverse("tracking:my-import-template"))
    header, example = read_csv(response)
    assert header[:2] == ["date", "ssi"] and "email" not in header
    assert len(example) == len(header)
    client.post(reverse("tracking:my-import-upload"),
                {"file": SimpleUploadedFile("mine.csv", response.content, content_type="text/csv")})
    job = ImportJob.objects.get()
    assert (job.error, job.rows, job.rejected, job.created, job.about) == ("", 1, 0, 1, sales)


def test_the_admin_template_is_an_admins_only(client, sales):
    client.force_login(sales)
    assert client.get(reverse("tracking:import-template")).status_code == 404
