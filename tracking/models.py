"""What is recorded: people, teams, daily SSI snapshots, activity and imports."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone

from tracking import rules
from tracking.identity import canonical_email
from tracking.locks import lock_people


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone this server knows.")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=canonical_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email=canonical_email(email))


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with their email address."""

    email = models.EmailField("email address", unique=True)
    name = models.CharField(max_length=150, blank=True)
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_time_zone],
        help_text="Your “today” is the date in this time zone.",
    )
    linkedin_url = models.URLField("LinkedIn profile URL", blank=True)
    industry = models.CharField(max_length=120, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "admin", default=False, help_text="Admins see everything, import files and manage teams."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["name", "email"]
        constraints = [
            models.UniqueConstraint(models.functions.Lower("email"), name="user_email_ci_unique"),
            # Stored in its canonical form (tracking.identity), so an exact look-up finds anyone.
            models.CheckConstraint(condition=Q(email=models.functions.Lower("email")), name="user_email_lower_case"),
        ]

    def __str__(self):
        return self.name or self.email

    def clean(self):
        super().clean()
        self.email = canonical_email(self.email)

    def save(self, *args, **kwargs):
        # Every path that stores a person (admin, forms, scripts) stores the canonical address.
        self.email = canonical_email(self.email)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@")[0]

    def delete(self, *args, **kwargs):
        # Deleting a person deletes their raw rows: like every writer of those,
        # it holds their lock, so it waits for an import writing them (and the
        # import's rows go with the person rather than stopping the delete).
        with transaction.atomic():
            with connection.cursor() as cursor:
                lock_people(cursor, [self.pk])
            return super().delete(*args, **kwargs)

    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def today(self) -> dt.date:
        """Today's date where this person is, which is not always the server's."""
        return timezone.now().astimezone(self.zone()).date()


class Team(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    leaderboard_visible = models.BooleanField(
        "members see the leaderboard", default=True,
        help_text="As in Sales Navigator, members see how they rank unless this is off.",
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="teams")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        MANAGER = "manager", "Manager"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_on = models.DateField(default=dt.date.today)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_unique_user_team"),
            models.CheckConstraint(condition=Q(role__in=["member", "manager"]), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} in {self.team} ({self.get_role_display()})"


class Source(models.TextChoices):
    MANUAL = "manual", "Manual entry"
    API = "api", "API"
    IMPORT = "import", "Import"


class Provenance(models.Model):
    """Where a stored value came from: a form, the API, or a line of an import."""

    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    import_job = models.ForeignKey("ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    import_line = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def _between(field, low, high):
    return Q(**{f"{field}__gte": low, f"{field}__lte": high}) | Q(**{f"{field}__isnull": True})


class Snapshot(Provenance):
    """One person's SSI on one day, as LinkedIn showed it."""

    # No index of its own: UNIQUE(user, date) leads with the person and serves every look-up by person.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="snapshots", db_index=False
    )
    date = models.DateField()
    ssi = models.DecimalField("SSI", max_digits=6, decimal_places=3)
    brand = models.DecimalField(rules.LABELS["brand"], max_digits=5, decimal_places=3, null=True, blank=True)
    people = models.DecimalField(rules.LABELS["people"], max_digits=5, decimal_places=3, null=True, blank=True)
    insights = models.DecimalField(rules.LABELS["insights"], max_digits=5, decimal_places=3, null=True, blank=True)
    relationships = models.DecimalField(
        rules.LABELS["relationships"], max_digits=5, decimal_places=3, null=True, blank=True
    )
    industry_rank = models.PositiveSmallIntegerField("industry rank (top N%)", null=True, blank=True)
    network_rank = models.PositiveSmallIntegerField("network rank (top N%)", null=True, blank=True)
    industry_avg = models.DecimalField("industry average SSI", max_digits=6, decimal_places=3, null=True, blank=True)
    network_avg = models.DecimalField("network average SSI", max_digits=6, decimal_places=3, null=True, blank=True)

    class Meta:
        ordering = ["user", "date"]
        constraints = [
            models.UniqueConstraint(fields=["user", "date"], name="snapshot_unique_user_date"),
            models.CheckConstraint(condition=Q(date__gte=rules.FIRST_DATE), name="snapshot_date_from_2014",
                                   violation_error_message=rules.DATE_TOO_EARLY),
            models.CheckConstraint(condition=Q(ssi__gte=0, ssi__lte=100), name="snapshot_ssi_range"),
            *[
                models.CheckConstraint(condition=_between(p, 0, 25), name=f"snapshot_{p}_range")
                for p in rules.PILLARS
            ],
            models.CheckConstraint(condition=_between("industry_rank", 1, 100), name="snapshot_industry_rank_range"),
            models.CheckConstraint(condition=_between("network_rank", 1, 100), name="snapshot_network_rank_range"),
            models.CheckConstraint(condition=_between("industry_avg", 0, 100), name="snapshot_industry_avg_range"),
            models.CheckConstraint(condition=_between("network_avg", 0, 100), name="snapshot_network_avg_range"),
            # All four pillars or none.
            models.CheckConstraint(
                condition=Q(brand__isnull=True, people__isnull=True, insights__isnull=True, relationships__isnull=True)
                | Q(brand__isnull=False, people__isnull=False, insights__isnull=False, relationships__isnull=False),
                name="snapshot_pillars_all_or_none",
            ),
            # The total is the pillar sum, give or take a point of rounding.
            models.CheckConstraint(
                condition=Q(brand__isnull=True)
                | Q(
                    ssi__gte=F("brand") + F("people") + F("insights") + F("relationships") - 1,
                    ssi__lte=F("brand") + F("people") + F("insights") + F("relationships") + 1,
                ),
                name="snapshot_ssi_near_pillar_sum",
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.date}: {self.ssi}"

    @property
    def has_pillars(self) -> bool:
        return self.brand is not None


class Activity(Provenance):
    """Activity counts over a period: a single day for daily entry, a whole range
    for a Sales Navigator usage report. A period total is never split into days."""

    # No index of its own: UNIQUE(user, period_start, period_end) leads with the person.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activities", db_index=False
    )
    period_start = models.DateField()
    period_end = models.DateField()
    posts = models.PositiveIntegerField(null=True, blank=True)
    comments = models.PositiveIntegerField(null=True, blank=True)
    reactions = models.PositiveIntegerField(null=True, blank=True)
    shares = models.PositiveIntegerField(null=True, blank=True)
    connection_requests = models.PositiveIntegerField("connection requests sent", null=True, blank=True)
    connections_accepted = models.PositiveIntegerField(null=True, blank=True)
    messages_sent = models.PositiveIntegerField(null=True, blank=True)
    inmails_sent = models.PositiveIntegerField("InMails sent", null=True, blank=True)
    inmail_replies = models.PositiveIntegerField("InMail replies", null=True, blank=True)
    profile_views = models.PositiveIntegerField(null=True, blank=True)
    searches = models.PositiveIntegerField(null=True, blank=True)
    leads_saved = models.PositiveIntegerField(null=True, blank=True)
    accounts_saved = models.PositiveIntegerField(null=True, blank=True)
    lists_created = models.PositiveIntegerField(null=True, blank=True)
    days_active = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["user", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["user", "period_start", "period_end"], name="activity_unique_period"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="activity_period_order"),
            # With the order above, this keeps the whole period from 2014 on.
            models.CheckConstraint(condition=Q(period_start__gte=rules.FIRST_DATE), name="activity_period_from_2014",
                                   violation_error_message=rules.DATE_TOO_EARLY),
            *[
                models.CheckConstraint(condition=Q(**{f"{f}__gte": 0}) | Q(**{f"{f}__isnull": True}),
                                       name=f"activity_{f}_nonnegative")
                for f in rules.ACTIVITY_FIELDS
            ],
        ]

    def __str__(self):
        return f"{self.user} {self.period_start}–{self.period_end}"


class ImportJob(models.Model):
    """One uploaded or command-line import, from preview to result."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "Previewed"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        UNDONE = "undone", "Undone"
        # Its worker stopped renewing the lease (it was killed): nothing was written.
        INTERRUPTED = "interrupted", "Interrupted"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_jobs"
    )
    # The one person a file is about (their own history, or ``import_ssi --user``):
    # its rows without an email are theirs, and they see the job as their own.
    about = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="own_imports"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    format = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREVIEW)
    # Each run (the first, and every "run again") is an attempt; its task carries
    # the number, so a message redelivered for an earlier attempt does nothing.
    attempt = models.PositiveIntegerField(default=0)
    # While running: the time by which its worker must renew the lease or be
    # taken for dead (see tracking.importing.lease).
    lease_until = models.DateTimeField(null=True, blank=True)
    options = models.JSONField(default=dict, blank=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="importjob_progress_range"),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"


class ApiToken(models.Model):
    """A personal key for the JSON API. Only a SHA-256 of the key is stored: the
    key itself is shown once, when it is made, and cannot be read back."""

    class Scope(models.TextChoices):
        FULL = "full", "Read and record your data"
        # The browser extension's key: it can record its owner's own day from
        # LinkedIn's SSI page and nothing else, so a key copied out of the
        # browser cannot read anyone's history.
        CAPTURE = "capture", "Record your own SSI page only (browser extension)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80, help_text="What uses this key, e.g. “laptop script”.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the key, so a person can tell their keys apart.
    prefix = models.CharField(max_length=12, editable=False)
    can_write_for_anyone = models.BooleanField(
        default=False, help_text="Admins only: the key may record days for any person (e.g. an integration)."
    )
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.FULL)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(key_hash__regex=r"^[0-9a-f]{64}$"), name="apitoken_key_hash_sha256"),
            models.CheckConstraint(condition=Q(scope__in=["full", "capture"]), name="apitoken_scope_valid"),
            # Writing for anyone is a full key's power; a capture key records its owner's day only.
            models.CheckConstraint(
                condition=Q(scope="full") | Q(can_write_for_anyone=False), name="apitoken_capture_writes_own_only"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class NotificationPreference(models.Model):
    """Which emails a person wants. A person without a row gets the defaults."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference")
    weekly_digest = models.BooleanField("weekly summary of my SSI", default=True)
    team_digest = models.BooleanField("weekly summary of the teams I manage", default=True)
    alerts = models.BooleanField("alerts (SSI down 3 points in a week, a member not reporting)", default=True)
    daily_reminder = models.BooleanField("a reminder when I have not logged today", default=False)
    reminder_time = models.TimeField(
        "remind me at", default=dt.time(17, 0), help_text="Your local time (see your time zone)."
    )

    def __str__(self):
        return f"Notifications for {self.user}"


