"""The recompute's SQL: one statement per person batch (days, streaks and
person anomalies), one per team (team days and members' standing), and one
for pillar anomalies. ``scoring.trends`` runs them.

Each statement brings rows from ``since`` on up to date and writes only rows
that change: ``_sync`` compares what was computed with what is stored
(``IS DISTINCT FROM``), deletes what is gone, updates what changed in place
with a new id, and inserts what is new; with nothing stored in scope (a first
recompute) the rows go straight in.
"""

from __future__ import annotations

# The earliest observation any window of a day d can reach: delta90 looks back
# to d-93.
LOOKBACK_DAYS = 93
# A member counts in a team's day with a snapshot at most this many days old.
REPORTING_DAYS = 7
# Anomaly thresholds (the definitions).
SSI_DROP_POINTS = 3
RANK_SLIP_POINTS = 10


# The Monday of a date's week, in integer arithmetic (1 January of year 1 was a Monday).
_MONDAY = "{d} - ({d} - DATE '0001-01-01') %% 7"

def _sync(
    table: str, keys: tuple[str, ...], values: tuple[str, ...], source: str, scope: str,
    created: dict[str, str] | None = None, into_empty: bool = False,
) -> str:
    """Data-modifying CTEs that make ``table``'s rows within ``scope`` equal to the
    rows of CTE ``source``: stored rows are updated in place, missing ones
    inserted and vanished ones deleted.

    An updated row gets a new id, as a re-inserted one would. Rows that come
    out as they were stored are left alone: on a full recompute over stored rows
    that is nearly all of them, and writing a row costs several times comparing
    it. ``created`` gives columns set only when a row is inserted
    ({column: SQL expression}).

    ``into_empty``, when the caller knows ``scope`` holds no rows (a first
    recompute, or one after the derived rows were dropped): the rows are
    inserted straight from ``source``, with no merge to plan.
    """
    on = " AND ".join(f"t.{k} = n.{k}" for k in keys)
    cols = keys + values
    extra = list((created or {}).items())
    columns = ", ".join((*cols, *(column for column, _ in extra)))
    if into_empty:
        return f"""
{table}_added AS (
    INSERT INTO {table} ({columns})
    SELECT {", ".join((*(f"n.{c}" for c in cols), *(expression for _, expression in extra)))} FROM {source} n
)"""
    # One merge of the stored rows with the computed ones says what to do with
    # each; the writes then fetch just those rows by physical address (ctid).
    keep = (
        f"\n    WHERE t.tid IS NULL OR n.{keys[0]} IS NULL"
        f" OR ROW({', '.join(f't.{v}' for v in values)}) IS DISTINCT FROM ROW({', '.join(f'n.{v}' for v in values)})"
    )
    return f"""
{table}_plan AS MATERIALIZED (
    SELECT t.tid, n.{keys[0]} IS NULL AS vanished, {", ".join(f"n.{c}" for c in cols)}
    FROM (SELECT ctid AS tid, {", ".join(cols)} FROM {table} WHERE {scope}) AS t
    FULL JOIN {source} n ON {on}{keep}
), {table}_changed AS (
    UPDATE {table} t
    SET id = nextval(pg_get_serial_sequence('{table}', 'id')), {", ".join(f"{v} = p.{v}" for v in values)}
    FROM {table}_plan p
    WHERE t.ctid = ANY(ARRAY(SELECT tid FROM {table}_plan WHERE tid IS NOT NULL AND NOT vanished))
        AND t.ctid = p.tid AND NOT p.vanished
), {table}_gone AS (
    DELETE FROM {table} t
    WHERE t.ctid = ANY(ARRAY(SELECT tid FROM {table}_plan WHERE vanished))
), {table}_added AS (
    INSERT INTO {table} ({columns})
    SELECT {", ".join((*(f"p.{c}" for c in cols), *(expression for _, expression in extra)))}
    FROM {table}_plan p WHERE p.tid IS NULL
)"""


_USERDAY_VALUES = (
    "ssi", "brand", "people", "insights", "relationships", "industry_rank", "network_rank",
    "avg7", "avg30", "delta7", "delta30", "delta90",
    "brand_share", "people_share", "insights_share", "relationships_share",
    "brand_headroom", "people_headroom", "insights_headroom", "relationships_headroom",
    "log_streak", "week_streak",
)
_SHARES = ",\n".join(
    f"ROUND(o.{p} / NULLIF(o.ssi, 0), 6) AS {p}_share" for p in ("brand", "people", "insights", "relationships")
)
_HEADROOM = ",\n".join(f"25 - o.{p} AS {p}_headroom" for p in ("brand", "people", "insights", "relationships"))


