"""The person summary, goals, notes and insights, against values worked out by hand."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from scoring import person_summary, summary, summary_store, trends
from scoring.models import Annotation, Goal
from tests.conftest import make_user, snap
from tracking.models import Activity, Membership

D = dt.date
START = D(2026, 1, 5)


def _stored(person) -> summary_store.Summary:
    """The person's summary as the recompute stores it."""
    person_summary.refresh([person.pk])
    return summary_store.read(person)


def _read(person) -> summary_store.Summary:
    """The person's summary as stored, without refreshing it."""
    return summary_store.read(person)


def _project(goal):
    return _stored(goal.user).projection(goal)


def _travel(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC), tick=False)


@pytest.fixture
def steady(sales):
    """One point a week, with one odd day (70 on day 10) that must not swing the trend."""
    for offset, ssi in ((0, 40), (7, 41), (10, 70), (14, 42), (21, 43)):
        snap(sales, START + dt.timedelta(days=offset), ssi)
    trends.recompute(sales.pk)
    return sales


def test_theil_sen_is_the_median_pairwise_slope_per_week():
    points = [(START + dt.timedelta(days=o), Decimal(v)) for o, v in ((0, 40), (7, 41), (10, 70), (14, 42), (21, 43))]
    # Pairwise slopes per week, sorted: -49, -17.18, 1 ×6, 21, 67.67 → median 1.
    slope = summary.theil_sen(points)
    assert (slope.per_week, slope.low, slope.high, slope.observations) == (1, 1, 1, 5)


def test_a_single_observation_has_no_slope():
    assert summary.theil_sen([(START, Decimal(40))]) is None


@pytest.mark.django_db
def test_two_days_logged_give_no_trend_but_say_what_it_needs(sales):
    # 40 then 41.2 three days later: Theil–Sen alone would say +2.80 a week.
    snap(sales, START, 40)
    snap(sales, START + dt.timedelta(days=3), "41.2")
    trends.recompute(sales.pk)
    trend = _stored(sales).trend
    assert (trend.slope, trend.observations, trend.span_days) == (None, 2, 3)
    assert trend.shortfall == "2 days logged, spanning 3 days; a trend needs at least 5 days logged spanning 3 weeks."


@pytest.mark.django_db
@pytest.mark.parametrize(("offsets", "expected"), [
    # Five readings over 20 days: one day short of three weeks.
    ((0, 5, 10, 15, 20), "5 days logged, spanning 20 days; a trend needs at least 5 days logged spanning 3 weeks."),
    # Weekly for three weeks: the span is there, a fifth reading is not.
    ((0, 7, 14, 21), "4 days logged, spanning 21 days; a trend needs at least 5 days logged spanning 3 weeks."),
    ((0,), "1 day logged; a trend needs at least 5 days logged spanning 3 weeks."),
])
def test_a_trend_needs_five_readings_three_weeks_apart(sales, offsets, expected):
    for offset in offsets:
        snap(sales, START + dt.timedelta(days=offset), 40 + offset)
    trends.recompute(sales.pk)
    trend = _stored(sales).trend
    assert (trend.slope, trend.shortfall) == (None, expected)


@pytest.mark.django_db
def test_enough_readings_give_the_slope_and_its_middle_half(steady):
    # Five readings, days 0 to 21: the same fit as theil_sen above.
    trend = _stored(steady).trend
    assert (trend.slope.per_week, trend.slope.low, trend.slope.high, trend.shortfall) == (1, 1, 1, None)


@pytest.mark.django_db
def test_the_headline_keeps_best_ever_and_changes(steady):
    headline = _stored(steady).headline
    assert (headline.ssi, headline.best, headline.best_on, headline.days_logged) == (43, 70, START + dt.timedelta(days=10), 5)
    assert headline.delta7 == 1  # 43 on day 21 against 42 on day 14
    assert headline.delta30 is None  # nothing 30–33 days back


