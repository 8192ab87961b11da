"""A person's own goal and their manager's stand side by side; whoever set a
goal or wrote a note (and admins) can edit and delete it; the progress bar
means the same as the words beside it."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from scoring import goals, person_summary, trends
from scoring.models import Annotation, Goal, RecomputeRequest
from scoring.summary import Slope
from tests.conftest import snap

TODAY = dt.date(2026, 5, 20)
pytestmark = [pytest.mark.usefixtures("frozen"), pytest.mark.django_db]


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 5, 20, 15, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def weekly(sales):
    """Five weekly readings, 39 to 43: a trend of exactly +1 a week."""
    for back, ssi in ((28, 39), (21, 40), (14, 41), (7, 42), (0, 43)):
        snap(sales, TODAY - dt.timedelta(days=back), ssi, pillars=[4, 13, 13, ssi - 30])
    trends.recompute(sales.pk)


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _set(client, person, target, by):
    return client.post(reverse("scoring:set-goal", args=[person.pk]), {"target_ssi": target, "target_date": by})


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _goal_section(html: str, goal: Goal) -> str:
    match = re.search(rf'<section class="goal-item" data-kind="\w+" aria-labelledby="goal-{goal.pk}-title">(.*?)</section>',
                      html, re.S)
    assert match, f"no section for goal {goal.pk}"
    return match.group(1)


# --- both goals stand ----------------------------------------------------------

def test_a_managers_goal_and_the_persons_own_both_stand_each_labelled_with_its_progress(sales, manager, weekly):
    _set(_login(sales), sales, "50", "2026-12-31")
    _set(_login(manager), sales, "60", "2026-12-31")
    own, managers = goals.current_goals(sales)
    assert (own.kind, own.target_ssi, own.set_by) == ("own", 50, sales)
    assert (managers.kind, managers.target_ssi, managers.set_by) == ("manager", 60, manager)
    person_summary.refresh([sales.pk])  # as the recompute the goals ask for does

    html = _login(sales).get(reverse("scoring:dashboard")).content.decode()
    mine, theirs = _text(_goal_section(html, own)), _text(_goal_section(html, managers))
    assert "Your goal" in mine and "Reach 50 by 31 December 2026" in mine
    assert "Set by Morgan Manager (manager)" in theirs and "Reach 60 by 31 December 2026" in theirs
    # Both set today at 43: no way covered yet. +1 a week: 50 on 8 July, 60 on 18 September.
    assert "0% of the way from 43 (the SSI on 20 May 2026, when the goal was set) to 50" in mine
    assert "reached around 8 Jul 2026" in mine and "reached around 16 Sep 2026" in theirs
    # The manager sees the same two, named from their side.
    html = _login(manager).get(reverse("scoring:person-dashboard", args=[sales.pk])).content.decode()
    assert "Sasha Sales's own goal" in html and "Set by Morgan Manager (manager)" in html


def test_a_new_goal_of_the_same_kind_says_what_it_replaces_and_keeps_the_old_one(sales, manager, weekly):
    client = _login(sales)
    _set(client, sales, "45", "2026-07-31")
    _set(_login(manager), sales, "60", "2026-12-31")
    form = _text(client.get(reverse("scoring:dashboard")).content.decode())
    assert "It replaces your goal of 45 by 31 July 2026, which moves to Earlier goals." in form

    response = _set(client, sales, "50", "2026-12-31")
    page = _text(client.get(response["Location"]).content.decode())
    assert "Goal saved. It replaces the goal of 45 by 31 July 2026, which is kept under Earlier goals." in page
    assert "Earlier goals (1)" in page
    assert "45 by 31 Jul 2026 — Your goal; replaced on 20 May 2026" in page
    old = Goal.objects.get(target_ssi=45)
    assert old.replaced_at is not None
    # The manager's goal is of the other kind: untouched.
    assert [(g.kind, g.target_ssi) for g in goals.current_goals(sales)] == [("own", 50), ("manager", 60)]


def test_the_database_keeps_one_current_goal_of_each_kind(sales):
    Goal.objects.create(user=sales, kind="own", target_ssi=50, target_date=TODAY, set_by=sales)
    with pytest.raises(IntegrityError), transaction.atomic():
        Goal.objects.create(user=sales, kind="own", target_ssi=55, target_date=TODAY, set_by=sales)
    with pytest.raises(IntegrityError), transaction.atomic():
        Goal.objects.create(user=sales, kind="someone", target_ssi=55, target_date=TODAY, set_by=sales)
    # A replaced one does not count.
    Goal.objects.filter(user=sales).update(replaced_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    Goal.objects.create(user=sales, kind="own", target_ssi=55, target_date=TODAY, set_by=sales)


# --- who may change a goal -------------------------------------------------------

def test_the_person_edits_and_deletes_their_own_goal(sales, weekly):
    client = _login(sales)
    _set(client, sales, "50", "2026-12-31")
    goal = Goal.objects.get()
    assert client.get(reverse("scoring:edit-goal", args=[goal.pk])).status_code == 200
    response = client.post(reverse("scoring:edit-goal", args=[goal.pk]), {"target_ssi": "52", "target_date": "2026-11-30"})
    assert response["Location"] == reverse("scoring:dashboard")
    goal.refresh_from_db()
    assert (goal.target_ssi, goal.target_date, goal.replaced_at) == (52, dt.date(2026, 11, 30), None)
    # Edited in place: the dashboard shows the new figures at once, and nothing moved to history.
    page = _text(client.get(reverse("scoring:dashboard")).content.decode())
    assert "Reach 52 by 30 November 2026" in page and "Earlier goals (" not in page

    response = client.post(reverse("scoring:delete-goal", args=[goal.pk]))
    assert not Goal.objects.exists()
    assert "Deleted the goal of 52 by 30 November 2026." in _text(client.get(response["Location"]).content.decode())


def test_an_edit_is_checked_like_a_new_goal(sales):
    goal = Goal.objects.create(user=sales, kind="own", target_ssi=50, target_date=dt.date(2026, 12, 31), set_by=sales)
    response = _login(sales).post(reverse("scoring:edit-goal", args=[goal.pk]),
                                  {"target_ssi": "101", "target_date": "2026-05-19"})
    assert response.status_code == 400
    assert "Target SSI must be between 0 and 100." in response.content.decode()
    goal.refresh_from_db()
    assert goal.target_ssi == 50


def test_a_salesperson_cannot_edit_or_delete_the_goal_their_manager_set(sales, manager, weekly):
    _set(_login(manager), sales, "60", "2026-12-31")
    goal = Goal.objects.get()
    client = _login(sales)
    assert client.get(reverse("scoring:edit-goal", args=[goal.pk])).status_code == 404
    assert client.post(reverse("scoring:edit-goal", args=[goal.pk]), {"target_ssi": "1", "target_date": "2026-12-31"}).status_code == 404
    assert client.post(reverse("scoring:delete-goal", args=[goal.pk])).status_code == 404
    goal.refresh_from_db()
    assert goal.target_ssi == 60
    section = _goal_section(client.get(reverse("scoring:dashboard")).content.decode(), goal)
    assert "Edit goal" not in section and "Delete goal" not in section
    # The manager who set it can.
    html = _login(manager).get(reverse("scoring:person-dashboard", args=[sales.pk])).content.decode()
    assert "Delete goal" in _goal_section(html, goal)


@pytest.mark.parametrize("persona", ["peer", "outsider", "other_manager"])
def test_nobody_else_can_edit_or_delete_a_goal(request, sales, persona):
    goal = Goal.objects.create(user=sales, kind="own", target_ssi=50, target_date=dt.date(2026, 12, 31), set_by=sales)
    client = _login(request.getfixturevalue(persona))
    assert client.get(reverse("scoring:edit-goal", args=[goal.pk])).status_code == 404
    assert client.post(reverse("scoring:delete-goal", args=[goal.pk])).status_code == 404
    assert Goal.objects.filter(pk=goal.pk, target_ssi=50).exists()


def test_an_admin_edits_and_deletes_anyones_goal(sales, manager, admin):
    goal = Goal.objects.create(user=sales, kind="manager", target_ssi=50, target_date=dt.date(2026, 12, 31),
                               set_by=manager)
    client = _login(admin)
    client.post(reverse("scoring:edit-goal", args=[goal.pk]), {"target_ssi": "55", "target_date": "2026-12-31"})
    goal.refresh_from_db()
    assert (goal.target_ssi, goal.set_by) == (55, manager)
    assert client.post(reverse("scoring:delete-goal", args=[goal.pk]))["Location"] == reverse(
        "scoring:person-dashboard", args=[sales.pk])
    assert not Goal.objects.exists()


def test_a_replaced_goal_is_history_and_cannot_be_edited(sales):
    goal = Goal.objects.create(user=sales, kind="own", target_ssi=50, target_date=dt.date(2026, 12, 31), set_by=sales,
                               replaced_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    assert _login(sales).get(reverse("scoring:edit-goal", args=[goal.pk])).status_code == 404


def test_goal_and_note_changes_accept_only_post_with_a_csrf_token(sales):
    goal = Goal.objects.create(user=sales, kind="own", target_ssi=50, target_date=dt.date(2026, 12, 31), set_by=sales)
    note = Annotation.objects.create(user=sales, date=TODAY, note="Training", created_by=sales)
    client = Client(enforce_csrf_checks=True)
    client.force_login(sales)
    assert client.get(reverse("scoring:delete-goal", args=[goal.pk])).status_code == 405
    assert client.get(reverse("scoring:delete-annotation", args=[note.pk])).status_code == 405
    assert client.post(reverse("scoring:delete-goal", args=[goal.pk])).status_code == 403
    assert client.post(reverse("scoring:edit-annotation", args=[note.pk]), {"date": "2026-05-20", "note": "x"}).status_code == 403
    assert Goal.objects.exists() and Annotation.objects.get().note == "Training"


# --- notes ---------------------------------------------------------------------

def test_the_author_edits_and_deletes_their_note_and_the_summary_is_asked_to_follow(sales, weekly):
    client = _login(sales)
    client.post(reverse("scoring:add-annotation", args=[sales.pk]), {"date": "2026-05-06", "note": "Profile rewrite"})
    note = Annotation.objects.get()
    assert list(RecomputeRequest.objects.values_list("user_id", "since")) == [(sales.pk, TODAY)]
    html = client.get(reverse("scoring:dashboard")).content.decode()
    assert reverse("scoring:edit-annotation", args=[note.pk]) in html

    client.post(reverse("scoring:edit-annotation", args=[note.pk]), {"date": "2026-05-07", "note": "Headline rewrite"})
    note.refresh_from_db()
    assert (note.date, note.note) == (dt.date(2026, 5, 7), "Headline rewrite")
    page = client.get(reverse("scoring:dashboard")).content.decode()
    assert "Headline rewrite" in page and "Profile rewrite" not in page

    response = client.post(reverse("scoring:delete-annotation", args=[note.pk]))
    assert not Annotation.objects.exists()
    assert "Deleted the note of 7 May 2026." in client.get(response["Location"]).content.decode()
    # Added, edited, deleted: each asked for the stored summary from the person's today.
    assert list(RecomputeRequest.objects.values_list("user_id", "since")) == [(sales.pk, TODAY)] * 3


def test_a_salesperson_cannot_change_the_note_their_manager_wrote_nor_the_manager_theirs(sales, manager, weekly):
    managers_note = Annotation.objects.create(user=sales, date=TODAY, note="Coaching session", created_by=manager)
    own_note = Annotation.objects.create(user=sales, date=TODAY, note="Posted an article", created_by=sales)
    client = _login(sales)
    assert client.get(reverse("scoring:edit-annotation", args=[managers_note.pk])).status_code == 404
    assert client.post(reverse("scoring:delete-annotation", args=[managers_note.pk])).status_code == 404
    html = client.get(reverse("scoring:dashboard")).content.decode()
    assert reverse("scoring:edit-annotation", args=[own_note.pk]) in html
    assert reverse("scoring:edit-annotation", args=[managers_note.pk]) not in html
    boss = _login(manager)
    assert boss.post(reverse("scoring:delete-annotation", args=[own_note.pk])).status_code == 404
    assert boss.post(reverse("scoring:delete-annotation", args=[managers_note.pk])).status_code == 302
    assert list(Annotation.objects.values_list("note", flat=True)) == ["Posted an article"]


@pytest.mark.parametrize("persona", ["peer", "outsider", "other_manager"])
def test_nobody_else_can_edit_or_delete_a_note(request, sales, persona):
    note = Annotation.objects.create(user=sales, date=TODAY, note="Training", created_by=sales)
    client = _login(request.getfixturevalue(persona))
    assert client.get(reverse("scoring:edit-annotation", args=[note.pk])).status_code == 404
    assert client.post(reverse("scoring:delete-annotation", args=[note.pk])).status_code == 404
    assert Annotation.objects.filter(pk=note.pk).exists()


def test_an_admin_edits_anyones_note(sales, admin):
    note = Annotation.objects.create(user=sales, date=TODAY, note="Training", created_by=sales)
    _login(admin).post(reverse("scoring:edit-annotation", args=[note.pk]), {"date": "2026-05-20", "note": "Sales kickoff"})
    note.refresh_from_db()
    assert (note.note, note.created_by) == ("Sales kickoff", sales)


# --- what the bar means ----------------------------------------------------------

def _goal(target, baseline=None):
    return Goal(kind="own", target_ssi=Decimal(target), target_date=dt.date(2026, 12, 31),
                baseline_ssi=None if baseline is None else Decimal(baseline))


def _day(ssi):
    return {"date": TODAY, "ssi": Decimal(ssi), "brand": None, "people": None, "insights": None, "relationships": None}


RISING = Slope(per_week=Decimal(1), low=Decimal(1), high=Decimal(1), observations=5)
FALLING = Slope(per_week=Decimal(-1), low=Decimal(-1), high=Decimal(-1), observations=5)


@pytest.mark.parametrize(("target", "baseline", "current", "slope", "status", "percent"), [
    # From 39 when set to 50, now 43: 4 of 11 points, 36.4%.
    ("50", "39", "43", RISING, "on_track", 36),
    # Set before anything was logged: measured from 0, 43 of 50 is 86%.
    ("50", None, "43", RISING, "on_track", 86),
    # 10 of 11 points covered, but falling: 90%, and the words say not on track.
    ("50", "39", "49", FALLING, "not_on_track", 90),
    # A hundredth short of the target is not met: the bar stops at 99 (4 of 4.01 is 99.75%).
    ("43.01", "39", "43", RISING, "on_track", 99),
    # Met is exactly 100, whatever the trend.
    ("43", "39", "43", FALLING, "met", 100),
    ("43", "39", "47", None, "met", 100),
    # Fallen below where it started: 0, not negative.
    ("50", "45", "43", RISING, "on_track", 0),
])
def test_the_bar_runs_from_the_ssi_when_the_goal_was_set_to_the_target(target, baseline, current, slope,
                                                                     status, percent):
    projection = goals.project(_goal(target, baseline), _day(current), slope)
    assert (projection.status, projection.progress_percent) == (status, percent)


def test_a_full_bar_always_means_met_and_the_bar_takes_the_status_colour(sales, weekly):
    Goal.objects.create(user=sales, kind="own", target_ssi=Decimal("43.5"), target_date=dt.date(2026, 6, 1),
                        baseline_ssi=39, baseline_on=TODAY - dt.timedelta(days=28), set_by=sales)
    person_summary.refresh([sales.pk])
    html = _login(sales).get(reverse("scoring:dashboard")).content.decode()
    # 4 of 4.5 points: 88%; +1 a week reaches 43.5 on 24 May, before 1 June.
    assert '<div class="goal-progress" data-status="on_track">' in html
    assert '<progress value="88" max="100"' in html
    assert "On track · 88% of the way from 39 (the SSI on 22 Apr 2026, when the goal was set) to 43.50; now 43." in _text(html)