# One pass over each person's ordered snapshots from `since` - 93 days on, for all
# the people at once: RANGE windows give the means; the as-of deltas are the last
# value in a frame [d-N-3, d-N] (empty frame: no value, never a guess). Streaks are
# gaps and islands: a run of logged days starts where the day before is missing,
# and a run of improved weeks restarts at a week that did not beat the one before
# (or had none), so a week's streak is the number of weeks since that restart.
# Where a run began before `since`, it continues from the stored row just before
# `since`, which a recompute from `since` never changes. The person-level
# anomalies come from the same pass, and both are written by one statement.
def _person_sql(into_empty: bool) -> str:
    return f"""
WITH seed AS (
    SELECT u.id AS user_id,
        (SELECT e.log_streak FROM scoring_userday e
         WHERE e.user_id = u.id AND e.date = %(since)s::date - 1) AS log_seed,
        (SELECT e.week_streak FROM scoring_userday e
         WHERE e.user_id = u.id AND e.date BETWEEN %(week)s::date - 7 AND %(week)s::date - 1
         ORDER BY e.date DESC LIMIT 1) AS week_seed
    FROM unnest(%(users)s::bigint[]) AS u(id)
), obs AS MATERIALIZED (
    SELECT ordered.*,
        MAX(CASE WHEN previous IS DISTINCT FROM date - 1 THEN date END)
            OVER (PARTITION BY user_id ORDER BY date ROWS UNBOUNDED PRECEDING) AS run_start
    FROM (
        SELECT s.user_id, s.date, s.ssi, s.brand, s.people, s.insights, s.relationships,
            s.industry_rank, s.network_rank, {_MONDAY.format(d="s.date")} AS week,
            -- Rounded as stored, so an unchanged day compares equal to its row.
            ROUND(AVG(s.ssi) OVER w7, 6) AS avg7,
            ROUND(AVG(s.ssi) OVER w30, 6) AS avg30,
            s.ssi - LAST_VALUE(s.ssi) OVER back7 AS delta7,
            s.ssi - LAST_VALUE(s.ssi) OVER back30 AS delta30,
            s.ssi - LAST_VALUE(s.ssi) OVER back90 AS delta90,
            LAG(s.date) OVER w AS previous,
            LEAD(s.date) OVER w AS next_date,
            -- For the anomalies: the highest SSI of the 7 days before, and the
            -- ranks on the latest observation in [d-10, d-7].
            MAX(s.ssi) OVER peak7 AS peak7,
            LAST_VALUE(s.industry_rank) OVER back7 AS industry_before,
            LAST_VALUE(s.network_rank) OVER back7 AS network_before
        FROM tracking_snapshot s
        WHERE s.user_id = ANY(%(users)s) AND s.date >= %(since)s::date - {LOOKBACK_DAYS}
        WINDOW
            w AS (PARTITION BY s.user_id ORDER BY s.date),
            w7 AS (w RANGE BETWEEN INTERVAL '6 days' PRECEDING AND CURRENT ROW),
            w30 AS (w RANGE BETWEEN INTERVAL '29 days' PRECEDING AND CURRENT ROW),
            peak7 AS (w RANGE BETWEEN INTERVAL '7 days' PRECEDING AND INTERVAL '1 day' PRECEDING),
            back7 AS (w RANGE BETWEEN INTERVAL '10 days' PRECEDING AND INTERVAL '7 days' PRECEDING),
            back30 AS (w RANGE BETWEEN INTERVAL '33 days' PRECEDING AND INTERVAL '30 days' PRECEDING),
            back90 AS (w RANGE BETWEEN INTERVAL '93 days' PRECEDING AND INTERVAL '90 days' PRECEDING)
    ) AS ordered
), weeks AS (
    -- Each week's last observation, from the week before `since`'s on.
    SELECT ends.*,
        MAX(CASE WHEN previous_week IS DISTINCT FROM week - 7 OR ssi <= previous_ssi THEN week END)
            OVER (PARTITION BY user_id ORDER BY week ROWS UNBOUNDED PRECEDING) AS restart
    FROM (
        SELECT o.user_id, o.week, o.ssi,
            LAG(o.week) OVER wk AS previous_week, LAG(o.ssi) OVER wk AS previous_ssi
        FROM obs o
        WHERE (o.next_date IS NULL OR o.next_date >= o.week + 7) AND o.week >= %(week)s::date - 7
        WINDOW wk AS (PARTITION BY o.user_id ORDER BY o.week)
    ) AS ends
), week_streaks AS (
    SELECT w.user_id, w.week, w.ssi,
        (w.week - w.restart) / 7
            + CASE WHEN w.restart = %(week)s::date - 7 THEN COALESCE(seed.week_seed, 0) ELSE 0 END AS streak
    FROM weeks w JOIN seed ON seed.user_id = w.user_id
)
, computed AS MATERIALIZED (
    SELECT
        o.user_id, o.date, o.ssi, o.brand, o.people, o.insights, o.relationships,
        o.industry_rank, o.network_rank, o.avg7, o.avg30, o.delta7, o.delta30, o.delta90,
        {_SHARES},
        {_HEADROOM},
        o.date - GREATEST(o.run_start, %(since)s::date) + 1
            + CASE WHEN o.run_start < %(since)s THEN COALESCE(seed.log_seed, 0) ELSE 0 END AS log_streak,
        CASE WHEN o.ssi > before.ssi THEN before.streak + 1 ELSE 0 END AS week_streak
    FROM obs o
    JOIN seed ON seed.user_id = o.user_id
    LEFT JOIN week_streaks before ON before.user_id = o.user_id AND before.week = o.week - 7
    WHERE o.date >= %(since)s
), flagged AS (
    -- Days whose SSI is 3 points or more below the best of the 7 days before,
    -- and days whose rank slipped 10 points or more since a week before.
    SELECT user_id, date, 'ssi_drop' AS kind,
        jsonb_build_object('from', peak7, 'to', ssi, 'change', ssi - peak7) AS detail
    FROM obs WHERE peak7 - ssi >= {SSI_DROP_POINTS}
    UNION ALL
    SELECT user_id, date, 'rank_slip',
        jsonb_strip_nulls(jsonb_build_object(
            'industry_from', CASE WHEN industry_rank - industry_before >= {RANK_SLIP_POINTS} THEN industry_before END,
            'industry_to', CASE WHEN industry_rank - industry_before >= {RANK_SLIP_POINTS} THEN industry_rank END,
            'network_from', CASE WHEN network_rank - network_before >= {RANK_SLIP_POINTS} THEN network_before END,
            'network_to', CASE WHEN network_rank - network_before >= {RANK_SLIP_POINTS} THEN network_rank END))
    FROM obs
    WHERE industry_rank - industry_before >= {RANK_SLIP_POINTS} OR network_rank - network_before >= {RANK_SLIP_POINTS}
), today AS (
    SELECT * FROM unnest(%(t_users)s::bigint[], %(t_dates)s::date[]) AS t(user_id, today)
), person_anomalies AS (
    -- A flagged day is an anomaly on the first day its condition holds, not
    -- again while it keeps holding (the same kind flagged in the 7 days before),
    -- so a slump is one alert, not one a day. Every rule looks back a bounded
    -- number of days (fewer than the 93 read), which is why a partial recompute
    -- equals a full one.
    SELECT user_id, kind, date, NULL::bigint AS team_id, detail FROM (
        SELECT flagged.*, LAG(date) OVER (PARTITION BY user_id, kind ORDER BY date) AS previous FROM flagged
    ) AS ordered
    WHERE date >= %(since)s AND (previous IS NULL OR previous < date - {REPORTING_DAYS})
    UNION ALL
    -- Silent for 7 days: after a gap between two observations, or since the
    -- last one, up to the person's own today.
    SELECT o.user_id, 'not_reporting', o.date + {REPORTING_DAYS}, NULL, jsonb_build_object('last_logged', o.date)
    FROM obs o JOIN today t ON t.user_id = o.user_id
    WHERE COALESCE(o.next_date, t.today + 1) - o.date > {REPORTING_DAYS}
      AND o.date + {REPORTING_DAYS} <= t.today AND o.date + {REPORTING_DAYS} >= %(since)s
), {_sync("scoring_userday", ("user_id", "date"), _USERDAY_VALUES, "computed",
          "user_id = ANY(%(users)s) AND date >= %(since)s", into_empty=into_empty)},
{_sync("scoring_anomaly", ("user_id", "kind", "date"), ("team_id", "detail"), "person_anomalies",
       "user_id = ANY(%(users)s) AND date >= %(since)s AND kind = ANY(%(kinds)s)", created={"created_at": "now()"})}
SELECT COUNT(*) FROM computed
"""


