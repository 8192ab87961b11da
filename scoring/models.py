"""What is derived: tables rebuilt from tracking's raw rows, never edited by hand.

Dropping every row here and recomputing gives the same answer.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from tracking import rules

# A derived row's person or team: a row of the cache goes with what it was derived from.
DERIVED_REFERENCE = {"on_delete": models.CASCADE, "related_name": "+"}


def _pillar_range(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0, f"{field}__lte": 25})



def _from_2014(field: str, name: str) -> models.CheckConstraint:
    """No SSI date before LinkedIn had the SSI (``rules.FIRST_DATE``)."""
    return models.CheckConstraint(condition=Q(**{f"{field}__gte": rules.FIRST_DATE}), name=name,
                                  violation_error_message=rules.DATE_TOO_EARLY)

class UserDay(models.Model):
    """One person on one observed day, with the windows DESIGN.md defines.

    avg7/avg30: mean SSI of the observations in [d-6, d] / [d-29, d].
    deltaN: SSI(d) minus SSI on the latest observation in [d-N-3, d-N]; empty
    when there is none.
    """

    # No index of its own: the unique (user, date) key serves every look-up by
    # person, and one index fewer is cheaper to maintain on a bulk recompute.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_index=False, **DERIVED_REFERENCE)
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
    # Each pillar's share of the total (0–1) and its headroom to 25; empty
    # when the day has no pillar breakdown.
    brand_share = models.DecimalField(max_digits=7, decimal_places=6, null=True)
    people_share = models.DecimalField(max_digits=7, decimal_places=6, null=True)
    insights_share = models.DecimalField(max_digits=7, decimal_places=6, null=True)
    relationships_share = models.DecimalField(max_digits=7, decimal_places=6, null=True)
    brand_headroom = models.DecimalField(max_digits=5, decimal_places=3, null=True)
    people_headroom = models.DecimalField(max_digits=5, decimal_places=3, null=True)
    insights_headroom = models.DecimalField(max_digits=5, decimal_places=3, null=True)
    relationships_headroom = models.DecimalField(max_digits=5, decimal_places=3, null=True)
    # Consecutive calendar days logged, ending on this day (1 = logged today only).
    log_streak = models.PositiveIntegerField(default=1)
    # Consecutive calendar weeks, ending with this day's week, whose SSI beat the
    # previous week's last value (this week counts with its value so far).
    week_streak = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["user", "date"]
        constraints = [
            _from_2014("date", "userday_date_from_2014"),
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

    # No index of its own: the unique (team, metric, date) key leads with it.
    team = models.ForeignKey("tracking.Team", db_index=False, **DERIVED_REFERENCE)
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
            _from_2014("date", "teamday_date_from_2014"),
            models.UniqueConstraint(fields=["team", "metric", "date"], name="teamday_unique_team_metric_date"),
            models.CheckConstraint(condition=models.Q(reporting__lte=models.F("members")), name="teamday_reporting_le_members"),
        ]
        indexes = [
            # The organisation view: every team's median of one metric over a
            # range of dates, read from the index alone.
            models.Index(fields=["metric", "date"], include=["team", "median", "reporting"],
                         name="teamday_metric_date"),
        ]

    def __str__(self):
        return f"{self.team_id} {self.metric} {self.date}"


class TeamMemberDay(models.Model):
    """One member's standing in one of their teams on a day they logged.

    ``percentile`` is PostgreSQL's percent_rank × 100 among the members reporting
    that day (each with their latest snapshot no older than 7 days): the share of
    the other reporting members scoring strictly lower. Ties share the lower
    value; alone in the team it is empty, since there is no one to compare with.
    """

    # No indexes of their own: the unique (user, team, date) key and the
    # (team, date) index serve look-ups by person and by team.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_index=False, **DERIVED_REFERENCE)
    team = models.ForeignKey("tracking.Team", db_index=False, **DERIVED_REFERENCE)
    date = models.DateField()
    ssi = models.DecimalField(max_digits=6, decimal_places=3)
    rank = models.PositiveIntegerField()
    reporting = models.PositiveIntegerField()
    percentile = models.DecimalField(max_digits=9, decimal_places=6, null=True)

    class Meta:
        ordering = ["team", "date", "rank"]
        constraints = [
            _from_2014("date", "teammemberday_date_from_2014"),
            models.UniqueConstraint(fields=["user", "team", "date"], name="teammemberday_unique_user_team_date"),
            models.CheckConstraint(condition=Q(rank__gte=1, rank__lte=F("reporting")), name="teammemberday_rank_range"),
            models.CheckConstraint(
                condition=Q(percentile__isnull=True) | Q(percentile__gte=0, percentile__lte=100),
                name="teammemberday_percentile_range",
            ),
        ]
        indexes = [models.Index(fields=["team", "date"], name="teammemberday_team_date")]

    def __str__(self):
        return f"{self.user_id} in {self.team_id} {self.date}: {self.percentile}"


class Goal(models.Model):
    """A target SSI (and optionally per-pillar targets) by a date.

    A person's own goal and the one their manager sets stand side by side: at
    most one current goal of each kind per person. Setting a new goal of a
    kind replaces the current one of that kind, which stays as history
    (``replaced_at``); correcting a goal edits it in place.
    """

    class Kind(models.TextChoices):
        OWN = "own", "Own goal"
        # Set for the person by one of their managers (or an admin).
        MANAGER = "manager", "Set by a manager"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="goals")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.OWN)
    target_ssi = models.DecimalField("target SSI", max_digits=6, decimal_places=3)
    target_brand = models.DecimalField(rules.LABELS["brand"], max_digits=5, decimal_places=3, null=True, blank=True)
    target_people = models.DecimalField(rules.LABELS["people"], max_digits=5, decimal_places=3, null=True, blank=True)
    target_insights = models.DecimalField(
        rules.LABELS["insights"], max_digits=5, decimal_places=3, null=True, blank=True
    )
    target_relationships = models.DecimalField(
        rules.LABELS["relationships"], max_digits=5, decimal_places=3, null=True, blank=True
    )
    target_date = models.DateField("by")
    # The SSI when the goal was set (the latest snapshot then): progress is
    # measured from it. Empty when nothing had been logged yet.
    baseline_ssi = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    baseline_on = models.DateField(null=True, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user", "-created_at", "-id"]
        get_latest_by = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(target_ssi__gte=0, target_ssi__lte=100), name="goal_target_ssi_range"),
            *[
                models.CheckConstraint(condition=_pillar_range(f"target_{p}"), name=f"goal_target_{p}_range")
                for p in rules.PILLARS
            ],
            models.CheckConstraint(condition=Q(kind__in=["own", "manager"]), name="goal_kind_valid"),
            models.CheckConstraint(
                condition=Q(baseline_ssi__isnull=True) | Q(baseline_ssi__gte=0, baseline_ssi__lte=100),
                name="goal_baseline_ssi_range",
            ),
            models.UniqueConstraint(
                fields=["user", "kind"], condition=Q(replaced_at__isnull=True), name="goal_one_current_per_kind"
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.target_ssi} by {self.target_date}"

    def pillar_targets(self) -> dict:
        return {p: getattr(self, f"target_{p}") for p in rules.PILLARS if getattr(self, f"target_{p}") is not None}


class Annotation(models.Model):
    """A note on a day (a training, a profile rewrite, a campaign start), shown on the charts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="annotations")
    date = models.DateField()
    note = models.CharField(max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user", "date", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(note=""), name="annotation_note_not_blank"),
        ]

    def __str__(self):
        return f"{self.user} {self.date}: {self.note[:40]}"


