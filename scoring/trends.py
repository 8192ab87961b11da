"""Derived rows: person days, team days, members' standing and anomalies.

The window rules (DESIGN.md) are calendar-based and gap-aware, which PostgreSQL's
RANGE windows over a date column express exactly; the as-of deltas are lateral
look-ups on the (user, date) unique index. Streaks are a running recurrence,
cheaper in Python over the rows being rewritten, seeded from the stored rows just
before ``since`` (which a recompute from ``since`` never changes).

Every recompute rewrites rows from ``since`` on, in one transaction, behind an
advisory lock: running it twice, concurrently or after a worker died mid-way
leaves the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.utils import timezone

from scoring.models import Anomaly
from tracking.models import Membership, User

# The earliest observation any window of a day d can reach: delta90 looks back
# to d-93.
LOOKBACK_DAYS = 93
# A member counts in a team's day with a snapshot at most this many days old.
REPORTING_DAYS = 7
# Anomaly thresholds (the definitions).
SSI_DROP_POINTS = 3
RANK_SLIP_POINTS = 10
# Advisory-lock namespace for teams; people lock on their bare id (shared with
# imports on purpose, so an import and a recompute of one person take turns).
TEAM_LOCK_NAMESPACE = 7_000_001

PERSON_KINDS = (Anomaly.Kind.SSI_DROP, Anomaly.Kind.RANK_SLIP, Anomaly.Kind.NOT_REPORTING)
TEAM_KINDS = (Anomaly.Kind.PILLAR_BELOW_P25,)

_DELTA = """
    s.ssi - (
        SELECT p.ssi FROM tracking_snapshot p
        WHERE p.user_id = s.user_id AND p.date BETWEEN s.date - {far} AND s.date - {near}
        ORDER BY p.date DESC LIMIT 1
    )
"""

_SHARES = ",\n".join(f"ROUND(s.{p} / NULLIF(s.ssi, 0), 6)" for p in ("brand", "people", "insights", "relationships"))
_HEADROOM = ",\n".join(f"25 - s.{p}" for p in ("brand", "people", "insights", "relationships"))

RECOMPUTE_SQL = f"""
INSERT INTO scoring_userday (
    user_id, date, ssi, brand, people, insights, relationships,
    industry_rank, network_rank, avg7, avg30, delta7, delta30, delta90,
    brand_share, people_share, insights_share, relationships_share,
    brand_headroom, people_headroom, insights_headroom, relationships_headroom,
    log_streak, week_streak
)
SELECT computed.*, st.log_streak, st.week_streak FROM (
    SELECT
        s.user_id, s.date, s.ssi, s.brand, s.people, s.insights, s.relationships,
        s.industry_rank, s.network_rank,
        AVG(s.ssi) OVER w7,
        AVG(s.ssi) OVER w30,
        {_DELTA.format(far=10, near=7)},
        {_DELTA.format(far=33, near=30)},
        {_DELTA.format(far=93, near=90)},
        {_SHARES},
        {_HEADROOM}
    FROM tracking_snapshot s
    WHERE s.user_id = ANY(%(users)s) AND s.date >= %(since)s::date - {LOOKBACK_DAYS}
    WINDOW
        w7 AS (PARTITION BY s.user_id ORDER BY s.date RANGE BETWEEN INTERVAL '6 days' PRECEDING AND CURRENT ROW),
        w30 AS (PARTITION BY s.user_id ORDER BY s.date RANGE BETWEEN INTERVAL '29 days' PRECEDING AND CURRENT ROW)
) AS computed
JOIN unnest(%(s_users)s::bigint[], %(s_dates)s::date[], %(s_log)s::int[], %(s_week)s::int[])
    AS st(user_id, date, log_streak, week_streak)
    ON st.user_id = computed.user_id AND st.date = computed.date
