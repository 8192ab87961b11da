"""The rules an SSI value keeps, in one place.

The entry form, the CSV importer and the API all validate through these, so a
person reads the same sentence wherever a value is refused. The database
enforces the same ranges with check constraints (see ``tracking.models``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

THREE_PLACES = Decimal("0.001")
PILLAR_MAX = Decimal(25)
SSI_MAX = Decimal(100)
# A total may differ from the sum of its pillars by this much (rounding).
SUM_TOLERANCE = Decimal(1)

PILLARS = ("brand", "people", "insights", "relationships")

LABELS = {
    "ssi": "SSI",
    "brand": "Establish your professional brand",
    "people": "Find the right people",
    "insights": "Engage with insights",
    "relationships": "Build relationships",
    "industry_rank": "Industry rank",
    "network_rank": "Network rank",
    "industry_avg": "Industry average SSI",
    "network_avg": "Network average SSI",
    "date": "Date",
    "email": "Email",
}

# Activity counts, in the order forms and exports show them.
ACTIVITY_COUNTS = (
    ("posts", "Posts and articles"),
    ("comments", "Comments"),
    ("reactions", "Reactions"),
    ("shares", "Shares"),
    ("connection_requests", "Connection requests sent"),
    ("connections_accepted", "Connections accepted"),
    ("messages_sent", "Messages sent"),
    ("inmails_sent", "InMails sent"),
    ("inmail_replies", "InMail replies"),
    ("profile_views", "Profile views"),
    ("searches", "Searches"),
    ("leads_saved", "Leads saved"),
    ("accounts_saved", "Accounts saved"),
    ("lists_created", "Lists created"),
    ("days_active", "Days active"),
)
ACTIVITY_FIELDS = tuple(name for name, _ in ACTIVITY_COUNTS)
LABELS.update(dict(ACTIVITY_COUNTS))

# What moves each pillar, after LinkedIn's own help text.
PILLAR_LEVERS = {
    "brand": ("posts", "shares"),
    "people": ("searches", "profile_views", "leads_saved", "accounts_saved"),
    "insights": ("comments", "reactions", "messages_sent", "inmails_sent", "inmail_replies"),
    "relationships": ("connection_requests", "connections_accepted"),
}
PILLAR_ADVICE = {
    "brand": "Complete your profile, post or share something worth reading, and grow your followers.",
    "people": "Search for the right people, view their profiles and save them as leads.",
    "insights": "Comment on, react to and share posts, and send messages that get replies.",
    "relationships": "Send connection requests to the right people (senior ones count most) and get them accepted.",
}


# LinkedIn launched the SSI in 2014: an earlier date is a typo (0001-01-01 from a
# cleared date picker), never an SSI day. Every entry point refuses it with this
# sentence, and check constraints keep it out of the database.
FIRST_DATE = dt.date(2014, 1, 1)
DATE_TOO_EARLY = "Dates before 2014 cannot be SSI dates: LinkedIn's SSI did not exist yet."


class RuleError(ValueError):
    """A value breaks a rule. ``field`` names it; ``str(err)`` is the sentence a person reads."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def to_decimal(value, field: str) -> Decimal | None:
    """Parse a number the way every entry point does: blank is None, NaN/inf is an error,
    three decimals rounded half-up."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    if isinstance(value, float) and not math.isfinite(value):
        raise RuleError(field, f"{LABELS[field]} must be a number.")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise RuleError(field, f"{LABELS[field]} must be a number, not “{value}”.") from None
    if not number.is_finite():
        raise RuleError(field, f"{LABELS[field]} must be a number, not “{value}”.")
    try:
        return number.quantize(THREE_PLACES, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        # "1e30" has more digits than three decimals allow: far beyond any range.
        raise RuleError(field, f"{LABELS[field]} is too large.") from None


def check_date(field: str, value: dt.date | None) -> dt.date | None:
    """A date an SSI value may carry: none before ``FIRST_DATE``."""
    if value and value < FIRST_DATE:
        raise RuleError(field, DATE_TOO_EARLY)
    return value


def early_dates(**dates: dt.date | None) -> list[RuleError]:
    """An error for each of these dates (by field) that is before ``FIRST_DATE``."""
    return [RuleError(field, DATE_TOO_EARLY) for field, value in dates.items() if value and value < FIRST_DATE]


def check_range(field: str, value: Decimal | int | None, low, high) -> None:
    if value is not None and not (low <= value <= high):
        raise RuleError(field, f"{LABELS[field]} must be between {low} and {high}.")


@dataclass
class Scores:
    """One day's SSI figures after every rule has been applied."""

    ssi: Decimal
    brand: Decimal | None = None
    people: Decimal | None = None
    insights: Decimal | None = None
    relationships: Decimal | None = None
    industry_rank: int | None = None
    network_rank: int | None = None
    industry_avg: Decimal | None = None
    network_avg: Decimal | None = None


