"""``{{ value|moment }}``: a stored moment in the reader's own time zone, zone named once.

"2 Dec 2026, 14:05 GMT": the zone is the one the request activated
(tracking.timezones.PersonTimeZoneMiddleware), so the same key reads 09:05 EST
to someone in New York.
"""

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html

from tracking.timezones import abbreviation

register = template.Library()


@register.filter
def moment(value, empty: str = ""):
    if not value:
        return empty
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}">{} {}</time>',
        value.isoformat(), dateformat.format(local, "j M Y, H:i"), abbreviation(local),
    )
