from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tracking', '0011_import_job_about'),
    ]

    operations = [
        migrations.AddField(
            model_name='invitation',
            name='cancelled_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