@pytest.mark.django_db
def test_best_ever_follows_each_new_day_an_edit_and_a_deletion(steady):
    def headline():
        h = _read(steady).headline
        return h.best, h.best_on, h.days_logged

    day = {n: START + dt.timedelta(days=n) for n in (10, 22, 23)}
    # A new day after the summary's latest, as a day's import brings it: a tie
    # keeps the earlier best ever; a higher reading takes its place.
    snap(steady, day[22], 70)
    trends.recompute(steady.pk, day[22])
    assert headline() == (70, day[10], 6)
    snap(steady, day[23], 71)
    trends.recompute(steady.pk, day[23])
    assert headline() == (71, day[23], 7)
    # Corrected down, the latest day no longer holds it: back to the earliest 70.
    steady.snapshots.filter(date=day[23]).update(ssi=50, brand=12.5, people=12.5, insights=12.5, relationships=12.5)
    trends.recompute(steady.pk, day[23])
    assert headline() == (70, day[10], 7)
    # Without day 10, the 70 of day 22 is the best ever.
    steady.snapshots.filter(date=day[10]).delete()
    trends.recompute(steady.pk, day[10])
    assert headline() == (70, day[22], 6)


def _goal(person, target, by, **pillars):
    return Goal.objects.create(user=person, target_ssi=Decimal(target), target_date=by, set_by=person,
                               **{f"target_{p}": Decimal(v) for p, v in pillars.items()})


@pytest.mark.django_db
def test_a_goal_within_reach_is_projected_from_the_slope(steady):
    # 43 on day 21, +1 a week: 50 is 7 weeks away, day 70.
    projection = _project(_goal(steady, 50, START + dt.timedelta(days=100), brand=10))
    assert projection.status == "on_track"
    assert projection.reaches_on == projection.earliest == projection.latest == START + dt.timedelta(days=70)
    assert projection.progress_percent == 86  # 43 of 50
    assert [(p.pillar, p.current, p.target, p.met) for p in projection.pillars] == [
        ("brand", Decimal("10.75"), Decimal(10), True)]


@pytest.mark.django_db
def test_a_goal_the_slope_reaches_too_late_is_not_on_track(steady):
    projection = _project(_goal(steady, 50, START + dt.timedelta(days=60)))
    assert (projection.status, projection.reaches_on) == ("late", START + dt.timedelta(days=70))


@pytest.mark.django_db
def test_a_goal_already_met_says_so(steady):
    projection = _project(_goal(steady, 43, START + dt.timedelta(days=60)))
    assert (projection.status, projection.current) == ("met", 43)


@pytest.mark.django_db
def test_a_goal_out_of_reach_on_a_falling_trend_is_not_on_track(sales):
    for offset, ssi in ((0, 50), (7, 48), (14, 47), (21, 46), (28, 45)):
        snap(sales, START + dt.timedelta(days=offset), ssi)
    trends.recompute(sales.pk)
    projection = _project(_goal(sales, 90, START + dt.timedelta(days=60)))
    assert (projection.status, projection.reaches_on) == ("not_on_track", None)


@pytest.mark.django_db
def test_a_goal_with_one_observation_has_no_projection(sales):
    snap(sales, START, 50)
    trends.recompute(sales.pk)
    projection = _project(_goal(sales, 60, START + dt.timedelta(days=60)))
    assert (projection.status, projection.reason) == (
        "no_trend", "1 day logged; a trend needs at least 5 days logged spanning 3 weeks.")


