"""Snapshots and activity lose the index on their person alone: their unique
index leads with the person and serves every look-up by person, and each row an
import writes then maintains one index fewer. Only the indexes go; the foreign
keys stay as they are (not dropped and validated again over every row)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tracking', '0003_import_changes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='activity',
                    name='user',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='activities', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='snapshot',
                    name='user',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='snapshots', to=settings.AUTH_USER_MODEL),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "tracking_activity_user_id_2ee9341c"',
                    'CREATE INDEX "tracking_activity_user_id_2ee9341c" ON "tracking_activity" ("user_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "tracking_snapshot_user_id_111743b2"',
                    'CREATE INDEX "tracking_snapshot_user_id_111743b2" ON "tracking_snapshot" ("user_id")',
                ),
            ],
        ),
    ]