# {True: into no stored person days, False: over stored ones} (see _sync).
RECOMPUTE_SQL = {into_empty: _person_sql(into_empty) for into_empty in (False, True)}

# One team, the days from `start` to `end` its members' data covers. Each member counts with
# their latest snapshot no older than 7 days: a snapshot holds from its date until
# the member's next one, or for 8 days (its date and the 7 after), whichever
# comes first, so each snapshot expands to the days it holds instead of a look-up
# per member per day. One statement fills the team's days and each member's
# standing on the days they logged, from the same rows (a data-modifying CTE runs
# whether or not the main query reads it).
_PILLARS = ("brand", "people", "insights", "relationships")
_METRICS = ("ssi", *_PILLARS)
# Per day and metric: how many report, mean, min, max and the quartiles (one
# sort per metric for all three).
_DAILY = ",\n".join(
    f"COUNT(c.{m}) AS {m}_n, AVG(c.{m}) AS {m}_mean, MIN(c.{m}) AS {m}_min, MAX(c.{m}) AS {m}_max, "
    f"PERCENTILE_CONT(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY c.{m}) AS {m}_q"
    for m in _METRICS
)
_METRIC_ROWS = ", ".join(f"('{m}', a.{m}_n, a.{m}_mean, a.{m}_q, a.{m}_min, a.{m}_max)" for m in _METRICS)

