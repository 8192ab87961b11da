"""What is derived: tables rebuilt from tracking's raw rows, never edited by hand.

Dropping every row here and recomputing gives the same answer.
"""

from django.conf import settings
from django.db import models


class UserDay(models.Model):
    """One person on one observed day, with the windows DESIGN.md defines.

    avg7/avg30: mean SSI of the observations in [d-6, d] / [d-29, d].
    deltaN: SSI(d) minus SSI on the latest observation in [d-N-3, d-N]; empty
    when there is none.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    ssi = models.DecimalField(max_digits=6, decimal_places=3)
    brand = models.DecimalField(max_digits=5, decimal_places=3, null=True)
    people = models.DecimalField(max_digits=5, decimal_places=3, null=True)
    insights = models.DecimalField(max_digits=5, decimal_places=3, null=True)
    relationships = models.DecimalField(max_digits=5, decimal_places=3, null=True)
    industry_rank = models.PositiveSmallIntegerField(null=True)
    network_rank = models.PositiveSmallIntegerField(null=True)
    avg7 = models.DecimalField(max_digits=9, decimal_places=6)
    avg30 = models.DecimalField(max_digits=9, decimal_places=6)
    delta7 = models.DecimalField(max_digits=7, decimal_places=3, null=True)
    delta30 = models.DecimalField(max_digits=7, decimal_places=3, null=True)
    delta90 = models.DecimalField(max_digits=7, decimal_places=3, null=True)

    class Meta:
        ordering = ["user", "date"]
        constraints = [
            models.UniqueConstraint(fields=["user", "date"], name="userday_unique_user_date"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.date}"


class TeamDay(models.Model):
    """One team on one calendar day, for one metric (SSI or a pillar).

    Each member counts with their latest snapshot no older than 7 days; members
    without one are "not reporting". ``members`` is the team's size that day.
    """

    class Metric(models.TextChoices):
        SSI = "ssi", "SSI"
        BRAND = "brand", "Establish your professional brand"
        PEOPLE = "people", "Find the right people"
        INSIGHTS = "insights", "Engage with insights"
        RELATIONSHIPS = "relationships", "Build relationships"

    team = models.ForeignKey("tracking.Team", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    metric = models.CharField(max_length=16, choices=Metric.choices)
    members = models.PositiveIntegerField()
    reporting = models.PositiveIntegerField()
    mean = models.DecimalField(max_digits=9, decimal_places=6, null=True)
    median = models.DecimalField(max_digits=9, decimal_places=6, null=True)
    p25 = models.DecimalField(max_digits=9, decimal_places=6, null=True)
    p75 = models.DecimalField(max_digits=9, decimal_places=6, null=True)
    min = models.DecimalField(max_digits=6, decimal_places=3, null=True)
    max = models.DecimalField(max_digits=6, decimal_places=3, null=True)

    class Meta:
        ordering = ["team", "metric", "date"]
        constraints = [
            models.UniqueConstraint(fields=["team", "metric", "date"], name="teamday_unique_team_metric_date"),
            models.CheckConstraint(condition=models.Q(reporting__lte=models.F("members")), name="teamday_reporting_le_members"),
        ]

    def __str__(self):
        return f"{self.team_id} {self.metric} {self.date}"
