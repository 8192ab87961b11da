"""The writer's direct path (new days copied straight into the snapshot table)
writes exactly what the full path (staging table, checks, upsert) writes, and
steps aside for every file it cannot take as it is."""

import datetime as dt
import io

import pytest
import time_machine
from django.db import transaction

from scoring.models import RecomputeRequest
from tests.conftest import make_user, snap
from tracking.importing import copy_layout, parser, table, writer
from tracking.importing import direct as direct_path
from tracking.models import ImportChange, ImportJob, Snapshot

NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
HEADER = "email,date,ssi,brand,people,insights,relationships,industry_rank,network_avg\n"
NEW_DAYS = "".join(
    f"{who}@example.com,2026-03-{day:02d},{40 + day / 4},10,10,10,{10 + day / 4},{day},30.5\n"
    for who in ("ana", "ben") for day in range(1, 13)
)
CASES = {
    "new days": (HEADER + NEW_DAYS, True),
    "new days, blank lines and empty cells": (HEADER + NEW_DAYS.replace("\nben", "\n\n,,,,,,,,\nben", 1), True),
    "new days, ranks as LinkedIn shows them": (HEADER + "ana@example.com,2026-03-02,40,10,10,10,10,Top 5%,\n", True),
    "emails in any case": (HEADER + NEW_DAYS.replace("ana@", " ANA@"), True),
    "a total alone (no pillar columns)": ("email,date,ssi\nana@example.com,2026-03-02,40\n", False),
    "a day given twice, identically": (HEADER + NEW_DAYS + NEW_DAYS.splitlines(keepends=True)[3], False),
    "a day given twice, differently": (HEADER + NEW_DAYS + "ana@example.com,2026-03-04,44,11,11,11,11,4,30.5\n", False),
    "a stored day": (HEADER + NEW_DAYS + "ben@example.com,2026-02-01,40,10,10,10,10,,\n", False),
    "a day still in the future where its person lives": (HEADER + "ana@example.com,2026-03-21,40,10,10,10,10,,\n"
                                                          + "ben@example.com,2026-03-21,40,10,10,10,10,,\n", False),
    "an unknown person": (HEADER + NEW_DAYS + "cyd@example.com,2026-03-02,40,10,10,10,10,,\n", False),
    "pillars without a total": (HEADER + NEW_DAYS + "ana@example.com,2026-03-15,,10,10,10,10,,\n", False),
    "a sum far from its pillars": (HEADER + NEW_DAYS + "ana@example.com,2026-03-15,60,10,10,10,10,,\n", False),
    "an invalid row last": (HEADER + NEW_DAYS + "ana@example.com,2026-03-15,40,10,10,10,10,101,\n", False),
    "a short row": (HEADER + NEW_DAYS + "ana@example.com,2026-03-15,40\n", False),
    "activity columns": ("email,date,ssi,posts\nana@example.com,2026-03-02,40,3\n", False),
}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def people(db):
    ana = make_user("ana@example.com")
    ben = make_user("ben@example.com", time_zone="Pacific/Kiritimati")  # UTC+14: already the 21st
    snap(ben, dt.date(2026, 2, 1), 30)
    return ana, ben


def _outcome(text: str, options: dict, direct: bool, monkeypatch) -> tuple:
    """Everything an import leaves behind, rolled back afterwards."""
    taken = []
    real = direct_path.write_new_rows

    def spy(*args, **kwargs):
        taken.append(real(*args, **kwargs))
        return taken[-1]

    monkeypatch.setattr(direct_path, "write_new_rows", spy if direct else (lambda *args, **kwargs: False))
    with transaction.atomic():
        job = ImportJob.objects.create(file_name="f.csv")
        result = writer.import_file(io.BytesIO(text.encode()), job=job, **options)
        job.refresh_from_db()
        rows = [
            tuple("job" if v == job.pk and k == "import_job" else v for k, v in row.items())
            for row in Snapshot.objects.order_by("user__email", "date").values(
                "user__email", "date", "ssi", "brand", "people", "insights", "relationships", "industry_rank",
                "network_rank", "industry_avg", "network_avg", "source", "import_job", "import_line")
        ]
        recomputes = sorted(RecomputeRequest.objects.values_list("user__email", "since"))
        changes = ImportChange.objects.filter(job=job).count()
        state = (result.details(), rows, recomputes, changes, job.status, job.rows, job.created, job.rejected)
        transaction.set_rollback(True)
    monkeypatch.undo()
    return state, taken == [True]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("options", [{}, {"dry_run": True}, {"skip_invalid": True}, {"create_users": True}],
                         ids=["plain", "dry-run", "skip-invalid", "create-users"])
def test_the_direct_path_writes_exactly_what_the_full_path_writes(people, case, options, monkeypatch):
    text, direct_expected = CASES[case]
    full, _ = _outcome(text, options, direct=False, monkeypatch=monkeypatch)
    direct, taken = _outcome(text, options, direct=True, monkeypatch=monkeypatch)
    assert direct == full
    assert taken is direct_expected


def test_a_file_the_direct_path_gives_up_on_is_read_again_from_its_start(people):
    """The rows of the abandoned attempt are neither counted twice nor kept."""
    result = writer.import_file(io.BytesIO((HEADER + NEW_DAYS + NEW_DAYS.splitlines(keepends=True)[0]).encode()))
    assert (result.rows, result.created, result.warnings) == (
        24, 24, ["Line 26 repeats an earlier line exactly; it was imported once."])
    assert Snapshot.objects.filter(source="import").count() == 24


def test_the_direct_path_is_undone_like_any_import(people):
    job = ImportJob.objects.create(file_name="f.csv")
    result = writer.import_file(io.BytesIO((HEADER + NEW_DAYS).encode()), job=job)
    assert (result.created, job.status) == (24, "done")
    assert writer.undo(job) == {"restored": 0, "deleted": 24}
    assert Snapshot.objects.count() == 1


def test_the_direct_path_needs_every_email_and_date_of_the_first_read(monkeypatch, people):
    monkeypatch.setattr(table, "SCAN_KEEP", 3)
    parsed = parser.parse(io.BytesIO((HEADER + NEW_DAYS).encode()))
    assert parsed.named_people() == {"ana@example.com", "ben@example.com"}
    assert parsed.date_span() is None


MANY_DAYS = "".join(
    f"{who}@example.com,{dt.date(2019, 1, 1) + dt.timedelta(days=day)},40,10,10,10,10,5,30.5\n"
    for who in ("ana", "ben") for day in range(1500)
)


@pytest.mark.parametrize("tail", [
    "ana@example.com,2026-03-15,40,10,10,10,10,101,\n",  # a row for the full checks
    "ana@example.com,2019-01-02,40,10,10,10,10,5,30.5\n",  # a day given twice, after whole chunks went in
], ids=["invalid-row", "repeated-day"])
def test_the_direct_path_gives_up_after_whole_chunks_went_in(people, monkeypatch, tail):
    text = HEADER + MANY_DAYS + tail
    assert len(MANY_DAYS.splitlines()) > copy_layout.COPY_CHUNK_ROWS  # at least one chunk is written first
    full, _ = _outcome(text, {}, direct=False, monkeypatch=monkeypatch)
    direct, taken = _outcome(text, {}, direct=True, monkeypatch=monkeypatch)
    assert direct == full
    assert taken is False
