"""Which weekly activity precedes pillar gains the week after, and whether that is
more than chance.

For each pillar and each activity that moves it (tracking.rules.PILLAR_LEVERS,
thirteen pairs), a week's activity count is paired with the pillar's change over
the following week (last reading of week w+1 minus that of week w). The effect
is the difference in mean change between the weeks at or above a threshold of
the activity and the other weeks; a seeded permutation test gives its p-value,
and Benjamini–Hochberg over every pair tested for the person decides what is
shown. Thirteen tests at once show a few "strong" ones by chance: only a pair
that survives the correction is an insight, and the page says "not enough
evidence yet" otherwise.

A person with fewer than ``MIN_WEEKS`` weeks for a pair is tested on their
team's weeks instead: each member's changes are centred on that member's own
mean (someone who grows fast anyway is not evidence that their activity did it)
and the permutations shuffle weeks within each member only.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection

from tracking import rules

# A pair is tested from this many weeks: split 6/6, twelve weeks allow a
# smallest two-sided p of 2/924 ≈ 0.002; ten (2/252 ≈ 0.008) could never pass
# the correction's first step for thirteen pairs (0.1/13 ≈ 0.0077).
MIN_WEEKS = 12
# Each side of the threshold needs this many weeks: a mean of fewer is one or
# two weeks' luck.
MIN_GROUP = 4
# Monte Carlo permutations at most; the smallest p-value is 1/1000.
PERMUTATIONS = 999
# Besag–Clifford sequential stopping: once this many reshuffles match or beat the
# observed effect, p = STOP_AFTER / reshuffles so far. Pairs that are plainly
# chance stop after a few dozen reshuffles; only promising ones run all 999.
STOP_AFTER = 20
# Benjamini–Hochberg false discovery rate.
FDR = 0.1
# A team's pool keeps its most recent weeks up to this many: plenty for the
# test (with 200 weeks each side, a shift of two fifths of a standard deviation
# passes even the correction's strictest step 9 times in 10), and it bounds the
# reshuffling, pure Python at ~0.3 µs a week each time, to about 0.15 s for a
# pair that runs all 999.
POOL_WEEKS = 400
# Float sums of the same weeks in another order may differ in the last bits.
_TIE = 1e-9


def benjamini_hochberg(pvalues: list[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q-values), in the order given:
    q(i) = min over ranks j ≥ rank(i) of p(j)·m/j, capped at 1."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, pvalues[i] * m / rank)
        adjusted[i] = running
    return adjusted


def threshold(counts: list[float]) -> float | None:
    """The smallest count at or above the median that leaves weeks below it,
    when each side then has ``MIN_GROUP`` weeks; None otherwise."""
    ordered = sorted(counts)
    t = ordered[len(ordered) // 2]
    if ordered[0] == t:
        above = [c for c in ordered if c > t]
        if not above:
            return None
        t = above[0]
    below = sum(1 for c in ordered if c < t)
    if below < MIN_GROUP or len(ordered) - below < MIN_GROUP:
        return None
    return t


@dataclass(frozen=True)
class Result:
    threshold: float
    weeks_with: int
    weeks_without: int
    effect: float
    p: float


def permutation_test(strata: list[list[tuple[float, float]]], seed: str) -> Result | None:
    """Difference in mean change (y) between weeks with at least the threshold of
    activity (x) and the others, over (x, y) weeks grouped in strata (people);
    two-sided p from reshuffling y within each stratum. None when untestable."""
    xs = [x for stratum in strata for x, _ in stratum]
    t = threshold(xs) if len(xs) >= MIN_WEEKS else None
    if t is None:
        return None
    groups = []
    for stratum in strata:
        ys = [y for _, y in stratum]
        groups.append((ys, sum(1 for x, _ in stratum if x >= t)))
    n_with = sum(k for _, k in groups)
    n_without = len(xs) - n_with
    total = sum(y for stratum in strata for _, y in stratum)

    def effect(high_sum: float) -> float:
        return high_sum / n_with - (total - high_sum) / n_without

    observed = effect(sum(y for stratum in strata for x, y in stratum if x >= t))
    rnd = random.Random(seed)
    # Strata entirely on one side add the same sum to every reshuffle.
    fixed = sum(sum(ys) for ys, k in groups if k == len(ys))
    mixed = [(ys, k) for ys, k in groups if 0 < k < len(ys)]
    hits = 0
    p = None
    for done in range(1, PERMUTATIONS + 1):
        shuffled = fixed + sum(sum(rnd.sample(ys, k)) for ys, k in mixed)
        if abs(effect(shuffled)) >= abs(observed) - _TIE:
            hits += 1
            if hits == STOP_AFTER:
                p = hits / done
                break
    if p is None:
        p = (hits + 1) / (PERMUTATIONS + 1)
    return Result(t, n_with, n_without, observed, p)


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _noun(label: str) -> str:
    """ "Comments" → "comments", "InMails sent" stays as it is."""
    first = label.split()[0]
    return label if first[1:] != first[1:].lower() else label[0].lower() + label[1:]


@dataclass(frozen=True)
class PairTest:
    pillar: str
    activity: str
    label: str
    result: Result
    q: float
    team_name: str | None  # the team whose weeks were pooled, or None for the person's own

    @property
    def survives(self) -> bool:
        return self.q <= FDR

    @property
    def sentence(self) -> str:
        r = self.result
        amount = _number(abs(r.effect))
        points = "point" if amount == "1" else "points"
        more = "more" if r.effect > 0 else "less"
        t = _number(r.threshold)
        weeks = f"{r.weeks_with} weeks against {r.weeks_without}"
        text = (f"weeks with {t}+ {_noun(self.label)} were followed by {amount} {self.pillar.capitalize()} "
                f"{points} {more} than weeks with fewer")
        if self.team_name:
            return f"Across {self.team_name}'s members, {text} ({weeks}, each member against their own average)."
        return f"{text[0].upper()}{text[1:]} ({weeks})."


@dataclass(frozen=True)
class Evidence:
    tests: tuple[PairTest, ...]  # every pair tested, with its q-value
    own_weeks: int  # the person's weeks with activity and readings after (most over pairs)
    team_name: str | None  # the team pooled for pairs short of the person's own weeks
    team_weeks: int

    @property
    def findings(self) -> list[PairTest]:
        return sorted((t for t in self.tests if t.survives), key=lambda t: (t.q, -abs(t.result.effect)))

    @property
    def method(self) -> str:
        m = len(self.tests)
        return (f"Each of the {m} pairs of an activity and the next week's pillar change tested was set against "
                f"{PERMUTATIONS} random reshufflings of its weeks; shown is only what still stands out after "
                f"allowing for testing {m} at once (Benjamini–Hochberg: on average at most "
                f"1 in {round(1 / FDR)} such findings is a fluke).")

    @property
    def message(self) -> str | None:
        """Why there is no insight, or None when there is one."""
        if self.findings:
            return None
        if not self.tests:
            counts = f"{self.own_weeks} so far"
            if self.team_name:
                counts += f" ({self.team_weeks} across {self.team_name})"
            return (f"Not enough evidence yet: a test needs {MIN_WEEKS} weeks of logged activity, each with "
                    f"pillar readings at its end and the next week's end; {counts}.")
        m = len(self.tests)
        pairs = "pair" if m == 1 else "pairs"
        return (f"Not enough evidence yet: none of the {m} activity and pillar {pairs} tested stands out "
                f"from what chance gives when testing {m} at once.")


_FIELDS = sorted({f for levers in rules.PILLAR_LEVERS.values() for f in levers})


_WEEKS_SQL = """
WITH counts AS (
    -- Only daily rows: a Sales Navigator period total has no week to belong to.
    SELECT user_id, date_trunc('week', period_start)::date AS week, {sums}
    FROM tracking_activity
    WHERE user_id = ANY(%(users)s) AND period_start = period_end
    GROUP BY 1, 2
), ends AS (
    SELECT DISTINCT ON (user_id, date_trunc('week', date)) user_id, date_trunc('week', date)::date AS week,
           brand, people, insights, relationships
    FROM scoring_userday
    -- Only the people with activity: nobody else has a week to test.
    WHERE user_id IN (SELECT DISTINCT user_id FROM counts) AND brand IS NOT NULL
    ORDER BY user_id, date_trunc('week', date), date DESC
)
SELECT c.user_id, c.week, {fields}, e.brand, e.people, e.insights, e.relationships,
       n.brand, n.people, n.insights, n.relationships
