"""The demo data `make demo` shows: the fixed logins, teams, history and derived rows."""

import pytest
from django.core.management import call_command

from scoring.models import TeamDay, UserDay
from tracking.models import Activity, Membership, Snapshot, Team, User


@pytest.mark.django_db
def test_seeding_twice_gives_the_same_demo(client):
    call_command("seed_demo")
    counts = (User.objects.count(), Team.objects.count(), Snapshot.objects.count(), Activity.objects.count(),
              UserDay.objects.count(), TeamDay.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Team.objects.count(), Snapshot.objects.count(), Activity.objects.count(),
            UserDay.objects.count(), TeamDay.objects.count()) == counts

    assert counts[0] == 25 and counts[1] == 3
    sales = User.objects.get(email="sales@example.com")
    # About 18 months with ~15% of days missing.
    assert 400 < sales.snapshots.count() < 500
    assert UserDay.objects.filter(user=sales).count() == sales.snapshots.count()
    team = Membership.objects.get(user=sales).team
    assert Membership.objects.filter(team=team, user__email="manager@example.com", role="manager").exists()
    assert TeamDay.objects.filter(team=team, metric="ssi").count() > 500
    assert User.objects.get(email="admin@example.com").is_staff

    response = client.post("/accounts/login/", {"username": "sales@example.com", "password": "demo"})
    assert response.status_code == 302
    assert '<span class="label">SSI today</span>' in client.get("/").content.decode()
