"""Two imports creating the same new people at the same time: each person is
created once, and the two reports' counts add up to the people created."""

import contextlib
import io
import re
import threading

import pytest
from django.db import connection

from tracking.importing import staging, writer
from tracking.models import Snapshot, User

PEOPLE = 300
FILE = "email,date,ssi\n" + "".join(f"new{n:03d}@example.com,2026-01-05,{20 + n % 60}\n" for n in range(PEOPLE))


def _created(result) -> int:
    for warning in result.warnings:
        if match := re.match(r"(\d+) (?:person was|people were) created", warning):
            return int(match[1])
    return 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_imports_of_the_same_new_people_count_each_person_once(monkeypatch):
    # Both imports have created their people before either commits (or, once
    # the second waits for the first's rows, the first goes on after 5 s).
    both_created = threading.Barrier(2, timeout=5)
    create_people = staging.Staging.create_people

    def create_then_wait(batch):
        created = create_people(batch)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_created.wait()
        return created

    monkeypatch.setattr(staging.Staging, "create_people", create_then_wait)
    results, errors = [], []

    def run():
        try:
            results.append(writer.import_file(io.BytesIO(FILE.encode()), create_users=True))
        except Exception as error:  # reported below, with the thread's own traceback
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(_created(r) for r in results) == [0, PEOPLE]
    assert User.objects.filter(email__startswith="new").count() == PEOPLE
    assert Snapshot.objects.count() == PEOPLE