WHERE computed.date >= %(since)s
"""

# Person-level anomalies, rewritten from `since` on. Each fires on the first day
# its condition holds, not again while it keeps holding (no flagged observation
# in the 7 days before), so a slump is one alert, not one a day. Every rule looks
# back a bounded number of days, which is why a partial recompute equals a full one.
PERSON_ANOMALY_SQL = f"""
WITH obs AS (
    SELECT s.user_id, s.date, s.ssi, s.industry_rank, s.network_rank,
        MAX(s.ssi) OVER (PARTITION BY s.user_id ORDER BY s.date
                         RANGE BETWEEN INTERVAL '7 days' PRECEDING AND INTERVAL '1 day' PRECEDING) AS peak7,
        LEAD(s.date) OVER (PARTITION BY s.user_id ORDER BY s.date) AS next_date,
        (SELECT p.industry_rank FROM tracking_snapshot p WHERE p.user_id = s.user_id
            AND p.date BETWEEN s.date - 10 AND s.date - 7 ORDER BY p.date DESC LIMIT 1) AS industry_before,
        (SELECT p.network_rank FROM tracking_snapshot p WHERE p.user_id = s.user_id
            AND p.date BETWEEN s.date - 10 AND s.date - 7 ORDER BY p.date DESC LIMIT 1) AS network_before
    FROM tracking_snapshot s
    WHERE s.user_id = ANY(%(users)s) AND s.date >= %(since)s::date - 30
), flagged AS (
    SELECT obs.*,
        peak7 - ssi >= {SSI_DROP_POINTS} AS dropped,
        COALESCE(industry_rank - industry_before >= {RANK_SLIP_POINTS}, false)
            OR COALESCE(network_rank - network_before >= {RANK_SLIP_POINTS}, false) AS slipped
    FROM obs
), fresh AS (
    SELECT flagged.*,
        BOOL_OR(dropped) OVER w AS dropped_before,
        BOOL_OR(slipped) OVER w AS slipped_before
    FROM flagged
    WINDOW w AS (PARTITION BY user_id ORDER BY date RANGE BETWEEN INTERVAL '7 days' PRECEDING AND INTERVAL '1 day' PRECEDING)
), today AS (
    SELECT * FROM unnest(%(t_users)s::bigint[], %(t_dates)s::date[]) AS t(user_id, today)
)
INSERT INTO scoring_anomaly (user_id, team_id, date, kind, detail, created_at)
SELECT user_id, NULL, date, kind, detail, now() FROM (
    SELECT user_id, date, 'ssi_drop' AS kind,
        jsonb_build_object('from', peak7, 'to', ssi, 'change', ssi - peak7) AS detail
    FROM fresh WHERE dropped AND NOT COALESCE(dropped_before, false)
    UNION ALL
    SELECT user_id, date, 'rank_slip',
        jsonb_strip_nulls(jsonb_build_object(
            'industry_from', CASE WHEN industry_rank - industry_before >= {RANK_SLIP_POINTS} THEN industry_before END,
            'industry_to', CASE WHEN industry_rank - industry_before >= {RANK_SLIP_POINTS} THEN industry_rank END,
            'network_from', CASE WHEN network_rank - network_before >= {RANK_SLIP_POINTS} THEN network_before END,
            'network_to', CASE WHEN network_rank - network_before >= {RANK_SLIP_POINTS} THEN network_rank END))
    FROM fresh WHERE slipped AND NOT COALESCE(slipped_before, false)
    UNION ALL
    -- Silent for 7 days: after a gap between two observations, or since the last
    -- one, up to the person's own today.
    SELECT f.user_id, f.date + {REPORTING_DAYS}, 'not_reporting', jsonb_build_object('last_logged', f.date)
    FROM fresh f JOIN today t ON t.user_id = f.user_id
    WHERE COALESCE(f.next_date, t.today + 1) - f.date > {REPORTING_DAYS}
      AND f.date + {REPORTING_DAYS} <= t.today
) AS found
WHERE date >= %(since)s
ON CONFLICT (user_id, kind, date) DO UPDATE SET team_id = EXCLUDED.team_id, detail = EXCLUDED.detail
"""

# One team, every calendar day from `start` to `end`. Each member counts with
# their latest snapshot no older than 7 days. One statement fills the team's days
# and each member's standing on the days they logged, from the same rows (a
# data-modifying CTE runs whether or not the main query reads it).
TEAM_SQL = f"""
WITH members AS (
    SELECT user_id FROM tracking_membership WHERE team_id = %(team)s AND role = 'member'
), days AS (
    SELECT d::date AS date FROM generate_series(%(start)s::date, %(end)s::date, INTERVAL '1 day') AS d
), current AS MATERIALIZED (
    SELECT days.date, m.user_id, s.date AS seen, s.ssi, s.brand, s.people, s.insights, s.relationships
    FROM days CROSS JOIN members m
    LEFT JOIN LATERAL (
        SELECT p.date, p.ssi, p.brand, p.people, p.insights, p.relationships FROM tracking_snapshot p
        WHERE p.user_id = m.user_id AND p.date BETWEEN days.date - {REPORTING_DAYS} AND days.date
        ORDER BY p.date DESC LIMIT 1
    ) s ON true
), team_days AS (
    INSERT INTO scoring_teamday (team_id, date, metric, members, reporting, mean, median, p25, p75, min, max)
    SELECT %(team)s, c.date, v.metric, COUNT(*), COUNT(v.value),
        ROUND(AVG(v.value), 6),
        ROUND((PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY v.value))::numeric, 6),
        ROUND((PERCENTILE_CONT(0.25) WITHIN GROUP (ORDER BY v.value))::numeric, 6),
        ROUND((PERCENTILE_CONT(0.75) WITHIN GROUP (ORDER BY v.value))::numeric, 6),
        MIN(v.value), MAX(v.value)
    FROM current c
    CROSS JOIN LATERAL (VALUES ('ssi', c.ssi), ('brand', c.brand), ('people', c.people),
                               ('insights', c.insights), ('relationships', c.relationships)) AS v(metric, value)
    GROUP BY c.date, v.metric
), standing AS (
    SELECT c.user_id, c.date, c.seen, c.ssi,
        RANK() OVER (PARTITION BY c.date ORDER BY c.ssi DESC) AS rank,
        COUNT(*) OVER (PARTITION BY c.date) AS reporting,
        PERCENT_RANK() OVER (PARTITION BY c.date ORDER BY c.ssi) AS pr
    FROM current c WHERE c.ssi IS NOT NULL
)
INSERT INTO scoring_teammemberday (user_id, team_id, date, ssi, rank, reporting, percentile)
SELECT user_id, %(team)s, date, ssi, rank, reporting,
    CASE WHEN reporting > 1 THEN ROUND((pr * 100)::numeric, 6) END
