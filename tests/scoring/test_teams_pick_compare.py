"""Managers pick people to compare straight from the leaderboard."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.scoring import team_data
from tests.scoring.team_data import NOW

pytestmark = pytest.mark.django_db
team_history, third, fourth = team_data.team_history, team_data.third, team_data.fourth


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(NOW, tick=False)


class _Picks(HTMLParser):
    """The compare form's action and the inputs that belong to it (by form="…")."""

    def __init__(self):
        super().__init__()
        self.action, self.boxes, self.buttons = None, [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "compare-picks":
            self.action = a["action"]
            assert a.get("method") == "get"
        elif a.get("form") == "compare-picks":
            (self.boxes if tag == "input" else self.buttons).append(a)


def _picks(html: str) -> _Picks:
    parser = _Picks()
    parser.feed(html)
    return parser


def test_a_manager_ticks_two_members_and_gets_them_compared(client, east, manager, team_history):
    client.force_login(manager)
    picks = _picks(client.get(reverse("scoring:team", args=["east"])).content.decode())
    assert picks.action == reverse("scoring:compare")
    boxes = {b["aria-label"]: b for b in picks.boxes}
    # Every member on the board (Pat, Sasha, Fran reporting; Theo not) has a box.
    assert sorted(boxes) == ["Compare Fran Fourth", "Compare Pat Peer", "Compare Sasha Sales", "Compare Theo Third"]
    assert all(b["type"] == "checkbox" and b["name"] == "people" for b in boxes.values())
    assert len(picks.buttons) == 1 and picks.buttons[0]["type"] == "submit"

    chosen = [boxes["Compare Sasha Sales"]["value"], boxes["Compare Pat Peer"]["value"]]
    assert chosen == [str(team_history["sales"].pk), str(team_history["peer"].pk)]
    page = client.get(picks.action, {"people": chosen}).content.decode()
    comparing = re.search(r"<p>Comparing (.*?) · ", page, re.S).group(1)
    assert re.findall(r">([^<]+)</a>", comparing) == ["Sasha Sales", "Pat Peer"]


def test_a_member_gets_no_boxes_to_compare(client, east, sales, team_history):
    client.force_login(sales)
    html = client.get(reverse("scoring:team", args=["east"])).content.decode()
    picks = _picks(html)
    assert picks.action is None and picks.boxes == [] and "Compare selected" not in html


def test_the_people_list_says_how_to_choose_several(client, manager, sales, peer):
    client.force_login(manager)
    html = client.get(reverse("scoring:compare")).content.decode()
    select = re.search(r'<select name="people"[^>]*>', html).group(0)
    hint_id = re.search(r'aria-describedby="([^"]+)"', select).group(1)
    hint = re.search(rf'<[a-z]+ id="{hint_id}">([^<]+)<', html).group(1)
    assert hint == "Hold Ctrl (⌘ on a Mac) to choose several; 2–6 people"


def _board(html: str) -> str:
    return html[html.index('id="leaderboard-title"'):]


def test_below_the_privacy_floor_a_member_sees_who_is_in_the_team_but_no_scores(client, east, sales, peer, manager):
    # Two reporting (60, 64): fewer than the floor of 3.
    team_data.derived(sales, 0, 60, delta7=2, delta30=3)
    team_data.derived(peer, 0, 64, delta7=-1, delta30=-4)
    client.force_login(sales)
    board = _board(client.get(reverse("scoring:team", args=["east"])).content.decode())
    assert "Scores stay hidden until at least 3 members report (now 2)" in board
    assert "Pat Peer" in board and "Sasha Sales" in board
    for score in (">64<", ">60<", "16.0", "+2.0", "-4.0", "Rank", "Trend", "svg"):
        assert score not in board, score

    # Their manager still sees every score.
    client.force_login(manager)
    board = _board(client.get(reverse("scoring:team", args=["east"])).content.decode())
    assert "Scores stay hidden" not in board
    assert "<td>64</td>" in board and "<td>60</td>" in board
    assert '<span class="up">+3.0</span>' in board and '<span class="down">-4.0</span>' in board


def test_at_the_privacy_floor_a_member_sees_the_scores(client, east, sales, team_history):
    client.force_login(sales)
    board = _board(client.get(reverse("scoring:team", args=["east"])).content.decode())
    assert "Scores stay hidden" not in board
    # Pat 64, Sasha 60, Fran 50: three reporting.
    assert "<td>64</td>" in board and "<td>60</td>" in board and "<td>50</td>" in board
