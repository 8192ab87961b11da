"""Everyone's spread of each metric, stored for the team pages of each day, and
the sequence whose value says which stored spread is current (every commit
that changes the person summaries takes a new one)."""

import datetime
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('scoring', '0016_team_summary'),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE scoring_summary_version",
            "DROP SEQUENCE scoring_summary_version",
        ),
        migrations.CreateModel(
            name='OrganisationSpread',
            fields=[
                ('as_of', models.DateField(primary_key=True, serialize=False)),
                ('version', models.BigIntegerField()),
                ('spreads', models.JSONField()),
                ('computed_at', models.DateTimeField()),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(('as_of__gte', datetime.date(2014, 1, 1))), name='organisationspread_date_from_2014', violation_error_message="Dates before 2014 cannot be SSI dates: LinkedIn's SSI did not exist yet.")],
            },
        ),
    ]
