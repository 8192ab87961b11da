"""Insights are shown only when they survive a test that allows for testing many pairs."""

import datetime as dt
import random
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from scoring import insights, person_summary, summary_store, trends
from scoring.models import PersonSummary
from tests.conftest import make_user, snap
from tracking import rules
from tracking.models import Activity, Membership

START = dt.date(2026, 1, 5)  # a Monday


def test_benjamini_hochberg_on_the_papers_fifteen_p_values():
    # Benjamini & Hochberg (1995), section 4: at 0.05 the first four are discoveries.
    ps = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
          0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.0]
    # By hand: p·15/rank, then the running minimum from the largest rank down
    # (ranks 6 and 7 take rank 7's 0.0298·15/7).
    expected = [0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.0298 * 15 / 7, 0.0298 * 15 / 7, 0.0645, 0.0765,
                0.486, 0.4262 * 15 / 11, 0.714875, 0.6528 * 15 / 13, 0.7590 * 15 / 14, 1.0]
    order = [14, 3, 0, 9, 6, 1, 12, 4, 8, 2, 11, 5, 10, 7, 13]  # given shuffled, answered in that order
    qs = insights.benjamini_hochberg([ps[i] for i in order])
    assert qs == pytest.approx([expected[i] for i in order], abs=1e-12)
    assert sum(q <= 0.05 for q in qs) == 4
    assert sum(q <= insights.FDR for q in qs) == 9  # up to 0.0459, whose q is 0.0765


@pytest.mark.parametrize(("counts", "expected"), [
    (list(range(1, 13)), 7),  # the upper median: 6 weeks below, 6 at or above
    ([0] * 7 + [3, 4, 5, 6, 7], 3),  # the median is the fewest there are: the next count up
    ([0] * 9 + [5, 5, 5], None),  # three weeks above: too few for a mean of their own
    ([4] * 12, None),  # no variation
])
def test_the_threshold_splits_the_weeks_at_the_median(counts, expected):
    assert insights.threshold(counts) == expected


def _history(person, weeks, start=START):
    """One reading each Monday, and that week's counts on its Monday: ``weeks`` is
    [(counts, {pillar: change over the following week})]; a reading follows the last."""
    pillars = {p: Decimal(10) for p in rules.PILLARS}
    for w, (counts, changes) in enumerate([*weeks, ({}, {})]):
        monday = start + dt.timedelta(weeks=w)
        snap(person, monday, sum(pillars.values()), pillars=[pillars[p] for p in rules.PILLARS])
        if counts:
            Activity.objects.create(user=person, period_start=monday, period_end=monday, **counts)
        for p, change in changes.items():
            pillars[p] += Decimal(str(change))
    trends.recompute(person.pk)


def _evidence(person) -> insights.Evidence:
    """The person's insights as the recompute stores them."""
    person_summary.refresh([person.pk])
    return summary_store.read(person).evidence


