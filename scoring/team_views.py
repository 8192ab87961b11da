"""Team pages, the compare view and the organisation view.

Every object comes through a getter in tracking/access.py; what a viewer sees
of a team they may open depends on their role in it
(``get_team_and_role_for_viewer``): members get the aggregate (above the
privacy floor) and, where the team allows it, the leaderboard; managers and
admins get everything, member by member.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe

from scoring import organisation_figures, summary, team_charts, team_summary, teams
from tracking.access import (
    get_people_for_viewer,
    get_team_and_role_for_viewer,
    managed_team_ids,
    people_visible_to,
    require_admin,
    teams_managed_by,
    teams_visible_to,
)
from tracking.models import Membership, Team, User

ALIGN = {"calendar": "Calendar dates", "start": "Days since start"}
COMPARE_MIN, COMPARE_MAX = 2, 6


@dataclass(frozen=True)
class TeamParams:
    """The team page's state, all of it in the query string so a URL is shareable."""

    range: str
    metric: str
    align: str
    sort: str
    descending: bool
    q: str
    silent: bool

    @classmethod
    def from_query(cls, query) -> TeamParams:
        def pick(name, allowed, default):
            value = query.get(name, default)
            return value if value in allowed else default

        return cls(
            range=pick("range", summary.RANGES, summary.DEFAULT_RANGE),
            metric=pick("metric", teams.METRICS, "ssi"),
            align=pick("align", ALIGN, "calendar"),
            sort=pick("sort", teams.SORT_KEYS, "rank"),
            descending=query.get("dir") == "desc",
            q=query.get("q", "")[:100],
            silent=query.get("silent") == "1",
        )

    def query(self, **changes) -> str:
        values = {
            "range": self.range, "metric": self.metric, "align": self.align, "sort": self.sort,
            "dir": "desc" if self.descending else "asc", "q": self.q, "silent": "1" if self.silent else "",
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})

    def sort_link(self, key: str) -> str:
        """The query that sorts by ``key`` (flipping the direction when it already does)."""
        # A second click flips the direction; otherwise bigger is better for
        # scores and changes, so they sort high first.
        descending = not self.descending if key == self.sort else key not in ("rank", "name")
        return self.query(sort=key, dir="desc" if descending else "asc")

    def board_columns(self) -> list[tuple[str, str, str]]:
        """(key, heading, sort query) per leaderboard column, in display order."""
        columns = [(key, label, self.sort_link(key)) for key, label in teams.SORT_KEYS.items()]
        return [*columns, ("", "Trend", "")]


@login_required
def team_list(request):
    visible = list(teams_visible_to(request.user).order_by("name"))
    # Comparing is for people who manage a team (or admins): nobody else gets a link to a page that says no.
    can_compare = request.user.is_staff or managed_team_ids(request.user).exists()
    return render(request, "teams/list.html", {"teams": visible, "can_compare": can_compare})


@login_required
def my_teams(request):
    """A manager of several teams: each one's headline figures, as its own page gives them."""
    managed = list(teams_managed_by(request.user).order_by("name"))
    if not managed:
        raise Http404("No such page.")
    summaries = []
    for team in managed:
        today = teams.team_day(team)
        rows = teams.leaderboard(team, today)
        summaries.append({
            "team": team,
            "members": len(rows),
            "reporting": sum(r.reporting for r in rows),
            "median": teams.team_spreads(rows)["ssi"],
            "day_label": teams.day_label(today),
        })
    return render(request, "teams/mine.html", {"summaries": summaries})


