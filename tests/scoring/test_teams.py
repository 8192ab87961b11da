"""Team figures computed in scoring/teams.py, against the hand-worked team in team_data.py."""

import datetime as dt
from decimal import Decimal

import plotly.graph_objects as go
import pytest

from scoring import organisation_figures, team_charts, team_summary, teams
from scoring.models import TeamDay
from tests.scoring import team_data
from tests.scoring.team_data import TODAY, day

pytestmark = pytest.mark.django_db
# The hand-worked team (tests/scoring/team_data.py), as fixtures here.
team_history, third, fourth = team_data.team_history, team_data.third, team_data.fourth


def _by_name(rows):
    return {r.name: r for r in rows}


def test_the_leaderboard_ranks_reporting_members_with_changes_and_last_logged_days(east, team_history):
    rows = teams.leaderboard(east, TODAY)
    assert [r.name for r in rows] == ["Pat Peer", "Sasha Sales", "Fran Fourth", "Theo Third"]
    board = _by_name(rows)
    sasha, pat, fran, theo = board["Sasha Sales"], board["Pat Peer"], board["Fran Fourth"], board["Theo Third"]
    assert (sasha.rank, sasha.previous_rank, sasha.rank_change) == (2, 1, -1)
    assert (pat.rank, pat.previous_rank, pat.rank_change) == (1, 2, 1)
    assert (fran.rank, fran.previous_rank, fran.rank_change) == (3, None, None)
    assert (theo.rank, theo.reporting, theo.last_logged) == (None, False, day(20))
    assert (sasha.ssi, sasha.delta7, sasha.delta30) == (Decimal("60"), Decimal("-7"), Decimal("8"))
    assert (pat.ssi, pat.delta7, pat.delta30, pat.last_logged) == (Decimal("64"), Decimal("-2"), Decimal("-6"), day(1))
    assert (fran.brand, fran.relationships) == (Decimal("10"), Decimal("20"))
    # The sparkline is the last 90 days of SSI, in date order.
    sparks = team_summary.spark_series(rows, TODAY)
    assert [v for _, v in sparks[sasha.user_id]] == [50.0, 52.0, 67.0, 62.0, 60.0]


def test_managers_are_not_ranked_on_their_own_team(east, team_history, manager):
    assert manager.pk not in {r.user_id for r in teams.leaderboard(east, TODAY)}


def test_equal_scores_share_a_place():
    assert teams._competition_ranks({1: Decimal(60), 2: Decimal(70), 3: Decimal(60), 4: Decimal(50)}) == {
        2: 1, 1: 2, 3: 2, 4: 4,
    }


def test_sorting_sinks_empty_values_and_filtering_matches_name_or_email(east, team_history):
    rows = teams.leaderboard(east, TODAY)
    by_change = teams.sort_rows(rows, "delta30", descending=True)
    assert [r.name for r in by_change] == ["Sasha Sales", "Pat Peer", "Fran Fourth", "Theo Third"]
    assert [r.name for r in teams.sort_rows(rows, "name", descending=False)][:2] == ["Fran Fourth", "Pat Peer"]
    assert [r.name for r in teams.filter_rows(rows, "PEER@")] == ["Pat Peer"]
    assert [r.name for r in teams.filter_rows(rows, "", only_not_reporting=True)] == ["Theo Third"]


def test_rising_slipping_and_not_reporting_lists(east, team_history):
    rows = teams.leaderboard(east, TODAY)
    rising, slipping = teams.rising_and_slipping(rows)
    assert [(r.name, r.delta30) for r in rising] == [("Sasha Sales", Decimal("8"))]
    assert [(r.name, r.delta30) for r in slipping] == [("Pat Peer", Decimal("-6"))]
    assert [r.name for r in teams.not_reporting(rows)] == ["Theo Third"]


