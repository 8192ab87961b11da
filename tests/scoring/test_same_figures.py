"""One person, the same figures everywhere: dashboard, team page, compare, the
organisation view, the API, the CSV export and the weekly email.

Sam works in London; Morgan, who manages Sam's team, and the admin are in New
York. At 02:00 UTC on Wednesday 2 December it is already the 2nd in London
(GMT) and still 21:00 on the 1st in New York. Sam logged that morning.

Sam's readings, worked out by hand:
- 2 Nov 40 (10/10/10/10), 25 Nov 43.5, 1 Dec 44.2, 2 Dec 44.7 (11.48/11.1/11.02/11.1);
- 7-day change: the latest reading in [22 Nov, 25 Nov] is 25 Nov's 43.5 → +1.2;
- 30-day change: the latest in [30 Oct, 2 Nov] is 2 Nov's 40 → +4.7;
- shown as LinkedIn does: SSI 45 (44.7 rounded), changes to one decimal.
Had the team page used the New York manager's day, it would show 1 Dec's 44.2
(44, +0.7 against 25 Nov, +4.2 against 2 Nov).
"""

import csv
import datetime as dt
import io
import json
import re

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from scoring import notifications, trends
from tests.conftest import make_user, snap
from tracking.api import auth
from tracking.models import Membership, Team

NOW = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
# The following Monday, 08:00 in London: the weekly email is due.
MONDAY = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
PILLARS = ["11.48", "11.1", "11.02", "11.1"]


def _figures(html: str) -> dict[str, dict]:
    found = re.findall(r'<script type="application/json" id="([\w-]+)">(.*?)</script>', html, re.S)
    return {name: json.loads(body) for name, body in found}


@pytest.fixture
def world(db):
    uk = Team.objects.create(name="UK", slug="uk")
    us = Team.objects.create(name="US", slug="us")
    sam = make_user("sam@example.com", name="Sam Seller", time_zone="Europe/London")
    pat = make_user("pat@example.com", name="Pat Peer", time_zone="America/New_York")
    morgan = make_user("morgan@example.com", name="Morgan Manager", time_zone="America/New_York")
    admin = make_user("boss@example.com", name="Ada Admin", time_zone="America/New_York", is_staff=True)
    Membership.objects.create(user=sam, team=uk)
    Membership.objects.create(user=pat, team=us)
    for team in (uk, us):
        Membership.objects.create(user=morgan, team=team, role=Membership.Role.MANAGER)
    snap(sam, dt.date(2026, 11, 2), 40, pillars=[10, 10, 10, 10])
    snap(sam, dt.date(2026, 11, 25), "43.5", pillars=["11", "11", "11", "10.5"])
    snap(sam, dt.date(2026, 12, 1), "44.2", pillars=["11.2", "11", "11", "11"])
    snap(sam, dt.date(2026, 12, 2), "44.7", pillars=PILLARS)
    snap(pat, dt.date(2026, 12, 1), 50)
    with time_machine.travel(NOW, tick=False):
        trends.recompute_with_teams([sam.pk, pat.pk])
    return {"sam": sam, "pat": pat, "morgan": morgan, "admin": admin}


def _get(client, viewer, url, params=None) -> str:
    client.force_login(viewer)
    with time_machine.travel(NOW, tick=False):
        response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_one_person_shows_the_same_figures_on_every_page_email_api_and_export(client, world):
    sam, morgan = world["sam"], world["morgan"]

    # The dashboard, as Sam and as the New York manager see it.
    for viewer in (sam, morgan):
        html = _get(client, viewer, reverse("scoring:person-dashboard", args=[sam.pk]))
        assert '<span class="value">45</span><span class="label">SSI today</span>' in html
        assert "As of 2 December 2026" in html
        assert '<span class="value up">+1.2</span><span class="label">7-day change' in html
        assert '<span class="value up">+4.7</span><span class="label">30-day change' in html
        assert _figures(html)["pillar-bars-data"]["data"][0]["x"] == [11.48, 11.1, 11.02, 11.1]

    # The team page (the leaderboard), as the manager in New York sees it.
    html = _get(client, morgan, reverse("scoring:team", args=["uk"]))
    assert "Latest readings as of 2 December" in html
    row = re.search(r"Sam Seller</a></td>(.*?)</tr>", html, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
    # SSI, 7- and 30-day change, the four pillars, last logged (then the sparkline).
    assert cells[:8] == ["45", "+1.2", "+4.7", "11.5", "11.1", "11.0", "11.1", "2026-12-02"]

    # Compare: Sam's line ends on the 2nd at 44.7, each pillar at its value to one
    # decimal, as team charts and the leaderboard show them.
    html = _get(client, morgan, reverse("scoring:compare"), {"people": [sam.pk, world["pat"].pk], "range": "30"})
    assert "Latest readings as of 2 December" in html
    figures = _figures(html)
    for metric, value in zip(("ssi", "brand", "people", "insights", "relationships"),
                             (44.7, 11.5, 11.1, 11.0, 11.1), strict=True):
        [line] = [t for t in figures[f"compare-{metric}-data"]["data"] if t["name"] == "Sam Seller"]
        assert (line["x"][-1][:10], line["y"][-1]) == ("2026-12-02", value)

    # The organisation view: Sam alone reports for UK, so its median is Sam's 44.7.
    html = _get(client, world["admin"], reverse("scoring:organisation"))
    assert "Latest readings as of 2 December" in html
    uk = re.search(r">UK</a></td>(.*?)</tr>", html, re.S).group(1)
    assert [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td>(.*?)</td>", uk)] == ["1", "1", "44.7", "44.7–44.7"]

    # The API: Sam's own trends, and the manager's team days.
    with time_machine.travel(NOW, tick=False):
        sam_key = auth.create_token(sam, "laptop")[1]
        body = client.get("/api/v1/trends", HTTP_AUTHORIZATION=f"Bearer {sam_key}").json()
        morgan_key = auth.create_token(morgan, "laptop")[1]
        team = client.get("/api/v1/teams/uk/days", HTTP_AUTHORIZATION=f"Bearer {morgan_key}").json()
    last = body["days"][-1]
    assert (last["date"], last["ssi"], last["delta7"], last["delta30"]) == ("2026-12-02", 44.7, 1.2, 4.7)
    assert [last[p] for p in ("brand", "people", "insights", "relationships")] == [11.48, 11.1, 11.02, 11.1]
    latest = body["latest"]
    assert (latest["as_of"], latest["ssi"], latest["delta7"], latest["delta30"], latest["brand"]) == (
        "2026-12-02", 44.7, 1.2, 4.7, 11.48)
    assert (team["days"][-1]["date"], team["days"][-1]["median"], team["days"][-1]["reporting"]) == (
        "2026-12-02", 44.7, 1)

    # The CSV export.
    out = io.StringIO()
    call_command("export_ssi", user=sam.email, stdout=out)
    last_row = list(csv.DictReader(io.StringIO(out.getvalue())))[-1]
    assert [last_row[k] for k in ("date", "ssi", "brand", "people", "insights", "relationships")] == [
        "2026-12-02", "44.7", *PILLARS]

    # The weekly email, the following Monday morning in London.
    assert notifications.send_weekly_digests(MONDAY) >= 1
    [email] = [m for m in mail.outbox if m.to == [sam.email]]
    assert email.subject == "Your SSI this week: 45"
    assert "- SSI 45 on 2 December: +1.2 in 7 days." in email.body
    # Between 25 Nov and 2 Dec: brand +0.48, people +0.1, insights +0.02, relationships +0.6.
    assert "- Biggest pillar move: Build relationships, +0.6." in email.body