def _team_sql(into_empty: bool) -> str:
    return f"""
WITH members AS (
    SELECT user_id FROM tracking_membership WHERE team_id = %(team)s AND role = 'member'
), held AS (
    SELECT s.user_id, s.date, s.ssi, s.brand, s.people, s.insights, s.relationships,
        LEAST(LEAD(s.date) OVER (PARTITION BY s.user_id ORDER BY s.date), s.date + {REPORTING_DAYS + 1}) AS until
    FROM tracking_snapshot s JOIN members m ON m.user_id = s.user_id
    WHERE s.date >= %(start)s::date - {REPORTING_DAYS} AND s.date <= %(end)s
), current AS MATERIALIZED (
    SELECT h.date + n AS date, h.user_id, h.date AS seen, h.ssi, h.brand, h.people, h.insights, h.relationships
    FROM held h
    CROSS JOIN LATERAL generate_series(
        GREATEST(%(start)s::date - h.date, 0), LEAST(h.until - 1, %(end)s::date) - h.date) AS n
), daily AS (
    SELECT c.date,
        {_DAILY}
    FROM current c GROUP BY c.date
), covered AS MATERIALIZED (
    -- The days the members' data covers: the days each snapshot holds and the
    -- day after it lapses (a gap in the charts, not a line across the silence),
    -- and from the latest snapshot through today. Nothing between: a member's
    -- lone day years before the others adds nine team days, not years of empty ones.
    SELECT DISTINCT d.date FROM (
        SELECT h.date + n AS date FROM held h
        CROSS JOIN LATERAL generate_series(
            GREATEST(%(start)s::date - h.date, 0), LEAST(h.until, %(end)s::date) - h.date) AS n
        UNION ALL
        SELECT l.last + n FROM (SELECT GREATEST(MAX(date), %(start)s::date) AS last FROM held) AS l
        CROSS JOIN LATERAL generate_series(0, %(end)s::date - l.last) AS n
    ) AS d
), team_days AS MATERIALIZED (
    SELECT %(team)s::bigint AS team_id, d.date, v.metric, (SELECT COUNT(*) FROM members) AS members,
        COALESCE(v.n, 0) AS reporting, ROUND(v.mean, 6) AS mean, ROUND(v.q[2]::numeric, 6) AS median,
        ROUND(v.q[1]::numeric, 6) AS p25, ROUND(v.q[3]::numeric, 6) AS p75, v.min, v.max
    FROM covered d
    LEFT JOIN daily a ON a.date = d.date
    CROSS JOIN LATERAL (VALUES {_METRIC_ROWS}) AS v(metric, n, mean, q, min, max)
), standing AS MATERIALIZED (
    -- One sort by score: below = members scoring strictly lower, at_most = lower
    -- or equal. The rank from the top is 1 + those scoring higher, and the
    -- percentile is PERCENT_RANK's (below / (reporting - 1)), in its double precision.
    SELECT user_id, %(team)s::bigint AS team_id, date, ssi, reporting - at_most + 1 AS rank, reporting,
        CASE WHEN reporting > 1 THEN ROUND((below::float8 / (reporting - 1) * 100)::numeric, 6) END AS percentile
    FROM (
        SELECT c.user_id, c.date, c.seen, c.ssi,
            RANK() OVER by_score - 1 AS below,
            COUNT(*) OVER by_score AS at_most,
            COUNT(*) OVER (PARTITION BY c.date) AS reporting
        FROM current c
        WINDOW by_score AS (PARTITION BY c.date ORDER BY c.ssi)
    ) AS ranked
    WHERE seen = date
), {_sync("scoring_teamday", ("team_id", "metric", "date"),
          ("members", "reporting", "mean", "median", "p25", "p75", "min", "max"), "team_days",
          "team_id = %(team)s AND date >= %(since)s", into_empty=into_empty)},
{_sync("scoring_teammemberday", ("user_id", "team_id", "date"), ("ssi", "rank", "reporting", "percentile"),
       "standing", "team_id = %(team)s AND date >= %(since)s", into_empty=into_empty)}
SELECT COUNT(*) FROM covered
"""