def test_current_spreads_for_the_team_and_the_organisation(east, team_history):
    spreads = teams.team_spreads(teams.leaderboard(east, TODAY))
    assert spreads["ssi"] == teams.Spread(people=3, low=50, p25=55, median=60, p75=62, high=64)
    # Brand 15, 16, 10 and relationships 15, 16, 20 across Sasha, Pat and Fran.
    assert (spreads["brand"].p25, spreads["brand"].median, spreads["brand"].p75) == (12.5, 15, 15.5)
    assert (spreads["relationships"].p25, spreads["relationships"].median, spreads["relationships"].p75) == (15.5, 16, 18)
    organisation = organisation_figures.organisation_spreads(TODAY)["ssi"]
    assert (organisation.people, organisation.p25, organisation.median, organisation.p75) == (4, 45, 55, 61)


def test_weekly_series_are_the_mean_of_each_weeks_observations(team_history):
    sales = team_history["sales"]
    series = teams.member_series([sales.pk], "ssi", day(89), TODAY, weekly=True)
    # Monday-based weeks: D-37 is Mon 13 April, D-30 Mon 20 April, D-7 in the week
    # of 11 May; D-1 and D share the week of 18 May: (62 + 60) / 2.
    assert series[sales.pk] == [
        (dt.date(2026, 4, 13), 50.0), (dt.date(2026, 4, 20), 52.0), (dt.date(2026, 5, 11), 67.0), (dt.date(2026, 5, 18), 61.0),
    ]


def test_days_since_start_lines_people_up_by_their_first_logged_day(team_history):
    sales, peer = team_history["sales"], team_history["peer"]
    series = teams.aligned_series([sales.pk, peer.pk], "ssi", days=31, weekly=False)
    assert series[sales.pk] == [(0, 50.0), (7, 52.0), (30, 67.0)]
    assert series[peer.pk] == [(0, 70.0), (23, 66.0), (30, 64.0)]
    # Only steps where at least three people have a value make the band.
    assert teams.aligned_band(series) == []
    third_series = {**series, 3: [(0, 40.0)]}
    assert teams.aligned_band(third_series) == [(0, 50.0, 45.0, 60.0, 3)]


def _team_day(team, date, median, reporting, members=4, metric="ssi"):
    TeamDay.objects.create(team=team, date=date, metric=metric, members=members, reporting=reporting,
                           mean=median, median=median, p25=median - 5, p75=median + 5, min=median - 10, max=median + 10)


def test_the_team_band_hides_days_below_the_privacy_floor_but_keeps_their_dates(east):
    _team_day(east, day(2), Decimal(58), reporting=3)
    _team_day(east, day(1), Decimal(60), reporting=2)
    band = teams.team_band(east, "ssi", day(10), TODAY, weekly=False, floor=3)
    assert [(p.date, p.median, p.p25, p.p75) for p in band] == [(day(2), 58.0, 53.0, 63.0), (day(1), None, None, None)]
    # Managers (floor 0) see every day.
    assert [p.median for p in teams.team_band(east, "ssi", day(10), TODAY, weekly=False)] == [58.0, 60.0]


def test_a_weekly_team_band_averages_the_days_and_counts_the_fewest_reporting(east):
    # Mon 18 and Tue 19 May are one week; Sun 17 May closes the week before.
    _team_day(east, dt.date(2026, 5, 17), Decimal(50), reporting=4)
    _team_day(east, dt.date(2026, 5, 18), Decimal(58), reporting=4)
    _team_day(east, dt.date(2026, 5, 19), Decimal(62), reporting=3)
    band = teams.team_band(east, "ssi", None, TODAY, weekly=True)
    assert [(p.date, p.median, p.reporting) for p in band] == [
        (dt.date(2026, 5, 11), 50.0, 4), (dt.date(2026, 5, 18), 60.0, 3),
    ]


def test_an_unknown_metric_never_reaches_the_sql():
    with pytest.raises(ValueError):
        teams.member_series([1], "ssi; drop table x", None, TODAY)


