"""The personal dashboard, as a salesperson and their manager see it."""

import datetime as dt
import json
import re

import plotly.graph_objects as go
import pytest
import time_machine
from django.urls import reverse

from scoring import trends
from scoring.models import PersonSummary
from tests.conftest import snap

TODAY = dt.date(2026, 5, 20)


def _figures(html: str) -> dict[str, dict]:
    found = re.findall(r'<script type="application/json" id="([\w-]+)">(.*?)</script>', html, re.S)
    return {name: json.loads(body) for name, body in found}


@pytest.fixture
def history(sales):
    # 60, gap, 62 a week later, then today 64: deltas and gaps are visible.
    snap(sales, TODAY - dt.timedelta(days=8), 60, pillars=[15, 15, 15, 15], industry_rank=10, network_rank=12)
    snap(sales, TODAY - dt.timedelta(days=7), 61, pillars=[15, 16, 15, 15], industry_rank=9, network_rank=11)
    snap(sales, TODAY - dt.timedelta(days=1), 62, pillars=[16, 16, 15, 15], industry_rank=8, network_rank=11)
    snap(sales, TODAY, 64, pillars=[16, 17, 15, 16], industry_rank=7, network_rank=10)
    trends.recompute(sales.pk)


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 5, 20, 15, 0, tzinfo=dt.UTC))
def test_it_shows_headline_figures_and_charts_for_a_person_with_data(client, sales, history):
    client.force_login(sales)
    response = client.get(reverse("scoring:dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<span class="value">64</span><span class="label">SSI today</span>' in html
    # 64 today against 61 seven days ago.
    assert '<span class="value up">+3.0</span><span class="label">7-day change' in html
    figures = _figures(html)
    assert set(figures) == {"ssi-chart-data", "pillar-bars-data", "pillars-chart-data", "ranks-chart-data"}
    ssi = figures["ssi-chart-data"]["data"][0]
    # A null breaks the line between the 13th and the 19th: a gap, not an invented line.
    assert ssi["x"] == ["2026-05-12", "2026-05-13", "2026-05-14", "2026-05-19", "2026-05-20"]
    assert ssi["y"] == [60.0, 61.0, None, 62.0, 64.0]
    assert figures["ranks-chart-data"]["layout"]["yaxis"]["autorange"] == "reversed"
    assert figures["pillar-bars-data"]["data"][0]["x"] == [16.0, 17.0, 15.0, 16.0]
    for fig in figures.values():
        go.Figure(fig)  # each builder's output is a valid Plotly figure
    assert 'src="/static/plotly/plotly-charts.min.js"' in html


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 5, 20, 15, 0, tzinfo=dt.UTC))
def test_the_ssi_chart_draws_the_averages_linkedin_showed_with_each_snapshot(client, sales, history):
    sales.snapshots.filter(date=TODAY - dt.timedelta(days=7)).update(industry_avg="24.5", network_avg="31.25")
    sales.snapshots.filter(date=TODAY).update(industry_avg="25")
    client.force_login(sales)
    traces = {t["name"]: t for t in _figures(client.get(reverse("scoring:dashboard")).content.decode())
              ["ssi-chart-data"]["data"]}
    # Only the days with an average, a gap between days apart.
    assert traces["Industry average"]["x"] == ["2026-05-13", "2026-05-14", "2026-05-20"]
    assert traces["Industry average"]["y"] == [24.5, None, 25.0]
    assert traces["Network average"]["y"] == [31.25, None, None]


@pytest.mark.django_db
def test_a_new_person_sees_how_to_add_their_first_snapshot(client, sales):
    client.force_login(sales)
    html = client.get(reverse("scoring:dashboard")).content.decode()
    assert "Log your first snapshot" in html
    assert "application/json" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["peer", "outsider", "other_manager"])
def test_others_asking_for_a_persons_dashboard_get_404(client, request, sales, history, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("scoring:person-dashboard", args=[sales.pk]))
    assert response.status_code == 404
    assert b"Sasha" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["manager", "admin"])