def check_rank(field: str, value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal | float):
        if value != int(value):
            raise RuleError(field, f"{LABELS[field]} must be a whole number between 1 and 100.")
        value = int(value)
    if not isinstance(value, int):
        raise RuleError(field, f"{LABELS[field]} must be a whole number between 1 and 100.")
    if not 1 <= value <= 100:
        raise RuleError(field, f"{LABELS[field]} must be a whole number between 1 and 100.")
    return value


def validate_scores(
    *,
    ssi=None,
    brand=None,
    people=None,
    insights=None,
    relationships=None,
    industry_rank=None,
    network_rank=None,
    industry_avg=None,
    network_avg=None,
) -> tuple[Scores, list[RuleError]]:
    """Apply every SSI rule. Returns the cleaned scores and every error found
    (not only the first), so a form or a report can list them all."""
    errors: list[RuleError] = []
    values: dict = {}
    raw = {
        "ssi": ssi,
        "brand": brand,
        "people": people,
        "insights": insights,
        "relationships": relationships,
        "industry_avg": industry_avg,
        "network_avg": network_avg,
    }
    for field, value in raw.items():
        try:
            number = to_decimal(value, field)
            high = PILLAR_MAX if field in PILLARS else SSI_MAX
            check_range(field, number, 0, high)
            values[field] = number
        except RuleError as err:
            errors.append(err)
            values[field] = None
    for field, value in (("industry_rank", industry_rank), ("network_rank", network_rank)):
        try:
            values[field] = check_rank(field, value)
        except RuleError as err:
            errors.append(err)
            values[field] = None

    pillars = [values[p] for p in PILLARS]
    failed = {e.field for e in errors}
    given = [p for p in PILLARS if values[p] is not None or p in failed]
    if given and len(given) < len(PILLARS):
        missing = [p for p in PILLARS if p not in given]
        errors.append(
            RuleError(
                missing[0],
                "Give all four pillars or none: missing "
                + ", ".join(LABELS[p] for p in missing)
                + ".",
            )
        )
    if not failed.intersection(("ssi", *PILLARS)) and not errors:
        total = consistent_total(values["ssi"], *pillars)
        if total is None:
            errors.append(_inconsistency(values["ssi"], pillars))
        values["ssi"] = total
    return Scores(**values), errors


def consistent_total(ssi, brand, people, insights, relationships, tolerance=SUM_TOLERANCE, high=SSI_MAX):
    """The rule a total and its pillars keep together, on numbers already read
    and range-checked: all four pillars or none, and a total within ``tolerance``
    of their sum (a missing total is their sum, at most ``high``). Returns the
    total, or None when they break it (``validate_scores`` says how).

    Every entry point decides through this; the importer's shortcut calls it on
    integer thousandths, with ``tolerance`` and ``high`` scaled to match."""
    if brand is not None and people is not None and insights is not None and relationships is not None:
        pillar_sum = brand + people + insights + relationships
        if ssi is None:
            return pillar_sum if pillar_sum <= high else None
        return ssi if abs(ssi - pillar_sum) <= tolerance else None
    if brand is None and people is None and insights is None and relationships is None:
        return ssi
    return None


def _inconsistency(total, pillars) -> RuleError:
    """Why ``consistent_total`` refused a total and all four pillars (the case of
    some pillars missing is refused earlier, with its own sentence)."""
    if all(p is None for p in pillars):
        return RuleError("ssi", "Give the SSI or all four pillars.")
    pillar_sum = sum(pillars)
    if total is None:
        return RuleError("ssi", f"SSI must be between 0 and {SSI_MAX}.")
    return RuleError(
        "ssi", f"SSI {plain(total)} differs from the sum of its pillars ({plain(pillar_sum)}) by more than 1 point."
    )


def consistent_scores(values: dict) -> Scores | None:
    """Scores from values already read and range-checked (ranks as whole numbers),
    when together they keep ``consistent_total``; None when ``validate_scores``
    must say what is wrong."""
    get = values.get
    total = consistent_total(get("ssi"), get("brand"), get("people"), get("insights"), get("relationships"))
    if total is None:
        return None
    return Scores(
        ssi=total, brand=get("brand"), people=get("people"), insights=get("insights"),
        relationships=get("relationships"), industry_rank=get("industry_rank"), network_rank=get("network_rank"),
        industry_avg=get("industry_avg"), network_avg=get("network_avg"),
    )


def check_count(field: str, value) -> int | None:
    """An activity count: blank is None, otherwise a whole number ≥ 0."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise RuleError(field, f"{LABELS[field]} must be a whole number, not “{value}”.") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise RuleError(field, f"{LABELS[field]} must be a whole number, not “{value}”.")
    if number < 0:
        raise RuleError(field, f"{LABELS[field]} cannot be negative.")
    if number > 2_147_483_647:
        raise RuleError(field, f"{LABELS[field]} is too large.")
    return int(number)


def plain(number: Decimal | int | None) -> str:
    """18.500 → 18.5, 20.000 → 20, None → "": a number in its shortest form."""
    if number is None:
        return ""
    return format(Decimal(number).normalize(), "f")
