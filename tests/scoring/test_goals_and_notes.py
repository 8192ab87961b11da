"""Setting goals and adding notes on the personal dashboard, and what it then shows."""

import datetime as dt
import json
import re

import plotly.graph_objects as go
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from scoring import person_summary, trends
from scoring.models import Annotation, Goal
from tests.conftest import snap
from tracking.models import Snapshot

TODAY = dt.date(2026, 5, 20)
pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 5, 20, 15, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def history(sales):
    for back, ssi in ((28, 39), (21, 40), (14, 41), (7, 42), (0, 43)):
        snap(sales, TODAY - dt.timedelta(days=back), ssi, pillars=[4, 13, 13, ssi - 30])
    trends.recompute(sales.pk)


@pytest.fixture
def weekly(sales):
    """Five weekly readings, 39 to 43: enough for a trend of exactly +1 a week."""
    for back, ssi in ((28, 39), (21, 40), (14, 41), (7, 42), (0, 43)):
        snap(sales, TODAY - dt.timedelta(days=back), ssi, pillars=[4, 13, 13, ssi - 30])
    trends.recompute(sales.pk)


def _figures(html):
    found = re.findall(r'<script type="application/json" id="([\w-]+)">(.*?)</script>', html, re.S)
    return {name: json.loads(body) for name, body in found}


GOAL = {"target_ssi": "50", "target_date": "2026-12-31"}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["sales", "manager", "admin"])
def test_the_person_their_manager_and_admins_can_set_a_goal(client, request, sales, history, persona):
    setter = request.getfixturevalue(persona)
    client.force_login(setter)
    response = client.post(reverse("scoring:set-goal", args=[sales.pk]), GOAL)
    assert response.status_code == 302
    goal = Goal.objects.get(user=sales)
    assert (goal.target_ssi, goal.target_date, goal.set_by) == (50, dt.date(2026, 12, 31), setter)
    # Their own when they set it; anyone else who may sets the manager's goal.
    assert goal.kind == ("own" if persona == "sales" else "manager")
    # Progress starts from the SSI of the day it was set: 43 today.
    assert (goal.baseline_ssi, goal.baseline_on, goal.replaced_at) == (43, TODAY, None)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["peer", "outsider", "other_manager"])
def test_others_cannot_set_a_goal_or_add_a_note(client, request, sales, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(reverse("scoring:set-goal", args=[sales.pk]), GOAL).status_code == 404
    assert client.post(reverse("scoring:add-annotation", args=[sales.pk]), {"date": "2026-05-01", "note": "x"}).status_code == 404
    assert not Goal.objects.exists() and not Annotation.objects.exists()


@pytest.mark.django_db
def test_goal_and_note_forms_accept_only_post_with_a_csrf_token(sales):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sales)
    assert client.get(reverse("scoring:set-goal", args=[sales.pk])).status_code == 405
    assert client.post(reverse("scoring:set-goal", args=[sales.pk]), GOAL).status_code == 403
    assert client.post(reverse("scoring:add-annotation", args=[sales.pk]), {"date": "2026-05-01", "note": "x"}).status_code == 403


@pytest.mark.django_db
def test_a_goal_out_of_range_or_in_the_past_is_refused_with_a_reason(client, sales, history):
    client.force_login(sales)
    response = client.post(reverse("scoring:set-goal", args=[sales.pk]),
                           {"target_ssi": "120", "target_brand": "30", "target_date": "2026-05-01"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Target SSI must be between 0 and 100." in html
    assert "A pillar target must be between 0 and 25." in html
    assert "Pick a date after today." in html
    assert not Goal.objects.exists()


@pytest.mark.django_db
def test_the_dashboard_shows_goal_progress_and_its_projection(client, sales, weekly):
    Goal.objects.create(user=sales, target_ssi=50, target_date=dt.date(2026, 12, 31), set_by=sales)
    person_summary.refresh([sales.pk])  # as the recompute the goal asks for does
    client.force_login(sales)
    html = client.get(reverse("scoring:dashboard")).content.decode()
    # 43 today, +1 a week: 50 in 7 weeks, 8 July.
    assert 'data-status="on_track"' in html
    assert "reached around 8 Jul 2026" in html
    ssi = _figures(html)["ssi-chart-data"]
    assert {k: ssi["layout"]["shapes"][-1][k] for k in ("type", "y0", "y1")} == {"type": "line", "y0": 50.0, "y1": 50.0}


@pytest.mark.django_db
def test_a_goal_out_of_reach_says_not_on_track(client, sales, weekly):
    Goal.objects.create(user=sales, target_ssi=90, target_date=dt.date(2026, 6, 30), set_by=sales)
    person_summary.refresh([sales.pk])
    client.force_login(sales)
    html = client.get(reverse("scoring:dashboard")).content.decode()
    # 47 points at one a week is 329 days: after 30 June.
    assert 'data-status="late"' in html and "Not on track" in html
    # Too few readings for a trend (the trend line says so): no projection either.
    Snapshot.objects.filter(user=sales, date=TODAY - dt.timedelta(days=28)).delete()
    trends.recompute(sales.pk)
    html = client.get(reverse("scoring:dashboard")).content.decode()
    assert 'class="projection" data-status="no_trend"' in html
    assert "No projection yet: " in html and "a trend needs at least 5 days logged spanning 3 weeks." in html


@pytest.mark.django_db
def test_a_note_is_marked_on_the_charts_with_its_text_escaped(client, sales, history):
    client.force_login(sales)
    note = '<a href="https://evil.example">Profile</a> rewrite'
    response = client.post(reverse("scoring:add-annotation", args=[sales.pk]), {"date": "2026-05-06", "note": note})
    assert response.status_code == 302
    html = client.get(reverse("scoring:dashboard")).content.decode()
    figures = _figures(html)
    for name in ("ssi-chart-data", "pillars-chart-data", "ranks-chart-data"):
        assert figures[name]["layout"]["shapes"][0]["x0"] == "2026-05-06"
        # The note shows on hover of its marker, as data: escaped, never part of the template.
        [notes] = [t for t in figures[name]["data"] if t["name"] == "Notes"]
        assert notes["x"] == ["2026-05-06"]
        assert notes["customdata"] == ['&lt;a href="https://evil.example"&gt;Profile&lt;/a&gt; rewrite']
        assert "%{customdata}" in notes["hovertemplate"] and "evil" not in notes["hovertemplate"]
        go.Figure(figures[name])
    assert "&lt;a href" in html and '<a href="https://evil.example">' not in html
    # In the notes table: 14 days before (41 on 5-06), no reading 30 days before.
    assert Annotation.objects.get().created_by == sales


@pytest.mark.django_db
def test_a_note_in_the_future_is_refused(client, sales, history):
    client.force_login(sales)
    response = client.post(reverse("scoring:add-annotation", args=[sales.pk]), {"date": "2026-05-21", "note": "Later"})
    assert response.status_code == 400
    assert "A note marks a day that has happened" in response.content.decode()


@pytest.mark.django_db
def test_the_dashboard_shows_the_coaching_card_trend_and_standing(client, sales, history):
    client.force_login(sales)
    html = client.get(reverse("scoring:dashboard")).content.decode()
    assert "Most room to grow: Establish your professional brand" in html
    # Five weekly readings, one point a week.
    assert "<strong>+1.00 points a week</strong>" in html
    assert "5 days logged in a row" not in html  # weekly entries: a streak of one
    assert "1 day logged in a row; improved 4 weeks running" in html  # 39, 40, 41, 42, 43
    assert "Not enough evidence yet: a test needs 12 weeks of logged activity" in html  # none logged