FROM counts c
JOIN ends e ON e.user_id = c.user_id AND e.week = c.week
JOIN ends n ON n.user_id = c.user_id AND n.week = c.week + 7
ORDER BY c.user_id, c.week
"""

# (pillar, activity) → person → [(week, count, change)]; a week is its Monday's ordinal.
Weeks = dict[tuple[str, str], dict[int, list[tuple[int, float, float]]]]


def weeks_for(user_ids: list[int]) -> Weeks:
    """(pillar, activity) → person → [(Monday's ordinal, week's count, next week's pillar change)],
    in week order: each week with daily activity and a pillar reading at its end
    and at the next week's end. One query."""
    out: Weeks = defaultdict(lambda: defaultdict(list))
    if not user_ids:
        return out
    sql = _WEEKS_SQL.format(sums=", ".join(f"SUM({f}) AS {f}" for f in _FIELDS),
                            fields=", ".join(f"c.{f}" for f in _FIELDS))
    with connection.cursor() as cursor:
        cursor.execute(sql, {"users": list(user_ids)})
        rows = cursor.fetchall()
    n = len(_FIELDS)
    for row in rows:
        user_id, week = row[0], row[1]
        activity = dict(zip(_FIELDS, row[2:2 + n], strict=True))
        this_end = dict(zip(rules.PILLARS, row[2 + n:6 + n], strict=True))
        next_end = dict(zip(rules.PILLARS, row[6 + n:10 + n], strict=True))
        for pillar, levers in rules.PILLAR_LEVERS.items():
            change = float(next_end[pillar] - this_end[pillar])
            for f in levers:
                if activity[f] is not None:
                    out[(pillar, f)][user_id].append((week.toordinal(), float(activity[f]), change))
    return out


def _centred(weeks: list[tuple[float, float]]) -> list[tuple[float, float]]:
    mean = sum(y for _, y in weeks) / len(weeks)
    return [(x, y - mean) for x, y in weeks]


def _recent(by_person: dict[int, list[tuple[dt.date, float, float]]]) -> list[list[tuple[float, float]]]:
    """Each member's (count, change) weeks among the team's latest ``POOL_WEEKS``."""
    weeks = sorted(((week, uid) for uid, rows in by_person.items() for week, _, _ in rows), reverse=True)
    kept = set(weeks[:POOL_WEEKS])
    return [[(x, y) for week, x, y in rows if (week, uid) in kept] for uid, rows in sorted(by_person.items())]


PAIRS = [(pillar, f) for pillar, levers in rules.PILLAR_LEVERS.items() for f in levers]
# Everything besides the weeks that a person's evidence depends on.
SETTINGS = (MIN_WEEKS, MIN_GROUP, PERMUTATIONS, STOP_AFTER, FDR, POOL_WEEKS, tuple(PAIRS))


def is_short(person_id: int, own: Weeks) -> bool:
    """Whether some pair has too few of the person's own weeks, so that it is
    tested on their team's."""
    return any(len(own.get(pair, {}).get(person_id, [])) < MIN_WEEKS for pair in PAIRS)


def evidence_from(person_id: int, own: Weeks, team_name: str | None, member_ids: list[int], pooled: Weeks,
                  memo: dict | None = None) -> Evidence:
    """Every pair tested on the person's own weeks (``own``), or on their team's
    (the weeks of ``member_ids`` in ``pooled``) where theirs are too few;
    q-values from Benjamini–Hochberg over all of them. ``memo`` keeps a team's
    pooled tests for its other members: they are the same tests."""
    memo = {} if memo is None else memo
    own_weeks = max((len(own.get(pair, {}).get(person_id, [])) for pair in PAIRS), default=0)
    short = [pair for pair in PAIRS if len(own.get(pair, {}).get(person_id, [])) < MIN_WEEKS]
    pooling = bool(short) and len(member_ids) > 1
    results: list[tuple[str, str, Result, str | None]] = []
    team_weeks = 0
    for pillar, f in PAIRS:
        seed = f"{pillar}:{f}"
        if (pillar, f) not in short:
            result = permutation_test([[(x, y) for _, x, y in own[(pillar, f)][person_id]]], seed)
            source = None
        else:
            key = (tuple(member_ids), pillar, f)
            if key not in memo:
                pair_weeks = pooled.get((pillar, f), {})
                team = {m: pair_weeks[m] for m in member_ids if m in pair_weeks} if pooling else {}
                # A member with one week has no average of their own to be centred on.
                strata = [_centred(w) for w in _recent(team) if len(w) > 1]
                memo[key] = (sum(len(s) for s in strata), permutation_test(strata, seed) if strata else None)
            weeks, result = memo[key]
            team_weeks = max(team_weeks, weeks)
            source = team_name if pooling else None
        if result is not None:
            results.append((pillar, f, result, source))
    qs = benjamini_hochberg([r.p for _, _, r, _ in results])
    tests = tuple(
        PairTest(pillar, f, rules.LABELS[f], result, q, source)
        for (pillar, f, result, source), q in zip(results, qs, strict=True)
    )
    return Evidence(tests, own_weeks, team_name if pooling else None, team_weeks)