def test_their_manager_and_admins_see_a_persons_dashboard_read_only(client, request, sales, history, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("scoring:person-dashboard", args=[sales.pk]))
    assert response.status_code == 200
    assert "Sasha Sales" in response.content.decode()
    assert "read-only view" in response.content.decode()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, sales):
    response = client.get(reverse("scoring:person-dashboard", args=[sales.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_a_name_cannot_inject_script_into_the_figure_json(client, sales, history):
    sales.name = '</script><script>alert(1)</script><a href="https://evil">x</a>'
    sales.save()
    client.force_login(sales)
    html = client.get(reverse("scoring:person-dashboard", args=[sales.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert '<a href="https://evil">' not in html


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 5, 20, 15, 0, tzinfo=dt.UTC))
def test_the_range_selector_limits_the_charts(client, sales, history):
    snap(sales, TODAY - dt.timedelta(days=200), 40, pillars=[10, 10, 10, 10])
    trends.recompute(sales.pk)
    client.force_login(sales)
    short = _figures(client.get(reverse("scoring:dashboard"), {"range": "30"}).content.decode())
    everything = _figures(client.get(reverse("scoring:dashboard"), {"range": "all"}).content.decode())
    assert short["ssi-chart-data"]["data"][0]["x"][0] == "2026-05-12"
    assert everything["ssi-chart-data"]["data"][0]["x"][0] == "2025-11-01"


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 5, 20, 15, 0, tzinfo=dt.UTC))
def test_the_dashboard_reads_stored_figures_in_a_fixed_number_of_queries(client, sales, history,
                                                                         django_assert_num_queries):
    client.force_login(sales)
    client.get(reverse("scoring:dashboard"))
    # 1 session, 2 user, 3 the range's days with the snapshots' industry and
    # network averages, 4 the stored summary, 5 goals (current and earlier),
    # 6 notes, 7 anomalies, 8 pending recompute requests, 9 the latest
    # standing in each team; nothing computed.
    with django_assert_num_queries(9):
        assert '<span class="value">64</span>' in client.get(reverse("scoring:dashboard")).content.decode()
    for back in range(30, 400):
        snap(sales, TODAY - dt.timedelta(days=back), 50)
    trends.recompute(sales.pk)
    with django_assert_num_queries(9):
        assert "374 days logged" in client.get(reverse("scoring:dashboard")).content.decode()


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 5, 20, 15, 0, tzinfo=dt.UTC))
def test_a_recompute_shows_at_once(client, sales, history):
    client.force_login(sales)
    client.get(reverse("scoring:dashboard"))
    sales.snapshots.filter(date=TODAY).update(ssi=70, brand=17.5, people=17.5, insights=17.5, relationships=17.5)
    trends.recompute(sales.pk, TODAY)
    html = client.get(reverse("scoring:dashboard")).content.decode()
    assert '<span class="value">70</span><span class="label">SSI today</span>' in html
    # 70 against 61 seven days before.
    assert '<span class="value up">+9.0</span><span class="label">7-day change' in html


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 5, 20, 15, 0, tzinfo=dt.UTC))
def test_a_new_goal_and_note_show_as_being_updated_until_the_recompute(client, sales, history):
    from scoring.models import RecomputeRequest
    from scoring.tasks import recompute_person

    client.force_login(sales)
    client.post(reverse("scoring:set-goal", args=[sales.pk]), {"target_ssi": "70", "target_date": "2026-12-31"})
    client.post(reverse("scoring:add-annotation", args=[sales.pk]), {"date": "2026-05-13", "note": "Training"})
    html = client.get(reverse("scoring:dashboard")).content.decode()
    assert "Reach <strong>70</strong> by 31 December 2026." in html
    assert "Projection being updated" in html and "Effects of new notes being updated" in html
    # The worker takes the requests (here, as the outbox hands them over).
    requests = list(RecomputeRequest.objects.filter(user=sales).values_list("pk", flat=True))
    assert requests
    recompute_person(sales.pk, TODAY.isoformat(), requests)
    html = client.get(reverse("scoring:dashboard")).content.decode()
    assert "being updated" not in html
    # Four readings: no trend yet, and the projection says why in the trend's words.
    assert ('data-status="no_trend"' in html and "No projection yet: 4 days logged, spanning 8 days; "
            "a trend needs at least 5 days logged spanning 3 weeks." in html)
    # No reading within 3 days of 30 days before the 13th, none yet 30 days after: both empty.
    assert "<td>Training</td><td>–</td><td>–</td>" in html


