"""Derived rows: person days, team days, members' standing and anomalies.

The window rules (DESIGN.md) are calendar-based and gap-aware, which PostgreSQL's
RANGE windows over a date column express exactly, the as-of deltas included.
Streaks are gaps and islands in the same pass, seeded from the stored rows just
before ``since`` (which a recompute from ``since`` never changes).

Every recompute brings rows from ``since`` on up to date, in one transaction,
behind an advisory lock: running it twice, concurrently or after a worker died
mid-way leaves the same rows. Only rows that change are written, each with a new
id (see ``scoring.recompute_sql``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, transaction
from django.utils import timezone

from scoring import organisation_figures, person_summary, team_summary
from scoring.models import Anomaly
from scoring.recompute_sql import PILLAR_ANOMALY_SQL, RECOMPUTE_SQL, TEAM_SQL
from tracking.locks import lock_recompute_people, lock_recompute_team
from tracking.models import Membership, Snapshot, Team, User

PERSON_KINDS = (Anomaly.Kind.SSI_DROP, Anomaly.Kind.RANK_SLIP, Anomaly.Kind.NOT_REPORTING)
TEAM_KINDS = (Anomaly.Kind.PILLAR_BELOW_P25,)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _tune(cursor) -> None:
    """For the rest of the transaction: no JIT compilation (row estimates over
    arrays of ids and CTEs are far off, and PostgreSQL then spends longer
    compiling than running), and room for a batch's sorts in memory."""
    cursor.execute("SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)")


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
        lock_recompute_people(cursor, users)
        _tune(cursor)
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM scoring_userday WHERE user_id = ANY(%s) AND date >= %s)", [users, since]
        )
        into_empty = not cursor.fetchone()[0]
        cursor.execute(RECOMPUTE_SQL[into_empty], {
            "users": users, "since": since, "week": _monday(since), "kinds": list(PERSON_KINDS),
            "t_users": list(todays), "t_dates": list(todays.values()),
        })
        return cursor.fetchone()[0]


def recompute(user_id: int, since: dt.date | None = None) -> int:
    """Rewrite ``user_id``'s derived days from ``since`` on (all of them when None).

    Runs in one transaction behind a per-person advisory lock, so running it
    twice, concurrently, or after a worker died mid-way leaves the same rows.
    Returns the number of days written. The person's summary follows, in the
    same transaction (their standings as their teams' rows stand).
    """
    with transaction.atomic():
        written = recompute_people([user_id], since)
        person_summary.refresh([user_id], since)
    return written


def recompute_with_teams(user_ids: Iterable[int], since: dt.date | None = None) -> int:
    """These people, then every team they count in, from ``since`` on, in one
    transaction: a reader (or a test) that sees the new person rows sees the
    team rows that follow from them. Locks are taken people first, then teams,
    each in id order, so two of these never deadlock. Their summaries come
    last, in the same transaction: standings and coaching read the team rows,
    and each team's default view reads its members' summaries."""
    users = sorted(set(user_ids))
    with transaction.atomic():
        written = recompute_people(users, since)
        team_ids = team_ids_for(users)
        for team_id in team_ids:
            recompute_team(team_id, since)
        person_summary.refresh(users, since)
        team_summary.refresh(team_ids)
    return written


def recompute_roster(team_id: int, since: dt.date | None = None) -> int:
    """A team whose roster changed: its days, then its default view, in one
    transaction. Returns the number of team days written."""
    with transaction.atomic():
        written = recompute_team(team_id, since)
        team_summary.refresh([team_id])
    return written


# People per transaction when everyone is recomputed: large enough for the
# set-based SQL to pay off, small enough that one batch holds its locks briefly.
BATCH = 200


def _earliest(dates: Iterable[dt.date | None]) -> dt.date | None:
    dates = list(dates)
    return None if None in dates else min(dates)


