"""Snapshots' and activity's person and import job are foreign keys again.

Migration 0005 replaced them with statement-level triggers. Those let orphans
through where a foreign key refuses them or cascades (TRUNCATE … CASCADE, a
delete racing an insert under REPEATABLE READ, a changed user id, a
``pg_dump --data-only`` restore, a COPY into a partition), and
``db_constraint=False`` told every reader and tool that nothing was enforced.

The constraints are Django's own: DEFERRABLE INITIALLY DEFERRED, as Django
creates every foreign key on PostgreSQL. ``loaddata`` relies on that (a
dump may list a child before its parent; the keys are checked when it ends),
a later ``AlterField`` recreates them the same way, and a row costs the same
check whether it runs at the end of the statement or at commit.

The migration is not atomic, so the table locks stay short on big tables:
1. in one transaction, the triggers go and the keys are added NOT VALID: from
   then on every write is checked (a brief SHARE ROW EXCLUSIVE lock; no scan);
2. rows naming an import job that no longer exists lose that job, as
   ``on_delete=SET_NULL`` would have done;
3. VALIDATE CONSTRAINT checks the stored rows while reads and writes go on.
A snapshot or activity row naming a person who no longer exists stops step 3
with the key it names; nothing is deleted for it. Step 1 can run again, so
after removing those rows ``migrate`` picks up where it stopped.
"""

from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

triggers = import_module("tracking.migrations.0005_references_checked_per_statement")

# (table, column, parent table)
FOREIGN_KEYS = [
    ("tracking_snapshot", "user_id", "tracking_user"),
    ("tracking_snapshot", "import_job_id", "tracking_importjob"),
    ("tracking_activity", "user_id", "tracking_user"),
    ("tracking_activity", "import_job_id", "tracking_importjob"),
]


def key_name(table: str, column: str, parent: str) -> str:
    return f"{table}_{column}_fk_{parent}_id"


def add_keys_not_valid(foreign_keys) -> list[str]:
    """Statements adding ``foreign_keys``, unchecked against stored rows; they
    drop a key of the same name first, so a migration stopped later can run again."""
    return [
        statement
        for table, column, parent in foreign_keys
        for statement in (
            f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {key_name(table, column, parent)}",
            f"ALTER TABLE {table} ADD CONSTRAINT {key_name(table, column, parent)} FOREIGN KEY ({column}) "
            f"REFERENCES {parent} (id) DEFERRABLE INITIALLY DEFERRED NOT VALID",
        )
    ]


def drop_keys(foreign_keys) -> list[str]:
    return [f"ALTER TABLE {table} DROP CONSTRAINT {key_name(table, column, parent)}" for table, column, parent in foreign_keys]


def validate_keys(foreign_keys) -> list[str]:
    return [
        f"ALTER TABLE {table} VALIDATE CONSTRAINT {key_name(table, column, parent)}"
        for table, column, parent in foreign_keys
    ]


def if_exists(drop_trigger: str) -> str:
    return drop_trigger.replace("DROP TRIGGER ", "DROP TRIGGER IF EXISTS ", 1)


def triggers_to_keys(apps, schema_editor):
    for statement in (*map(if_exists, triggers.DROP_TRIGGERS), *add_keys_not_valid(FOREIGN_KEYS)):
        schema_editor.execute(statement, params=None)


def keys_to_triggers(apps, schema_editor):
    for statement in (*drop_keys(FOREIGN_KEYS), *triggers.TRIGGERS):
        schema_editor.execute(statement, params=None)


def forgotten_jobs(table: str) -> str:
    return (
        f"UPDATE {table} SET import_job_id = NULL WHERE import_job_id IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM tracking_importjob j WHERE j.id = {table}.import_job_id)"
    )


def import_job():
    return models.ForeignKey(
        blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tracking.importjob'
    )


def person(related_name: str):
    return models.ForeignKey(
        db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name=related_name,
        to=settings.AUTH_USER_MODEL,
    )


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ('tracking', '0009_api_token_scope'),
    ]

    operations = [
        migrations.RunPython(triggers_to_keys, keys_to_triggers, atomic=True),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name='activity', name='import_job', field=import_job()),
                migrations.AlterField(model_name='activity', name='user', field=person('activities')),
                migrations.AlterField(model_name='snapshot', name='import_job', field=import_job()),
                migrations.AlterField(model_name='snapshot', name='user', field=person('snapshots')),
            ],
        ),
        migrations.RunSQL(
            [forgotten_jobs("tracking_snapshot"), forgotten_jobs("tracking_activity")], migrations.RunSQL.noop
        ),
        migrations.RunSQL(validate_keys(FOREIGN_KEYS), migrations.RunSQL.noop),
    ]