def _planted(n=30, seed=1):
    """Weeks with 12 comments are followed by +0.5 Insights, weeks with 2 by +0.1;
    reactions are logged too, at random."""
    rnd = random.Random(seed)
    high = set(rnd.sample(range(n), n // 2))
    return [({"comments": 12 if w in high else 2, "reactions": rnd.randint(0, 20)},
             {"insights": "0.5" if w in high else "0.1"}) for w in range(n)]


@pytest.mark.django_db
def test_a_planted_effect_is_found_and_worded_with_its_numbers(sales):
    _history(sales, _planted())
    evidence = _evidence(sales)
    # Tested: the two pairs logged, both moving Insights.
    assert sorted((t.pillar, t.activity) for t in evidence.tests) == [("insights", "comments"), ("insights", "reactions")]
    (found,) = evidence.findings
    r = found.result
    # 15 weeks of 12 comments then +0.5, 15 of 2 then +0.1: 0.4 apart. Only the observed
    # split of the 30 weeks and its mirror image (2 in 155,117,520) are that far apart,
    # so none of the 999 reshuffles is: p = (0 + 1) / (999 + 1).
    assert (r.threshold, r.weeks_with, r.weeks_without, round(r.effect, 9), r.p) == (12, 15, 15, 0.4, 0.001)
    assert found.q == pytest.approx(0.002)  # 0.001 · 2 pairs / rank 1
    assert found.sentence == "Weeks with 12+ comments were followed by 0.4 Insights points more than weeks with fewer (15 weeks against 15)."
    assert evidence.message is None
    # Seeded: the same data always gives the same p-values.
    assert _evidence(sales).tests == evidence.tests


@pytest.mark.django_db
def test_the_dashboard_shows_only_the_surviving_insight(client, sales):
    _history(sales, _planted())
    client.force_login(sales)
    with time_machine.travel(dt.datetime(2026, 8, 3, 12, tzinfo=dt.UTC), tick=False):
        html = client.get(reverse("scoring:dashboard")).content.decode()
    assert "<li>Weeks with 12+ comments were followed by 0.4 Insights points more than weeks with fewer (15 weeks against 15).</li>" in html
    assert "reactions were followed" not in html
    assert "Each of the 2 pairs" in html and "Not enough evidence yet" not in html


def _noise(rnd, n):
    weeks = []
    for _ in range(n):
        counts = {f: rnd.randint(0, 15) for f in insights._FIELDS}
        changes = {p: round(rnd.uniform(-0.4, 0.4), 3) for p in rules.PILLARS}
        weeks.append((counts, changes))
    return weeks


@pytest.mark.django_db
def test_pure_noise_shows_no_insight_although_some_pairs_look_strong_alone(db):
    rnd = random.Random(2026)
    raw = []
    for i in range(4):
        person = make_user(f"noise{i}@example.com")
        _history(person, _noise(rnd, 40))
        evidence = _evidence(person)
        assert len(evidence.tests) == 13
        assert evidence.findings == []
        assert evidence.message == ("Not enough evidence yet: none of the 13 activity and pillar pairs tested "
                                    "stands out from what chance gives when testing 13 at once.")
        raw += [t.result.p for t in evidence.tests]
    # Read one at a time, chance alone gives "strong" pairs among the 52 tested:
    # without the correction, this test would show insights.
    assert sum(p <= 0.05 for p in raw) >= 2


@pytest.mark.django_db
def test_too_few_weeks_even_with_the_team_say_not_enough_evidence(sales, peer):
    _history(sales, _planted(n=5))
    _history(peer, _planted(n=3))
    evidence = _evidence(sales)
    assert (evidence.tests, evidence.findings) == ((), [])
    assert evidence.message == ("Not enough evidence yet: a test needs 12 weeks of logged activity, each with pillar "
                                "readings at its end and the next week's end; 5 so far (8 across East).")


@pytest.mark.django_db
def test_a_person_with_few_weeks_gets_the_insight_from_their_teams_weeks(sales, peer):
    # Sasha: two weeks of their own, 12 comments then +0.5, 2 then +0.1 (centred: +0.2, −0.2).
    _history(sales, [({"comments": 12}, {"insights": "0.5"}), ({"comments": 2}, {"insights": "0.1"})],
             start=START + dt.timedelta(weeks=40))
    # Pat: thirty weeks of the same effect on a steeper baseline (+0.6 and +0.2),
    # centred on Pat's own mean of +0.4 to the same +0.2 and −0.2.
    _history(peer, [(c, {"insights": str(Decimal(ch["insights"]) + Decimal("0.1"))}) for c, ch in _planted()])
    evidence = _evidence(sales)
    assert evidence.own_weeks == 2
    (found,) = evidence.findings
    r = found.result
    assert (r.threshold, r.weeks_with, r.weeks_without, round(r.effect, 9)) == (12, 16, 16, 0.4)
    assert found.sentence == ("Across East's members, weeks with 12+ comments were followed by 0.4 Insights points "
                              "more than weeks with fewer (16 weeks against 16, each member against their own average).")


@pytest.mark.django_db
def test_a_manager_is_not_pooled_with_the_team_they_manage(sales, manager):
    # The manager logs their own weeks, but as the team's manager, not one of its members.
    assert Membership.objects.get(user=manager).role == Membership.Role.MANAGER
    _history(manager, _planted())
    _history(sales, _planted(n=3))
    assert _evidence(sales).findings == []


@pytest.mark.django_db
def test_without_a_team_too_few_weeks_give_only_the_count(sales):
    Membership.objects.filter(user=sales).delete()
    _history(sales, _planted(n=5))
    assert _evidence(sales).message.endswith("the next week's end; 5 so far.")


def test_a_team_pool_keeps_its_most_recent_weeks(monkeypatch):
    monkeypatch.setattr(insights, "POOL_WEEKS", 3)
    w = [START + dt.timedelta(weeks=i) for i in range(4)]
    pooled = {7: [(w[0], 1.0, 0.1), (w[2], 3.0, 0.3)], 5: [(w[1], 2.0, 0.2), (w[3], 4.0, 0.4)]}
    # The three latest weeks are w3 (person 5), w2 (person 7), w1 (person 5); in person order.
    assert insights._recent(pooled) == [[(2.0, 0.2), (4.0, 0.4)], [(3.0, 0.3)]]


@pytest.mark.django_db
def test_a_batch_pools_each_person_with_their_own_teams_weeks_only(sales, peer, outsider):
    # Sasha (East, with Pat, who logged nothing) has two weeks; Olly (West) has
    # thirty of the planted effect. Refreshed together, Olly's weeks are West's, not East's.
    _history(sales, [({"comments": 12}, {"insights": "0.5"}), ({"comments": 2}, {"insights": "0.1"})],
             start=START + dt.timedelta(weeks=40))
    _history(outsider, _planted())
    PersonSummary.objects.all().delete()  # computed afresh, in one batch
    person_summary.refresh([sales.pk, outsider.pk])
    assert [t.activity for t in summary_store.read(outsider).evidence.findings] == ["comments"]
    assert summary_store.read(sales).evidence.findings == []