class NotificationLog(models.Model):
    """Every email sent, one row per (person, kind, key). Senders claim the row
    with INSERT … ON CONFLICT DO NOTHING before sending, so two beat runs (or two
    workers) never send the same email twice."""

    class Kind(models.TextChoices):
        WEEKLY_DIGEST = "weekly_digest", "Weekly summary"
        TEAM_DIGEST = "team_digest", "Team weekly summary"
        ALERT = "alert", "Alert"
        DAILY_REMINDER = "daily_reminder", "Daily reminder"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # What the email is about: an ISO week, a local date, an anomaly id.
    key = models.CharField(max_length=64)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="notificationlog_once_per_key"),
            models.CheckConstraint(
                condition=Q(kind__in=["weekly_digest", "team_digest", "alert", "daily_reminder"]),
                name="notificationlog_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.key} → {self.user_id}"


class ImportChange(models.Model):
    """A row an import overwrote, with the values it had before, so the import
    can be undone exactly. Rows an import created need no entry: they still
    carry the import as their provenance, and undoing it deletes them."""

    class Kind(models.TextChoices):
        SNAPSHOT = "snapshot", "Snapshot"
        ACTIVITY = "activity", "Activity"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    # The row's key: a snapshot's date is both ends.
    period_start = models.DateField()
    period_end = models.DateField()
    # The row as it was before the import (PostgreSQL's to_jsonb of it).
    previous = models.JSONField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["snapshot", "activity"]), name="importchange_kind_valid"),
        ]

    def __str__(self):
        return f"{self.kind} of user {self.user_id} {self.period_start}–{self.period_end} in import {self.job_id}"


class Invitation(models.Model):
    """The email inviting a new person to a team, and whether it went out. It is
    sent by a worker, with retries; an admin sees on the team's page an
    invitation that could not be sent, and sends it again."""

    class State(models.TextChoices):
        QUEUED = "queued", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Not sent"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    # Why the last attempt failed, in words an admin can act on.
    problem = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Withdrawn by an admin: its link then says so instead of letting them in.
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="invitation_unique_user_team"),
            models.CheckConstraint(condition=Q(state__in=["queued", "sent", "failed"]), name="invitation_state_valid"),
        ]

    def __str__(self):
        return f"Invitation of {self.user} to {self.team} ({self.get_state_display()})"