# {True: into no stored team days or standings, False: over stored ones}.
TEAM_SQL = {into_empty: _team_sql(into_empty) for into_empty in (False, True)}

# A member's pillar newly below the 25th percentile of one of their teams, on a
# day they logged (not again while it stays below: see RECOMPUTE_SQL's person_anomalies).
PILLAR_ANOMALY_SQL = f"""
WITH mine AS (
    SELECT m.user_id, m.team_id FROM tracking_membership m WHERE m.user_id = ANY(%(users)s) AND m.role = 'member'
), quartile AS MATERIALIZED (
    -- Each of these teams' days with its four pillar p25s side by side.
    SELECT td.team_id, td.date,
        {", ".join(f"MAX(td.p25) FILTER (WHERE td.metric = '{p}') AS {p}" for p in _PILLARS)}
    FROM scoring_teamday td
    WHERE td.team_id IN (SELECT team_id FROM mine) AND td.date >= %(since)s::date - {REPORTING_DAYS}
        AND td.metric <> 'ssi'
    GROUP BY td.team_id, td.date
), logged AS MATERIALIZED (
    -- Their snapshots, by index range per person.
    SELECT s.user_id, s.date, {", ".join(f"s.{p}" for p in _PILLARS)}
    FROM tracking_snapshot s
    WHERE s.user_id = ANY(%(users)s) AND s.date >= %(since)s::date - {REPORTING_DAYS} AND s.brand IS NOT NULL
), compared AS (
    -- Each logged day with the p25s of the member's team that day: one hash join
    -- of the two (CTEs, so it stays one whatever the statistics say: just after a
    -- team's days were first written they still say "empty").
    SELECT l.user_id, l.date, m.team_id, {", ".join(f"l.{p}, q.{p} AS {p}_p25" for p in _PILLARS)}
    FROM logged l JOIN mine m ON m.user_id = l.user_id JOIN quartile q ON q.team_id = m.team_id AND q.date = l.date
), marked AS (
    -- The latest earlier day each pillar was below, in the same team.
    SELECT c.*, {", ".join(f"MAX(CASE WHEN c.{p} < c.{p}_p25 THEN c.date END) OVER before AS {p}_previous"
                           for p in _PILLARS)}
    FROM compared c
    WINDOW before AS (PARTITION BY c.user_id, c.team_id ORDER BY c.date ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
), fresh AS (
    -- Below, and not below within the 7 days before: new.
    SELECT m.user_id, m.date, m.team_id, v.pillar, v.value, v.p25
    FROM (
        SELECT * FROM marked
        WHERE date >= %(since)s AND ({" OR ".join(
            f"({p} < {p}_p25 AND ({p}_previous IS NULL OR {p}_previous < date - {REPORTING_DAYS}))" for p in _PILLARS)})
    ) AS m
    CROSS JOIN LATERAL (VALUES {", ".join(f"('{p}', m.{p}, m.{p}_p25, m.{p}_previous)" for p in _PILLARS)})
        AS v(pillar, value, p25, previous)
    WHERE v.value < v.p25 AND (v.previous IS NULL OR v.previous < m.date - {REPORTING_DAYS})
)
INSERT INTO scoring_anomaly (user_id, team_id, date, kind, detail, created_at)
SELECT user_id, MIN(team_id), date, 'pillar_below_p25',
    jsonb_build_object('pillars', jsonb_agg(jsonb_build_object(
        'team', team_id, 'pillar', pillar, 'value', value, 'p25', p25) ORDER BY team_id, pillar)),
    now()
FROM fresh GROUP BY user_id, date
ON CONFLICT (user_id, kind, date) DO UPDATE SET team_id = EXCLUDED.team_id, detail = EXCLUDED.detail
"""
