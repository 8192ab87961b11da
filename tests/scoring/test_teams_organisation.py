"""The organisation page's headline counts the people its table is made of."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.conftest import make_user
from tests.scoring.team_data import NOW, derived
from tracking.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(NOW, tick=False)


def test_the_headline_counts_each_member_once_and_leaves_out_managers_and_people_in_no_team(
        client, admin, east, west, sales, peer, outsider, manager, other_manager):
    # East: Sasha, Pat (members), Morgan (manager). West: Olly, Sasha (members), Wes (manager).
    Membership.objects.create(user=sales, team=west)
    derived(sales, 0, 60)
    derived(outsider, 0, 30)
    derived(manager, 0, 90)  # a manager's own reading: not a member's
    loner = make_user("loner@example.com", name="Lone Ranger")  # in no team
    derived(loner, 0, 10)
    client.force_login(admin)
    html = client.get(reverse("scoring:organisation")).content.decode()
    headline = re.search(r'<p class="org-count">(.*?)</p>', html, re.S).group(1)
    # Members: Sasha, Pat, Olly = 3 (Sasha in two teams, once); reporting: Sasha 60, Olly 30 → median 45.
    assert headline == ("3 members in 2 teams (1 in more than one team, counted once) · 2 reporting in the last 7 days"
                        " · median SSI 45.0 · Latest readings as of 20 May")
    table = html[html.rindex("<tbody>"):html.rindex("</tbody>")]
    rows = {name: re.findall(r"<td>([^<]*)</td>", rest)[:2]
            for name, rest in re.findall(r'<td><a href="[^"]+">([^<]+)</a></td>(.*?)</tr>', table, re.S)}
    # Each team's members and reporting: East Sasha, Pat (Sasha reports); West Olly, Sasha (both report).
    assert rows == {"East": ["2", "1"], "West": ["2", "2"]}


def test_manage_teams_sits_in_the_page_header_not_in_the_range_selector(client, admin, east):
    client.force_login(admin)
    html = client.get(reverse("scoring:organisation")).content.decode()
    header = re.search(r'<div class="page-header">.*?</div>', html, re.S).group(0)
    ranges = re.search(r'<nav class="range-selector" aria-label="Date range">.*?</nav>', html, re.S).group(0)
    assert f'href="{reverse("tracking:manage-teams")}"' in header
    assert "Manage teams" not in ranges
    assert "0 members in 1 team · 0 reporting in the last 7 days · Latest" in html