FROM standing WHERE seen = date
"""

# A member's pillar newly below the 25th percentile of one of their teams, on a
# day they logged (not again while it stays below: see PERSON_ANOMALY_SQL).
PILLAR_ANOMALY_SQL = f"""
WITH below AS (
    SELECT s.user_id, s.date, m.team_id, v.pillar, v.value, td.p25
    FROM tracking_snapshot s
    JOIN tracking_membership m ON m.user_id = s.user_id AND m.role = 'member'
    CROSS JOIN LATERAL (VALUES ('brand', s.brand), ('people', s.people),
                               ('insights', s.insights), ('relationships', s.relationships)) AS v(pillar, value)
    JOIN scoring_teamday td ON td.team_id = m.team_id AND td.date = s.date AND td.metric = v.pillar
    WHERE s.user_id = ANY(%(users)s) AND s.date >= %(since)s::date - {REPORTING_DAYS} AND v.value < td.p25
), fresh AS (
    -- The previous day below, for the same team and pillar, is the latest one:
    -- none within the 7 days before means this one is new.
    SELECT * FROM (
        SELECT b.*, LAG(b.date) OVER (PARTITION BY b.user_id, b.team_id, b.pillar ORDER BY b.date) AS previous
        FROM below b
    ) AS ordered
    WHERE date >= %(since)s AND (previous IS NULL OR previous < date - {REPORTING_DAYS})
)
INSERT INTO scoring_anomaly (user_id, team_id, date, kind, detail, created_at)
SELECT user_id, MIN(team_id), date, 'pillar_below_p25',
    jsonb_build_object('pillars', jsonb_agg(jsonb_build_object(
        'team', team_id, 'pillar', pillar, 'value', value, 'p25', p25) ORDER BY team_id, pillar)),
    now()
