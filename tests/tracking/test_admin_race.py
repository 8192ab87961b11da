"""An admin adding a person's day while an import writes that same day."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from tracking.locks import lock_people
from tracking.models import Snapshot, User

DAY = dt.date(2026, 3, 10)


@pytest.mark.django_db(transaction=True)
def test_an_admin_adding_a_day_an_import_is_writing_gets_the_forms_error_not_a_failed_save(admin):
    person = User.objects.create_user(email="race@example.com", password="pw-for-tests")
    written, release = threading.Event(), threading.Event()

    def import_the_day():
        # As an import does: the person's lock, then the row, committed later.
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                lock_people(cursor, [person.pk])
                Snapshot.objects.create(user=person, date=DAY, ssi=60, brand=15, people=15, insights=15,
                                        relationships=15, source="import")
                written.set()
                release.wait(30)
        finally:
            connections.close_all()

    importer = threading.Thread(target=import_the_day)
    importer.start()
    assert written.wait(30)
    response = {}

    def add_in_admin():
        try:
            client = Client()
            client.force_login(admin)
            response["page"] = client.post("/admin/tracking/snapshot/add/", {
                "user": person.pk, "date": DAY.isoformat(), "ssi": "40", "brand": "10", "people": "10",
                "insights": "10", "relationships": "10", "source": "manual",
            })
        except Exception as error:  # a failed save surfaces here as the test client's exception
            response["error"] = error
        finally:
            connections.close_all()

    editor = threading.Thread(target=add_in_admin)
    editor.start()
    editor.join(1)  # the admin waits for the import's lock
    assert editor.is_alive()
    release.set()
    importer.join(30)
    editor.join(30)
    assert "error" not in response, response
    assert response["page"].status_code == 200
    assert "Snapshot with this User and Date already exists." in response["page"].content.decode()
    assert list(Snapshot.objects.values_list("ssi", "source")) == [(60, "import")]


@pytest.mark.django_db(transaction=True)
def test_deleting_a_person_waits_for_an_import_writing_their_rows_and_takes_those_rows_too():
    person = User.objects.create_user(email="leaving@example.com", password="pw-for-tests")
    written, release = threading.Event(), threading.Event()

    def import_a_day():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                lock_people(cursor, [person.pk])
                Snapshot.objects.create(user=person, date=DAY, ssi=60, source="import")
                written.set()
                release.wait(30)
        finally:
            connections.close_all()

    def delete_the_person():
        try:
            User.objects.get(pk=person.pk).delete()
        finally:
            connections.close_all()

    importer = threading.Thread(target=import_a_day)
    importer.start()
    assert written.wait(30)
    deleter = threading.Thread(target=delete_the_person)
    deleter.start()
    deleter.join(1)
    assert deleter.is_alive()  # waits for the import's lock
    release.set()
    importer.join(30)
    deleter.join(30)
    assert not deleter.is_alive()
    assert not User.objects.filter(pk=person.pk).exists()
    assert not Snapshot.objects.filter(user_id=person.pk).exists()