def _team_context(request, team: Team, is_manager: bool) -> dict:
    params = TeamParams.from_query(request.GET)
    # The team's own day, whoever looks: a viewer in another time zone sees
    # each member as that member's own dashboard shows them.
    today = teams.team_day(team)
    start = summary.range_start(params.range, today)
    weekly = teams.is_weekly(start, today)
    rows = teams.leaderboard(team, today)
    reporting_now = sum(r.reporting for r in rows)
    # Below the floor, a member would be looking at a colleague's own score.
    aggregate_shown = is_manager or reporting_now >= teams.PRIVACY_FLOOR
    ids = [r.user_id for r in rows]
    # The default view's member figures and every sparkline, as the recompute
    # stored them for this day and these members; otherwise drawn here.
    stored = team_summary.read(team, today, rows)
    default_view = (params.range, params.metric, params.align) == (summary.DEFAULT_RANGE, "ssi", "calendar")
    spark_series = None
    if stored is None:
        spark_series = team_summary.spark_series(rows, today)
        sparks = team_summary.sparklines(rows, spark_series)
    else:
        sparks = stored["sparks"]
    board = teams.sort_rows(teams.filter_rows(rows, params.q, params.silent), params.sort, params.descending)
    context = {
        "team": team,
        "is_manager": is_manager,
        "params": params,
        "board_columns": params.board_columns(),
        "ranges": summary.RANGE_LABELS,
        "metrics": teams.METRIC_LABELS,
        "aligns": ALIGN,
        "today": today,
        "day_label": teams.day_label(today),
        "weekly": weekly,
        "members_count": len(rows),
        "reporting_now": reporting_now,
        "privacy_floor": teams.PRIVACY_FLOOR,
        "aggregate_shown": aggregate_shown,
        "board_shown": is_manager or team.leaderboard_visible,
        "board": [(row, sparks.get(row.user_id, "")) for row in board],
        "figures": {},
    }
    figures = context["figures"]
    if is_manager and params.align == "start":
        names = {r.user_id: r.name for r in rows}
        days = summary.RANGES[params.range]
        aligned_weekly = days is None or days > teams.DAILY_MAX_DAYS
        series = teams.aligned_series(ids, params.metric, days, aligned_weekly)
        figures["band"] = team_charts.aligned_figure(
            [(names[uid], series[uid]) for uid in ids if uid in series],
            teams.aligned_band(series), params.metric, aligned_weekly,
        )
        context["aligned_weekly"] = aligned_weekly
        weeks, heat_names, z = teams.heatmap_cells(
            teams.member_series(ids, params.metric, start, today, weekly=True), rows)
        if weeks:
            figures["heatmap"] = team_charts.heatmap_figure(weeks, heat_names, z, params.metric)
    elif is_manager:
        if default_view and stored is not None:
            figures.update({key: stored[key] for key in ("band", "heatmap") if key in stored})
        else:
            figures.update(team_summary.member_figures(team, rows, params.metric, start, today, spark_series))
    elif aggregate_shown:
        band = teams.team_band(team, params.metric, start, today, weekly, floor=teams.PRIVACY_FLOOR)
        if band:
            figures["band"] = team_charts.team_band_figure(band, params.metric, (), weekly)
    if "band" in figures and not (is_manager and params.align == "start"):
        context["band_caption"] = (
            f"{teams.METRIC_LABELS[params.metric]}: team median and middle half (p25–p75)"
            + (", with each member's line" if is_manager else "")
            + (" · weekly means" if weekly else "")
        )
    if aggregate_shown:
        spreads = teams.team_spreads(rows)
        if any(spreads[p] for p in teams.METRICS[1:]):
            figures["boxes"] = team_charts.pillar_boxes_figure(spreads)
            organisation = organisation_figures.current_spreads(today)
            if is_manager or (organisation["ssi"] and organisation["ssi"].people >= teams.PRIVACY_FLOOR):
                figures["versus"] = team_charts.versus_organisation_figure(spreads, organisation)
        context["median_now"] = spreads["ssi"]
    if is_manager:
        if "heatmap" in figures:
            context["heatmap_caption"] = f"{teams.METRIC_LABELS[params.metric]} by member and week (weekly means)"
            context["heatmap_height"] = figures["heatmap"]["layout"]["height"]
        context["rising"], context["slipping"] = teams.rising_and_slipping(rows)
        context["not_reporting"] = teams.not_reporting(rows)
    return context