FROM fresh GROUP BY user_id, date
ON CONFLICT (user_id, kind, date) DO UPDATE SET team_id = EXCLUDED.team_id, detail = EXCLUDED.detail
"""


# Before this, "the week before since" has no calendar date to name.
FIRST_WEEK = dt.date(1, 1, 15)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def streaks(context: Sequence[tuple], rows: Sequence[tuple]) -> list[tuple[int, int]]:
    """(log_streak, week_streak) for each of one person's ``rows`` (date, ssi), in
    date order, continuing from ``context``: their stored (date, ssi, log_streak,
    week_streak) rows just before the first of ``rows``, in date order.

    A week's streak is 1 + the previous week's streak (as of its last
    observation) when the day beats that last observation, else 0.
    """
    week_last: dict[dt.date, tuple] = {}
    previous_date, previous_log = None, 0
    for date, ssi, log, week in context:
        week_last[_monday(date)] = (ssi, week)
        previous_date, previous_log = date, log
    out = []
    for date, ssi in rows:
        log = previous_log + 1 if previous_date == date - dt.timedelta(days=1) else 1
        before = week_last.get(_monday(date) - dt.timedelta(days=7))
        week = before[1] + 1 if before is not None and ssi > before[0] else 0
        week_last[_monday(date)] = (ssi, week)
        previous_date, previous_log = date, log
        out.append((log, week))
    return out


def _streak_arrays(cursor, users: list[int], since: dt.date) -> dict[str, list]:
    context: dict[int, list] = {u: [] for u in users}
    cursor.execute(
        """
        SELECT d.user_id, d.date, d.ssi, d.log_streak, d.week_streak
        FROM unnest(%(users)s::bigint[]) AS u(id)
        -- One backward index probe per person for their last day before `since`.
        CROSS JOIN LATERAL (SELECT MAX(e.date) AS last FROM scoring_userday e
                            WHERE e.user_id = u.id AND e.date < %(since)s) AS l
        JOIN scoring_userday d ON d.user_id = u.id AND d.date < %(since)s AND d.date >= LEAST(%(week)s, l.last)
        ORDER BY d.user_id, d.date
        """,
        {"users": users, "since": since, "week": _monday(since) - dt.timedelta(days=7) if since > FIRST_WEEK else since},
    )
    for user_id, date, ssi, log, week in cursor.fetchall():
        context[user_id].append((date, ssi, log, week))
    cursor.execute(
        "SELECT user_id, date, ssi FROM tracking_snapshot WHERE user_id = ANY(%s) AND date >= %s ORDER BY user_id, date",
        [users, since],
    )
    fetched = cursor.fetchall()
    out: dict[str, list] = {"s_users": [], "s_dates": [], "s_log": [], "s_week": []}
    start = 0
    while start < len(fetched):
        user_id = fetched[start][0]
        end = start
        while end < len(fetched) and fetched[end][0] == user_id:
            end += 1
        rows = [(r[1], r[2]) for r in fetched[start:end]]
        for (date, _), (log, week) in zip(rows, streaks(context[user_id], rows), strict=True):
            out["s_users"].append(user_id)
            out["s_dates"].append(date)
            out["s_log"].append(log)
            out["s_week"].append(week)
        start = end
    return out


def recompute_people(user_ids: Iterable[int], since: dt.date | None = None) -> int:
    """Rewrite these people's derived days and person-level anomalies from
    ``since`` on (all of them when None), in one transaction. Returns the number
    of days written. Their teams are not recomputed here: see ``recompute_team``."""
    users = sorted(set(user_ids))
    since = since or dt.date.min
    if not users:
        return 0
    todays = {u.pk: u.today() for u in User.objects.filter(pk__in=users).only("pk", "time_zone")}
    with transaction.atomic(), connection.cursor() as cursor:
        # Concurrent recomputes of one person take turns instead of racing on the
        # unique (user, date) key; ids in order so two batches never deadlock.
        for user_id in users:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [user_id])
        params = {"users": users, "since": since, **_streak_arrays(cursor, users, since)}
        cursor.execute("DELETE FROM scoring_userday WHERE user_id = ANY(%s) AND date >= %s", [users, since])
        cursor.execute(RECOMPUTE_SQL, params)
        written = cursor.rowcount
        cursor.execute(
            "DELETE FROM scoring_anomaly WHERE user_id = ANY(%s) AND date >= %s AND kind = ANY(%s)",
            [users, since, list(PERSON_KINDS)],
        )
        cursor.execute(PERSON_ANOMALY_SQL, {
            "users": users, "since": since,
            "t_users": list(todays), "t_dates": list(todays.values()),
        })
        return written


def recompute(user_id: int, since: dt.date | None = None) -> int:
    """Rewrite ``user_id``'s derived days from ``since`` on (all of them when None).

    Runs in one transaction behind a per-person advisory lock, so running it
    twice, concurrently, or after a worker died mid-way leaves the same rows.
    Returns the number of days written.
    """
    return recompute_people([user_id], since)


def recompute_with_teams(user_ids: Iterable[int], since: dt.date | None = None) -> int:
    """These people, then every team they count in, from ``since`` on, in one
    transaction: a reader (or a test) that sees the new person rows sees the
    team rows that follow from them. Locks are taken people first, then teams,
    each in id order, so two of these never deadlock."""
    users = sorted(set(user_ids))
    with transaction.atomic():
        written = recompute_people(users, since)
        for team_id in team_ids_for(users):
            recompute_team(team_id, since)
    return written


def team_ids_for(user_ids: Iterable[int]) -> list[int]:
    """The teams whose aggregates these people count in."""
    return sorted(set(
        Membership.objects.filter(user_id__in=list(user_ids), role=Membership.Role.MEMBER)
        .values_list("team_id", flat=True)
    ))


def recompute_team(team_id: int, since: dt.date | None = None) -> int:
    """Rewrite team ``team_id``'s days, its members' standing and their pillar
    anomalies from ``since`` on (all when None), through today, in one
    transaction. Returns the number of team days written.

    The team is its current roster: someone who left no longer counts on any day
    (their membership is gone), which is why a roster change recomputes the
    whole team.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [TEAM_LOCK_NAMESPACE, team_id])
        cursor.execute(
            """
            SELECT MIN(s.date), MAX(s.date) FROM tracking_snapshot s
            JOIN tracking_membership m ON m.user_id = s.user_id AND m.team_id = %s AND m.role = 'member'
            """,
            [team_id],
        )
        first, last = cursor.fetchone()
        since_day = since or dt.date.min
        cursor.execute("DELETE FROM scoring_teamday WHERE team_id = %s AND date >= %s", [team_id, since_day])
        cursor.execute("DELETE FROM scoring_teammemberday WHERE team_id = %s AND date >= %s", [team_id, since_day])
        written = 0
        if first is not None:
            start = max(first, since_day)
            end = max(last, timezone.localdate())
            if start <= end:
                cursor.execute(TEAM_SQL, {"team": team_id, "start": start, "end": end})
                written = (end - start).days + 1
        # Pillar anomalies of everyone this team touches: its members, and anyone
        # whose stored anomaly still names it (someone who just left).
        cursor.execute(
            """
            SELECT user_id FROM tracking_membership WHERE team_id = %(team)s AND role = 'member'
            UNION SELECT user_id FROM scoring_anomaly WHERE team_id = %(team)s AND kind = 'pillar_below_p25'
            """,
            {"team": team_id},
        )
        users = sorted(row[0] for row in cursor.fetchall())
        cursor.execute(
            "DELETE FROM scoring_anomaly WHERE user_id = ANY(%s) AND date >= %s AND kind = ANY(%s)",
            [users, since_day, list(TEAM_KINDS)],
        )
        cursor.execute(PILLAR_ANOMALY_SQL, {"users": users, "since": since_day})
        return written


