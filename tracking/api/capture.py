"""Recording the day a person's browser extension saw on LinkedIn's SSI page.

The extension sends what the page gave it, unread: LinkedIn's own JSON (the
response of ``/sales-api/salesApiSsi``) or, only when no JSON could be had, the
page's visible text. This module reads it with the same readers the entry page
uses (the importer's parser for the JSON, ``tracking.linkedin_text`` for the
text), so one input kind has one reader, and records it through
``tracking.recording.record_day``, the API's write path.

It refuses rather than guesses: JSON that lacks the total or a pillar, or text
that does not give a total and four pillars that add up to it, records nothing
and says why in a sentence the extension shows as it is.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tracking import linkedin_text, rules
from tracking.importing import parser
from tracking.models import Snapshot, Source, User
from tracking.recording import record_day

# What a recorded day must have, whichever way it was read.
REQUIRED = ("ssi", *rules.PILLARS)
# The page's text as a browser gives it is some 10 kB; far more is not that page.
MAX_TEXT_CHARS = linkedin_text.MAX_CHARS
CHANGED_SHAPE = "LinkedIn's SSI data has changed shape, so nothing was recorded: "


class Refused(Exception):
    """The capture cannot be recorded; ``message`` says why, for the person."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Captured:
    snapshot: Snapshot
    created: bool
    previous: Snapshot | None
    message: str


def capture_day(user: User, body: dict) -> Captured:
    """Record ``user``'s day from a capture body: ``{"linkedin_json": …}`` or ``{"page_text": "…"}``.

    The day is today in the person's time zone. Capturing replaces that day's
    scores as a whole, as the page shows them (a rank or average the page does
    not give is stored empty), and keeps the day's logged activity, which the
    page does not show.
    """
    unknown = sorted(set(body) - {"linkedin_json", "page_text"})
    if unknown:
        raise Refused(f"“{unknown[0]}” is not a field of a capture.", unknown[0])
    given = [name for name in ("linkedin_json", "page_text") if name in body]
    if len(given) != 1:
        raise Refused("Send either linkedin_json (LinkedIn's SSI data) or page_text (the page's text), one of them.")
    today = user.today()
    if given[0] == "linkedin_json":
        scores = _from_json(body["linkedin_json"], user, today)
    else:
        scores = _from_text(body["page_text"])
    previous = Snapshot.objects.filter(user=user, date__lt=today).order_by("-date").first()
    # The page has no activity counts: the day's logged activity stays as it is.
    snapshot, created = record_day(user, today, scores, None, source=Source.API)
    return Captured(snapshot, created, previous, recorded_message(snapshot, created, previous))


def read_linkedin_json(raw: bytes, user: User, today: dt.date):
    """The importer's reading of LinkedIn's SSI JSON: (the fields it gave, its one
    row or None, the reasons it rejected it). The only call into the importer."""
    try:
        parsed = parser.parse(io.BytesIO(raw), email=user.email, today=today)
    except parser.ImportFileError as err:
        raise Refused(CHANGED_SHAPE + str(err), "linkedin_json") from None
    if parsed.format != parser.LINKEDIN_JSON:
        raise Refused(CHANGED_SHAPE + "what arrived is not JSON.", "linkedin_json")
    rows = list(parsed.rows())
    return set(parsed.fields), (rows[0] if rows else None), [r["message"] for r in parsed.rejected]


def _from_json(value, user: User, today: dt.date) -> rules.Scores:
    if isinstance(value, str):
        raw = value.encode("utf-8")
    elif isinstance(value, dict | list):
        # Python's floats print back as the digits they were read from (19.705751 stays 19.705751).
        raw = json.dumps(value).encode("utf-8")
    else:
        raise Refused("linkedin_json must be LinkedIn's JSON, as an object or as its text.", "linkedin_json")
    fields, row, rejected = read_linkedin_json(raw, user, today)
    missing = [name for name in REQUIRED if name not in fields]
    if missing:
        raise Refused(CHANGED_SHAPE + "it has no " + _names(missing) + ".", "linkedin_json")
    if row is None:
        raise Refused("LinkedIn's SSI data cannot be used, so nothing was recorded: " + " ".join(rejected),
                      "linkedin_json")
    return row.scores


def _from_text(value) -> rules.Scores:
    if not isinstance(value, str):
        raise Refused("page_text must be the page's text.", "page_text")
    if len(value) > MAX_TEXT_CHARS:
        raise Refused("page_text is far longer than LinkedIn's SSI page: it is not that page.", "page_text")
    reading = linkedin_text.read(value)
    found = reading.values
    if reading.problems:
        raise Refused("The figures read from the page's text do not hold together, so nothing was recorded: "
                      + "; ".join(reason for _, reason in reading.problems) + ".", "page_text")
    if "ssi" not in found:
        raise Refused("The page's text gives no SSI total that can be read for sure, so nothing was recorded.",
                      "page_text")
    missing = [name for name in rules.PILLARS if name not in found]
    if missing:
        raise Refused("The page's text does not give every pillar for sure (not found: " + _names(missing)
                      + "), so nothing was recorded.", "page_text")
    # The reader gives text ("5"); a rank is a whole number to the rules.
    ranks = {f: int(found[f]) for f in ("industry_rank", "network_rank") if found.get(f, "").isdigit()}
    scores, errors = rules.validate_scores(**{**found, **ranks})
    if errors:
        raise Refused("The figures read from the page's text do not hold together, so nothing was recorded: "
                      + " ".join(e.message for e in errors), "page_text")
    return scores


def _names(fields: list[str]) -> str:
    names = ["SSI total" if f == "ssi" else f"“{rules.LABELS[f]}” pillar" for f in fields]
    return ", ".join(names)


def shown_total(value: Decimal) -> int:
    """The whole number LinkedIn's page shows for a total (19.705751 → 20)."""
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _day(date: dt.date, today: dt.date) -> str:
    return f"{date:%-d %b}" if date.year == today.year else f"{date:%-d %b %Y}"


def recorded_message(snapshot: Snapshot, created: bool, previous: Snapshot | None) -> str:
    """"Recorded 43 for 2 Dec, +1 since 25 Nov." — the change is against the
    person's previous recorded day, as LinkedIn shows totals (whole numbers)."""
    total = shown_total(snapshot.ssi)
    day = _day(snapshot.date, snapshot.date)
    text = f"Recorded {total} for {day}" if created else f"Updated {day} to {total}"
    if previous is None:
        return text + ": your first recorded day."
    change = total - shown_total(previous.ssi)
    since = _day(previous.date, snapshot.date)
    if change == 0:
        return f"{text}, the same as on {since}."
    return f"{text}, {change:+d} since {since}."