def batches(since_by_user: Mapping[int, dt.date | None]) -> list[list[int]]:
    """These people in batches of about ``BATCH``, such that every team's
    changed members fall in one batch: ``recompute_with_teams`` of each batch
    then recomputes each of their teams exactly once, with all of its changed
    members already recomputed in the same transaction.

    People linked through teams (members of one team, and through someone in
    two teams, of both) stay together, so a batch holds whole groups: up to
    ``BATCH`` people, or one group larger than that on its own (a team of 500
    is one batch of 500). Groups go earliest date first, so the people of a
    batch share a date as far as they can (a batch runs from its earliest).
    """
    users = sorted(since_by_user)
    parent = {user: user for user in users}

    def root(user: int) -> int:
        while parent[user] != user:
            parent[user] = parent[parent[user]]
            user = parent[user]
        return user

    first_member: dict[int, int] = {}
    for user_id, team_id in Membership.objects.filter(
        user_id__in=users, role=Membership.Role.MEMBER
    ).values_list("user_id", "team_id"):
        a, b = root(user_id), root(first_member.setdefault(team_id, user_id))
        parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = defaultdict(list)
    for user in users:
        groups[root(user)].append(user)

    def start(group: list[int]) -> tuple[dt.date, int]:
        return _earliest(since_by_user[user] for user in group) or dt.date.min, group[0]

    ordered = sorted(groups.values(), key=start)
    packed: list[list[int]] = []
    for group in ordered:
        if packed and len(packed[-1]) + len(group) <= BATCH:
            packed[-1] += group
        else:
            packed.append(list(group))
    return [sorted(people) for people in packed]


def task_groups(since_by_user: Mapping[int, dt.date | None], tasks: int) -> list[list[int]]:
    """These people's ``batches`` dealt into at most ``tasks`` groups, one task
    each, so that the worker's processes share a large change. A group holds
    whole batches, so each team's changed members are in one task and each team
    is recomputed once. Each batch goes, in order, to the group with the fewest
    people so far (the first of them on a tie): the same people always make the
    same groups. A change of one batch stays one group."""
    groups: list[list[int]] = [[] for _ in range(max(1, tasks))]
    for batch in batches(since_by_user):
        min(groups, key=len).extend(batch)
    return [sorted(group) for group in groups if group]


def recompute_batch(
    since_by_user: Mapping[int, dt.date | None], claim: Callable[[list[int]], list[int]] | None = None
) -> tuple[int, int, int]:
    """Everyone a change names, each from their own date on, in ``batches``:
    each batch, its people and then their teams, is one ``recompute_with_teams``
    in a transaction of its own, so each affected team is recomputed once, and
    a failure leaves the finished batches done and the rest as they were.

    ``claim``, when given, is called inside each batch's transaction with its
    people, and returns those still to recompute (the outbox marks their
    requests done in that transaction, so they are done exactly when the rows
    are). Returns (people recomputed, their days written, team recomputes).
    """
    people = written = teams = 0
    # The organisation's stored spread: stale after each batch, stored once at the end.
    with organisation_figures.refreshed_once():
        for batch in batches(since_by_user):
            with transaction.atomic():
                users = claim(batch) if claim else batch
                if not users:
                    continue
                written += recompute_with_teams(users, _earliest(since_by_user[user] for user in users))
                people += len(users)
                teams += len(team_ids_for(users))
    return people, written, teams


