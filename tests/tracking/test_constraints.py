"""The database itself refuses rows that break the data's rules."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from tests.conftest import snap
from tracking.models import Activity, ImportJob, Snapshot

DAY = dt.date(2026, 3, 2)


def _rejects(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Snapshot.objects.create(**fields)


@pytest.mark.django_db
def test_it_keeps_one_snapshot_per_person_and_day(sales):
    snap(sales, DAY, 40)
    with pytest.raises(IntegrityError), transaction.atomic():
        snap(sales, DAY, 41)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"ssi": Decimal("100.5")},
        {"ssi": Decimal("-1")},
        {"ssi": Decimal("26"), "brand": Decimal("26"), "people": 0, "insights": 0, "relationships": 0},
        {"ssi": Decimal("1"), "brand": Decimal("-0.5"), "people": Decimal("0.5"), "insights": 1, "relationships": 0},
        {"ssi": 50, "industry_rank": 0},
        {"ssi": 50, "network_rank": 101},
        {"ssi": 50, "industry_avg": Decimal("100.1")},
        # a total far from its pillars' sum
        {"ssi": 60, "brand": 10, "people": 10, "insights": 10, "relationships": 10},
        # some pillars but not all
        {"ssi": 20, "brand": 10, "people": 10},
    ],
)
def test_it_rejects_out_of_range_snapshots(sales, fields):
    _rejects(user=sales, date=DAY, **fields)
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
def test_it_allows_a_total_within_one_point_of_the_pillar_sum(sales):
    snap(sales, DAY, "41", pillars=[10, 10, 10, 10])
    assert Snapshot.objects.get().ssi == Decimal("41.000")


@pytest.mark.django_db
def test_it_rejects_negative_activity_counts_and_backward_periods(sales):
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(user=sales, period_start=DAY, period_end=DAY, searches=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(user=sales, period_start=DAY, period_end=DAY - dt.timedelta(days=1))
    assert not Activity.objects.exists()


# A snapshot's and an activity row's person and import job are deferred
# foreign keys: checked at commit, or at once after SET CONSTRAINTS ALL IMMEDIATE.
MISSING = 2_000_000_000


def _checked_at_once():
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_it_refuses_snapshots_and_activity_naming_no_one_or_no_job(sales):
    _checked_at_once()
    fields = {"date": DAY, "ssi": Decimal(40)}
    with pytest.raises(IntegrityError, match=r"Key \(user_id\)=\(2000000000\) is not present"), transaction.atomic():
        Snapshot.objects.bulk_create([Snapshot(user=sales, **fields), Snapshot(user_id=MISSING, **fields)])
    with pytest.raises(IntegrityError, match="tracking_importjob"), transaction.atomic():
        Snapshot.objects.create(user=sales, import_job_id=MISSING, **fields)
    with pytest.raises(IntegrityError, match="tracking_user"), transaction.atomic():
        Activity.objects.create(user_id=MISSING, period_start=DAY, period_end=DAY, posts=1)
    with pytest.raises(IntegrityError, match="tracking_importjob"), transaction.atomic():
        Activity.objects.create(user=sales, import_job_id=MISSING, period_start=DAY, period_end=DAY, posts=1)
    stored = snap(sales, DAY, 40)
    with pytest.raises(IntegrityError, match="tracking_user"), transaction.atomic():
        Snapshot.objects.filter(pk=stored.pk).update(user_id=MISSING)
    assert list(Snapshot.objects.values_list("user_id", "ssi")) == [(sales.pk, Decimal(40))]


@pytest.mark.django_db
def test_a_person_or_job_still_referred_to_cannot_be_deleted_behind_djangos_back(sales, admin):
    _checked_at_once()
    job = ImportJob.objects.create(created_by=admin, file_name="days.csv")
    Snapshot.objects.create(user=sales, date=DAY, ssi=40, import_job=job)
    Activity.objects.create(user=sales, period_start=DAY, period_end=DAY, posts=1, import_job=job)
    for table, pk in (("tracking_user", sales.pk), ("tracking_importjob", job.pk)):
        with (
            pytest.raises(IntegrityError, match="is still referenced from table"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
    # Through Django, on_delete runs first: the job's rows keep their values, unattributed.
    job.delete()
    assert Snapshot.objects.get(user=sales).import_job_id is None
    assert Activity.objects.get(user=sales).import_job_id is None
    sales.delete()
    assert not Snapshot.objects.exists()
    assert not Activity.objects.exists()
