"""The derived tables' references to people and teams, which the database checks
once per statement (scoring/models.py): a row naming no one is refused, deleting
a person or a team deletes their derived rows, and a person whose rows are being
written cannot be deleted until that commits."""

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from scoring import trends
from scoring.models import Anomaly, TeamDay, TeamMemberDay, UserDay
from tests.conftest import snap

D = dt.date
MISSING = 2_000_000_000


def _day(user_id, **extra):
    return UserDay(user_id=user_id, date=D(2026, 3, 1), ssi=40, avg7=40, avg30=40, **extra)


@pytest.mark.django_db
def test_a_derived_row_naming_no_one_is_refused(sales):
    with pytest.raises(IntegrityError, match=r"Key \(user_id\)=\(2000000000\) is not present"), transaction.atomic():
        UserDay.objects.bulk_create([_day(sales.pk), _day(MISSING)])
    assert not UserDay.objects.exists()  # the whole statement, the valid row too
    day = UserDay.objects.create(user=sales, date=D(2026, 3, 1), ssi=40, avg7=40, avg30=40)
    with pytest.raises(IntegrityError, match="tracking_user"), transaction.atomic():
        UserDay.objects.filter(pk=day.pk).update(user_id=MISSING)  # an update is checked too


@pytest.mark.django_db
def test_a_standing_or_anomaly_naming_no_team_is_refused(sales):
    with pytest.raises(IntegrityError, match="tracking_team"), transaction.atomic():
        TeamMemberDay.objects.create(user=sales, team_id=MISSING, date=D(2026, 3, 1), ssi=40, rank=1, reporting=1)
    with pytest.raises(IntegrityError, match="tracking_team"), transaction.atomic():
        Anomaly.objects.create(user=sales, team_id=MISSING, date=D(2026, 3, 1), kind="pillar_below_p25")


@pytest.mark.django_db
def test_deleting_a_person_or_a_team_in_sql_deletes_their_derived_rows(sales, peer, east):
    for person, ssi in ((sales, 40), (peer, 50)):
        snap(person, D(2026, 3, 1), ssi)
        snap(person, D(2026, 3, 3), ssi - 5)  # an SSI drop: one anomaly each
    trends.recompute_with_teams([sales.pk, peer.pk], D(2026, 3, 1))
    assert UserDay.objects.filter(user=sales).count() == 2
    assert Anomaly.objects.filter(user=sales).exists()
    with connection.cursor() as cursor:
        # Raw SQL, so nothing of Django's own cascade runs.
        cursor.execute("DELETE FROM tracking_snapshot WHERE user_id = %s", [sales.pk])
        cursor.execute("DELETE FROM tracking_membership WHERE user_id = %s", [sales.pk])
        cursor.execute("DELETE FROM tracking_user WHERE id = %s", [sales.pk])
    assert not UserDay.objects.filter(user_id=sales.pk).exists()
    assert not TeamMemberDay.objects.filter(user_id=sales.pk).exists()
    assert not Anomaly.objects.filter(user_id=sales.pk).exists()
    assert UserDay.objects.filter(user=peer).count() == 2  # others keep theirs
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tracking_membership WHERE team_id = %s", [east.pk])
        cursor.execute("DELETE FROM tracking_team WHERE id = %s", [east.pk])
    assert not TeamDay.objects.filter(team_id=east.pk).exists()
    assert not TeamMemberDay.objects.filter(team_id=east.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_person_cannot_be_deleted_while_their_rows_are_being_written(sales):
    written, finished = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                UserDay.objects.create(user=sales, date=D(2026, 3, 1), ssi=40, avg7=40, avg30=40)
                written.set()
                finished.wait(5)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(5)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '300ms'")
            with pytest.raises(Exception, match="lock timeout"):
                cursor.execute("DELETE FROM tracking_user WHERE id = %s", [sales.pk])
            transaction.set_rollback(True)
    finally:
        finished.set()
        thread.join()
    assert UserDay.objects.filter(user=sales).count() == 1