@pytest.mark.django_db
def test_a_goal_needs_the_trends_minimum_readings_before_it_projects(sales):
    # 40, 41, 42, 43 a week apart: Theil–Sen says +1 a week, but four readings are one short.
    for offset in (0, 7, 14, 21):
        snap(sales, START + dt.timedelta(days=offset), 40 + offset // 7)
    trends.recompute(sales.pk)
    goal = _goal(sales, 50, START + dt.timedelta(days=100))
    projection = _project(goal)
    assert (projection.status, projection.reaches_on, projection.reason) == (
        "no_trend", None, "4 days logged, spanning 21 days; a trend needs at least 5 days logged spanning 3 weeks.")
    snap(sales, START + dt.timedelta(days=28), 44)
    trends.recompute(sales.pk)
    # The fifth: +1 a week, 44 on day 28, 50 six weeks later (day 70).
    assert (_project(goal).status, _project(goal).reaches_on) == ("on_track", START + dt.timedelta(days=70))


@pytest.mark.django_db
def test_the_weakest_pillar_comes_with_its_levers_against_the_team_median(sales, peer):
    third = make_user("third@example.com")
    Membership.objects.create(user=third, team=sales.teams.get())
    snap(sales, D(2026, 3, 3), 40, pillars=[4, 13, 13, 10])
    trends.recompute(sales.pk)
    for person, day, posts in ((sales, 1, 2), (sales, 2, 2), (peer, 2, 10), (third, 3, 0)):
        Activity.objects.create(user=person, period_start=D(2026, 3, day), period_end=D(2026, 3, day), posts=posts)
    # A period total reaching outside the 28 days does not count.
    Activity.objects.create(user=peer, period_start=D(2026, 1, 1), period_end=D(2026, 3, 1), posts=500)
    with _travel(D(2026, 3, 10)):
        card = _stored(sales).coaching
    assert (card.pillar, card.value, card.headroom) == ("brand", 4, 21)
    # Posts: sales 4, peer 10, third 0 → median 4; nobody logged shares.
    assert [(lever.activity, lever.mine, lever.team_median) for lever in card.levers] == [
        ("posts", 4, 4), ("shares", None, None)]


SERIES = {D(2026, 2, 25): 40, D(2026, 3, 31): 45, D(2026, 4, 28): 50}


@pytest.mark.django_db
@pytest.mark.parametrize(("note_on", "before", "after"), [
    # 30 days before the 31st is the 1st: nothing in [2-26, 3-1] (the 25th is 4 days off).
    # 30 days after is 4-30: the 28th is within 3 days → +5.
    (D(2026, 3, 31), None, Decimal(5)),
    # 3-28 has no value: nothing in [3-25, 3-28], so no change either side.
    (D(2026, 3, 28), None, None),
    # 4-1: as of 4-1 is the 31st (45); 30 days back, 3-2: the 25th is 5 days off → empty.
    (D(2026, 4, 1), None, Decimal(5)),
])
def test_a_note_shows_the_change_30_days_before_and_after(sales, note_on, before, after):
    for day, ssi in SERIES.items():
        snap(sales, day, ssi)
    trends.recompute(sales.pk)
    Annotation.objects.create(user=sales, date=note_on, note="Profile rewrite", created_by=sales)
    (effect,), _ = _stored(sales).effects(list(Annotation.objects.all()))
    assert (effect.before, effect.after) == (before, after)


@pytest.mark.django_db
def test_a_note_whose_reference_day_is_within_tolerance_has_a_before(sales):
    for day, ssi in {D(2026, 3, 1): 40, D(2026, 3, 28): 44}.items():
        snap(sales, day, ssi)
    trends.recompute(sales.pk)
    Annotation.objects.create(user=sales, date=D(2026, 3, 31), note="Training", created_by=sales)
    (effect,), _ = _stored(sales).effects(list(Annotation.objects.all()))
    # As of 3-31 is the 28th (3 days back); 30 days earlier, 3-1, is there.
    assert (effect.before, effect.after) == (Decimal(4), None)


@pytest.mark.django_db
def test_a_teammates_activity_reaches_the_coaching_card_at_the_nightly_run(sales, peer):
    from scoring import checks

    snap(sales, D(2026, 3, 3), 40, pillars=[4, 13, 13, 10])
    with _travel(D(2026, 3, 10)):
        trends.recompute(sales.pk)
        Activity.objects.create(user=sales, period_start=D(2026, 3, 2), period_end=D(2026, 3, 2), posts=4)
        trends.recompute(sales.pk)
        # Only Sasha's 4 posts so far: the team median is 4.
        assert _read(sales).coaching.levers[0].team_median == 4
        # Pat logs 10 posts: Sasha's summary, not recomputed since, still says 4.
        Activity.objects.create(user=peer, period_start=D(2026, 3, 4), period_end=D(2026, 3, 4), posts=10)
        assert _read(sales).coaching.levers[0].team_median == 4
        checks.nightly(sample=0)
        # The nightly run refreshes every summary: the median of 4 and 10 is 7.
        assert _read(sales).coaching.levers[0].team_median == 7
