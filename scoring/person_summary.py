"""Each person's summary (``PersonSummary``), computed by the recompute for many
people at once, and read by every page, email, API endpoint and export.

``refresh`` loads what it needs for the whole batch in a fixed number of
queries (their latest days and the trend's window, best ever where the stored
summary cannot give it, memberships, activity, goals, notes, insights' weeks),
computes in Python with
the functions of ``scoring.summary``, ``scoring.goals`` and ``scoring.insights``,
and upserts one row per person. The recompute calls it in its own transaction
(``scoring.trends``), after the teams: coaching reads team rows. (Standings
are not part of it: a teammate's day moves them, and the dashboard reads the
standing rows themselves.)

Parts that depend on teammates (the team's activity medians in the coaching
card, insights pooled from the team's weeks) follow a teammate's change at the
next nightly run, which refreshes everyone (``scoring.checks.nightly``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from scoring import goals, insights, organisation_figures, summary, summary_store
from scoring.models import Annotation, PersonSummary
from scoring.summary_store import dump, pillar_move
from tracking import rules
from tracking.locks import lock_recompute_people
from tracking.models import Activity, Membership, User

# People computed at once: their rows (about 80 days each, and their weeks)
# are held in memory together.
BATCH = 500
_WINDOW_FIELDS = summary.FIELDS
_LEVER_FIELDS = sorted({f for levers in rules.PILLAR_LEVERS.values() for f in levers})

_BEST_SQL = """
SELECT u.id, c.n, b.ssi, b.date
FROM unnest(%(users)s::bigint[]) AS u(id)
CROSS JOIN LATERAL (SELECT count(*) AS n FROM scoring_userday WHERE user_id = u.id) c
CROSS JOIN LATERAL (
    SELECT ssi, date FROM scoring_userday WHERE user_id = u.id ORDER BY ssi DESC, date LIMIT 1
) b
"""

# The trend's window up to each person's latest day: its last row is the
# headline, and its recent days (flagged) hold the 7-day change's reference
# day. Older days bring only what the trend reads (fewer values to convert,
# for 80 days a person).
_RECENT_DAYS = summary.TOLERANCE_DAYS + 7
_RECENT_FIELDS = (*rules.PILLARS,)
_LATEST_FIELDS = tuple(f for f in _WINDOW_FIELDS if f not in ("date", "ssi", *_RECENT_FIELDS))
_WINDOW_SQL = f"""
SELECT d.user_id, d.date >= l.last - {_RECENT_DAYS}, d.date, d.ssi,
       {", ".join(f"CASE WHEN d.date >= l.last - {_RECENT_DAYS} THEN d.{f} END" for f in _RECENT_FIELDS)},
       {", ".join(f"CASE WHEN d.date = l.last THEN d.{f} END" for f in _LATEST_FIELDS)}
FROM unnest(%(users)s::bigint[]) AS u(id)
CROSS JOIN LATERAL (SELECT max(date) AS last FROM scoring_userday WHERE user_id = u.id) l
-- A range of each person's (user, date) key, not a join over all their days.
CROSS JOIN LATERAL (
    SELECT * FROM scoring_userday WHERE user_id = u.id AND date >= l.last - %(back)s ORDER BY date
) d
ORDER BY d.user_id, d.date
"""
_WINDOW_COLUMNS = ("date", "ssi", *_RECENT_FIELDS, *_LATEST_FIELDS)


def _fetch(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _activity_totals(user_ids: list[int], since: dt.date, until: dt.date) -> dict[int, dict]:
    """Each person's counts over [since, until]: daily rows and whole periods inside
    the window (a period total is never split across days)."""
    rows = (
        Activity.objects.filter(user_id__in=user_ids, period_start__gte=since, period_end__lte=until)
        .values("user_id").annotate(**{f: Sum(f) for f in _LEVER_FIELDS})
    )
    return {row["user_id"]: row for row in rows}


def _merge(*parts: insights.Weeks) -> insights.Weeks:
    out: insights.Weeks = defaultdict(dict)
    for part in parts:
        for pair, by_person in part.items():
            out[pair].update(by_person)
    return out


# The test settings, as a digest: a hash() of text differs between processes.
_SETTINGS = hashlib.blake2b(repr(insights.SETTINGS).encode(), digest_size=8).hexdigest()


def _evidence_inputs(uid: int, own: insights.Weeks, team_name: str | None, team_members: list[int],
                     pooled: insights.Weeks, team_inputs: dict) -> str:
    """A fingerprint of everything a person's evidence is computed from. The
    weeks are numbers only (ordinals, counts, changes), whose hash() is the
    same in every process."""
    parts = [_SETTINGS, _number_hash(tuple(tuple(own.get(p, {}).get(uid, ())) for p in insights.PAIRS))]
    if insights.is_short(uid, own) and len(team_members) > 1:
        key = tuple(team_members)
        if key not in team_inputs:
            name = hashlib.blake2b((team_name or "").encode(), digest_size=8).hexdigest()
            team_inputs[key] = f"{name}:" + _number_hash(
                (key, tuple(tuple(tuple(pooled.get(p, {}).get(m, ())) for m in key) for p in insights.PAIRS)))
        parts.append(team_inputs[key])
    return ":".join(parts)


def _number_hash(value: tuple) -> str:
    return f"{hash(value) & 0xFFFFFFFFFFFFFFFF:x}"


def refresh(user_ids: Iterable[int], since: dt.date | None = None) -> int:
    """Compute and store these people's summaries, ``BATCH`` at a time (a
    batch's rows are held in memory); people without derived days lose
    theirs. ``since``: the date from which the recompute that asks for them
    rewrote their days (None: all of them, or not known). Returns the number
    of summaries written."""
    users = sorted(set(user_ids))
    return sum(_refresh(users[start:start + BATCH], since) for start in range(0, len(users), BATCH))


def _best_ever(users: list[int], window: dict[int, list[tuple[dt.date, Decimal]]], stored: dict[int, tuple],
               since: dt.date | None) -> dict[int, tuple]:
    """Each person's (days logged, best SSI, the earliest day it was reached).

    A recompute from ``since`` leaves the days before it as they were. When
    every day a person's stored summary counted precedes ``since`` (a day's
    import: the summary is as of yesterday) and the trend's window holds every
    day from ``since`` on, the figures follow from the stored ones and the
    window's new days. Everyone else's come from all their days, which for a
    history of years is most of a refresh's reading."""
    found: dict[int, tuple] = {}
    for uid in users:
        days, prior = window[uid], stored.get(uid)
        if (since is None or prior is None or prior[0] >= since
                or since < days[-1][0] - dt.timedelta(days=summary.SLOPE_DAYS - 1)):
            continue
        _, n, best, best_on = prior
        for day, ssi in days:
            if day >= since:
                n += 1
                if ssi > best:  # on a tie the earlier day stays
                    best, best_on = ssi, day
        found[uid] = (n, best, best_on)
    rest = [uid for uid in users if uid not in found]
    if rest:
        found.update({uid: (n, ssi, day) for uid, n, ssi, day in _fetch(_BEST_SQL, {"users": rest})})
    return found


