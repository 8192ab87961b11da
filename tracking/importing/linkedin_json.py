"""The JSON LinkedIn's SSI page loads: one person's SSI, pillars, and their
industry's and network's rank and average, for one day. It does not say whose it
is: the caller names the person."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import BinaryIO

from tracking import rules
from tracking.importing.cells import parse_rank
from tracking.importing.headers import RANK_FIELDS, normalise_header
from tracking.importing.rows import LINKEDIN_JSON, ImportFileError, ParsedFile, Row

MAX_JSON_BYTES = 1024 * 1024


class LinkedInJson(ParsedFile):
    """The JSON LinkedIn's SSI page loads: one person's SSI, pillars, and their
    industry's and network's rank and average, for one day."""

    format = LINKEDIN_JSON

    # LinkedIn's pillar names (PROFESSIONAL_BRAND …) and ours, normalised.
    PILLARS = {
        "professionalbrand": "brand", "establishyourprofessionalbrand": "brand", "brand": "brand",
        "findrightpeople": "people", "findtherightpeople": "people", "people": "people",
        "insightengagement": "insights", "engagewithinsights": "insights", "insights": "insights",
        "strongrelationship": "relationships", "buildrelationships": "relationships",
        "relationships": "relationships", "strongrelationships": "relationships",
    }

    def __init__(self, values: dict, *, encoding: str, email: str, day: dt.date, today: dt.date):
        super().__init__()
        self.encoding = encoding
        self.email = email
        self.day = day
        self.today = today
        self._values = values
        self.fields = frozenset(values)
        self.total_records = 1

    @classmethod
    def read(cls, stream: BinaryIO, size: int, codec: str, encoding: str, *, as_of, today, email) -> LinkedInJson:
        if size > MAX_JSON_BYTES:
            raise ImportFileError("This JSON file is far larger than LinkedIn's SSI data: it is not that data.")
        stream.seek(0)
        text = stream.read().decode(codec, errors="replace")
        try:
            # Numbers as Decimal keep LinkedIn's digits; NaN and Infinity stay text, for the rules to refuse.
            data = json.loads(text, parse_float=Decimal, parse_constant=str)
        except (ValueError, RecursionError):
            raise ImportFileError("The file starts like JSON but is not valid JSON.") from None
        container = _find_member_score(data)
        if container is None:
            raise ImportFileError("This JSON is not LinkedIn's SSI data: it has no memberScore.")
        if not email:
            raise ImportFileError(
                "LinkedIn's SSI data does not say whose it is: import it for one person (import_ssi --user EMAIL, "
                "or “Import my history”), or paste it on that person's entry page."
            )
        return cls(cls._values_in(container), encoding=encoding, email=email.strip().lower(),
                   day=as_of or today, today=today)

    @classmethod
    def _values_in(cls, container: dict) -> dict:
        values: dict = {}
        member = container.get("memberScore")
        if isinstance(member, dict):
            values["ssi"] = member.get("overall")
            for sub in _dicts(member.get("subScores")):
                pillar = cls.PILLARS.get(normalise_header(str(sub.get("pillar") or sub.get("name") or "")))
                if pillar:
                    values[pillar] = sub.get("score")
        for group in _dicts(container.get("groupScore")):
            kind = str(group.get("groupType") or group.get("group") or group.get("type") or "").lower()
            if kind not in ("industry", "network"):
                continue
            average = group.get("score")
            if isinstance(average, dict):
                average = average.get("overall")
            values[f"{kind}_rank"] = group.get("rank")
            values[f"{kind}_avg"] = average if average is not None else group.get("averageScore")
        return {k: v for k, v in values.items() if v is not None}

    def rows(self) -> Iterator[Row]:
        self.records = 1
        errors: list[rules.RuleError] = []
        given = dict(self._values)
        for field_name in RANK_FIELDS:
            if field_name in given:
                try:
                    given[field_name] = parse_rank(field_name, str(given[field_name]))
                except rules.RuleError as error:
                    errors.append(error)
                    del given[field_name]
        scores, rule_errors = rules.validate_scores(**given)
        errors.extend(rule_errors)
        if self.day > self.today:
            errors.append(rules.RuleError("date", "The date cannot be in the future."))
        if errors:
            self.reject(1, errors, self.email, {**self._values, "date": self.day.isoformat()})
            return
        yield Row(1, self.email, self.day, scores, None)


def _dicts(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _find_member_score(data, depth: int = 0) -> dict | None:
    """The object holding "memberScore", wherever the page's response nests it."""
    if depth > 6:
        return None
    if isinstance(data, dict):
        if "memberScore" in data:
            return data
        children = data.values()
    elif isinstance(data, list):
        children = data
    else:
        return None
    for child in children:
        found = _find_member_score(child, depth + 1)
        if found is not None:
            return found
    return None