def anomaly_detail_text(anomaly: Anomaly, team_names: dict[int, str]) -> str:
    """One sentence for a stored anomaly, as dashboards and notifications show it."""
    d = anomaly.detail or {}
    if anomaly.kind == Anomaly.Kind.SSI_DROP:
        return f"SSI fell from {_n(d.get('from'))} to {_n(d.get('to'))} within 7 days."
    if anomaly.kind == Anomaly.Kind.RANK_SLIP:
        parts = []
        if "industry_from" in d:
            parts.append(f"industry rank from Top {d['industry_from']}% to Top {d['industry_to']}%")
        if "network_from" in d:
            parts.append(f"network rank from Top {d['network_from']}% to Top {d['network_to']}%")
        return "Slipped: " + " and ".join(parts) + "."
    if anomaly.kind == Anomaly.Kind.NOT_REPORTING:
        return f"No snapshot since {d.get('last_logged')}."
    from tracking.rules import LABELS

    parts = [
        f"{LABELS[p['pillar']]} {_n(p['value'])} is below {team_names.get(p['team'], 'the team')}'s "
        f"25th percentile ({_n(p['p25'])})"
        for p in d.get("pillars", [])
    ]
    return "; ".join(parts) + "."


def _n(value) -> str:
    if value is None:
        return "–"
    return f"{float(value):.1f}".removesuffix(".0")