def _refresh(users: list[int], since: dt.date | None = None) -> int:
    if not users:
        return 0
    people = {u.pk: u for u in User.objects.filter(pk__in=users).only("pk", "time_zone")}
    # Each person's (date, SSI) over the trend's window, and their recent days in full.
    window: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    recent: dict[int, list[dict]] = defaultdict(list)
    for row in _fetch(_WINDOW_SQL, {"users": users, "back": summary.SLOPE_DAYS - 1}):
        window[row[0]].append((row[2], row[3]))
        if row[1]:
            recent[row[0]].append(dict(zip(_WINDOW_COLUMNS, row[2:], strict=True)))
    if PersonSummary.objects.filter(user_id__in=users).exclude(user_id__in=list(window)).delete()[0]:
        organisation_figures.summaries_changed()
    users = [uid for uid in users if uid in window and uid in people]
    if not users:
        return 0
    stored: dict[int, tuple] = {}
    stored_evidence: dict[int, dict | None] = {}
    for uid, as_of, n, best_ssi, best_on, evidence in PersonSummary.objects.filter(user_id__in=users).values_list(
        "user_id", "as_of", "days_logged", "best", "best_on", "data__evidence"
    ):
        stored[uid] = (as_of, n, best_ssi, best_on)
        stored_evidence[uid] = evidence
    best = _best_ever(users, window, stored, since)

    # Teams: coaching and pooled insights from the first by name.
    memberships = list(Membership.objects.filter(user_id__in=users, role=Membership.Role.MEMBER)
                       .values_list("user_id", "team_id", "team__name").order_by("team__name", "team_id"))
    team_names = {team_id: name for _, team_id, name in memberships}
    first_team: dict[int, int] = {}
    for uid, team_id, _ in memberships:
        first_team.setdefault(uid, team_id)
    members: dict[int, list[int]] = defaultdict(list)
    for team_id, uid in (Membership.objects.filter(team_id__in=set(first_team.values()), role=Membership.Role.MEMBER)
                         .values_list("team_id", "user_id").order_by("team_id", "user_id")):
        members[team_id].append(uid)

    # Activity over each person's last ACTIVITY_DAYS, theirs and their team's.
    todays = {uid: people[uid].today() for uid in users}
    totals: dict[dt.date, dict[int, dict]] = {}
    for until in set(todays.values()):
        ids = {uid for uid in users if todays[uid] == until}
        ids |= {m for uid in list(ids) if uid in first_team for m in members[first_team[uid]]}
        start = until - dt.timedelta(days=summary.ACTIVITY_DAYS - 1)
        totals[until] = _activity_totals(sorted(ids), start, until)

    standing_goals = goals.current_goals_of(users)
    notes: dict[int, list[Annotation]] = defaultdict(list)
    for note in Annotation.objects.filter(user_id__in=users).order_by("date", "id"):
        notes[note.user_id].append(note)
    series: dict[int, dict[dt.date, Decimal]] = defaultdict(dict)
    if notes:
        for uid, day, ssi in _fetch("SELECT user_id, date, ssi FROM scoring_userday WHERE user_id = ANY(%(users)s)",
                                    {"users": sorted(notes)}):
            series[uid][day] = ssi

    own = insights.weeks_for(users)
    short = [uid for uid in users if insights.is_short(uid, own)]
    extra = sorted({m for uid in short if uid in first_team for m in members[first_team[uid]]} - set(users))
    pooled = _merge(own, insights.weeks_for(extra)) if extra else own
    # The tests are rerun only when what they read changed (a new week, a
    # teammate's): most refreshes, the nightly one above all, reuse them.
    memo: dict = {}
    team_inputs: dict = {}

    now = timezone.now()
    rows = []
    for uid in users:
        days = recent[uid]
        latest = days[-1]
        trend = summary.trend(window[uid])
        team_id = first_team.get(uid)
        until = todays[uid]
        team_counts = None
        if team_id is not None:
            team_counts = [totals[until][m] for m in members[team_id] if m in totals[until]]
        coaching = summary.coaching(latest, totals[until].get(uid, {}), team_counts,
                                    team_names.get(team_id), until - dt.timedelta(days=summary.ACTIVITY_DAYS - 1),
                                    until)
        projections = [goals.project(goal, latest, trend) for goal in standing_goals.get(uid, [])]
        team_members = members.get(team_id, [])
        inputs = _evidence_inputs(uid, own, team_names.get(team_id), team_members, pooled, team_inputs)
        evidence = stored_evidence.get(uid)
        if not evidence or evidence.get("inputs") != inputs:
            evidence = {**summary_store.evidence_json(insights.evidence_from(
                uid, own, team_names.get(team_id), team_members, pooled, memo)), "inputs": inputs}
        n, best_ssi, best_on = best[uid]
        rows.append({
            "user_id": uid, "as_of": latest["date"], "ssi": latest["ssi"],
            **{f: latest[f] for f in _LATEST_COLUMNS},
            "best": best_ssi, "best_on": best_on, "days_logged": n, "computed_at": now,
            "data": dump(trend, coaching, pillar_move(days), projections, evidence,
                         [summary.effect(note, series[uid]) for note in notes[uid]]),
        })
    _store(rows)
    return len(rows)