@pytest.mark.django_db
@pytest.mark.parametrize(("utc", "zone", "label"), [
    # 23:00 on the 28th in Auckland (UTC+13): the reading is today's.
    (dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC), "Pacific/Auckland", "SSI today"),
    # Half an hour later it is the 29th there, though still the 28th in UTC.
    (dt.datetime(2026, 11, 28, 11, 30, tzinfo=dt.UTC), "Pacific/Auckland", "SSI on 28 November"),
    (dt.datetime(2026, 11, 28, 11, 30, tzinfo=dt.UTC), "UTC", "SSI today"),
    # 21:00 on the 28th in Los Angeles, the 29th in UTC.
    (dt.datetime(2026, 11, 29, 5, 0, tzinfo=dt.UTC), "America/Los_Angeles", "SSI today"),
    (dt.datetime(2026, 11, 29, 5, 0, tzinfo=dt.UTC), "UTC", "SSI on 28 November"),
    # A reading from an earlier year says which.
    (dt.datetime(2027, 1, 3, 12, 0, tzinfo=dt.UTC), "UTC", "SSI on 28 November 2026"),
])
def test_the_headline_says_which_day_it_is_from_when_not_today(client, sales, utc, zone, label):
    sales.time_zone = zone
    sales.save()
    snap(sales, dt.date(2026, 11, 24), 40)
    snap(sales, dt.date(2026, 11, 28), 41)
    trends.recompute(sales.pk)
    with time_machine.travel(utc, tick=False):
        client.force_login(sales)
        html = client.get(reverse("scoring:dashboard")).content.decode()
    assert f'<span class="value">41</span><span class="label">{label}</span>' in html


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 5, 20, 15, 0, tzinfo=dt.UTC))
def test_a_short_history_reads_what_a_trend_needs_instead_of_a_slope(client, sales, history):
    client.force_login(sales)
    html = client.get(reverse("scoring:dashboard")).content.decode()
    # Four readings from the 12th to the 20th.
    assert "Trend over the last 90 days: <span class=\"muted\">4 days logged, spanning 8 days; " \
        "a trend needs at least 5 days logged spanning 3 weeks.</span>" in html
    assert "points a week" not in html


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 5, 20, 15, 0, tzinfo=dt.UTC))
def test_a_teammates_new_day_moves_the_standing_at_once(client, sales, peer, history):
    # Sasha alone in East today: first of 1. Then a teammate logs 70 today, and
    # only the teammate's recompute runs (it recomputes East, not Sasha's summary).
    trends.recompute_with_teams([sales.pk], TODAY)
    client.force_login(sales)
    assert "East: #1 of 1 reporting" in client.get(reverse("scoring:dashboard")).content.decode()
    snap(peer, TODAY, 70)
    trends.recompute_with_teams([peer.pk], TODAY)
    html = client.get(reverse("scoring:dashboard")).content.decode()
    assert "East: #2 of 2 reporting, ahead of 0% of them" in html


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 5, 20, 15, 0, tzinfo=dt.UTC))
def test_days_without_a_summary_yet_read_as_being_prepared_not_as_a_new_history(client, sales, history):
    # As after an upgrade that adds the summaries, before the worker has filled them.
    PersonSummary.objects.filter(user=sales).delete()
    client.force_login(sales)
    html = client.get(reverse("scoring:dashboard")).content.decode()
    assert "Figures being prepared" in html and "Start your history" not in html
