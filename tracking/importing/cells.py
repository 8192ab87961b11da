"""A cell's text into a checked value: numbers (decimal commas too), ranks as
LinkedIn shows them ("Top 5%"), counts, emails, dates in the file's order. Every
conversion checks through ``tracking.rules``; a refused cell becomes the
``RuleError`` that words why.

Files repeat values (the same pillar score, date or email on many rows), so each
column's conversions are remembered by cell text (``Memo``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from tracking import rules
from tracking.importing.headers import LABELS
from tracking.importing.sniff import DAY_FIRST, MONTH_FIRST, YEAR_FIRST, YEAR_LAST, date_text

# Distinct texts remembered per column.
CACHE_LIMIT = 20_000


def unneutralise(text: str) -> str:
    """Exports put a quote before text a spreadsheet would run as a formula; take it off again."""
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return text[1:]
    return text



def number_text(text: str, decimal_comma: bool) -> str:
    text = text.strip()
    return text.replace(",", ".") if decimal_comma else text


class Memo(dict):
    """A column's conversions by cell text: ``memo[text]`` is the value (or the
    RuleError refusing it), converted the first time the text is seen."""

    def __init__(self, convert: Callable[[str], object]):
        super().__init__()
        self._convert = convert

    def __missing__(self, text: str):
        try:
            value = self._convert(text)
        except rules.RuleError as error:
            value = error
        if len(self) < CACHE_LIMIT:
            self[text] = value
        return value


class Derived(dict):
    """What a shortcut needs of a cell, by its text, from the column's ``Memo``:
    ``memo[text]`` is ``ready(value)``, or None when the value is a RuleError or
    ``ready`` gives None (the full checks then have the row)."""

    def __init__(self, values: Memo, ready: Callable):
        super().__init__()
        self._values = values
        self._ready = ready

    def __missing__(self, text: str):
        value = self._values[text]
        ready = None if value.__class__ is rules.RuleError else self._ready(value)
        if len(self) < CACHE_LIMIT:
            self[text] = ready
        return ready


def number_memo(field_name: str, decimal_comma: bool) -> Memo:
    high = rules.PILLAR_MAX if field_name in rules.PILLARS else rules.SSI_MAX

    def convert(text: str) -> Decimal | None:
        number = rules.to_decimal(number_text(text, decimal_comma), field_name)
        rules.check_range(field_name, number, 0, high)
        return number

    return Memo(convert)


_RANK = re.compile(r"(?:top\s*)?(\d{1,3})(?:[.,]0*)?\s*%?", re.IGNORECASE)


def parse_rank(field_name: str, text: str) -> int | None:
    """A rank as LinkedIn shows it: "5", "5%" or "Top 5%"."""
    text = text.strip()
    if not text:
        return None
    match = _RANK.fullmatch(text)
    return rules.check_rank(field_name, int(match[1]) if match else text)


def rank_memo(field_name: str) -> Memo:
    return Memo(lambda text: parse_rank(field_name, text))


def count_memo(field_name: str, decimal_comma: bool) -> Memo:
    return Memo(lambda text: rules.check_count(field_name, number_text(text, decimal_comma)))


def email_memo(owner: str | None = None) -> Memo:
    """Emails as stored (lower case). With ``owner``, the one person a file is
    about: a row without an email is theirs, a row naming anyone else is refused."""

    def convert(text: str) -> str:
        email = unneutralise(text.strip()).lower()
        if not email:
            if owner:
                return owner
            raise rules.RuleError("email", "Email is missing.")
        try:
            validate_email(email)
        except ValidationError:
            raise rules.RuleError("email", f"“{email}” is not a valid email address.") from None
        # The longest address the user table holds.
        if len(email) > 254:
            raise rules.RuleError("email", f"“{email[:40]}…” is too long to be an email address.")
        if owner and email != owner:
            raise rules.RuleError("email", (
                f"This row is about {email}, but this file is {owner}'s history: "
                "only their rows (or rows without an email) can be imported."
            ))
        return email

    return Memo(convert)


def date_memo(field_name: str, order: str | None) -> Memo:
    label = LABELS[field_name]

    def convert(text: str) -> dt.date | None:
        value = date_text(text)
        if not value:
            return None
        try:
            if match := YEAR_FIRST.fullmatch(value):
                return dt.date(int(match[1]), int(match[2]), int(match[3]))
            if (match := YEAR_LAST.fullmatch(value)) and order in (DAY_FIRST, MONTH_FIRST):
                day, month = (match[1], match[2]) if order == DAY_FIRST else (match[2], match[1])
                return dt.date(int(match[3]), int(month), int(day))
            return dt.date.fromisoformat(value)
        except ValueError:
            raise rules.RuleError(field_name, f"{label} “{value}” is not a date: write dates as YYYY-MM-DD.") from None

    return Memo(convert)


