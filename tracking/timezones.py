"""Time zones: the list a person picks theirs from, and every request shown in it.

A stored moment (a key last used, an import finished) is UTC in the database;
a person reads it in their own zone, so each request activates that zone and
templates format with ``{% load times %}`` ``{{ value|moment }}``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict

from django.utils import timezone


def offset_label(offset: dt.timedelta) -> str:
    """UTC+05:30, UTC-03:00, UTC+00:00."""
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def zone_choices(now: dt.datetime | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every zone this server knows, grouped by region, each with its offset now.

    The offset is today's (it moves with daylight saving), so a person can tell
    America/New_York from America/Chicago without knowing which is which.
    """
    now = now or timezone.now()
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name in sorted(zoneinfo.available_timezones()):
        region = name.split("/", 1)[0] if "/" in name else "Other"
        offset = now.astimezone(zoneinfo.ZoneInfo(name)).utcoffset()
        groups[region].append((name, f"{name} ({offset_label(offset)})"))
    return sorted(groups.items())


def abbreviation(moment: dt.datetime) -> str:
    """GMT, EST, CET; a zone with no letters of its own (+14, -03) reads UTC+14."""
    name = moment.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


class PersonTimeZoneMiddleware:
    """Shows every time in the logged-in person's own zone (User.time_zone).

    After AuthenticationMiddleware. Anonymous requests (the login page, an
    unsubscribe link, the API before its key is read) stay in the server's zone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.zone())
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            # A worker thread serves the next request with no zone left over.
            timezone.deactivate()
