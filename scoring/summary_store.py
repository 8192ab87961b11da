"""How a person's summary is stored in ``PersonSummary.data`` and read back.

``dump`` turns the computed figures into JSON (decimals as strings, dates as
ISO strings, test statistics as floats); ``Summary`` gives them back as the
same objects the computation made, for pages, emails and the API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from scoring import goals, insights, summary
from scoring.models import Annotation, Goal, PersonSummary
from tracking import rules

# The biggest pillar move compares the latest day with the 7-day change's
# reference day: the latest observation dated 7–10 days before.
MOVE_DAYS = (7, 7 + summary.TOLERANCE_DAYS)


@dataclass(frozen=True)
class PillarMove:
    pillar: str
    label: str
    change: Decimal


def pillar_move(days: list[dict]) -> PillarMove | None:
    """The pillar whose value changed most (either way) between the latest of
    ``days`` and the 7-day change's reference day; None without pillars on both.
    Ties go to the pillar listed first, so the same data always names the same pillar."""
    latest = days[-1]
    low, high = (latest["date"] - dt.timedelta(days=n) for n in reversed(MOVE_DAYS))
    reference = next((d for d in reversed(days) if low <= d["date"] <= high), None)
    if reference is None:
        return None
    moves = [PillarMove(p, rules.LABELS[p], latest[p] - reference[p]) for p in rules.PILLARS
             if latest[p] is not None and reference[p] is not None]
    return max(moves, key=lambda m: abs(m.change)) if moves else None


def _s(value) -> str | None:
    return None if value is None else str(value)


def _d(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def _day(value) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _goal_key(goal: Goal) -> list:
    """What a projection was computed for: an edited goal's projection is stale."""
    targets = [goal.target_ssi, *(getattr(goal, f"target_{p}") for p in rules.PILLARS)]
    return [goal.target_date.isoformat(), *(None if t is None else f"{Decimal(t):.3f}" for t in targets)]


def _slope(slope: summary.Slope | None) -> dict | None:
    if slope is None:
        return None
    return {"per_week": str(slope.per_week), "low": str(slope.low), "high": str(slope.high),
            "observations": slope.observations}


def _projection(p: goals.Projection) -> dict:
    return {
        "goal": _goal_key(p.goal), "status": p.status, "current": _s(p.current), "as_of": _s(p.as_of),
        "slope": _slope(p.slope), "reaches_on": _s(p.reaches_on), "earliest": _s(p.earliest),
        "latest": _s(p.latest), "reason": p.reason,
        "pillars": [{"pillar": x.pillar, "current": _s(x.current), "target": str(x.target)} for x in p.pillars],
    }


def evidence_json(e: insights.Evidence) -> dict:
    return {
        "own_weeks": e.own_weeks, "team_name": e.team_name, "team_weeks": e.team_weeks,
        "tests": [{
            "pillar": t.pillar, "activity": t.activity, "label": t.label, "q": t.q, "team_name": t.team_name,
            "threshold": t.result.threshold, "weeks_with": t.result.weeks_with,
            "weeks_without": t.result.weeks_without, "effect": t.result.effect, "p": t.result.p,
            "sentence": t.sentence,
        } for t in e.tests],
        "findings": [t.sentence for t in e.findings],
        "message": e.message,
    }


def dump(trend, coaching, move, projections, evidence: dict, effects) -> dict:
    """The ``data`` of a summary; ``evidence`` as ``evidence_json`` gives it."""
    return {
        "trend": None if trend is None else {
            "slope": _slope(trend.slope), "observations": trend.observations, "span_days": trend.span_days,
            "shortfall": trend.shortfall,
        },
        "coaching": None if coaching is None else {
            "pillar": coaching.pillar, "value": str(coaching.value), "team_name": coaching.team_name,
            "since": str(coaching.since), "until": str(coaching.until),
            "levers": [{"activity": lv.activity, "mine": lv.mine, "team_median": _s(lv.team_median)}
                       for lv in coaching.levers],
        },
        "pillar_move": None if move is None else {"pillar": move.pillar, "change": str(move.change)},
        "projections": {str(p.goal.pk): _projection(p) for p in projections},
        "evidence": evidence,
        "effects": {str(e.annotation.pk): {"before": _s(e.before), "after": _s(e.after)} for e in effects},
    }


def _read_slope(data: dict | None) -> summary.Slope | None:
    if data is None:
        return None
    return summary.Slope(Decimal(data["per_week"]), Decimal(data["low"]), Decimal(data["high"]),
                         data["observations"])