def test_the_heatmap_has_a_row_per_member_and_gaps_for_silent_weeks(east, team_history):
    rows = teams.leaderboard(east, TODAY)
    series = teams.member_series([r.user_id for r in rows], "ssi", day(89), TODAY, weekly=True)
    weeks, names, z = teams.heatmap_cells(series, rows)
    assert names == ["Pat Peer", "Sasha Sales", "Fran Fourth", "Theo Third"]
    assert weeks[0] == dt.date(2026, 4, 13) and weeks[-1] == dt.date(2026, 5, 18)
    sasha = dict(zip(weeks, z[1], strict=True))
    assert sasha[dt.date(2026, 5, 18)] == 61.0 and sasha[dt.date(2026, 4, 27)] is None
    # The team page's default view takes the same weeks from the days it already read.
    daily = teams.member_series([r.user_id for r in rows], "ssi", day(89), TODAY)
    assert teams.weekly_means(daily) == series
    figure = team_charts.heatmap_figure(weeks, ["<a href='x'>Pat</a>", "Sam", "Sam", "Theo"], z, "ssi")
    go.Figure(figure)
    assert figure["data"][0]["y"] == ["&lt;a href='x'&gt;Pat&lt;/a&gt;", "Sam", "Sam (2)", "Theo"]
    assert "<a" not in figure["data"][0]["hovertemplate"]


def test_team_figures_are_valid_plotly_and_break_lines_at_gaps(east, team_history):
    _team_day(east, day(3), Decimal(58), reporting=3)
    _team_day(east, day(1), Decimal(60), reporting=3)
    band = teams.team_band(east, "ssi", day(10), TODAY, weekly=False)
    figure = team_charts.team_band_figure(band, "ssi", [("<a href='//x'>Sasha</a>", [(day(1), 62.04), (day(0), 60.0)])])
    go.Figure(figure)
    assert figure["data"][0]["name"] == "&lt;a href='//x'&gt;Sasha&lt;/a&gt;"
    assert figure["data"][0]["y"] == [62.0, 60.0] and "Sasha" not in figure["data"][0]["hovertemplate"]
    median = figure["data"][-1]
    assert median["x"] == [day(3).isoformat(), day(2).isoformat(), day(1).isoformat()]
    assert median["y"] == [58.0, None, 60.0]
    spreads = teams.team_spreads(teams.leaderboard(east, TODAY))
    go.Figure(team_charts.pillar_boxes_figure(spreads))
    versus = team_charts.versus_organisation_figure(spreads, organisation_figures.organisation_spreads(TODAY))
    go.Figure(versus)
    assert versus["data"][0]["y"][0] == 15.0  # the team's median brand


def test_a_sparkline_spans_its_box_from_lowest_to_highest():
    assert team_charts.sparkline([10, 20, 15]) == "0.0,23.0 50.0,1.0 100.0,12.0"
    assert team_charts.sparkline([10]) == ""


def test_the_current_spread_agrees_with_the_team_days_the_recompute_writes(east, sales, peer, fourth, time_machine):
    from scoring import trends
    from tests.conftest import snap

    time_machine.move_to(dt.datetime(2026, 5, 20, 12, tzinfo=dt.UTC), tick=False)
    snap(sales, day(0), 60)
    snap(peer, day(3), 64)
    snap(fourth, day(7), 50)  # 7 days old: still reporting
    for person in (sales, peer, fourth):
        trends.recompute(person.pk)
    trends.recompute_team(east.pk)
    today = TeamDay.objects.get(team=east, metric="ssi", date=TODAY)
    spread = teams.team_spreads(teams.leaderboard(east, TODAY))["ssi"]
    assert (today.reporting, today.median, today.p25, today.p75) == (3, 60, 55, 62)
    assert (spread.people, spread.median, spread.p25, spread.p75) == (3, 60, 55, 62)
    ranks = {r.name: r.rank for r in teams.leaderboard(east, TODAY)}
    assert ranks == {"Pat Peer": 1, "Sasha Sales": 2, "Fran Fourth": 3}
