"""Email plumbing that belongs to the person: their notification preferences,
one-click unsubscribe links, the sent-log that makes a repeated run send nothing
new, and the message itself (text, HTML and List-Unsubscribe headers).

What an email says about SSI is scoring's (scoring/notifications.py); this
module knows only people and their choices.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from tracking.models import NotificationLog, NotificationPreference, User

# Preference field → what the unsubscribe page calls it.
KINDS = {
    "weekly_digest": "your weekly SSI summary",
    "team_digest": "the weekly summary of your teams",
    "alerts": "alerts",
    "daily_reminder": "the daily reminder",
}
# The salt links already sent were signed with; changing it would break them.
UNSUBSCRIBE_SALT = "tracking.notifications.unsubscribe"

# --- preferences and unsubscribing -------------------------------------------

def preferences(user: User) -> NotificationPreference:
    """The person's choices; the defaults when they never changed any (not saved)."""
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


def wanting(kind: str):
    """People who have not turned ``kind`` off: without a preference row, the default holds."""
    default = NotificationPreference._meta.get_field(kind).default
    chosen = Q(**{f"notification_preference__{kind}": True})
    if default:
        chosen |= Q(notification_preference__isnull=True)
    return User.objects.filter(chosen, is_active=True)


def unsubscribe_token(user: User, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[User, str] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in KINDS:
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    return (user, data["k"]) if user else None


def turn_off(user: User, kind: str) -> None:
    NotificationPreference.objects.update_or_create(user=user, defaults={kind: False})


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# --- claiming and sending ------------------------------------------------------

def claim(user: User, kind: str, key: str) -> bool:
    """Take the right to send (user, kind, key); False if it was already taken."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {NotificationLog._meta.db_table} (user_id, kind, key, sent_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (user_id, kind, key) DO NOTHING RETURNING id",
            [user.pk, kind, key, timezone.now()],
        )
        return cursor.fetchone() is not None


def send_once(user: User, log_kind: str, key: str, preference: str, template: str, subject: str, context: dict) -> bool:
    """Send one email unless it was sent already. Returns whether it was sent now."""
    if not claim(user, log_kind, key):
        return False
    try:
        message = build(user, preference, template, subject, context)
        message.send()
    except Exception:
        NotificationLog.objects.filter(user=user, kind=log_kind, key=key).delete()
        raise
    return True


def build(user: User, preference: str, template: str, subject: str, context: dict) -> EmailMultiAlternatives:
    """An email with text and HTML parts and a one-click unsubscribe (RFC 8058)."""
    unsubscribe = absolute(reverse("tracking:unsubscribe", args=[unsubscribe_token(user, preference)]))
    context = {
        **context, "person": user, "unsubscribe_url": unsubscribe, "what": KINDS[preference],
        "settings_url": absolute(reverse("tracking:settings")), "site_url": absolute("/"),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"email/{template}.txt", context),
        to=[user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(render_to_string(f"email/{template}.html", context), "text/html")
    return message
