"""A team's figures drawn from its members' own lines: each member's
sparkline, the team chart with every member's line behind the band, and the
heatmap of members by week.

Built here, and only here: by the recompute for the view a manager opens
first (SSI, the last 90 days, calendar dates), stored in ``TeamSummary`` so
that the morning's first visit reads them instead of drawing them; and by the
team page for any other view, or when the stored figures no longer match the
leaderboard it reads (a member joined, left or was renamed since, or the
team's day has moved on). The rows are ``scoring.models.TeamSummary``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import orjson
from django.db import connection
from django.utils import timezone

from scoring import summary, team_charts, teams
from tracking.models import Team

DEFAULT_METRIC = "ssi"


def roster(rows: Sequence[teams.MemberRow]) -> list[list]:
    """The members the figures show, as [id, name] in leaderboard order."""
    return [[r.user_id, r.name] for r in rows]


def spark_series(rows: Sequence[teams.MemberRow], today: dt.date) -> dict[int, list[tuple[dt.date, float]]]:
    """Each member's SSI, day by day, over the sparklines' 90 days. One query."""
    return teams.member_series([r.user_id for r in rows], "ssi", teams.spark_start(today), today)


def sparklines(rows: Sequence[teams.MemberRow], series: dict[int, list[tuple[dt.date, float]]]) -> dict[int, str]:
    """Each member's sparkline points (empty with fewer than two days)."""
    return {r.user_id: team_charts.sparkline([v for _, v in series.get(r.user_id, [])]) for r in rows}


def member_figures(
    team: Team, rows: Sequence[teams.MemberRow], metric: str, start: dt.date | None, today: dt.date,
    sparks: dict[int, list[tuple[dt.date, float]]] | None = None,
) -> dict[str, dict]:
    """The manager's team chart (the band with every member's line) and the
    heatmap, for ``metric`` from ``start`` to ``today``. ``sparks``, the
    ``spark_series`` already read, serves the default view's lines. Two
    queries, or one with ``sparks`` for the default view."""
    weekly = teams.is_weekly(start, today)
    ids = [r.user_id for r in rows]
    names = {r.user_id: r.name for r in rows}
    same_as_sparks = sparks is not None and metric == "ssi" and start == teams.spark_start(today)
    series = sparks if same_as_sparks else teams.member_series(ids, metric, start, today, weekly)
    band = teams.team_band(team, metric, start, today, weekly)
    members = [(names[uid], series[uid]) for uid in ids if uid in series]
    figures = {}
    if band or members:
        figures["band"] = team_charts.team_band_figure(band, metric, members, weekly)
    # Weekly ranges draw weekly lines already; a daily one's weeks are its days' means.
    weeks, heat_names, z = teams.heatmap_cells(series if weekly else teams.weekly_means(series), rows)
    if weeks:
        figures["heatmap"] = team_charts.heatmap_figure(weeks, heat_names, z, metric)
    return figures


def _default_start(today: dt.date) -> dt.date | None:
    return summary.range_start(summary.DEFAULT_RANGE, today)


def refresh(team_ids: Iterable[int]) -> int:
    """Compute and store these teams' default views, each for its own day.
    Runs after the teams' rows and their members' summaries (the leaderboard's
    order comes from the summaries). Returns the number written."""
    written = 0
    now = timezone.now()
    for team in Team.objects.filter(pk__in=sorted(set(team_ids))).order_by("pk"):
        today = teams.team_day(team, now)
        rows = teams.leaderboard(team, today)
        sparks = spark_series(rows, today)
        figures = {
            "sparks": sparklines(rows, sparks),
            **member_figures(team, rows, DEFAULT_METRIC, _default_start(today), today, sparks),
        }
        _store(team.pk, today, roster(rows), figures, now)
        written += 1
    return written


# Written and read as JSON text through orjson: a team's figures run to about
# 100 KB, which the standard library's encoder takes several times longer over.
_UPSERT_SQL = """
INSERT INTO scoring_teamsummary (team_id, as_of, roster, figures, computed_at)
VALUES (%s, %s, %s::jsonb, %s::jsonb, %s)
ON CONFLICT (team_id) DO UPDATE SET as_of = EXCLUDED.as_of, roster = EXCLUDED.roster,
    figures = EXCLUDED.figures, computed_at = EXCLUDED.computed_at
"""


def _store(team_id: int, today: dt.date, members: list, figures: dict, now: dt.datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT_SQL, [team_id, today, orjson.dumps(members).decode(),
                                     orjson.dumps(figures, option=orjson.OPT_NON_STR_KEYS).decode(), now])


def refresh_everyone() -> int:
    """Every team's default view (the nightly run and ``recompute --all``)."""
    return refresh(Team.objects.values_list("pk", flat=True))


def read(team: Team, today: dt.date, rows: Sequence[teams.MemberRow]) -> dict | None:
    """The stored figures when they were computed for ``today`` and these
    members as ``rows`` list them; otherwise None, and the page draws them
    itself. Sparklines come back keyed by member id. One query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT as_of, roster::text, figures::text FROM scoring_teamsummary WHERE team_id = %s",
                       [team.pk])
        stored = cursor.fetchone()
    if stored is None or stored[0] != today or orjson.loads(stored[1]) != roster(rows):
        return None
    figures = orjson.loads(stored[2])
    figures["sparks"] = {int(uid): points for uid, points in figures.get("sparks", {}).items()}
    return figures