class Anomaly(models.Model):
    """Something worth a look on a person's day, stored so that notifications and
    dashboards read the same list. Rebuilt by the recompute like every derived row."""

    class Kind(models.TextChoices):
        SSI_DROP = "ssi_drop", "SSI fell 3 points or more within 7 days"
        PILLAR_BELOW_P25 = "pillar_below_p25", "A pillar fell below the team's 25th percentile"
        RANK_SLIP = "rank_slip", "A rank slipped 10 percentage points or more"
        NOT_REPORTING = "not_reporting", "No snapshot for 7 days"

    # The user's index is the unique (user, kind, date) key's.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_index=False, **{**DERIVED_REFERENCE, "related_name": "anomalies"}
    )
    team = models.ForeignKey("tracking.Team", null=True, blank=True, **DERIVED_REFERENCE)
    date = models.DateField()
    kind = models.CharField(max_length=24, choices=Kind.choices)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "anomalies"
        ordering = ["user", "-date", "kind"]
        constraints = [
            _from_2014("date", "anomaly_date_from_2014"),
            models.UniqueConstraint(fields=["user", "kind", "date"], name="anomaly_unique_user_kind_date"),
            models.CheckConstraint(
                condition=Q(kind__in=["ssi_drop", "pillar_below_p25", "rank_slip", "not_reporting"]),
                name="anomaly_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["date"], name="anomaly_date")]

    def __str__(self):
        return f"{self.user} {self.date}: {self.get_kind_display()}"


class RecomputeRequest(models.Model):
    """An outbox row: a person's (or a team's) derived rows are stale from ``since`` on.

    Written in the same transaction as the change, and deleted by the
    recompute that brings the rows up to date, in that recompute's transaction.
    With the broker down the row waits, and with a worker lost mid-way it is
    handed over again (``scoring.outbox.flush``): no change's recompute is ever lost.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("tracking.Team", null=True, on_delete=models.CASCADE, related_name="+")
    since = models.DateField(null=True, help_text="Empty: recompute everything.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # When it was last handed to the broker; it is done (deleted) by the
    # recompute's own transaction, and handed over again if that does not come.
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True) | Q(user__isnull=True, team__isnull=False),
                name="recomputerequest_person_or_team",
            )
        ]

    def __str__(self):
        target = f"person {self.user_id}" if self.user_id else f"team {self.team_id}"
        return f"recompute {target} from {self.since or 'the start'}"


class PersonSummary(models.Model):
    """Everything a page, an email, the API or an export shows of one person,
    computed by the recompute (``scoring.person_summary.refresh``) and only read
    elsewhere: the headline (their latest day and best ever), and in ``data``
    the trend, standings, coaching, goal projections, insights and note effects.

    Figures are stored as they are computed: the columns as decimals, ``data``
    as JSON whose SSI values are strings of decimals ("41.250") and whose test
    statistics (effects, p- and q-values) are floats; dates are ISO strings.
    A person without any derived day has no summary.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
                                related_name="+")
    as_of = models.DateField()
    ssi = models.DecimalField(max_digits=6, decimal_places=3)
    brand = models.DecimalField(max_digits=5, decimal_places=3, null=True)
    people = models.DecimalField(max_digits=5, decimal_places=3, null=True)
    insights = models.DecimalField(max_digits=5, decimal_places=3, null=True)
    relationships = models.DecimalField(max_digits=5, decimal_places=3, null=True)
    industry_rank = models.PositiveSmallIntegerField(null=True)
    network_rank = models.PositiveSmallIntegerField(null=True)
    delta7 = models.DecimalField(max_digits=7, decimal_places=3, null=True)
    delta30 = models.DecimalField(max_digits=7, decimal_places=3, null=True)
    delta90 = models.DecimalField(max_digits=7, decimal_places=3, null=True)
    log_streak = models.PositiveIntegerField()
    week_streak = models.PositiveIntegerField()
    best = models.DecimalField(max_digits=6, decimal_places=3)
    best_on = models.DateField()
    days_logged = models.PositiveIntegerField()
    data = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(as_of__gte=rules.FIRST_DATE, best_on__gte=rules.FIRST_DATE,
                                               best_on__lte=F("as_of")),
                                   name="personsummary_dates_from_2014",
                                   violation_error_message=rules.DATE_TOO_EARLY),
            models.CheckConstraint(condition=Q(ssi__gte=0, ssi__lte=100, best__gte=F("ssi"), best__lte=100),
                                   name="personsummary_ssi_range"),
            models.CheckConstraint(condition=Q(days_logged__gte=1), name="personsummary_days_logged_positive"),
        ]

    def __str__(self):
        return f"{self.user_id} as of {self.as_of}"