def recompute_everyone(since: dt.date | None = None, jobs: int = 1) -> tuple[int, int, int, int]:
    """Everyone with snapshots, in batches, and every team, from ``since`` on;
    ``jobs`` batches (or teams) at a time. Returns (people, their days, teams,
    team days).

    The work is SQL, so each job is a thread with its own database connection
    and a transaction per batch: PostgreSQL runs them on separate cores while
    the threads wait. Each batch is safe on its own (locks, one transaction),
    so a failure leaves finished batches done and the rest as they were.
    """
    if jobs > 1 and connection.in_atomic_block:
        # The jobs' own connections would not see this transaction's rows.
        raise ValueError("A recompute in parallel jobs cannot run inside a transaction.")
    ids = sorted(set(Snapshot.objects.values_list("user_id", flat=True).distinct()))
    team_ids = list(Team.objects.order_by("pk").values_list("pk", flat=True))
    # As many batches as a multiple of the jobs, so none sits idle at the end.
    count = math.ceil(math.ceil(len(ids) / BATCH) / jobs) * jobs
    size = math.ceil(len(ids) / count) if ids else 1
    batches = [ids[start:start + size] for start in range(0, len(ids), size)]
    # People and teams interleaved (neither reads the other's rows), so that
    # while one job writes person days another writes team days: two jobs
    # inserting into one table wait on each other for its last pages. The
    # remaining teams come last: short tasks, so no job idles long at the end.
    per_batch = len(team_ids) // len(batches) if batches else 0
    tasks = []
    for n, batch in enumerate(batches):
        tasks.append(("people", batch))
        tasks += [("team", team_id) for team_id in team_ids[n * per_batch:(n + 1) * per_batch]]
    tasks += [("team", team_id) for team_id in team_ids[len(batches) * per_batch:]]

    def run(task) -> tuple[str, int]:
        kind, item = task
        return kind, recompute_people(item, since) if kind == "people" else recompute_team(item, since)

    done = _run(jobs, run, tasks)
    # Summaries last: they read the person and team rows just written, and
    # the teams' default views read the people's summaries.
    _run(jobs, person_summary.refresh_batch, person_summary.everyone_batches(jobs))
    _run(jobs, team_summary.refresh, [team_ids[n::jobs] for n in range(max(1, jobs))])
    days = sum(written for kind, written in done if kind == "people")
    team_days = sum(written for kind, written in done if kind == "team")
    return len(ids), days, len(team_ids), team_days


def _run(jobs: int, fn: Callable[[object], object], items: list) -> list:
    """``fn`` over ``items``, ``jobs`` at a time; one job runs on this thread and
    its connection."""
    if jobs <= 1:
        return [fn(item) for item in items]

    def job(item) -> int:
        try:
            return fn(item)
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(job, items))


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
        lock_recompute_team(cursor, team_id)
        _tune(cursor)
        cursor.execute(
            """
            SELECT MIN(s.first), MAX(s.last) FROM tracking_membership m
            -- Two index probes per member rather than a scan of their history.
            CROSS JOIN LATERAL (SELECT MIN(p.date) AS first, MAX(p.date) AS last
                                FROM tracking_snapshot p WHERE p.user_id = m.user_id) AS s
            WHERE m.team_id = %s AND m.role = 'member'
            """,
            [team_id],
        )
        first, last = cursor.fetchone()
        since_day = since or dt.date.min
        written = 0
        start = max(first, since_day) if first is not None else None
        # The server's date, whichever person's request (and so time zone) runs this.
        end = max(last, timezone.localdate(timezone=timezone.get_default_timezone())) if last is not None else None
        if start is not None and start <= end:
            cursor.execute(
                """
                SELECT EXISTS (SELECT 1 FROM scoring_teamday WHERE team_id = %(team)s AND date >= %(since)s)
                    OR EXISTS (SELECT 1 FROM scoring_teammemberday WHERE team_id = %(team)s AND date >= %(since)s)
                """,
                {"team": team_id, "since": since_day},
            )
            into_empty = not cursor.fetchone()[0]
            cursor.execute(TEAM_SQL[into_empty], {"team": team_id, "since": since_day, "start": start, "end": end})
            written = cursor.fetchone()[0]
        else:
            cursor.execute("DELETE FROM scoring_teamday WHERE team_id = %s AND date >= %s", [team_id, since_day])
            cursor.execute("DELETE FROM scoring_teammemberday WHERE team_id = %s AND date >= %s", [team_id, since_day])
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