@login_required
def team_page(request, slug: str):
    team, is_manager = get_team_and_role_for_viewer(request.user, slug)
    context = _team_context(request, team, is_manager)
    panel = render_to_string("teams/_panel.html", context)
    if request.htmx:
        response = HttpResponse(panel)
    else:
        response = render(request, "teams/team.html", {**context, "panel": mark_safe(panel)})
    # The same URL answers with a page or a fragment: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def compare(request):
    """Overlay 2–6 people's totals and pillars over a chosen range."""
    viewer = request.user
    chosen = get_people_for_viewer(viewer, request.GET.getlist("people"))
    key = request.GET.get("range", summary.DEFAULT_RANGE)
    if key not in summary.RANGES:
        key = summary.DEFAULT_RANGE
    # The latest of the chosen people's own todays: each one's line ends with
    # their own latest reading.
    today = teams.latest_today(p.time_zone for p in chosen) if chosen else viewer.today()
    start = summary.range_start(key, today)
    weekly = teams.is_weekly(start, today)
    choices = list(people_visible_to(viewer).order_by("name", "email"))
    context = {
        "choices": choices,
        "chosen": chosen,
        "chosen_ids": {p.pk for p in chosen},
        "range": key,
        "ranges": summary.RANGE_LABELS,
        "weekly": weekly,
        "day_label": teams.day_label(today),
        "min": COMPARE_MIN,
        "max": COMPARE_MAX,
    }
    if len(chosen) > COMPARE_MAX:
        context["error"] = f"Pick at most {COMPARE_MAX} people."
    elif len(chosen) >= COMPARE_MIN:
        ids = [p.pk for p in chosen]
        series = {m: teams.member_series(ids, m, start, today, weekly) for m in teams.METRICS}
        people = [(p.display_name, {m: series[m].get(p.pk, []) for m in teams.METRICS}) for p in chosen]
        context["figures"] = team_charts.compare_figures(people, weekly)
        context["metric_labels"] = teams.METRIC_LABELS
    elif chosen:
        context["error"] = f"Pick at least {COMPARE_MIN} people."
    return render(request, "teams/compare.html", context)


@login_required
def organisation(request):
    """Admins: every team side by side, with a way into each."""
    require_admin(request.user)
    key = request.GET.get("range", "365")
    if key not in summary.RANGES:
        key = "365"
    # The latest of everyone's own todays: each person counts with their latest reading.
    today = teams.latest_today(User.objects.order_by().values_list("time_zone", flat=True).distinct())
    start = summary.range_start(key, today)
    weekly = teams.is_weekly(start, today)
    all_teams = list(
        Team.objects.annotate(member_count=Count("memberships", filter=Q(memberships__role=Membership.Role.MEMBER)))
        .order_by("name")
    )
    medians = organisation_figures.organisation_medians(start, today, weekly)
    spreads = organisation_figures.team_current_spreads(today)
    figures = {}
    lines = [(t.name, [(d, m) for d, m, _ in medians[t.pk]]) for t in all_teams if t.pk in medians]
    if lines:
        figures["medians"] = team_charts.organisation_figure(lines, weekly)
    boxes = [(t.name, spreads[t.pk]) for t in all_teams if spreads.get(t.pk)]
    if boxes:
        figures["boxes"] = team_charts.organisation_boxes_figure(boxes)
    rows = [{"team": t, "spread": spreads.get(t.pk)} for t in all_teams]
    return render(request, "teams/organisation.html", {
        "rows": rows, "figures": figures, "range": key, "ranges": summary.RANGE_LABELS, "weekly": weekly,
        "day_label": teams.day_label(today), "count": organisation_figures.organisation_count(today),
    })
