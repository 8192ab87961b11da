"""The derived tables' person and team are foreign keys again.

Migration 0008 replaced them with statement-level triggers; this one drops
those triggers and, with them, the trigger functions tracking/0005 created
(tracking/0006 has dropped the snapshots' triggers, the functions' only other
users). The keys are added as tracking/0006 adds its own (see there): Django's
DEFERRABLE INITIALLY DEFERRED keys, added NOT VALID in one short transaction
with the triggers' removal, then validated while reads and writes go on.

Before validation, derived rows naming a person or team that no longer exists
(the triggers let such orphans through) are deleted: they are a cache of rows
that are gone, and ``on_delete=CASCADE`` would have deleted them.
"""

from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

tracking_triggers = import_module("tracking.migrations.0005_references_checked_per_statement")
derived_triggers = import_module("scoring.migrations.0008_derived_references_checked_per_statement")
keys = import_module("tracking.migrations.0010_references_are_foreign_keys")

# (table, column, parent table)
FOREIGN_KEYS = [
    ("scoring_userday", "user_id", "tracking_user"),
    ("scoring_teamday", "team_id", "tracking_team"),
    ("scoring_teammemberday", "user_id", "tracking_user"),
    ("scoring_teammemberday", "team_id", "tracking_team"),
    ("scoring_anomaly", "user_id", "tracking_user"),
    ("scoring_anomaly", "team_id", "tracking_team"),
]


def triggers_to_keys(apps, schema_editor):
    for statement in (
        *map(keys.if_exists, derived_triggers.DROP_TRIGGERS),
        *(f"DROP FUNCTION IF EXISTS {name}()" for name in tracking_triggers.FUNCTIONS),
        *keys.add_keys_not_valid(FOREIGN_KEYS),
    ):
        schema_editor.execute(statement, params=None)


def keys_to_triggers(apps, schema_editor):
    for statement in (
        *keys.drop_keys(FOREIGN_KEYS),
        tracking_triggers.CHECK_REFERENCES,
        tracking_triggers.REFUSE_REFERENCED,
        tracking_triggers.DELETE_REFERENCING,
        *derived_triggers.TRIGGERS,
    ):
        schema_editor.execute(statement, params=None)


def orphans(table: str, column: str, parent: str) -> str:
    return (
        f"DELETE FROM {table} WHERE {column} IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {table}.{column})"
    )


def reference(to: str, related_name: str = '+', **options):
    return models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name=related_name, to=to, **options)


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ('scoring', '0011_derived_dates_from_2014'),
        ('tracking', '0010_references_are_foreign_keys'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(triggers_to_keys, keys_to_triggers, atomic=True),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='anomaly', name='team', field=reference('tracking.team', blank=True, null=True),
                ),
                migrations.AlterField(
                    model_name='anomaly', name='user',
                    field=reference(settings.AUTH_USER_MODEL, 'anomalies', db_index=False),
                ),
                migrations.AlterField(
                    model_name='teamday', name='team', field=reference('tracking.team', db_index=False),
                ),
                migrations.AlterField(
                    model_name='teammemberday', name='team', field=reference('tracking.team', db_index=False),
                ),
                migrations.AlterField(
                    model_name='teammemberday', name='user', field=reference(settings.AUTH_USER_MODEL, db_index=False),
                ),
                migrations.AlterField(
                    model_name='userday', name='user', field=reference(settings.AUTH_USER_MODEL, db_index=False),
                ),
            ],
        ),
        migrations.RunSQL([orphans(*key) for key in FOREIGN_KEYS], migrations.RunSQL.noop),
        migrations.RunSQL(keys.validate_keys(FOREIGN_KEYS), migrations.RunSQL.noop),
    ]