class Summary:
    """A stored summary, read back: the same objects the recompute computed."""

    def __init__(self, row: PersonSummary, today: dt.date):
        self.row = row
        self.data = row.data
        self.headline = summary.Headline(
            as_of=row.as_of, ssi=row.ssi, delta7=row.delta7, delta30=row.delta30, delta90=row.delta90,
            best=row.best, best_on=row.best_on, days_logged=row.days_logged, today=today,
        )

    @property
    def latest(self) -> dict:
        """The latest day's figures, as the derived day holds them."""
        r = self.row
        return {"date": r.as_of, "ssi": r.ssi, **{p: getattr(r, p) for p in rules.PILLARS},
                "industry_rank": r.industry_rank, "network_rank": r.network_rank, "delta7": r.delta7,
                "delta30": r.delta30, "delta90": r.delta90, "log_streak": r.log_streak,
                "week_streak": r.week_streak}

    @property
    def trend(self) -> summary.Trend | None:
        t = self.data.get("trend")
        return None if t is None else summary.Trend(_read_slope(t["slope"]), t["observations"], t["span_days"])

    @property
    def coaching(self) -> summary.Coaching | None:
        c = self.data.get("coaching")
        if c is None:
            return None
        value = Decimal(c["value"])
        levers = [summary.Lever(lv["activity"], rules.LABELS[lv["activity"]], lv["mine"], _d(lv["team_median"]))
                  for lv in c["levers"]]
        return summary.Coaching(
            pillar=c["pillar"], label=rules.LABELS[c["pillar"]], value=value, headroom=rules.PILLAR_MAX - value,
            advice=rules.PILLAR_ADVICE[c["pillar"]], levers=levers, team_name=c["team_name"],
            since=_day(c["since"]), until=_day(c["until"]),
        )

    @property
    def pillar_move(self) -> PillarMove | None:
        m = self.data.get("pillar_move")
        return None if m is None else PillarMove(m["pillar"], rules.LABELS[m["pillar"]], Decimal(m["change"]))

    def projection(self, goal: Goal) -> goals.Projection | None:
        """The stored projection of ``goal``; None while the recompute has not
        seen it as it stands (new or edited)."""
        p = self.data.get("projections", {}).get(str(goal.pk))
        if p is None or p["goal"] != _goal_key(goal):
            return None
        targets = goal.pillar_targets()
        pillars = tuple(goals.PillarProgress(x["pillar"], rules.LABELS[x["pillar"]], _d(x["current"]),
                                             targets[x["pillar"]]) for x in p["pillars"] if x["pillar"] in targets)
        return goals.Projection(
            goal, _d(p["current"]), _day(p["as_of"]), p["status"], _read_slope(p["slope"]),
            reaches_on=_day(p["reaches_on"]), earliest=_day(p["earliest"]), latest=_day(p["latest"]),
            pillars=pillars, reason=p["reason"],
        )

    def effects(self, notes: list[Annotation]) -> tuple[list[summary.Effect], bool]:
        """Each note's effect, and whether some note is newer than the summary."""
        stored = self.data.get("effects", {})
        found, missing = [], False
        for note in notes:
            e = stored.get(str(note.pk))
            missing |= e is None
            found.append(summary.Effect(note, _d(e["before"]) if e else None, _d(e["after"]) if e else None))
        return found, missing

    @property
    def evidence(self) -> insights.Evidence:
        e = self.data["evidence"]
        tests = tuple(
            insights.PairTest(t["pillar"], t["activity"], t["label"],
                              insights.Result(t["threshold"], t["weeks_with"], t["weeks_without"], t["effect"],
                                              t["p"]),
                              t["q"], t["team_name"])
            for t in e["tests"]
        )
        return insights.Evidence(tests, e["own_weeks"], e["team_name"], e["team_weeks"])


# Written out, as the dashboard's other reads are (scoring.views).
_SUMMARY_SQL = f"SELECT * FROM {PersonSummary._meta.db_table} WHERE user_id = %s"


def read(person) -> Summary | None:
    """``person``'s stored summary (one query); None before their first derived day."""
    rows = list(PersonSummary.objects.raw(_SUMMARY_SQL, [person.pk]))
    return Summary(rows[0], person.today()) if rows else None


# A standing moves whenever a teammate's day does, which recomputes the team's
# standings but not this person's summary: the dashboard reads the standing
# rows themselves, the latest in each team, one probe of the (user, team,
# date) key each.
_STANDINGS_SQL = """
SELECT t.id, t.name, s.date, s.rank, s.reporting, s.percentile
FROM tracking_membership m
JOIN tracking_team t ON t.id = m.team_id
CROSS JOIN LATERAL (
    SELECT date, rank, reporting, percentile FROM scoring_teammemberday
    WHERE user_id = m.user_id AND team_id = m.team_id ORDER BY date DESC LIMIT 1
) s
WHERE m.user_id = %(user)s AND m.role = 'member'
ORDER BY t.name, t.id
"""


def standings(person) -> list[summary.Standing]:
    """``person``'s latest standing in each team they are a member of (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(_STANDINGS_SQL, {"user": person.pk})
        return [summary.Standing(*row) for row in cursor.fetchall()]