_LATEST_COLUMNS = (*rules.PILLARS, "industry_rank", "network_rank", "delta7", "delta30", "delta90", "log_streak",
                   "week_streak")


def _store(rows: list[dict]) -> None:
    """Upsert the rows in one statement, sent as one JSON document: decimals as
    their strings, dates and times as ISO strings (each column's type reads
    them back exactly), ``data`` as it is. Quicker than a bulk_create's
    column arrays of quoted values, the summaries' JSON above all."""
    fields = PersonSummary._meta.concrete_fields
    columns = [f.column for f in fields]
    sql = (
        f"INSERT INTO {PersonSummary._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(columns)} FROM jsonb_to_recordset(%s::jsonb) AS r("
        f"{', '.join(f'{f.column} {f.db_type(connection)}' for f in fields)}) "
        f"ON CONFLICT (user_id) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in columns if c != 'user_id')}"
    )
    scalars = (Decimal, dt.date)  # dt.datetime is a dt.date
    document = json.dumps([
        {k: (v.isoformat() if isinstance(v, dt.date) else str(v)) if isinstance(v, scalars) else v
         for k, v in row.items()}
        for row in rows
    ])
    with connection.cursor() as cursor:
        cursor.execute(sql, [document])
    organisation_figures.summaries_changed()


_WITH_DAYS_SQL = """
SELECT u.id FROM tracking_user u
WHERE EXISTS (SELECT 1 FROM scoring_userday d WHERE d.user_id = u.id) ORDER BY u.id
"""


def everyone_batches(jobs: int = 1) -> list[list[int]]:
    """Everyone with derived days, in batches of at most ``BATCH``; people
    without any lose their summary here."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM scoring_personsummary s WHERE NOT EXISTS "
                       "(SELECT 1 FROM scoring_userday d WHERE d.user_id = s.user_id)")
        if cursor.rowcount:
            organisation_figures.summaries_changed()
    ids = [row[0] for row in _fetch(_WITH_DAYS_SQL, {})]
    size = max(1, min(BATCH, -(-len(ids) // max(1, jobs))))
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def refresh_batch(user_ids: list[int]) -> int:
    """One batch, in its own transaction, behind the people's recompute locks:
    a recompute that commits while the batch computes would otherwise have its
    newer summary overwritten by the batch's older one."""
    with transaction.atomic(), connection.cursor() as cursor:
        lock_recompute_people(cursor, user_ids)
        return refresh(user_ids)


def refresh_everyone() -> int:
    """Every summary (the nightly run and ``recompute --all``)."""
    return sum(refresh_batch(batch) for batch in everyone_batches())
