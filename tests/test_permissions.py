"""Who sees what: every role against every team-related view, checking bodies.

Roles (tests/conftest.py): sales and peer are members of East, outsider is in
West, manager manages East, other_manager manages West, admin is staff, and
anonymous is nobody. DESIGN.md: a salesperson sees their team's aggregate and,
where the team allows it, its leaderboard; a manager sees their teams member by
member; an admin sees everything; anything else is a 404 that leaks nothing.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from scoring.models import TeamDay
from tests.scoring import team_data
from tests.scoring.team_data import NOW, day

pytestmark = pytest.mark.django_db
team_history, third, fourth = team_data.team_history, team_data.third, team_data.fourth

ROLES = ["sales", "peer", "outsider", "manager", "other_manager", "admin", "anonymous"]
# Names only East's members and managers may see on East's pages.
EAST_NAMES = ("Sasha Sales", "Pat Peer", "Theo Third", "Fran Fourth")


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def world(east, sales, peer, outsider, manager, other_manager, admin, team_history):
    for offset, median in ((3, 58), (1, 60)):
        TeamDay.objects.create(team=east, date=day(offset), metric="ssi", members=4, reporting=3,
                               mean=median, median=Decimal(median), p25=Decimal(median - 5),
                               p75=Decimal(median + 5), min=median - 10, max=median + 10)
    return {"sales": sales, "peer": peer, "outsider": outsider, "manager": manager,
            "other_manager": other_manager, "admin": admin}


@pytest.fixture
def as_role(client, world):
    def login(role):
        if role != "anonymous":
            client.force_login(world[role])
        return client
    return login


def assert_nothing_leaks(response, status=404):
    body = response.content.decode()
    assert response.status_code == status
    for name in EAST_NAMES:
        assert name not in body
    assert "application/json" not in body


def assert_login_required(response):
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert_nothing_leaks(response, status=302)


TEAM_PAGE = {
    # role: (sees the aggregate, sees the leaderboard, sees members one by one)
    "sales": (True, True, False),
    "peer": (True, True, False),
    "manager": (True, True, True),
    "admin": (True, True, True),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx-fragment"])
def test_the_team_page_and_its_chart_fragment(as_role, role, htmx):
    client = as_role(role)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(reverse("scoring:team", args=["east"]), {"range": "30"}, headers=headers)
    if role == "anonymous":
        return assert_login_required(response)
    if role not in TEAM_PAGE:
        return assert_nothing_leaks(response)
    body = response.content.decode()
    aggregate, board, one_by_one = TEAM_PAGE[role]
    assert response.status_code == 200
    assert ('id="team-band-data"' in body) is aggregate
    assert ("Pat Peer" in body) is board
    assert ("/people/" in body) is one_by_one
    assert ('id="team-heatmap-data"' in body) is one_by_one
    assert ("Not reporting" in body) is one_by_one
    # Members see the team's median band, not a colleague's own line.
    assert ('"name":"Sasha Sales"' in body) is one_by_one


@pytest.mark.parametrize("role", ["sales", "peer"])
def test_members_do_not_see_the_leaderboard_when_the_team_hides_it(as_role, east, role):
    east.leaderboard_visible = False
    east.save()
    body = as_role(role).get(reverse("scoring:team", args=["east"])).content.decode()
    assert "Theo Third" not in body and "Fran Fourth" not in body
    assert 'id="team-band-data"' in body


@pytest.mark.parametrize("role", ROLES)
def test_team_settings(as_role, role, east):
    client = as_role(role)
    url = reverse("tracking:team-settings", args=["east"])
    response = client.post(url, {})  # would switch the leaderboard off
    east.refresh_from_db()
    if role in ("manager", "admin"):
        assert response.status_code == 302 and east.leaderboard_visible is False
        return
    assert east.leaderboard_visible is True
    if role == "anonymous":
        return assert_login_required(response)
    assert_nothing_leaks(response)
    assert_nothing_leaks(client.get(url))


ADMIN_ONLY = [
    ("tracking:manage-teams", []),
    ("tracking:team-members", ["east"]),
    ("scoring:organisation", []),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "args"), ADMIN_ONLY, ids=[n for n, _ in ADMIN_ONLY])
def test_admin_only_pages(as_role, role, name, args):
    response = as_role(role).get(reverse(name, args=args))
    if role == "admin":
        assert response.status_code == 200
        assert "East" in response.content.decode()
    elif role == "anonymous":
        assert_login_required(response)
    else:
        assert_nothing_leaks(response)


@pytest.mark.parametrize("role", ROLES)
def test_compare_two_east_members(as_role, world, role):
    response = as_role(role).get(reverse("scoring:compare"), {"people": [world["sales"].pk, world["peer"].pk]})
    if role in ("manager", "admin"):
        body = response.content.decode()
        assert response.status_code == 200
        assert '"name":"Sasha Sales"' in body and '"name":"Pat Peer"' in body
    elif role == "anonymous":
        assert_login_required(response)
    else:
        # Sasha may see herself, but not Pat: one forbidden person is a 404 for all.
        assert_nothing_leaks(response)


@pytest.mark.parametrize("role", ROLES)
def test_a_members_drill_down(as_role, world, role):
    response = as_role(role).get(reverse("scoring:person-dashboard", args=[world["peer"].pk]))
    body = response.content.decode()
    if role in ("manager", "admin"):
        assert response.status_code == 200 and "Pat Peer" in body and "read-only view" in body
    elif role == "peer":
        assert response.status_code == 200 and "My Social Selling Index" in body
    elif role == "anonymous":
        assert_login_required(response)
    else:
        assert_nothing_leaks(response)


@pytest.mark.parametrize("forged", ["nowhere", "west"])
def test_a_forged_team_slug_is_a_404(as_role, forged):
    assert_nothing_leaks(as_role("manager").get(reverse("scoring:team", args=[forged])))


@pytest.mark.parametrize("people", [["999999"], ["abc", "1"], []])
def test_forged_people_ids_in_compare_are_a_404_or_nothing(as_role, world, people):
    ids = [world["sales"].pk, *people]
    response = as_role("manager").get(reverse("scoring:compare"), {"people": ids})
    if people:
        assert_nothing_leaks(response)
    else:
        assert "Pick at least 2 people." in response.content.decode()


def test_a_manager_cannot_manage_members_by_posting_to_admin_urls(as_role, world, east):
    from tracking.models import Membership

    membership = Membership.objects.get(user=world["peer"], team=east)
    client = as_role("manager")
    assert client.post(reverse("tracking:team-member-remove", args=["east", membership.pk])).status_code == 404
    assert client.post(reverse("tracking:team-member-role", args=["east", membership.pk]), {"role": "manager"}).status_code == 404
    response = client.post(reverse("tracking:team-members", args=["east"]), {"email": "new@example.com", "role": "member"})
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.role == "member"
    assert not Membership.objects.filter(user__email="new@example.com").exists()
