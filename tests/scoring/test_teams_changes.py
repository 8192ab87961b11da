"""A change that shows as 0.0 is neither a gain nor a fall."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from scoring import teams
from tests.conftest import make_user
from tests.scoring.team_data import NOW, TODAY, derived
from tracking.models import Membership

pytestmark = pytest.mark.django_db

# 30-day change → what the leaderboard shows, and its class (hand-rounded to one decimal, half-up).
CHANGES = {
    "Ann Minus": ("-0.04", "0.0", ""),
    "Ben Zero": ("0.0", "0.0", ""),
    "Cat Plus": ("0.04", "0.0", ""),
    "Dan Down": ("-0.05", "-0.1", "down"),
    "Eve Up": ("0.05", "+0.1", "up"),
}


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def changed(east):
    for i, (name, (delta, _, _)) in enumerate(CHANGES.items()):
        user = make_user(f"person{i}@example.com", name=name)
        Membership.objects.create(user=user, team=east)
        derived(user, 0, 50 + i, delta7=delta, delta30=delta)


def test_only_changes_that_show_as_non_zero_are_rising_or_slipping(east, changed):
    rising, slipping = teams.rising_and_slipping(teams.leaderboard(east, TODAY))
    assert [r.name for r in rising] == ["Eve Up"]
    assert [r.name for r in slipping] == ["Dan Down"]


def test_the_leaderboard_shows_a_zero_change_as_a_plain_0_0(client, east, manager, changed):
    client.force_login(manager)
    html = client.get(reverse("scoring:team", args=["east"])).content.decode()
    board = html[html.index('id="leaderboard-title"'):]
    for name, (_, shown, css) in CHANGES.items():
        row = re.search(rf"<tr>(?:(?!</tr>).)*>{name}</a>(?:(?!</tr>).)*</tr>", board, re.S).group(0)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        # Compare box, rank, rank change, name, SSI, 7-day change, 30-day change, ...
        assert cells[5] == cells[6] == f'<span class="{css}">{shown}</span>', name
    lists = html[:html.index('id="leaderboard-title"')]
    rising = lists[lists.index("<h2>Rising</h2>"):lists.index("<h2>Slipping</h2>")]
    slipping = lists[lists.index("<h2>Slipping</h2>"):lists.index("<h2>Not reporting</h2>")]
    assert re.findall(r">([A-Z][a-z]+ [A-Z][a-z]+)</a>", rising) == ["Eve Up"]
    assert re.findall(r">([A-Z][a-z]+ [A-Z][a-z]+)</a>", slipping) == ["Dan Down"]
    assert '<span class="up">+0.1</span>' in rising and '<span class="down">-0.1</span>' in slipping


def test_the_dashboard_shows_a_zero_change_without_a_sign_or_colour(client, east):
    user = make_user("own@example.com", name="Own Person")
    Membership.objects.create(user=user, team=east)
    derived(user, 0, 50, delta7="-0.04", delta30="0.05")
    client.force_login(user)
    html = client.get(reverse("scoring:dashboard")).content.decode()
    assert '<span class="value ">0.0</span><span class="label">7-day change' in html
    assert '<span class="value up">+0.1</span><span class="label">30-day change' in html
