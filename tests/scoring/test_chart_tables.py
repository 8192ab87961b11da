"""Every chart's text equivalent: the numbers it draws, as a table."""

import datetime as dt
import re

import plotly.graph_objects as go
import pytest
from django.urls import reverse

from scoring import chart_tables, charts, team_charts
from scoring.chart_tables import table_for
from scoring.teams import Spread


def test_lines_become_one_row_per_date_with_gaps_left_out():
    rows = [
        {"date": dt.date(2026, 1, 1), "ssi": 40, "avg7": 40},
        {"date": dt.date(2026, 1, 5), "ssi": 44.5, "avg7": 42.25},
    ]
    fig = charts.ssi_figure(rows)
    headers, body = table_for(fig)
    assert headers == ["", "SSI", "7-day mean"]
    # The null inserted on 1-2 to break the line is not a reading.
    assert body == [["2026-01-01", "40.0", "40.0"], ["2026-01-05", "44.5", "42.2"]]


def test_horizontal_bars_list_each_category():
    fig = charts.pillar_bars_figure({"brand": 12.5, "people": 10, "insights": 8, "relationships": 20})
    headers, body = table_for(fig)
    assert headers == ["", "Score", "Headroom to 25"]
    assert body[0] == ["Brand", "12.5", "12.5"] and body[3] == ["Relationships", "20.0", "5.0"]


def test_boxes_give_their_five_numbers():
    spread = Spread(low=10.0, p25=12.0, median=14.5, p75=16.0, high=20.0, people=5)
    fig = team_charts.pillar_boxes_figure({"brand": spread})
    go.Figure(fig)
    assert table_for(fig) == (
        ["", "Lowest", "25th percentile", "Median", "75th percentile", "Highest"],
        [["Brand", "10.0", "12.0", "14.5", "16.0", "20.0"]],
    )


def test_a_heatmap_is_a_grid_and_names_arrive_unescaped_once():
    fig = team_charts.heatmap_figure([dt.date(2026, 1, 5)], ["<b>Ann</b>"], [[55.0]], "ssi")
    assert table_for(fig) == (["", "2026-01-05"], [["<b>Ann</b>", "55.0"]])


def test_members_lines_behind_a_team_band_stay_out_of_its_table():
    fig = {"data": [{"type": "scatter", "x": ["2026-01-01"], "y": [1.0], "name": "Ann", **chart_tables.NO_TABLE}]}
    go.Figure(fig)
    assert table_for(fig) is None


@pytest.mark.django_db
def test_a_chart_table_is_escaped_on_the_page(client, manager, east, sales):
    from tests.conftest import snap

    sales.name = "<img src=x onerror=alert(1)>"
    sales.save()
    from scoring import trends

    snap(sales, sales.today(), 50)
    trends.recompute_with_teams([sales.pk])
    client.force_login(manager)
    html = client.get(reverse("scoring:compare"), {"people": [sales.pk, manager.pk]}).content.decode()
    tables = re.findall(r'<details class="chart-data">.*?</details>', html, re.S)
    assert tables
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in tables[0]
