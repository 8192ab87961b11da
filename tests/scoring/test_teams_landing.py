"""Each role lands where its work is, and "My SSI" stays one click away."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.scoring import team_data
from tests.scoring.team_data import NOW
from tracking.models import Membership

pytestmark = pytest.mark.django_db
team_history, third, fourth = team_data.team_history, team_data.third, team_data.fourth


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(NOW, tick=False)


def _log_in(client, email, next_url=None):
    data = {"username": email, "password": "pw-for-tests"}
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    return response


def _final(response) -> str:
    return response.redirect_chain[-1][0] if response.redirect_chain else response.request["PATH_INFO"]


def _nav(response) -> str:
    return re.search(r'<nav aria-label="Main">.*?</nav>', response.content.decode(), re.S).group(0)


def test_a_salesperson_lands_on_their_own_ssi(client, sales):
    response = _log_in(client, "sales@example.com")
    assert _final(response) == "/"
    assert response.context["person"] == sales
    assert 'href="/me/">My SSI<' in _nav(response)
    assert client.get("/").context["person"] == sales
    assert client.get("/me/").context["person"] == sales


def test_a_manager_of_one_team_lands_on_that_team(client, manager):
    response = _log_in(client, "manager@example.com")
    assert _final(response) == "/teams/east/"
    assert "<h1>East</h1>" in response.content.decode()
    assert 'href="/me/">My SSI<' in _nav(response)
    assert client.get("/")["Location"] == "/teams/east/"
    # Their own dashboard keeps its own address.
    own = client.get("/me/")
    assert own.status_code == 200 and own.context["person"] == manager


def test_an_admin_lands_on_the_organisation(client, admin):
    response = _log_in(client, "admin@example.com")
    assert _final(response) == "/organisation/"
    assert 'href="/me/">My SSI<' in _nav(response)
    assert client.get("/")["Location"] == "/organisation/"
    assert client.get("/me/").status_code == 200


def test_next_still_wins_over_the_landing_page(client, manager, admin):
    assert _final(_log_in(client, "manager@example.com", next_url="/me/")) == "/me/"
    client.logout()
    assert _final(_log_in(client, "admin@example.com", next_url="/teams/")) == "/teams/"


def test_a_manager_of_several_teams_lands_on_a_summary_of_each(client, east, west, manager, team_history):
    # West: the outsider (30 today) reports; Morgan manages both teams.
    Membership.objects.create(user=manager, team=west, role=Membership.Role.MANAGER)
    response = _log_in(client, "manager@example.com")
    assert _final(response) == "/my-teams/"
    assert client.get("/")["Location"] == "/my-teams/"
    html = response.content.decode()
    rows = re.findall(r"<tr>\s*<th scope=\"row\"><a href=\"([^\"]+)\">([^<]+)</a></th>(.*?)</tr>", html, re.S)
    cells = {name: (link, re.findall(r"<td>([^<]*)</td>", rest)) for link, name, rest in rows}
    # East (team_data): 4 members, 3 reporting (50, 60, 64 → median 60); West: 1 member reporting 30.
    assert cells["East"] == ("/teams/east/", ["4", "3", "60.0", "Latest readings as of 20 May"])
    assert cells["West"] == ("/teams/west/", ["1", "1", "30.0", "Latest readings as of 20 May"])
    assert 'href="/me/">My SSI<' in _nav(response)


def test_the_team_summary_is_only_for_managers(client, sales):
    client.force_login(sales)
    assert client.get("/my-teams/").status_code == 404

