"""``import_ssi``: the contract in DESIGN.md (report, exit codes, idempotency),
what lands in the database, undo, and imports running side by side."""

import datetime as dt
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from tests.conftest import make_user, snap
from tracking.importing import writer
from tracking.models import Activity, ImportChange, ImportJob, Snapshot, User

FILES = Path(__file__).parent / "files"
# The corpus is dated March 2026.
NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)


def run(*args) -> tuple[int, dict | str, str]:
    """(exit code, the JSON report — or stdout without --json —, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import_ssi", *map(str, args), stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code
    text = out.getvalue()
    return code, json.loads(text) if "--json" in args and text else text, err.getvalue().strip()


def write(tmp_path, text: str, name: str = "import.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def ana(db):
    return make_user("ana@example.com", name="Ana")


@pytest.fixture
def ben(db):
    return make_user("ben@example.com", name="Ben")


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_it_imports_a_per_day_file_and_reports_it_as_json(ana, ben):
    code, report, err = run(FILES / "daily.csv", "--json")
    assert (code, err) == (0, "")
    assert report == {"format": "daily", "rows": 4, "created": 4, "updated": 0, "unchanged": 0, "rejected": [],
                      "written": True}
    first = Snapshot.objects.get(user=ana, date=dt.date(2026, 3, 2))
    assert (first.ssi, first.brand, first.industry_rank, first.network_avg) == (
        Decimal("44.750"), Decimal("12.500"), 5, Decimal("31.000"))
    job = ImportJob.objects.get()
    assert (first.source, first.import_job, first.import_line) == ("import", job, 2)
    assert (job.status, job.file_name, job.format, job.rows, job.created) == ("done", "daily.csv", "daily", 4, 4)


def test_importing_the_same_file_twice_changes_nothing(ana, ben):
    run(FILES / "daily.csv", "--json")
    first_job = ImportJob.objects.get()
    code, report, _ = run(FILES / "daily.csv", "--json")
    assert (code, report["created"], report["updated"], report["unchanged"]) == (0, 0, 0, 4)
    # Unchanged rows keep where they came from.
    assert set(Snapshot.objects.values_list("import_job", flat=True)) == {first_job.pk}


def test_a_changed_value_is_updated_and_the_old_one_is_kept_for_undo(tmp_path, ana):
    snap(ana, dt.date(2026, 3, 2), 40, industry_rank=9)
    path = write(tmp_path, "email,date,ssi\nana@example.com,2026-03-02,42\nana@example.com,2026-03-03,43\n")
    code, report, _ = run(path, "--json")
    assert (code, report["created"], report["updated"], report["unchanged"]) == (0, 1, 1, 0)
    updated = Snapshot.objects.get(user=ana, date=dt.date(2026, 3, 2))
    # The file has a total only: the pillars go with it; ranks it does not give stay.
    assert (updated.ssi, updated.brand, updated.industry_rank) == (Decimal("42.000"), None, 9)
    job = ImportJob.objects.get()
    assert ImportChange.objects.filter(job=job).count() == 1

    assert writer.undo(job) == {"restored": 1, "deleted": 1}
    restored = Snapshot.objects.get(user=ana)
    assert (restored.date, restored.ssi, restored.brand, restored.source, restored.import_job) == (
        dt.date(2026, 3, 2), Decimal("40.000"), Decimal("10.000"), "manual", None)
    assert ImportJob.objects.get().status == "undone"
    with pytest.raises(writer.CannotUndo):
        writer.undo(job)


def test_undo_keeps_values_changed_after_the_import(tmp_path, ana):
    path = write(tmp_path, "email,date,ssi\nana@example.com,2026-03-02,42\n")
    run(path, "--json")
    Snapshot.objects.filter(user=ana).update(ssi=Decimal("44"), source="manual", import_job=None)
    assert writer.undo(ImportJob.objects.get()) == {"restored": 0, "deleted": 0}
    assert Snapshot.objects.get(user=ana).ssi == Decimal("44.000")


def test_any_rejected_row_means_nothing_is_written(ana):
    code, report, _ = run(FILES / "invalid_rows.csv", "--json")
    assert code == 1
    assert report["written"] is False
    assert [r["line"] for r in report["rejected"]] == list(range(2, 18))
    assert report["rows"] == 17
    assert not Snapshot.objects.exists()
    assert ImportJob.objects.get().status == "failed"


def test_skip_invalid_writes_the_valid_rows_and_still_exits_1(ana):
    code, report, _ = run(FILES / "invalid_rows.csv", "--json", "--skip-invalid")
    assert (code, report["written"], report["created"]) == (1, True, 1)
    assert list(Snapshot.objects.values_list("import_line", flat=True)) == [18]


def test_unknown_people_are_rejected_unless_the_import_may_create_them(ana):
    code, report, _ = run(FILES / "daily.csv", "--json")
    assert code == 1
    assert report["rejected"] == [
        {"line": line, "field": "email",
         "message": "No one here has the email “ben@example.com”: add them first, or let the import create people.",
         "email": "ben@example.com", "value": "ben@example.com"}
        for line in (4, 5)
    ]
    assert not Snapshot.objects.exists()

    code, report, err = run(FILES / "daily.csv", "--json", "--create-users")
    assert (code, report["created"]) == (0, 4)
    assert err == "Warning: 1 person was created: ben@example.com."
    ben = User.objects.get(email="ben@example.com")
    assert not ben.has_usable_password()


def test_people_are_found_whatever_the_case_of_their_email(ana):
    code, report, _ = run(FILES / "excel_semicolon.csv", "--json", "--create-users")
    assert (code, report["created"]) == (0, 2)
    assert Snapshot.objects.filter(user=ana).count() == 1
    assert Activity.objects.get(user=ana).searches == 7


def test_a_dry_run_counts_everything_and_writes_nothing(ana, ben):
    code, report, _ = run(FILES / "daily.csv", "--json", "--dry-run")
    assert (code, report["created"], report["written"]) == (0, 4, False)
    assert not Snapshot.objects.exists()
    assert not ImportJob.objects.exists()


def test_the_summary_without_json_says_what_happened(ana):
    code, text, _ = run(FILES / "invalid_rows.csv")
    assert code == 1
    assert "Nothing written: fix the rejected rows, or import with --skip-invalid." in text
    assert "  Line 4: SSI 60 differs from the sum of its pillars (40) by more than 1 point." in text


HOSTILE = [
    "empty.csv", "blank_lines_only.csv", "header_only.csv", "not_ssi.csv", "no_email_column.csv",
    "pillars_incomplete.csv", "duplicate_columns.csv", "no_date_column.csv", "unclosed_quote.csv",
    "nul_bytes.csv", "png_renamed.csv", "xlsx_renamed.csv", "ambiguous_dates.csv", "mixed_date_orders.csv",
    "linkedin_ssi.json",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_file_that_cannot_be_imported_exits_2_with_one_line_and_writes_nothing(ana, name):
    code, out, err = run(FILES / name)
    assert code == 2
    assert out == ""
    assert err and "\n" not in err and "Traceback" not in err
    assert not Snapshot.objects.exists()
    assert ImportJob.objects.get().error == err


def test_a_missing_file_exits_2(db, tmp_path):
    code, _, err = run(tmp_path / "nowhere.csv", "--json")
    assert (code, err) == (2, f"Cannot read {tmp_path / 'nowhere.csv'}: No such file or directory.")


def test_huge_generated_files_are_refused_in_one_line(ana, tmp_path):
    long_line = write(tmp_path, "email,date,ssi\nana@example.com,2026-03-02," + "1" * 200_000 + "\n")
    wide = write(tmp_path, "email,date,ssi" + ",x" * 3000 + "\nana@example.com,2026-03-02,41\n", "wide.csv")
    assert run(long_line)[::2] == (2, "Line 2 is longer than 65,536 characters: this is not an SSI file.")
    assert run(wide)[::2] == (2, "Line 1 has 3,003 columns; an SSI file has at most 200.")
    assert not Snapshot.objects.exists()


def test_one_bad_row_at_row_10000_leaves_nothing_written(db, tmp_path):
    lines = ["email,date,ssi"] + [
        f"p{i % 100}@example.com,{dt.date(2025, 1, 1) + dt.timedelta(days=i // 100)},{30 + i % 50}"
        for i in range(10_500)
    ]
    lines[10_000] = lines[10_000].rsplit(",", 1)[0] + ",101"
    path = write(tmp_path, "\n".join(lines) + "\n")
    code, report, _ = run(path, "--json", "--create-users")
    assert code == 1
    assert report["rejected"] == [{"line": 10_001, "field": "ssi", "message": "SSI must be between 0 and 100.",
                                   "email": "p99@example.com", "value": "101"}]
    assert report["rows"] == 10_500
    assert not Snapshot.objects.exists()
    assert not User.objects.exists()


def test_identical_duplicate_rows_import_once_and_conflicting_ones_are_refused(ana, ben):
    code, report, err = run(FILES / "duplicates.csv", "--json")
    assert code == 1
    message = "Lines 4 and 5 give the same email and date with different values: keep one of them."
    assert report["rejected"] == [{"line": 4, "field": None, "message": message, "email": "ben@example.com", "value": ""},
                                  {"line": 5, "field": None, "message": message, "email": "ben@example.com", "value": ""}]
    assert err == "Warning: Line 3 repeats an earlier line exactly; it was imported once."

    code, report, _ = run(FILES / "duplicates.csv", "--json", "--skip-invalid")
    assert (code, report["rows"], report["created"]) == (1, 3, 1)
    assert list(Snapshot.objects.values_list("user__email", "ssi")) == [("ana@example.com", Decimal("41.000"))]


def test_a_usage_report_stores_activity_against_its_period_never_as_days(ana, ben, db):
    make_user("cat@example.com")
    code, report, _ = run(FILES / "sales_navigator.csv", "--json")
    assert (code, report["format"], report["rows"], report["created"]) == (0, "sales_navigator", 2, 2)
    activity = Activity.objects.get(user=ana)
    assert (activity.period_start, activity.period_end, activity.days_active, activity.searches) == (
        dt.date(2026, 2, 1), dt.date(2026, 2, 28), 18, 42)
    assert Snapshot.objects.get(user=ana).date == dt.date(2026, 2, 28)
    # Ben's seat had activity and no SSI.
    assert not Snapshot.objects.filter(user=ben).exists()
    assert Activity.objects.get(user=ben).days_active == 3
    assert Activity.objects.count() == 2
    assert run(FILES / "sales_navigator.csv", "--json")[1]["unchanged"] == 2


def test_the_as_of_date_dates_a_usage_report_without_dates(ana):
    code, report, _ = run(FILES / "sales_navigator_no_dates.csv", "--json", "--as-of", "2026-03-01")
    assert (code, report["created"]) == (0, 1)
    assert Snapshot.objects.get(user=ana).date == dt.date(2026, 3, 1)
    with pytest.raises(CommandError, match="“March 1st” is not a date"):
        run(FILES / "sales_navigator_no_dates.csv", "--as-of", "March 1st")


def test_a_date_still_in_the_future_where_its_person_lives_is_rejected(tmp_path, ana, ben):
    ben.time_zone = "Pacific/Kiritimati"  # UTC+14: already the 21st at noon UTC on the 20th
    ben.save()
    path = write(tmp_path, "email,date,ssi\nana@example.com,2026-03-21,40\nben@example.com,2026-03-21,41\n")
    code, report, _ = run(path, "--json")
    assert code == 1
    assert report["rejected"] == [{"line": 2, "field": "date", "message": "The date cannot be in the future.",
                                   "email": "ana@example.com", "value": "2026-03-21"}]


def test_one_recompute_is_requested_per_person_from_their_earliest_change(ana, ben):
    from scoring.models import RecomputeRequest

    run(FILES / "daily.csv", "--json")
    requests = RecomputeRequest.objects.filter(user__isnull=False).values_list("user_id", "since")
    assert sorted(requests) == [(ana.pk, dt.date(2026, 3, 2)), (ben.pk, dt.date(2026, 3, 2))]


def test_formula_text_is_stored_as_text(db):
    code, _, _ = run(FILES / "formula_cells.csv", "--json", "--create-users")
    assert code == 0
    assert User.objects.get(email="ana@example.com").name == '=HYPERLINK("http://evil.example","click")'
    assert User.objects.get(email="+ben@example.com").name == "@SUM(A1)"


def _subprocess_settings(tmp_path: Path) -> dict:
    """Environment for a manage.py process using this test's database."""
    database = {k: connection.settings_dict[k] for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")}
    (tmp_path / "subprocess_settings.py").write_text(
        "from ssi_dashboard.test_settings import *  # noqa\n"
        f"DATABASES = {{'default': {database!r}}}\n"
    )
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "subprocess_settings",
            "PYTHONPATH": os.pathsep.join([str(tmp_path), str(settings.BASE_DIR)])}


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_imports_in_separate_processes_take_turns(tmp_path):
    """Both write the same 200 people-days with different values: no deadlock, no
    error, no lost update — every row is wholly one file's, and the counts add up."""
    for i in range(200):
        make_user(f"p{i}@example.com")
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=d) for d in range(10)]
    for name, ssi in (("a.csv", 40), ("b.csv", 60)):
        rows = [f"p{i}@example.com,{day},{ssi},{ssi / 4},{ssi / 4},{ssi / 4},{ssi / 4}"
                for i in range(200) for day in days]
        if name == "b.csv":
            rows.reverse()  # the other order, to invite a deadlock
        write(tmp_path, "email,date,ssi,brand,people,insights,relationships\n" + "\n".join(rows) + "\n", name)
    env = _subprocess_settings(tmp_path)
    processes = [
        subprocess.Popen([sys.executable, str(settings.BASE_DIR / "manage.py"), "import_ssi", str(tmp_path / name),
                          "--json"], cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("a.csv", "b.csv")
    ]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    reports = [json.loads(out) for out, _ in outputs]
    # One went first and created every row; the other then found and updated them all.
    assert sorted((r["created"], r["updated"]) for r in reports) == [(0, 2000), (2000, 0)]
    # Every row is the second file's, whole.
    assert len(set(Snapshot.objects.values_list("ssi", "brand"))) == 1
    assert Snapshot.objects.count() == 2000


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("model_admin", ["snapshot", "activity", "snapshot, file without activity"])
def test_an_admin_edit_racing_an_import_of_the_same_day_makes_the_import_wait_then_update(tmp_path, model_admin):
    """An admin saving a person's day holds that person's lock until commit, as
    every writer does: an import of the same day waits, then updates the saved
    row (no IntegrityError, exact counts). Without activity columns the import
    first tries its direct path for new days, and must find the saved day there."""
    import threading

    from django.contrib import admin as admin_site
    from django.db import connections, transaction

    person = make_user("race@example.com")
    day = dt.date(2026, 3, 10)
    if model_admin.endswith("without activity"):
        path = write(tmp_path, f"email,date,ssi,brand,people,insights,relationships\n"
                               f"race@example.com,{day},60,15,15,15,15\n")
    else:
        path = write(tmp_path, f"email,date,ssi,brand,people,insights,relationships,posts\n"
                               f"race@example.com,{day},60,15,15,15,15,7\n")
    saved, release = threading.Event(), threading.Event()
    outcome: dict = {}

    def edit():
        try:
            with transaction.atomic():
                if model_admin.startswith("snapshot"):
                    obj = Snapshot(user=person, date=day, ssi=40, brand=10, people=10, insights=10, relationships=10)
                else:
                    obj = Activity(user=person, period_start=day, period_end=day, posts=3)
                admin_site.site._registry[type(obj)].save_model(None, obj, None, False)
                saved.set()
                release.wait(30)
        finally:
            connections.close_all()

    def load():
        try:
            with path.open("rb") as stream:
                outcome["result"] = writer.import_file(stream)
        except Exception as error:
            outcome["error"] = error
        finally:
            connections.close_all()

    editor = threading.Thread(target=edit)
    editor.start()
    assert saved.wait(30)
    importer = threading.Thread(target=load)
    importer.start()
    with connection.cursor() as cursor:
        for _ in range(300):  # the import blocks behind the edit
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                break
            importer.join(0.05)
    release.set()
    editor.join(30)
    importer.join(60)
    assert "error" not in outcome, outcome
    result = outcome["result"]
    if model_admin.startswith("snapshot"):
        assert (result.created, result.updated) == (0, 1)
    else:
        # The row's snapshot is new; its activity updated the edited one.
        assert (result.created, result.updated) == (1, 0)
    assert Snapshot.objects.get(user=person, date=day).ssi == 60
    if not model_admin.endswith("without activity"):
        assert Activity.objects.get(user=person, period_start=day).posts == 7
