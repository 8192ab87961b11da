"""Charts a person can read at a glance: axes scaled to the data, the heatmap
coloured by what differs, gaps bridged faintly, hover labels that say who and
when, and LinkedIn's industry and network averages as context."""

import datetime as dt

import plotly.graph_objects as go

from scoring import charts, team_charts
from scoring.chart_tables import table_for
from scoring.teams import BandPoint, Spread

DAY = dt.date(2026, 11, 1)


def _rows(values, step=1):
    return [{"date": DAY + dt.timedelta(days=i * step), "ssi": v, "avg7": v - 0.5,
             "brand": v / 4, "people": v / 4, "insights": v / 4, "relationships": v / 4,
             "industry_rank": 11, "network_rank": 20} for i, v in enumerate(values)]


def _trace(fig, name):
    [trace] = [t for t in fig["data"] if t.get("name") == name]
    return trace


def test_the_ssi_axis_fits_a_few_points_of_change_with_its_baseline_drawn():
    fig = charts.ssi_figure(_rows([44, 45, 46, 47]))
    go.Figure(fig)
    low, high = fig["layout"]["yaxis"]["range"]
    assert 30 < low < 44 and 47 < high < 60 and high - low >= 10
    assert fig["layout"]["yaxis"]["showline"] is True  # the axis does not start at 0: its edge is drawn
    # With no readings at all, the whole 0–100 scale.
    assert charts.data_range([], 100, 10) == [0, 100]
    # Near the top the range stays inside the scale.
    assert charts.data_range([98, 99], 100, 10) == [90.0, 100.0]


def test_missing_days_break_the_line_but_a_faint_dotted_line_bridges_them():
    fig = charts.ssi_figure(_rows([44, 45, 46, 47], step=2))
    ssi = _trace(fig, "SSI")
    assert ssi["y"] == [44.0, None, 45.0, None, 46.0, None, 47.0] and ssi["connectgaps"] is False
    assert "markers" in ssi["mode"]  # every observed day is a visible point
    bridge = _trace(fig, "across missing days")
    assert bridge["connectgaps"] is True and bridge["line"]["dash"] == "dot" and bridge["hoverinfo"] == "skip"
    # The bridge is drawing, not data: the chart's table lists the readings once.
    assert table_for(fig)[0] == ["", "SSI", "7-day mean"]


def test_the_seven_day_mean_looks_nothing_like_the_ssi_line():
    fig = charts.ssi_figure(_rows([44, 45, 46, 47]))
    ssi, mean = _trace(fig, "SSI"), _trace(fig, "7-day mean")
    assert mean["line"]["color"] != ssi["line"]["color"]
    assert mean["line"]["width"] >= 2 * ssi["line"]["width"] and mean["opacity"] < 1
    assert ssi["zorder"] > mean.get("zorder", 0)  # the person's own line on top


def test_industry_and_network_averages_are_context_lines_on_the_ssi_chart():
    averages = [{"date": DAY, "industry_avg": 24.5, "network_avg": 31.0},
                {"date": DAY + dt.timedelta(days=1), "industry_avg": 25.0, "network_avg": None}]
    fig = charts.ssi_figure(_rows([44, 45]), averages)
    go.Figure(fig)
    assert _trace(fig, "Industry average")["y"] == [24.5, 25.0]
    assert _trace(fig, "Network average")["y"] == [31.0, None]
    assert fig["layout"]["yaxis"]["range"][0] < 24.5  # the axis makes room for them
    # Without them, no empty context lines.
    assert {t["name"] for t in charts.ssi_figure(_rows([44, 45]))["data"]} == {"SSI", "7-day mean", "across missing days"}


def test_the_rank_hover_reads_top_n_percent_once():
    fig = charts.ranks_figure(_rows([44, 45]))
    templates = [t["hovertemplate"] for t in fig["data"] if "hovertemplate" in t]
    assert templates == ["Top %{y:.0f}%<extra>Industry</extra>", "Top %{y:.0f}%<extra>Network</extra>"]


def test_team_axes_and_heatmap_colours_follow_the_data():
    band = [BandPoint(date=DAY + dt.timedelta(days=i), median=50 + i, p25=48 + i, p75=52 + i, reporting=5, members=5)
            for i in range(3)]
    fig = team_charts.team_band_figure(band, "ssi", [("<b>Pat</b>", [(DAY, 47.0), (DAY + dt.timedelta(days=2), 55.0)])])
    go.Figure(fig)
    low, high = fig["layout"]["yaxis"]["range"]
    assert 35 < low < 47 and 55 < high < 70
    heat = team_charts.heatmap_figure([DAY, DAY + dt.timedelta(days=7)], ["Pat", "Sam"], [[44.0, 45.5], [46.0, None]], "ssi")
    go.Figure(heat)
    assert 40 <= heat["data"][0]["zmin"] < 44 and 46 < heat["data"][0]["zmax"] <= 50
    boxes = team_charts.pillar_boxes_figure({"brand": Spread(people=5, low=10, p25=11, median=12, p75=13, high=14)})
    assert boxes["layout"]["yaxis"]["range"][0] > 0


def test_team_hover_names_the_member_and_the_median_carries_its_band():
    band = [BandPoint(date=DAY, median=50, p25=48, p75=52, reporting=5, members=5)]
    fig = team_charts.team_band_figure(band, "ssi", [("<b>Pat</b>", [(DAY, 47.0)])])
    member, p25, p75, median = fig["data"]
    assert member["name"] == "&lt;b&gt;Pat&lt;/b&gt;"  # escaped; shown in the label's side box
    assert member["hovertemplate"] == "%{x|%d %b %Y}: %{y:.1f}"  # the date, and no user text in the template
    assert p25["hoverinfo"] == p75["hoverinfo"] == "skip"  # the band never hides the member under the pointer
    assert median["customdata"] == [[48, 52]]
    assert "%{customdata[0]:.1f}–%{customdata[1]:.1f}" in median["hovertemplate"]


def test_the_compare_hover_lists_everyone_under_the_date():
    figures = team_charts.compare_figures(
        [("Pat", {"ssi": [(DAY, 44.0), (DAY + dt.timedelta(days=1), 45.0)]}), ("Sam", {"ssi": [(DAY, 51.0)]})], False)
    fig = figures["ssi"]
    go.Figure(fig)
    assert fig["layout"]["hovermode"] == "x unified"
    assert fig["layout"]["xaxis"]["hoverformat"] == "%d %b %Y"
    assert [t["name"] for t in fig["data"]] == ["Pat", "Sam"]
    low, high = fig["layout"]["yaxis"]["range"]
    assert 35 < low < 44 and 51 < high < 62


def test_a_member_logging_every_other_day_is_a_line_and_a_silent_fortnight_a_gap():
    days = [DAY, DAY + dt.timedelta(days=2), DAY + dt.timedelta(days=4), DAY + dt.timedelta(days=20)]
    band = [BandPoint(date=d, median=50, p25=48, p75=52, reporting=5, members=5) for d in days]
    fig = team_charts.team_band_figure(band, "ssi", [("Pat", [(d, 50.0 + i) for i, d in enumerate(days)])])
    member = fig["data"][0]
    assert member["y"] == [50.0, 51.0, 52.0, None, 53.0]
    assert member["x"][3] == (DAY + dt.timedelta(days=5)).isoformat()
