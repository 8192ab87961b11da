"""Person-level trends: one SQL pass per person, from a date on.

The window rules (DESIGN.md) are calendar-based and gap-aware, which PostgreSQL's
RANGE windows over a date column express exactly; the as-of deltas are lateral
look-ups on the (user, date) unique index.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction

# The earliest observation any window of a day d can reach: delta90 looks back
# to d-93.
LOOKBACK_DAYS = 93

_DELTA = """
    s.ssi - (
        SELECT p.ssi FROM tracking_snapshot p
        WHERE p.user_id = s.user_id AND p.date BETWEEN s.date - {far} AND s.date - {near}
        ORDER BY p.date DESC LIMIT 1
    )
"""

RECOMPUTE_SQL = f"""
INSERT INTO scoring_userday (
    user_id, date, ssi, brand, people, insights, relationships,
    industry_rank, network_rank, avg7, avg30, delta7, delta30, delta90
)
SELECT * FROM (
    SELECT
        s.user_id, s.date, s.ssi, s.brand, s.people, s.insights, s.relationships,
        s.industry_rank, s.network_rank,
        AVG(s.ssi) OVER (ORDER BY s.date RANGE BETWEEN INTERVAL '6 days' PRECEDING AND CURRENT ROW),
        AVG(s.ssi) OVER (ORDER BY s.date RANGE BETWEEN INTERVAL '29 days' PRECEDING AND CURRENT ROW),
        {_DELTA.format(far=10, near=7)},
        {_DELTA.format(far=33, near=30)},
        {_DELTA.format(far=93, near=90)}
    FROM tracking_snapshot s
    WHERE s.user_id = %(user)s AND s.date >= %(since)s::date - {LOOKBACK_DAYS}
) AS computed
WHERE computed.date >= %(since)s
"""


def recompute(user_id: int, since: dt.date | None = None) -> int:
    """Rewrite ``user_id``'s derived days from ``since`` on (all of them when None).

    Runs in one transaction behind a per-person advisory lock, so running it
    twice, concurrently, or after a worker died mid-way leaves the same rows.
    Returns the number of days written.
    """
    since = since or dt.date.min
    with transaction.atomic(), connection.cursor() as cursor:
        # Concurrent recomputes of one person take turns instead of racing on the
        # unique (user, date) key. The key space is shared with import locks on
        # purpose: an import and a recompute of one person serialise too.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [user_id])
        cursor.execute("DELETE FROM scoring_userday WHERE user_id = %s AND date >= %s", [user_id, since])
        cursor.execute(RECOMPUTE_SQL, {"user": user_id, "since": since})
        return cursor.rowcount
