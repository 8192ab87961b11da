"""The team page as a manager and as a member see it, its htmx updates, the
compare view and the organisation view."""

import datetime as dt
import json
import re
from decimal import Decimal

import plotly.graph_objects as go
import pytest
from django.urls import reverse

from scoring import organisation_figures, team_summary, teams
from scoring.models import TeamDay, TeamSummary
from tests.conftest import make_user
from tests.scoring import team_data
from tests.scoring.team_data import NOW, day, derived
from tracking.models import Membership

pytestmark = pytest.mark.django_db
# The hand-worked team (tests/scoring/team_data.py), as fixtures here.
team_history, third, fourth = team_data.team_history, team_data.third, team_data.fourth


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(NOW, tick=False)


def _figures(html: str) -> dict[str, dict]:
    found = re.findall(r'<script type="application/json" id="([\w-]+)">(.*?)</script>', html, re.S)
    return {name: json.loads(body) for name, body in found}


def _team_days(team, values, metric="ssi", reporting=3):
    for offset, median in values.items():
        TeamDay.objects.create(team=team, date=day(offset), metric=metric, members=4, reporting=reporting,
                               mean=median, median=median, p25=median - 5, p75=median + 5,
                               min=median - 10, max=median + 10)


def _rows(html: str) -> list[str]:
    body = html.split('<table class="leaderboard">', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", tr)).strip() for tr in body.split("</tr>") if "<td" in tr]


def test_a_manager_sees_the_leaderboard_lists_and_every_chart(client, east, manager, team_history):
    _team_days(east, {3: Decimal(58), 1: Decimal(60)})
    client.force_login(manager)
    response = client.get(reverse("scoring:team", args=["east"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert _rows(html)[0].startswith("1 ▲1 Pat Peer 64 -2.0 -6.0 16.0 16.0 16.0 16.0 2026-05-19")
    assert _rows(html)[1].startswith("2 ▼1 Sasha Sales 60 -7.0 +8.0")
    # Theo has not reported for 20 days: unranked, his last values greyed out.
    assert _rows(html)[3] == "– – Theo Third 40 – – 10.0 10.0 10.0 10.0 2026-04-30"
    assert '<tr class="muted">' in html
    assert f'href="{reverse("scoring:person-dashboard", args=[team_history["peer"].pk])}"' in html
    assert "Rising" in html and "Not reporting" in html and "last 30 Apr 2026" in html
    figures = _figures(html)
    assert set(figures) == {"team-band-data", "pillar-boxes-data", "team-versus-org-data", "team-heatmap-data"}
    band = figures["team-band-data"]["data"]
    # Every member's line (Theo's D-20 is inside the 90 days), then the band and its median.
    assert [t["name"] for t in band[-3:]] == ["25th percentile", "Middle half of the team (p25–p75)", "Team median"]
    assert band[-1]["y"] == [58.0, None, 60.0]
    assert {t["name"] for t in band[:-3]} == {"Pat Peer", "Sasha Sales", "Fran Fourth", "Theo Third"}
    for figure in figures.values():
        go.Figure(figure)
    assert 'src="/static/django_htmx/htmx-2.min.js"' in html


def test_a_member_sees_the_aggregate_and_leaderboard_but_nobody_elses_lines(client, east, sales, team_history):
    _team_days(east, {3: Decimal(58), 1: Decimal(60)})
    client.force_login(sales)
    html = client.get(reverse("scoring:team", args=["east"])).content.decode()
    figures = _figures(html)
    assert set(figures) == {"team-band-data", "pillar-boxes-data", "team-versus-org-data"}
    assert [t["name"] for t in figures["team-band-data"]["data"]][0] == "25th percentile"
    assert "Pat Peer" in html  # the leaderboard, which East leaves visible
    assert "person-dashboard" not in html and "/people/" not in html
    assert "Not reporting" not in html and "Slipping" not in html
    assert "Line up members by" not in html


def test_members_lose_the_leaderboard_when_the_team_hides_it(client, east, sales, team_history):
    east.leaderboard_visible = False
    east.save()
    client.force_login(sales)
    html = client.get(reverse("scoring:team", args=["east"])).content.decode()
    assert "Pat Peer" not in html and "Theo Third" not in html
    assert "keep the leaderboard to themselves" in html


def test_below_three_reporting_members_see_no_team_averages(client, east, sales, peer):
    derived(sales, 0, 60)
    derived(peer, 0, 64)
    _team_days(east, {0: Decimal(62)}, reporting=2)
    client.force_login(sales)
    html = client.get(reverse("scoring:team", args=["east"])).content.decode()
    assert "appear once at least 3 members report (now 2)" in html
    assert "62.0" not in html
    assert set(_figures(html)) == set()


def test_range_metric_and_sort_come_from_the_url_and_htmx_gets_only_the_panel(client, east, manager, team_history):
    _team_days(east, {3: Decimal(14), 1: Decimal(15)}, metric="brand")
    client.force_login(manager)
    url = reverse("scoring:team", args=["east"]) + "?range=30&metric=brand&sort=delta30&dir=desc"
    response = client.get(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and 'id="team-panel"' not in html
    assert "HX-Request" in response["Vary"]
    assert [r.split(" ")[2] for r in _rows(html)] == ["Sasha", "Pat", "Fran", "Theo"]
    band = _figures(html)["team-band-data"]
    # Scaled to the brand values drawn (the median 14–15, members' lines around it), not 0–25.
    low, high = band["layout"]["yaxis"]["range"]
    assert 0 < low < 14 and 15 < high < 25 and high - low >= 4
    assert band["data"][-1]["y"] == [14.0, None, 15.0]
    assert 'name="sort" value="delta30"' in html
    # Sorting by SSI next flips nothing else: range and metric stay in the link.
    assert "?range=30&amp;metric=brand&amp;align=calendar&amp;sort=ssi&amp;dir=desc" in html


def test_filtering_the_leaderboard_by_name(client, east, manager, team_history):
    client.force_login(manager)
    html = client.get(reverse("scoring:team", args=["east"]), {"q": "fran"}).content.decode()
    assert [r.split(" ")[2] for r in _rows(html)] == ["Fran"]
    html = client.get(reverse("scoring:team", args=["east"]), {"q": "nobody"}).content.decode()
    assert "No member matches this filter." in html


def test_days_since_start_puts_everyone_on_their_own_first_day(client, east, manager, team_history):
    client.force_login(manager)
    html = client.get(reverse("scoring:team", args=["east"]), {"align": "start", "range": "30"}).content.decode()
    figure = _figures(html)["team-band-data"]
    assert figure["layout"]["xaxis"]["title"]["text"] == "days since first logged day"
    lines = {t["name"]: t for t in figure["data"] if t.get("showlegend") is False and "fill" not in t}
    # Sasha's first 30 days: day 0 at 50 and day 7 at 52; a week without a
    # reading is bridged (a longer silence would break the line).
    assert lines["Sasha Sales"]["x"][:2] == [0, 7]
    assert lines["Sasha Sales"]["y"][:2] == [50.0, 52.0]
    # Day 0 is the one step where at least three people have a value: 40, 50, 50, 70.
    median = figure["data"][-1]
    assert (median["x"], median["y"]) == ([0], [50.0])


def test_a_long_range_is_drawn_weekly_and_stays_small(client, east, manager, team_history):
    client.force_login(manager)
    html = client.get(reverse("scoring:team", args=["east"]), {"range": "all"}).content.decode()
    assert "weekly means" in html
    line = next(t for t in _figures(html)["team-band-data"]["data"] if t["name"] == "Sasha Sales")
    assert line["x"][:2] == ["2026-04-13", "2026-04-20"]


def test_the_team_list_shows_only_ones_own_teams(client, sales, west):
    client.force_login(sales)
    html = client.get(reverse("scoring:teams")).content.decode()
    assert "East" in html and "West" not in html


def test_the_team_page_costs_the_same_queries_for_any_team_size(client, east, manager, team_history,
                                                              django_assert_num_queries):
    client.force_login(manager)
    url = reverse("scoring:team", args=["east"])
    client.get(url)  # warm the session
    # 1 session, 2 user, 3 team by slug with whether the viewer manages it,
    # 4 the members' time zones (the team's day), 5 leaderboard rows (stored
    # summaries), 6 the team's stored default view (none yet), 7 sparkline
    # series (also the members' lines and, by week, the heatmap), 8 team band
    # (TeamDay), 9 the organisation's stored spread (none yet), 10 the
    # organisation's spread computed.
    with django_assert_num_queries(10):
        client.get(url)
    for i in range(6):
        person = make_user(f"extra{i}@example.com", name=f"Extra {i}")
        Membership.objects.create(user=person, team=east)
        derived(person, i, 40 + i)
    with django_assert_num_queries(10):
        html = client.get(url).content.decode()
    assert "Extra 5" in html
    # Once the recompute has stored the default view and the organisation's
    # spread, the page reads them: no series, no band and no spread of its own.
    team_summary.refresh([east.pk])
    organisation_figures.refresh_spreads()
    with django_assert_num_queries(7):
        assert "Extra 5" in client.get(url).content.decode()


def test_the_stored_default_view_draws_what_the_page_would_draw_itself(client, east, manager, team_history):
    _team_days(east, {3: Decimal(58), 1: Decimal(60)})
    client.force_login(manager)
    url = reverse("scoring:team", args=["east"])
    drawn = client.get(url).content.decode()
    team_summary.refresh([east.pk])
    stored = client.get(url).content.decode()
    assert _figures(stored) == _figures(drawn)
    assert _rows(stored) == _rows(drawn)
    assert re.findall(r'<polyline points="([^"]+)"', stored) == re.findall(r'<polyline points="([^"]+)"', drawn)


def test_a_renamed_member_or_a_new_day_is_drawn_afresh_not_read_from_the_stored_view(
        client, east, manager, team_history, time_machine):
    client.force_login(manager)
    url = reverse("scoring:team", args=["east"])
    team_summary.refresh([east.pk])
    sales = team_history["sales"]
    sales.name = "Sasha Renamed"
    sales.save(update_fields=["name"])
    figures = _figures(client.get(url).content.decode())
    assert "Sasha Renamed" in [t["name"] for t in figures["team-band-data"]["data"]]
    assert "Sasha Renamed" in figures["team-heatmap-data"]["data"][0]["y"]
    # Stored again, it serves its own day; the next day's page (another 90
    # days) draws its own until the nightly run stores that day's.
    team_summary.refresh([east.pk])
    assert team_summary.read(east, day(0), teams.leaderboard(east, day(0))) is not None
    time_machine.move_to(NOW + dt.timedelta(days=1), tick=False)
    assert teams.team_day(east) == day(-1)
    assert team_summary.read(east, day(-1), teams.leaderboard(east, day(-1))) is None


def test_a_recompute_brings_the_stored_view_up_to_date(client, east, manager, team_history):
    from scoring import trends
    from tracking.models import Snapshot

    client.force_login(manager)
    url = reverse("scoring:team", args=["east"])
    team_summary.refresh([east.pk])
    peer = team_history["peer"]
    Snapshot.objects.create(user=peer, date=day(0), ssi=Decimal("71"), brand=Decimal("17"), people=Decimal("18"),
                            insights=Decimal("18"), relationships=Decimal("18"))
    trends.recompute_with_teams([peer.pk], day(0))
    assert TeamSummary.objects.get(team=east).as_of == day(0)
    band = _figures(client.get(url).content.decode())["team-band-data"]["data"]
    pat = next(t for t in band if t["name"] == "Pat Peer")
    assert (pat["x"][-1], pat["y"][-1]) == (day(0).isoformat(), 71.0)


def test_a_new_member_shows_on_the_team_page_at_once(client, east, manager, team_history):
    client.force_login(manager)
    url = reverse("scoring:team", args=["east"])
    assert "Newcomer" not in client.get(url).content.decode()
    person = make_user("newcomer@example.com", name="Newcomer")
    Membership.objects.create(user=person, team=east)
    derived(person, 0, 50)
    assert "Newcomer" in client.get(url).content.decode()


def test_compare_overlays_two_people_a_manager_may_see(client, manager, sales, peer, team_history):
    client.force_login(manager)
    response = client.get(reverse("scoring:compare"), {"people": [sales.pk, peer.pk], "range": "90"})
    figures = _figures(response.content.decode())
    assert set(figures) == {f"compare-{m}-data" for m in ("ssi", "brand", "people", "insights", "relationships")}
    ssi = figures["compare-ssi-data"]["data"]
    assert [t["name"] for t in ssi] == ["Sasha Sales", "Pat Peer"]
    assert ssi[1]["x"][-1] == day(1).isoformat() and ssi[1]["y"][-1] == 64.0
    for figure in figures.values():
        go.Figure(figure)


def test_compare_needs_two_to_six_people(client, manager, sales):
    client.force_login(manager)
    html = client.get(reverse("scoring:compare"), {"people": [sales.pk]}).content.decode()
    assert "Pick at least 2 people." in html and "application/json" not in html


def test_the_organisation_view_puts_teams_side_by_side(client, admin, east, west, team_history):
    _team_days(east, {3: Decimal(58), 1: Decimal(60)})
    client.force_login(admin)
    html = client.get(reverse("scoring:organisation"), {"range": "30"}).content.decode()
    figures = _figures(html)
    medians = figures["org-medians-data"]["data"]
    assert [t["name"] for t in medians] == ["East"]
    assert medians[0]["y"] == [58.0, 60.0]  # one day without a median is bridged, not a dash
    boxes = figures["org-boxes-data"]["data"]
    assert [(b["name"], b["median"]) for b in boxes] == [("East", [60.0]), ("West", [30.0])]
    assert f'href="{reverse("scoring:team", args=["west"])}"' in html


def test_a_salesperson_is_told_compare_is_for_managers(client, sales):
    client.force_login(sales)
    html = client.get(reverse("scoring:compare")).content.decode()
    assert "you do not manage a team" in html and 'name="people"' not in html


@pytest.mark.django_db
def test_only_people_who_can_compare_see_the_compare_link_on_the_teams_list(client, sales, manager):
    client.force_login(sales)
    assert "Compare people" not in client.get("/teams/").content.decode()
    client.force_login(manager)
    assert 'href="/compare/">Compare people</a>' in client.get("/teams/").content.decode()
