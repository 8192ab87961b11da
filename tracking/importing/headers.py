"""What a column holds, from its header: each field's own name, its label, and
the names exports and people use for it, matched whatever their case, spaces or
punctuation."""

from __future__ import annotations

import re

from tracking import rules

SCORE_FIELDS = ("ssi", *rules.PILLARS, "industry_rank", "network_rank", "industry_avg", "network_avg")
RANK_FIELDS = ("industry_rank", "network_rank")
TEXT_FIELDS = ("email", "name", "first_name", "last_name")
DATE_FIELDS = ("date", "period_start", "period_end")

LABELS = {
    **rules.LABELS,
    "name": "Name",
    "first_name": "First name",
    "last_name": "Last name",
    "period_start": "Period start",
    "period_end": "Period end",
}

# Besides each field's own name and label, the names exports and people use.
COLUMN_ALIASES = {
    "email": ("E-mail", "Email address", "Work email", "User email", "Member email", "Seat holder email"),
    "name": ("Full name", "Member name", "Seat holder", "Seat holder name", "Display name"),
    "first_name": ("Given name",),
    "last_name": ("Surname", "Family name"),
    "date": ("Snapshot date", "Day", "SSI date", "As of", "As of date", "Report date",
             "Timestamp", "Datetime", "Date time", "Recorded at", "Captured at"),
    "period_start": ("Start date", "From", "From date", "Date from", "Report start date", "Period from"),
    "period_end": ("End date", "To", "To date", "Date to", "Through", "Report end date", "Period to"),
    "ssi": ("Social Selling Index", "SSI score", "Total", "Total SSI", "SSI total", "Overall", "Overall SSI",
            "Current SSI", "Current Social Selling Index", "SSI index", "Overall score"),
    "brand": ("Establish professional brand", "Professional brand", "Brand"),
    "people": ("Find right people", "Find people", "People"),
    "insights": ("Engage with insight", "Insight engagement", "Insights"),
    "relationships": ("Build strong relationships", "Build relationship", "Strong relationships", "Strong relationship",
                      "Relationships"),
    "industry_rank": ("Industry SSI rank", "Industry rank (top %)", "Rank in industry", "Industry ranking",
                      "Top % industry", "Top % Industry SSI rank", "Industry top %"),
    "network_rank": ("Network SSI rank", "Network rank (top %)", "Rank in network", "Network ranking",
                     "Top % network", "Top % Network SSI rank", "Network top %"),
    "industry_avg": ("Industry average", "Industry avg", "Industry SSI average", "Industry SSI",
                     "People in your industry"),
    "network_avg": ("Network average", "Network avg", "Network SSI average", "Network SSI",
                    "People in your network"),
    "posts": ("Posts", "Posts published", "Articles"),
    "reactions": ("Likes",),
    "shares": ("Reshares",),
    "connection_requests": ("Connection requests", "Invitations sent"),
    "connections_accepted": ("Accepted connections", "Invitations accepted"),
    "messages_sent": ("Messages",),
    "inmails_sent": ("InMails", "InMail sent"),
    "inmail_replies": ("InMails replied", "InMail replied", "InMail responses"),
    "profile_views": ("Profiles viewed",),
    "searches": ("Searches performed", "People searches"),
    "leads_saved": ("Saved leads",),
    "accounts_saved": ("Saved accounts",),
    "days_active": ("Active days",),
}


def normalise_header(text: str) -> str:
    """"E-mail address " → "emailaddress": headers match whatever their case,
    spaces or punctuation."""
    return re.sub(r"[\W_]+", "", text.casefold())


def _alias_table() -> dict[str, str]:
    table = {}
    for field_name in (*TEXT_FIELDS, *DATE_FIELDS, *SCORE_FIELDS, *rules.ACTIVITY_FIELDS):
        for name in (field_name, LABELS[field_name], *COLUMN_ALIASES.get(field_name, ())):
            table[normalise_header(name)] = field_name
    return table


_ALIASES = _alias_table()


def field_for_header(text: str) -> str | None:
    """The field a column holds, or None. "SSI – Brand" style prefixes are allowed."""
    key = normalise_header(text)
    field_name = _ALIASES.get(key)
    if field_name is None and key.startswith("ssi") and len(key) > 3:
        field_name = _ALIASES.get(key[3:])
    return field_name


