"""Snapshots edited in Django admin are recomputed like any other change."""

import datetime as dt

import pytest
from django.urls import reverse

from scoring.models import RecomputeRequest
from tests.conftest import snap


@pytest.mark.django_db
def test_editing_a_snapshot_in_admin_requests_a_recompute_from_the_earlier_date(client, admin, sales):
    snapshot = snap(sales, dt.date(2026, 3, 10), 40)
    client.force_login(admin)
    response = client.post(reverse("admin:tracking_snapshot_change", args=[snapshot.pk]), {
        "user": sales.pk, "date": "2026-03-05", "ssi": "40", "brand": "10", "people": "10", "insights": "10",
        "relationships": "10", "source": "manual",
    })
    assert response.status_code == 302
    assert list(RecomputeRequest.objects.values_list("user_id", "since")) == [(sales.pk, dt.date(2026, 3, 5))]


@pytest.mark.django_db
def test_deleting_snapshots_in_admin_requests_a_recompute(client, admin, sales, peer):
    snap(sales, dt.date(2026, 3, 10), 40)
    snap(sales, dt.date(2026, 3, 8), 41)
    snap(peer, dt.date(2026, 3, 9), 42)
    client.force_login(admin)
    ids = list(sales.snapshots.values_list("pk", flat=True)) + list(peer.snapshots.values_list("pk", flat=True))
    response = client.post(reverse("admin:tracking_snapshot_changelist"), {
        "action": "delete_selected", "_selected_action": ids, "post": "yes",
    })
    assert response.status_code == 302
    assert sorted(RecomputeRequest.objects.values_list("user_id", "since")) == sorted(
        [(sales.pk, dt.date(2026, 3, 8)), (peer.pk, dt.date(2026, 3, 9))]
    )
