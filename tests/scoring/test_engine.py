"""Derived person days, team days, standing and anomalies, against values worked out by hand."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from scoring import trends
from scoring.models import Anomaly, TeamDay, TeamMemberDay, UserDay
from tests.conftest import make_user, snap
from tracking.models import Membership

D = dt.date


def _travel(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC), tick=False)


def _state(model, **filters):
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "created_at")]
    return sorted(model.objects.filter(**filters).values_list(*fields))


@pytest.mark.django_db
def test_each_pillar_has_its_share_of_the_total_and_its_headroom_to_25(sales):
    snap(sales, D(2026, 3, 3), 40, pillars=[4, 13, 13, 10])
    snap(sales, D(2026, 3, 4), 40)  # even split: 10 each
    trends.recompute(sales.pk)
    day = UserDay.objects.get(user=sales, date=D(2026, 3, 3))
    assert (day.brand_share, day.people_share, day.insights_share, day.relationships_share) == (
        Decimal("0.1"), Decimal("0.325"), Decimal("0.325"), Decimal("0.25"))
    assert (day.brand_headroom, day.people_headroom, day.insights_headroom, day.relationships_headroom) == (
        21, 12, 12, 15)


STREAK_SERIES = {  # Mondays are 5, 12, 19 and 26 January 2026
    D(2026, 1, 5): 50, D(2026, 1, 6): 51, D(2026, 1, 7): 52,
    D(2026, 1, 12): 53,
    D(2026, 1, 19): 52, D(2026, 1, 20): 54,
    D(2026, 1, 26): 55,
}
# (days logged in a row, weeks improved in a row), by hand.
STREAKS = {
    D(2026, 1, 5): (1, 0), D(2026, 1, 6): (2, 0), D(2026, 1, 7): (3, 0),  # no week before to beat
    D(2026, 1, 12): (1, 1),  # 53 beats last week's 52
    D(2026, 1, 19): (1, 0),  # 52 does not beat 53
    D(2026, 1, 20): (2, 2),  # 54 beats 53, whose week had improved once
    D(2026, 1, 26): (1, 3),  # 55 beats 54, whose week stood at two
}


@pytest.mark.django_db
def test_streaks_count_days_logged_and_weeks_improved(sales):
    for day, ssi in STREAK_SERIES.items():
        snap(sales, day, ssi)
    trends.recompute(sales.pk)
    got = {r.date: (r.log_streak, r.week_streak) for r in UserDay.objects.filter(user=sales)}
    assert got == STREAKS


@pytest.mark.django_db
@pytest.mark.parametrize("since", [D(2026, 1, 6), D(2026, 1, 12), D(2026, 1, 20), D(2026, 1, 26)])
def test_a_recompute_from_a_date_gives_the_same_streaks_as_from_scratch(sales, since):
    for day, ssi in STREAK_SERIES.items():
        snap(sales, day, ssi)
    trends.recompute(sales.pk)
    full = _state(UserDay, user=sales)
    trends.recompute(sales.pk, since)
    assert _state(UserDay, user=sales) == full


@pytest.fixture
def third(east):
    user = make_user("third@example.com", name="Terry Third")
    Membership.objects.create(user=user, team=east)
    return user


@pytest.fixture
def team_history(sales, peer, third, manager, outsider):
    """East: sales, peer, third (the manager is not ranked). West: outsider, and sales too."""
    Membership.objects.create(user=sales, team=outsider.teams.get())
    snap(sales, D(2026, 3, 1), 40)
    snap(peer, D(2026, 3, 2), 50)
    snap(third, D(2026, 3, 2), 50)
    snap(sales, D(2026, 3, 3), 40, pillars=[4, 13, 13, 10])
    snap(sales, D(2026, 3, 5), 60)
    snap(outsider, D(2026, 3, 5), 80)
    with _travel(D(2026, 3, 12)):
        for team_id in trends.team_ids_for([sales.pk]):
            trends.recompute_team(team_id)


def _ssi_days(team):
    return {
        r.date: (r.members, r.reporting, r.mean, r.median, r.p25, r.p75, r.min, r.max)
        for r in TeamDay.objects.filter(team=team, metric="ssi")
    }


def _d(*values):
    return tuple(v if v is None or isinstance(v, int) else Decimal(v) for v in values)


@pytest.mark.django_db
def test_team_days_cover_every_calendar_day_with_members_latest_snapshot_no_older_than_7_days(team_history, east):
    days = _ssi_days(east)
    assert sorted(days) == [D(2026, 3, 1) + dt.timedelta(days=n) for n in range(12)]  # 1st to today, the 12th
    assert days[D(2026, 3, 1)] == _d(3, 1, "40", "40", "40", "40", "40", "40")
    # 40, 50, 50: p25 interpolates halfway between 40 and 50.
    assert days[D(2026, 3, 2)] == _d(3, 3, "46.666667", "50", "45", "50", "40", "50")
    assert days[D(2026, 3, 5)] == _d(3, 3, "53.333333", "50", "50", "55", "50", "60")
    assert days[D(2026, 3, 9)] == days[D(2026, 3, 5)]  # the 2nd is 7 days old: still counts
    assert days[D(2026, 3, 10)] == _d(3, 1, "60", "60", "60", "60", "60", "60")  # 8 days: not reporting
    assert set(TeamDay.objects.filter(team=east, date=D(2026, 3, 2)).values_list("metric", flat=True)) == {
        "ssi", "brand", "people", "insights", "relationships"}


@pytest.mark.django_db
def test_standing_ties_share_a_rank_and_a_percentile(team_history, east, peer, third, sales):
    on_2nd = {r.user_id: (r.rank, r.reporting, r.percentile)
              for r in TeamMemberDay.objects.filter(team=east, date=D(2026, 3, 2))}
    # 50, 50, 40: both 50s rank first, each ahead of one of the two others.
    assert on_2nd == {peer.pk: (1, 3, Decimal(50)), third.pk: (1, 3, Decimal(50))}
    alone = TeamMemberDay.objects.get(team=east, user=sales, date=D(2026, 3, 1))
    assert (alone.rank, alone.reporting, alone.percentile) == (1, 1, None)  # no one to compare with


@pytest.mark.django_db
def test_a_person_in_two_teams_has_a_standing_in_each(team_history, sales, east, west):
    on_5th = {r.team_id: (r.rank, r.reporting, r.percentile)
              for r in TeamMemberDay.objects.filter(user=sales, date=D(2026, 3, 5))}
    assert on_5th == {east.pk: (1, 3, Decimal(100)), west.pk: (2, 2, Decimal(0))}


@pytest.mark.django_db
def test_a_member_who_left_no_longer_counts_in_the_team(team_history, east, peer, django_capture_on_commit_callbacks):
    with _travel(D(2026, 3, 12)), django_capture_on_commit_callbacks(execute=True):
        Membership.objects.filter(user=peer, team=east).delete()  # the roster change recomputes the team
    assert _ssi_days(east)[D(2026, 3, 2)] == _d(2, 2, "45", "45", "42.5", "47.5", "40", "50")
    assert not TeamMemberDay.objects.filter(team=east, user=peer).exists()


@pytest.mark.django_db
def test_a_pillar_newly_below_the_team_p25_is_an_anomaly(team_history, sales, east, west):
    found = list(Anomaly.objects.filter(kind="pillar_below_p25").order_by("date"))
    assert [(a.user_id, a.team_id, a.date) for a in found] == [
        (sales.pk, east.pk, D(2026, 3, 3)), (sales.pk, west.pk, D(2026, 3, 5))]
    # In West on the 5th: 15 a pillar against the outsider's 20, p25 16.25.
    assert [(p["team"], p["value"], p["p25"]) for p in found[1].detail["pillars"]] == [(west.pk, 15.0, 16.25)] * 4
    # Brand 4 against 4, 12.5, 12.5 (p25 8.25); relationships 10 against 10, 12.5, 12.5 (p25 11.25).
    assert [(p["pillar"], p["value"], p["p25"]) for p in found[0].detail["pillars"]] == [
        ("brand", 4.0, 8.25), ("relationships", 10.0, 11.25)]


@pytest.mark.django_db
def test_team_recompute_twice_or_from_a_date_changes_nothing(team_history, east):
    before = (_state(TeamDay, team=east), _state(TeamMemberDay, team=east), _state(Anomaly))
    with _travel(D(2026, 3, 12)):
        trends.recompute_team(east.pk)
        trends.recompute_team(east.pk, D(2026, 3, 4))
    assert (_state(TeamDay, team=east), _state(TeamMemberDay, team=east), _state(Anomaly)) == before


ANOMALY_SERIES = {  # (ssi, industry rank)
    D(2026, 1, 1): (50, 5),
    D(2026, 1, 3): (52, None),
    D(2026, 1, 6): (49, None),  # 3 below the 52 of the 3rd: a drop
    D(2026, 1, 7): (48, None),  # still down, but already flagged the day before
    D(2026, 1, 9): (50, 15),  # Top 5% → Top 15% against the 1st (within [d-10, d-7])
    D(2026, 1, 20): (40, None),  # after 11 silent days; nothing within the 7 before to drop from
}


@pytest.mark.django_db
def test_person_anomalies_are_found_once_each(sales):
    for day, (ssi, rank) in ANOMALY_SERIES.items():
        snap(sales, day, ssi, industry_rank=rank)
    with _travel(D(2026, 2, 1)):
        trends.recompute(sales.pk)
    found = {(a.date, a.kind): a.detail for a in Anomaly.objects.filter(user=sales)}
    assert found == {
        (D(2026, 1, 6), "ssi_drop"): {"from": 52.0, "to": 49.0, "change": -3.0},
        (D(2026, 1, 9), "rank_slip"): {"industry_from": 5, "industry_to": 15},
        (D(2026, 1, 16), "not_reporting"): {"last_logged": "2026-01-09"},
        (D(2026, 1, 27), "not_reporting"): {"last_logged": "2026-01-20"},
    }


@pytest.mark.django_db
@pytest.mark.parametrize("since", [D(2026, 1, 4), D(2026, 1, 7), D(2026, 1, 10), D(2026, 1, 17), D(2026, 1, 27)])
def test_person_anomalies_from_a_date_equal_those_from_scratch(sales, since):
    for day, (ssi, rank) in ANOMALY_SERIES.items():
        snap(sales, day, ssi, industry_rank=rank)
    with _travel(D(2026, 2, 1)):
        trends.recompute(sales.pk)
        full = _state(Anomaly, user=sales)
        trends.recompute(sales.pk, since)
    assert _state(Anomaly, user=sales) == full
