"""A person's own goal and their manager's stand side by side; a replaced goal
is kept as history; goals and notes record when they were last edited."""

import django.utils.timezone
from django.db import migrations, models

# Existing goals: the person's own where they set it themselves, their
# manager's otherwise; of each kind the newest is current and the older ones
# are history, replaced when the next one was set.
CLASSIFY = """
UPDATE scoring_goal SET kind = CASE WHEN set_by_id = user_id THEN 'own' ELSE 'manager' END;
UPDATE scoring_goal g SET replaced_at = n.next_at
FROM (
    SELECT id, lead(created_at) OVER (PARTITION BY user_id, kind ORDER BY created_at, id) AS next_at
    FROM scoring_goal
) n
WHERE g.id = n.id AND n.next_at IS NOT NULL;
-- The references are checked at commit; check them now, so the table can be
-- altered in this transaction.
SET CONSTRAINTS ALL IMMEDIATE;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('scoring', '0013_person_summary'),
    ]

    operations = [
        migrations.AddField(
            model_name='goal',
            name='kind',
            field=models.CharField(choices=[('own', 'Own goal'), ('manager', 'Set by a manager')], default='own',
                                   max_length=8),
        ),
        migrations.AddField(
            model_name='goal',
            name='baseline_ssi',
            field=models.DecimalField(blank=True, decimal_places=3, max_digits=6, null=True),
        ),
        migrations.AddField(
            model_name='goal',
            name='baseline_on',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='goal',
            name='replaced_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='goal',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='annotation',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.RunSQL(CLASSIFY, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name='goal',
            constraint=models.CheckConstraint(condition=models.Q(kind__in=['own', 'manager']), name='goal_kind_valid'),
        ),
        migrations.AddConstraint(
            model_name='goal',
            constraint=models.CheckConstraint(
                condition=models.Q(baseline_ssi__isnull=True) | models.Q(baseline_ssi__gte=0, baseline_ssi__lte=100),
                name='goal_baseline_ssi_range'),
        ),
        migrations.AddConstraint(
            model_name='goal',
            constraint=models.UniqueConstraint(condition=models.Q(replaced_at__isnull=True), fields=('user', 'kind'),
                                               name='goal_one_current_per_kind'),
        ),
    ]
