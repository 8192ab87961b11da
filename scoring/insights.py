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

from django.db.models import F

from scoring.models import UserDay
from tracking import rules
from tracking.models import Activity, Membership, Team, User

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


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


_FIELDS = sorted({f for levers in rules.PILLAR_LEVERS.values() for f in levers})


def _weeks(user_ids: list[int]) -> dict[tuple[str, str], dict[int, list[tuple[dt.date, float, float]]]]:
    """(pillar, activity) → person → [(Monday, week's count, next week's pillar change)], in week order."""
    counts: dict[tuple[int, dt.date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    # Only daily rows: a Sales Navigator period total has no week to belong to.
    for row in Activity.objects.filter(user_id__in=user_ids, period_start=F("period_end")).values(
        "user_id", "period_start", *_FIELDS
    ):
        bucket = counts[(row["user_id"], _monday(row["period_start"]))]
        for f in _FIELDS:
            if row[f] is not None:
                bucket[f] += row[f]
    week_end: dict[tuple[int, dt.date], dict] = {}
    for row in UserDay.objects.filter(user_id__in=user_ids, brand__isnull=False).order_by("date").values(
        "user_id", "date", *rules.PILLARS
    ):
        week_end[(row["user_id"], _monday(row["date"]))] = row
    out: dict[tuple[str, str], dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for (user_id, week), activity in sorted(counts.items()):
        this_end = week_end.get((user_id, week))
        next_end = week_end.get((user_id, week + dt.timedelta(days=7)))
        if this_end is None or next_end is None:
            continue
        for pillar, levers in rules.PILLAR_LEVERS.items():
            change = float(next_end[pillar] - this_end[pillar])
            for f in levers:
                if f in activity:
                    out[(pillar, f)][user_id].append((week, float(activity[f]), change))
    return out


def _centred(weeks: list[tuple[float, float]]) -> list[tuple[float, float]]:
    mean = sum(y for _, y in weeks) / len(weeks)
    return [(x, y - mean) for x, y in weeks]


def _recent(by_person: dict[int, list[tuple[dt.date, float, float]]]) -> list[list[tuple[float, float]]]:
    """Each member's (count, change) weeks among the team's latest ``POOL_WEEKS``."""
    weeks = sorted(((week, uid) for uid, rows in by_person.items() for week, _, _ in rows), reverse=True)
    kept = set(weeks[:POOL_WEEKS])
    return [[(x, y) for week, x, y in rows if (week, uid) in kept] for uid, rows in sorted(by_person.items())]


def _team(person: User) -> tuple[Team | None, list[int]]:
    team = (
        Team.objects.filter(memberships__user=person, memberships__role=Membership.Role.MEMBER)
        .order_by("name").first()
    )
    if team is None:
        return None, []
    members = Membership.objects.filter(team=team, role=Membership.Role.MEMBER)
    return team, sorted(members.values_list("user_id", flat=True))


def evidence_for(person: User) -> Evidence:
    """Every pair tested on the person's own weeks, or on their team's where theirs
    are too few; q-values from Benjamini–Hochberg over all of them."""
    own = _weeks([person.pk])
    pairs = [(pillar, f) for pillar, levers in rules.PILLAR_LEVERS.items() for f in levers]
    own_weeks = max((len(own.get(pair, {}).get(person.pk, [])) for pair in pairs), default=0)
    short = [pair for pair in pairs if len(own.get(pair, {}).get(person.pk, [])) < MIN_WEEKS]
    team, member_ids = _team(person) if short else (None, [])
    pooled = _weeks(member_ids) if len(member_ids) > 1 else {}
    results: list[tuple[str, str, Result, str | None]] = []
    team_weeks = 0
    for pillar, f in pairs:
        seed = f"{pillar}:{f}"
        if (pillar, f) not in short:
            result = permutation_test([[(x, y) for _, x, y in own[(pillar, f)][person.pk]]], seed)
            source = None
        else:
            # A member with one week has no average of their own to be centred on.
            strata = [_centred(w) for w in _recent(pooled.get((pillar, f), {})) if len(w) > 1]
            team_weeks = max(team_weeks, sum(len(s) for s in strata))
            result = permutation_test(strata, seed) if strata else None
            source = team.name if team else None
        if result is not None:
            results.append((pillar, f, result, source))
    qs = benjamini_hochberg([r.p for _, _, r, _ in results])
    tests = tuple(
        PairTest(pillar, f, rules.LABELS[f], result, q, source)
        for (pillar, f, result, source), q in zip(results, qs, strict=True)
    )
    return Evidence(tests, own_weeks, team.name if team and len(member_ids) > 1 else None, team_weeks)
