"""A salesperson imports their own history on the web (/me/imports/): the same
preview, per-row errors, confirm, progress, history and undo as the admin
import; the job is about them, rows without an email are theirs, rows naming
anyone else are refused, and another person's job answers 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import day_first_days, make_user, snap
from tests.tracking.test_import_web import csv_file, days_ago, wait_until_finished
from tracking.models import ImportJob, Snapshot

FILES = Path(__file__).parent / "files"
# The days of the day-first file below: recent, and readable only one way.
DAY_1, DAY_2, DAY_3 = day_first_days(3)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def my_history() -> str:
    return (
        "Date;SSI;Brand;People;Insights;Relationships;Top % industry\n"
        f"{DAY_1:%d.%m.%Y};40,5;10;10;10;10,5;7\n"
        f"{DAY_2:%d.%m.%Y};41;10;10;10;11;7\n"
        f"{DAY_3:%d.%m.%Y};42;10;10;10;12;6\n"
    )


def own_upload(client, file):
    return client.post(reverse("tracking:my-import-upload"), {"file": file})


@pytest.mark.django_db(transaction=True)
def test_a_salesperson_imports_their_own_history_run_by_a_worker_and_undoes_it(celery_worker, client, sales):
    snap(sales, DAY_2, 30)
    client.force_login(sales)
    response = own_upload(client, csv_file(my_history(), "my-ssi.csv"))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("tracking:my-import-job", args=[job.pk])
    assert (job.about, job.created_by) == (sales, sales)

    preview = client.get(response["Location"]).content.decode()
    assert "3 rows" in preview and "3 valid (2 new, 1 changed, 0 unchanged)" in preview
    assert "Create people" not in preview  # a person importing their own history creates no one
    assert Snapshot.objects.get(user=sales, date=DAY_2).ssi == Decimal("30.000")

    assert client.post(reverse("tracking:my-import-job", args=[job.pk]), {"action": "import"}).status_code == 302
    job = wait_until_finished(job)
    assert (job.status, job.created, job.updated) == ("done", 2, 1)
    assert sorted(Snapshot.objects.filter(user=sales).values_list("date", "ssi", "industry_rank")) == [
        (DAY_1, Decimal("40.500"), 7), (DAY_2, Decimal("41.000"), 7), (DAY_3, Decimal("42.000"), 6)]
    history = client.get(reverse("tracking:my-imports")).content.decode()
    assert "my-ssi.csv" in history and "<td>Done</td>" in history

    undone = client.post(reverse("tracking:my-import-undo", args=[job.pk]), follow=True).content.decode()
    assert "2 rows it had added removed" in undone and "1 rows restored" in undone
    assert list(Snapshot.objects.filter(user=sales).values_list("date", "ssi")) == [(DAY_2, Decimal("30.000"))]


def test_rows_naming_anyone_else_are_refused_with_a_clear_message(client, sales):
    make_user("boss@example.com")
    client.force_login(sales)
    own_upload(client, csv_file(
        f"email,date,ssi\n,{days_ago(2)},40\nboss@example.com,{days_ago(1)},90\n"))
    page = client.get(reverse("tracking:my-import-job", args=[ImportJob.objects.get().pk])).content.decode()
    assert "This row is about boss@example.com, but this file is sales@example.com&#x27;s history" in page
    assert "1 valid" in page


def test_linkedins_json_imports_as_ones_own_day(client, sales, django_capture_on_commit_callbacks):
    client.force_login(sales)
    own_upload(client, csv_file((FILES / "linkedin_ssi.json").read_text(), "ssi.json"))
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tracking:my-import-job", args=[job.pk]), {"action": "import"})
    (day,) = Snapshot.objects.filter(user=sales)
    assert (day.date, day.ssi, day.network_rank) == (sales.today(), Decimal("19.706"), 41)


def test_a_person_sees_only_their_own_jobs_and_gets_404_for_anyone_elses(client, sales, admin, manager):
    theirs = ImportJob.objects.create(file_name="boss.csv", created_by=manager, about=manager, status="done")
    admins = ImportJob.objects.create(file_name="team.csv", created_by=admin, status="done")
    mine = ImportJob.objects.create(file_name="mine.csv", created_by=sales, about=sales, status="done")
    client.force_login(sales)
    history = client.get(reverse("tracking:my-imports")).content.decode()
    assert "mine.csv" in history and "boss.csv" not in history and "team.csv" not in history
    for job in (theirs, admins):
        for method, name in [("get", "tracking:my-import-job"), ("post", "tracking:my-import-job"), ("get", "tracking:my-import-status"),
                             ("get", "tracking:my-import-undo"), ("post", "tracking:my-import-undo")]:
            response = getattr(client, method)(reverse(name, args=[job.pk]),
                                               {"action": "import"} if method == "post" else {})
            assert response.status_code == 404, (job.file_name, name, method)
    assert client.get(reverse("tracking:my-import-job", args=[mine.pk])).status_code == 200
    assert set(ImportJob.objects.values_list("status", flat=True)) == {"done"}
    # The admin pages stay the admins'.
    assert client.get(reverse("tracking:import-job", args=[mine.pk])).status_code == 404


def test_the_entry_and_settings_pages_link_to_the_import(client, sales):
    client.force_login(sales)
    for name in ("tracking:entry", "tracking:settings"):
        assert f'href="{reverse("tracking:my-imports")}">Import my history</a>' in client.get(reverse(name)).content.decode()


def test_a_preview_dated_after_the_persons_today_is_refused_per_row(client, sales):
    client.force_login(sales)
    own_upload(client, csv_file(f"date,ssi\n{days_ago(0) + dt.timedelta(days=3)},40\n"))
    page = client.get(reverse("tracking:my-import-job", args=[ImportJob.objects.get().pk])).content.decode()
    assert "The date cannot be in the future." in page
