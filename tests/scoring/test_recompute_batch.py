"""A change naming many people is recomputed in batches, each team they count
in recomputed once, each batch's outbox requests done with its rows. A change
of one batch is one task; a larger one is shared into ``SSI_RECOMPUTE_TASKS``
tasks (the worker's processes), whole batches each. Tasks are counted as they
leave for the broker (Celery's ``before_task_publish``) and as they wait in the
real Redis queue."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from decimal import Decimal

import pytest
from celery.signals import before_task_publish
from django.core.management import call_command
from django.utils import timezone

from scoring import outbox, trends
from scoring.models import RecomputeRequest, TeamDay, UserDay
from scoring.tasks import recompute_batch
from tests.conftest import _queue_length, make_user, snap, wait_for
from tracking.models import Membership, Team, User

DAYS = [dt.date(2026, 3, 1), dt.date(2026, 3, 2)]
HEADER = "email,date,ssi,brand,people,insights,relationships,industry_rank,network_rank\n"


@pytest.fixture
def published():
    """The names of the tasks this process hands to the broker."""
    names: list[str] = []

    def count(sender=None, **kwargs):
        names.append(sender)

    before_task_publish.connect(count, weak=False)
    yield names
    before_task_publish.disconnect(count)


@pytest.fixture
def batch_tasks():
    """The arguments, (people, request ids), of each ``recompute_batch`` this process hands to the broker."""
    sent: list[tuple[list, list[int]]] = []

    def record(sender=None, body=None, **kwargs):
        if sender == "scoring.tasks.recompute_batch":
            args, _kwargs, _embed = body
            sent.append((args[0], args[1]))

    before_task_publish.connect(record, weak=False)
    yield sent
    before_task_publish.disconnect(record)


@pytest.fixture
def recomputed(monkeypatch):
    """Every person and every team recomputed in this process, counted."""
    people: Counter = Counter()
    teams: Counter = Counter()
    recompute_people, recompute_team = trends.recompute_people, trends.recompute_team

    def count_people(user_ids, since=None):
        people.update(user_ids)
        return recompute_people(user_ids, since)

    def count_team(team_id, since=None):
        teams[team_id] += 1
        return recompute_team(team_id, since)

    monkeypatch.setattr(trends, "recompute_people", count_people)
    monkeypatch.setattr(trends, "recompute_team", count_team)
    return people, teams


def team_of(name: str, size: int, first: int) -> list:
    team = Team.objects.create(name=name, slug=name.lower())
    people = [make_user(f"p{n}@example.com") for n in range(first, first + size)]
    Membership.objects.bulk_create(Membership(user=person, team=team) for person in people)
    return people


@pytest.mark.django_db(transaction=True)
def test_an_import_of_six_people_in_three_teams_sends_one_task_that_fills_every_person_and_team(
    tmp_path, worker_process, published
):
    teams = {name: team_of(name, 2, 2 * n) for n, name in enumerate(["Alpha", "Beta", "Gamma"])}
    # Person n logs 40 + n on 1 March and 40 + 2n on 2 March.
    path = tmp_path / "daily.csv"
    path.write_text(HEADER + "".join(
        f"p{n}@example.com,{day},{total},{total / 4},{total / 4},{total / 4},{total / 4},10,10\n"
        for n in range(6) for day, total in zip(DAYS, [40 + n, 40 + 2 * n], strict=True)
    ))

    call_command("import_ssi", str(path), "--json", stdout=io.StringIO())

    assert [name for name in published if name.startswith("scoring.")] == ["scoring.tasks.recompute_batch"]
    from ssi_dashboard.celery import app

    assert _queue_length(app) == 1  # the one message, waiting for a worker
    assert RecomputeRequest.objects.filter(user__isnull=False).count() == 6

    worker = worker_process()
    assert wait_for(lambda: not RecomputeRequest.objects.exists(), timeout=60), worker.log()
    for n in range(6):
        assert list(UserDay.objects.filter(user__email=f"p{n}@example.com").order_by("date")
                    .values_list("ssi", flat=True)) == [40 + n, 40 + 2 * n]
    # Each team's mean SSI on 2 March, from its two members: (40+42)/2, (44+46)/2, (48+50)/2.
    means = dict(TeamDay.objects.filter(metric="ssi", date=DAYS[1]).values_list("team__name", "mean"))
    assert means == {"Alpha": Decimal("41"), "Beta": Decimal("45"), "Gamma": Decimal("49")}
    assert sorted(teams) == sorted(means)
    # The worker's own account: everyone in one batch, each team recomputed once.
    assert wait_for(lambda: "Recomputed 6 of 6 people (12 days written) and 3 teams" in worker.log()), worker.log()


@pytest.mark.django_db(transaction=True)
def test_an_import_of_several_batches_is_shared_into_two_tasks_that_the_worker_runs_each_team_once(
    tmp_path, worker_process, published, batch_tasks, monkeypatch
):
    # Batches of two: the three teams of two are three batches, dealt into the
    # setting's two tasks (Alpha and Gamma, then Beta).
    monkeypatch.setattr(trends, "BATCH", 2)
    for n, name in enumerate(["Alpha", "Beta", "Gamma"]):
        team_of(name, 2, 2 * n)
    path = tmp_path / "daily.csv"
    rows = [f"p{n}@example.com,{DAYS[0]},{40 + n},{','.join([str((40 + n) / 4)] * 4)},10,10" for n in range(6)]
    path.write_text(HEADER + "\n".join(rows) + "\n")

    call_command("import_ssi", str(path), "--json", stdout=io.StringIO())

    names = [name for name in published if name.startswith("scoring.")]
    assert names == ["scoring.tasks.recompute_batch", "scoring.tasks.recompute_batch"]
    from ssi_dashboard.celery import app

    assert _queue_length(app) == 2  # both messages wait for a worker's processes
    email = dict(User.objects.values_list("pk", "email"))
    groups = [sorted(email[pk].split("@")[0] for pk, _ in people) for people, _ in batch_tasks]
    assert groups == [["p0", "p1", "p4", "p5"], ["p2", "p3"]]
    # Each task names its own people's requests, and only theirs.
    owner = dict(RecomputeRequest.objects.values_list("pk", "user_id"))
    for people, requests in batch_tasks:
        assert sorted(owner[pk] for pk in requests) == sorted(pk for pk, _ in people)

    worker = worker_process()
    assert wait_for(lambda: not RecomputeRequest.objects.exists(), timeout=60), worker.log()
    assert sorted(UserDay.objects.filter(date=DAYS[0]).values_list("ssi", flat=True)) == list(range(40, 46))
    means = dict(TeamDay.objects.filter(metric="ssi", date=DAYS[0]).values_list("team__name", "mean"))
    assert means == {"Alpha": Decimal("40.5"), "Beta": Decimal("42.5"), "Gamma": Decimal("44.5")}
    # The worker's own account of each task: every person and team once between them.
    assert wait_for(lambda: "Recomputed 2 of 2 people (2 days written) and 1 teams" in worker.log())
    assert "Recomputed 4 of 4 people (4 days written) and 2 teams" in worker.log()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("tasks", "batch", "sent"),
    [
        (2, 200, 1),  # one batch: one task, whatever the setting
        (1, 4, 1),
        (2, 4, 2),
        (3, 4, 3),
        (4, 4, 3),  # never more tasks than batches
    ],
)
def test_twelve_people_in_six_teams_go_as_up_to_the_settings_number_of_tasks_each_person_and_team_once(
    celery_worker, settings, monkeypatch, batch_tasks, recomputed, tasks, batch, sent
):
    settings.SSI_RECOMPUTE_TASKS = tasks
    monkeypatch.setattr(trends, "BATCH", batch)
    people = [person for n in range(6) for person in team_of(f"T{n}", 2, 2 * n)]
    for n, person in enumerate(people):
        snap(person, DAYS[0], 40 + n)
    requests = RecomputeRequest.objects.bulk_create(RecomputeRequest(user=p, since=DAYS[0]) for p in people)

    assert outbox.dispatch([r.pk for r in requests]) == sent
    assert len(batch_tasks) == sent
    # Between them the tasks name each person, and each person's request, once.
    assert sorted(pk for group, _ in batch_tasks for pk, _ in group) == sorted(p.pk for p in people)
    assert sorted(pk for _, pks in batch_tasks for pk in pks) == sorted(r.pk for r in requests)
    assert wait_for(lambda: not RecomputeRequest.objects.exists())
    everyone, teams = recomputed
    assert everyone == Counter({person.pk: 1 for person in people})
    assert teams == Counter({team.pk: 1 for team in Team.objects.all()})
    assert TeamDay.objects.filter(metric="ssi", date=DAYS[0]).count() == 6


@pytest.mark.django_db
def test_batches_keep_every_team_and_anyone_linked_through_it_together(monkeypatch):
    monkeypatch.setattr(trends, "BATCH", 3)
    for name, size, first in [("Alpha", 2, 0), ("Beta", 2, 2), ("Gamma", 1, 4)]:
        team_of(name, size, first)
    # p3 is in Beta and in Delta: Delta's p6 goes with Beta. p7 is in no team.
    delta = Team.objects.create(name="Delta", slug="delta")
    for n in (6, 7):
        make_user(f"p{n}@example.com")
    Membership.objects.create(user=User.objects.get(email="p3@example.com"), team=delta)
    Membership.objects.create(user=User.objects.get(email="p6@example.com"), team=delta)
    # A manager is no member: p0 managing Gamma joins nothing to it.
    Membership.objects.create(user=User.objects.get(email="p0@example.com"), team=Team.objects.get(slug="gamma"),
                              role=Membership.Role.MANAGER)
    number = {user.pk: user.email.split("@")[0] for user in User.objects.all()}
    since = {pk: DAYS[1] for pk, name in number.items() if name != "p7"}
    since[User.objects.get(email="p7@example.com").pk] = DAYS[0]  # the earliest: first

    found = [sorted(number[pk] for pk in batch) for batch in trends.batches(since)]

    # Groups, earliest first: [p7], [p0 p1], [p2 p3 p6], [p4]; packed, up to 3 a batch.
    assert found == [["p0", "p1", "p7"], ["p2", "p3", "p6"], ["p4"]]


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_fails_leaves_the_batches_before_it_done_and_only_its_own_requests_open(
    settings, monkeypatch, advisory_lock
):
    monkeypatch.setattr(trends, "BATCH", 2)
    settings.SSI_BACKGROUND_STATEMENT_TIMEOUT = 1
    first, second = team_of("Alpha", 2, 0), team_of("Beta", 2, 2)
    for n, person in enumerate([*first, *second]):
        snap(person, DAYS[0], 40 + n)
    # Handed over ten minutes ago, by the task about to run.
    handed_over = timezone.now() - dt.timedelta(minutes=10)
    requests = [RecomputeRequest.objects.create(user=person, since=DAYS[0], dispatched_at=handed_over).pk
                for person in [*first, *second]]
    people = [[person.pk, DAYS[0].isoformat()] for person in [*first, *second]]

    # Another recompute holds p2's lock (a person's recompute lock is their
    # bare id) past the statement timeout: the second batch fails.
    with advisory_lock(second[0].pk), pytest.raises(Exception, match="statement timeout"):
        recompute_batch(people, requests)

    assert sorted(UserDay.objects.values_list("user__email", flat=True)) == ["p0@example.com", "p1@example.com"]
    assert list(TeamDay.objects.filter(metric="ssi", date=DAYS[0]).values_list("team__name", "mean")) == [
        ("Alpha", Decimal("40.5"))
    ]
    assert sorted(RecomputeRequest.objects.values_list("user__email", flat=True)) == [
        "p2@example.com", "p3@example.com"
    ]
    # The first batch's commit renewed the rest's hand-over: a sweep now leaves
    # them to the running task until it stops making progress.
    assert all(at > handed_over + dt.timedelta(minutes=9)
               for at in RecomputeRequest.objects.values_list("dispatched_at", flat=True))
    assert outbox._due(dt.timedelta(0)) == []
    # Delivered again, the task redoes only the open batch.
    assert recompute_batch(people, requests) == {"people": 2, "days": 2, "teams": 1}
    assert not RecomputeRequest.objects.exists()
    assert UserDay.objects.count() == 4
    assert dict(TeamDay.objects.filter(metric="ssi", date=DAYS[0]).values_list("team__name", "mean")) == {
        "Alpha": Decimal("40.5"), "Beta": Decimal("42.5"),
    }


@pytest.mark.django_db(transaction=True)
def test_the_sweep_hands_overdue_requests_of_many_people_over_as_one_task(celery_worker, published):
    people = team_of("Alpha", 3, 0)
    for n, person in enumerate(people):
        snap(person, DAYS[0], 40 + n)
        RecomputeRequest.objects.create(user=person, since=DAYS[0])

    assert outbox.flush(older_than=dt.timedelta(0)) == 1
    assert published == ["scoring.tasks.recompute_batch"]
    assert wait_for(lambda: not RecomputeRequest.objects.exists())
    assert sorted(UserDay.objects.values_list("ssi", flat=True)) == [40, 41, 42]
    assert TeamDay.objects.get(metric="ssi", date=DAYS[0]).mean == Decimal("41")
