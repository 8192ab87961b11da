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
