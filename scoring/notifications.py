"""Emails about SSI: who gets which, when, and sent at most once.

Beat runs the senders often (scoring/tasks.py); each decides in the
recipient's own time zone whether their email is due, and claims a row in
NotificationLog (INSERT … ON CONFLICT DO NOTHING) before sending, so a second
beat, a retried task or two workers never send the same email twice. If
sending fails the claim is released, and the next run tries again.

The figures come from scoring/ (scoring.digest, trends.anomaly_detail_text);
this module only picks recipients and formats. Preferences, unsubscribe links,
the sent-log and the message itself are the person's, in tracking/emails.py.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.urls import reverse
from django.utils import timezone

from scoring import digest, trends
from scoring.models import Anomaly
from tracking import rules
from tracking.emails import absolute, build, claim, preferences, send_once, wanting
from tracking.models import Membership, NotificationLog, Snapshot, Team, User

log = logging.getLogger(__name__)

# Weekly summaries go out on Monday from this local hour on.
DIGEST_WEEKDAY = 0
DIGEST_HOUR = 7
# A reminder is still worth sending this long after its time (beat runs late,
# workers restart); after that the day is left alone.
REMINDER_GRACE = dt.timedelta(hours=2)
# Alerts about anomalies older than this are history, not news (an import of
# last year's data must not send last year's alerts).
ALERT_MAX_AGE = dt.timedelta(days=7)
ALERT_KINDS = (Anomaly.Kind.SSI_DROP, Anomaly.Kind.NOT_REPORTING)


def _each(people, send) -> int:
    """Run ``send`` for each person; one failure is logged and does not stop the rest."""
    sent = 0
    for person in people:
        try:
            sent += bool(send(person))
        except Exception:
            log.exception("Could not send a notification to user %s", person.pk)
    return sent


def _local(person: User, now: dt.datetime) -> dt.datetime:
    return now.astimezone(person.zone())


def _week_key(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _digest_due(local: dt.datetime) -> bool:
    return local.weekday() == DIGEST_WEEKDAY and local.hour >= DIGEST_HOUR


# --- weekly digests --------------------------------------------------------------

def send_weekly_digests(now: dt.datetime | None = None) -> int:
    """Each person's summary of their week, on Monday morning their time."""
    now = now or timezone.now()

    def send(person: User) -> bool:
        local = _local(person, now)
        if not _digest_due(local):
            return False
        week = digest.person_week(person, local.date())
        if week is None:
            return False
        return send_once(
            person, NotificationLog.Kind.WEEKLY_DIGEST, _week_key(local.date()), "weekly_digest",
            "weekly_digest", f"Your SSI this week: {week.headline.ssi_whole}",
            {"week": week, "lines": person_week_lines(week), "entry_url": absolute(reverse("tracking:entry"))},
        )

    return _each(wanting("weekly_digest"), send)


def points(change) -> str:
    """A change in points as a person reads it: "+2.5", "−1", "no change"."""
    if change is None:
        return "no comparison yet"
    if change == 0:
        return "no change"
    text = f"{abs(change):.1f}".removesuffix(".0")
    return ("+" if change > 0 else "\u2212") + text


def person_week_lines(week: digest.PersonWeek) -> list[str]:
    """The digest's sentences, shared by its text and HTML parts."""
    top = week.headline
    lines = [f"SSI {top.ssi_whole} on {top.as_of:%-d %B}: {points(top.delta7)} in 7 days."]
    if week.pillar_move and week.pillar_move.change != 0:
        move = week.pillar_move
        lines.append(f"Biggest pillar move: {move.label}, {points(move.change)}.")
    projection = week.projection
    if projection:
        target = rules.plain(projection.goal.target_ssi)
        by = f"{projection.goal.target_date:%-d %B %Y}"
        lines.append({
            "met": f"Goal reached: SSI {target}.",
            "on_track": f"Goal {target} by {by}: on track"
                        + (f", reached around {projection.reaches_on:%-d %B %Y}." if projection.reaches_on else "."),
            "late": f"Goal {target} by {by}: at this pace reached around "
                    + (f"{projection.reaches_on:%-d %B %Y}, after the date." if projection.reaches_on else "later."),
            "not_on_track": f"Goal {target} by {by}: not on track, your SSI is not rising.",
            "no_trend": f"Goal {target} by {by}: no projection yet. {projection.reason}",
        }[projection.status])
        if projection.progress_percent is not None and projection.status != "met":
            lines[-1] += f" {projection.progress_percent}% of the way."
    if week.log_streak > 1:
        lines.append(f"Streak: {week.log_streak} days in a row logged.")
    if week.week_streak > 1:
        lines.append(f"{week.week_streak} weeks in a row of improvement.")
    lines.append(f"Days logged in the last 7: {week.logged_this_week}.")
    return lines