class TeamSummary(models.Model):
    """A team's default view as its manager opens it (SSI, the last 90 days,
    calendar dates), computed by the recompute (``scoring.team_summary.refresh``)
    for the team's day ``as_of``: each member's sparkline and the figures drawn
    from their lines. ``roster`` is the members, as [id, name] in leaderboard
    order, that the figures show; a page uses them only while its own
    leaderboard reads the same, and otherwise draws the view itself.
    """

    team = models.OneToOneField("tracking.Team", primary_key=True, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField()
    roster = models.JSONField(default=list)
    figures = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            _from_2014("as_of", "teamsummary_date_from_2014"),
        ]

    def __str__(self):
        return f"team {self.team_id} as of {self.as_of}"


class OrganisationSpread(models.Model):
    """Everyone's current spread of each metric (``organisation_figures.
    organisation_spreads``) for the day ``as_of``, which every team page of that
    day compares its members against: computed after each change of the stored
    summaries rather than by each page.

    ``version`` is the value of the sequence ``scoring_summary_version`` taken
    just before computing; every commit that changes summaries takes a new one,
    so a row is current only while its version is the sequence's latest, and
    a page reads it only then.
    """

    as_of = models.DateField(primary_key=True)
    version = models.BigIntegerField()
    spreads = models.JSONField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            _from_2014("as_of", "organisationspread_date_from_2014"),
        ]

    def __str__(self):
        return f"organisation spreads as of {self.as_of}"
