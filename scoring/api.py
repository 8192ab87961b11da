"""The API's read endpoints for derived data: a person's trends, the teams a
key's owner manages, and a team's daily aggregates. They share the API's
authentication, rate limit and JSON errors (tracking/api/views.py); the write
endpoints stay with tracking."""

from __future__ import annotations

from django.http import JsonResponse

from scoring import summary_store
from scoring.models import TeamDay, UserDay
from tracking import rules
from tracking.access import get_managed_team_for_viewer, managed_team_ids
from tracking.api.views import BadRequest, api_view, json_number, within_dates
from tracking.models import ApiToken, Team

TREND_FIELDS = (
    "ssi", *rules.PILLARS, "industry_rank", "network_rank", "avg7", "avg30", "delta7", "delta30", "delta90",
)
TEAM_FIELDS = ("members", "reporting", "mean", "median", "p25", "p75", "min", "max")


@api_view("GET")
def trends(request, token: ApiToken):
    rows = within_dates(request, UserDay.objects.filter(user=token.user).order_by("date"))
    days = [{"date": row["date"].isoformat(), **{f: json_number(row[f]) for f in TREND_FIELDS}}
            for row in rows.values("date", *TREND_FIELDS)]
    return JsonResponse({"days": days, "latest": _latest(summary_store.read(token.user))})


def _latest(stored: summary_store.Summary | None) -> dict | None:
    """The stored summary's figures, as the dashboard shows them."""
    if stored is None:
        return None
    row, trend = stored.row, stored.trend
    slope = trend.slope if trend else None
    return {
        "as_of": row.as_of.isoformat(), "ssi": json_number(row.ssi),
        **{f: json_number(getattr(row, f)) for f in (*rules.PILLARS, "delta7", "delta30", "delta90", "best")},
        "best_on": row.best_on.isoformat(), "days_logged": row.days_logged,
        "trend": {
            "per_week": json_number(slope.per_week) if slope else None,
            "low": json_number(slope.low) if slope else None,
            "high": json_number(slope.high) if slope else None,
            "shortfall": trend.shortfall if trend else None,
        },
    }


@api_view("GET")
def teams(request, token: ApiToken):
    viewer = token.user
    managed = Team.objects.all() if viewer.is_staff else Team.objects.filter(pk__in=managed_team_ids(viewer))
    return JsonResponse({"teams": [{"slug": t.slug, "name": t.name} for t in managed.order_by("name")]})


@api_view("GET")
def team_days(request, token: ApiToken, slug: str):
    team = get_managed_team_for_viewer(token.user, slug)
    metric = request.GET.get("metric", TeamDay.Metric.SSI)
    if metric not in TeamDay.Metric.values:
        raise BadRequest([rules.RuleError("metric", "metric must be one of " + ", ".join(TeamDay.Metric.values) + ".")])
    rows = within_dates(request, TeamDay.objects.filter(team=team, metric=metric).order_by("date"))
    days = [{"date": row["date"].isoformat(), **{f: json_number(row[f]) for f in TEAM_FIELDS}}
            for row in rows.values("date", *TEAM_FIELDS)]
    return JsonResponse({"team": {"slug": team.slug, "name": team.name}, "metric": metric, "days": days})