def send_team_digests(now: dt.datetime | None = None) -> int:
    """Each manager's summary of their teams: who moved, who is not reporting."""
    now = now or timezone.now()
    managers = wanting("team_digest").filter(
        pk__in=Membership.objects.filter(role=Membership.Role.MANAGER).values("user_id")
    )

    def send(manager: User) -> bool:
        local = _local(manager, now)
        if not _digest_due(local):
            return False
        weeks = digest.managed_teams_week(manager, now)
        if not weeks:
            return False
        names = ", ".join(w.team.name for w in weeks)
        return send_once(
            manager, NotificationLog.Kind.TEAM_DIGEST, _week_key(local.date()), "team_digest",
            "team_digest", f"Your teams this week: {names}", {"weeks": [_team_week(w) for w in weeks]},
        )

    return _each(managers, send)


def _team_week(week: digest.TeamWeek) -> dict:
    def mover(row):
        return {"name": row.name, "delta7_text": points(row.delta7)}

    return {
        "team": week.team, "members": week.members, "url": absolute(reverse("scoring:team", args=[week.team.slug])),
        "rising": [mover(r) for r in week.rising], "slipping": [mover(r) for r in week.slipping],
        "not_reporting": week.not_reporting,
    }


# --- alerts ----------------------------------------------------------------------

def send_alerts(now: dt.datetime | None = None) -> int:
    """Recent anomalies from scoring/: an SSI drop goes to the person and their
    managers; a member not reporting goes to their managers. One email per
    recipient per run, listing what is new for them."""
    now = now or timezone.now()
    recent = (
        Anomaly.objects.filter(kind__in=ALERT_KINDS, date__gte=(now - ALERT_MAX_AGE).date())
        .select_related("user")
        .order_by("date", "user_id", "kind")
    )
    inbox: dict[int, list[Anomaly]] = {}
    people: dict[int, User] = {}
    for anomaly in recent:
        recipients = _managers_of(anomaly.user)
        if anomaly.kind == Anomaly.Kind.SSI_DROP:
            recipients = [anomaly.user, *recipients]
        for recipient in recipients:
            people[recipient.pk] = recipient
            inbox.setdefault(recipient.pk, []).append(anomaly)
    wanted = set(wanting("alerts").filter(pk__in=list(people)).values_list("pk", flat=True))
    team_names = dict(Team.objects.values_list("pk", "name"))

    def send(recipient: User) -> bool:
        fresh = [
            a for a in inbox[recipient.pk]
            if claim(recipient, NotificationLog.Kind.ALERT, f"{a.kind}:{a.user_id}:{a.date.isoformat()}")
        ]
        if not fresh:
            return False
        items = [
            {"anomaly": a, "about_self": a.user_id == recipient.pk, "text": trends.anomaly_detail_text(a, team_names)}
            for a in fresh
        ]
        subject = _alert_subject(recipient, fresh)
        try:
            build(recipient, "alerts", "alert", subject, {"items": items}).send()
        except Exception:
            for a in fresh:
                NotificationLog.objects.filter(
                    user=recipient, kind=NotificationLog.Kind.ALERT, key=f"{a.kind}:{a.user_id}:{a.date.isoformat()}"
                ).delete()
            raise
        return True

    return _each([people[pk] for pk in sorted(wanted)], send)


def _managers_of(person: User) -> list[User]:
    teams = Membership.objects.filter(user=person).values("team_id")
    return list(
        User.objects.filter(
            is_active=True, memberships__team_id__in=teams, memberships__role=Membership.Role.MANAGER
        ).exclude(pk=person.pk).distinct()
    )


def _alert_subject(recipient: User, anomalies: list[Anomaly]) -> str:
    if len(anomalies) > 1:
        return f"{len(anomalies)} SSI alerts"
    anomaly = anomalies[0]
    who = "Your" if anomaly.user_id == recipient.pk else f"{anomaly.user.display_name}'s"
    if anomaly.kind == Anomaly.Kind.SSI_DROP:
        return f"{who} SSI fell 3 points or more this week"
    return f"{anomaly.user.display_name} has not logged SSI for 7 days"


# --- daily reminders ---------------------------------------------------------------

def send_daily_reminders(now: dt.datetime | None = None) -> int:
    """A reminder at the person's chosen local time, on days they have not logged yet."""
    now = now or timezone.now()
    people = wanting("daily_reminder").select_related("notification_preference")

    def send(person: User) -> bool:
        local = _local(person, now)
        due = dt.datetime.combine(local.date(), preferences(person).reminder_time, tzinfo=local.tzinfo)
        if not (due <= local < due + REMINDER_GRACE):
            return False
        if Snapshot.objects.filter(user=person, date=local.date()).exists():
            return False
        return send_once(
            person, NotificationLog.Kind.DAILY_REMINDER, local.date().isoformat(), "daily_reminder",
            "daily_reminder", "Log today's SSI", {"today": local.date(), "entry_url": absolute(reverse("tracking:entry"))},
        )

    return _each(people, send)
