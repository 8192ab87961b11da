"""Trend windows (DESIGN.md) on a small series with gaps, values worked out by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from scoring import trends
from scoring.models import UserDay
from scoring.tasks import recompute_person
from tests.conftest import snap, wait_for

D = dt.date
SERIES = {
    D(2026, 1, 1): 40,
    D(2026, 1, 2): 42,
    D(2026, 1, 5): 44,
    D(2026, 1, 9): 46,
    D(2026, 1, 12): 50,
    D(2026, 2, 2): 55,
    D(2026, 2, 10): 56,
    D(2026, 4, 3): 60,
}
# date: (avg7, avg30, delta7, delta30, delta90), by hand from the window rules.
EXPECTED = {
    D(2026, 1, 1): ("40", "40", None, None, None),
    D(2026, 1, 9): ("45", "43", "4", None, None),  # 7 back: [1-2 .. 1-2] → 42
    D(2026, 1, 12): ("48", "44.4", "6", None, None),  # 7 back: [1-2 .. 1-5] → latest is 1-5 (44)
    D(2026, 2, 2): ("55", "48.75", None, "13", None),  # nothing in [1-23 .. 1-26]; 30 back → 1-2 (42)
    D(2026, 2, 10): ("56", "53.666667", "1", "10", None),  # 30 back: 1-11 missing, 1-9 within 3 days
    D(2026, 4, 3): ("60", "60", None, None, "18"),  # 90 back: [12-31 .. 1-3] → 1-2 (42)
}


def _rows(user):
    return {
        r.date: (r.avg7, r.avg30, r.delta7, r.delta30, r.delta90)
        for r in UserDay.objects.filter(user=user)
    }


def _expected(date):
    return tuple(None if v is None else Decimal(v) for v in EXPECTED[date])


def _seed(user):
    for date, ssi in SERIES.items():
        snap(user, date, ssi)


@pytest.mark.django_db
def test_windows_are_calendar_based_and_gap_aware(sales):
    _seed(sales)
    assert trends.recompute(sales.pk) == len(SERIES)
    rows = _rows(sales)
    assert set(rows) == set(SERIES)  # one derived row per observed day, none invented
    for date in EXPECTED:
        assert rows[date] == _expected(date), date


@pytest.mark.django_db
def test_a_second_run_changes_nothing(sales):
    _seed(sales)
    trends.recompute(sales.pk)
    first = _rows(sales)
    trends.recompute(sales.pk)
    trends.recompute(sales.pk, D(2026, 1, 10))
    assert _rows(sales) == first


@pytest.mark.django_db
def test_a_recompute_from_a_date_rewrites_only_from_that_date(sales):
    _seed(sales)
    trends.recompute(sales.pk)
    UserDay.objects.filter(user=sales, date=D(2026, 1, 1)).update(avg7=99)
    UserDay.objects.filter(user=sales, date=D(2026, 2, 10)).update(avg7=99)
    trends.recompute(sales.pk, D(2026, 2, 1))
    rows = _rows(sales)
    assert rows[D(2026, 1, 1)][0] == 99  # before `since`: untouched
    assert rows[D(2026, 2, 10)] == _expected(D(2026, 2, 10))  # repaired


@pytest.mark.django_db
def test_a_deleted_snapshot_disappears_from_the_derived_rows(sales):
    _seed(sales)
    trends.recompute(sales.pk)
    sales.snapshots.filter(date=D(2026, 1, 2)).delete()
    trends.recompute(sales.pk, D(2026, 1, 2))
    rows = _rows(sales)
    assert D(2026, 1, 2) not in rows
    # 1-9's 7-day reference falls back to 1-1 (40), still within [12-30 .. 1-2].
    assert rows[D(2026, 1, 9)][2] == Decimal("6")



@pytest.mark.django_db(transaction=True)
def test_a_real_worker_recomputes_after_a_snapshot_is_saved(celery_worker, client, sales):
    for date, ssi in SERIES.items():
        if date != D(2026, 4, 3):
            snap(sales, date, ssi)
    recompute_person.delay(sales.pk, None)
    assert wait_for(lambda: UserDay.objects.filter(user=sales).count() == len(SERIES) - 1)

    # Saving through the form queues the recompute on commit; the worker runs it.
    client.force_login(sales)
    response = client.post(reverse("tracking:entry"), {
        "date": "2026-04-03", "ssi": "60", "brand": "15", "people": "15", "insights": "15", "relationships": "15",
    })
    assert response.status_code == 302
    assert wait_for(lambda: UserDay.objects.filter(user=sales, date=D(2026, 4, 3)).exists())
    rows = _rows(sales)
    for date in EXPECTED:
        assert rows[date] == _expected(date), date
