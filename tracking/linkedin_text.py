"""Read SSI figures out of the text of LinkedIn's SSI page.

A person selects all on linkedin.com/sales/ssi, copies, and pastes here. What
arrives is the page's visible text, line by line, with the site's navigation,
help paragraphs and whatever else was on screen around it. This module picks out
the total, the four pillars, the two "Top N%" ranks and the two group averages,
and nothing it is not sure of: a figure it cannot find is left out, for the
person to type. It only reads; the entry form's rules still check every value.

(LinkedIn's raw JSON export is read by ``tracking.importing``, not here.)
"""

from __future__ import annotations

import re

# Far more than the SSI page ever is; a paste of a whole book is cut short.
MAX_CHARS = 200_000

NUMBER = r"(\d{1,3}(?:\.\d+)?)"
# The pillar names, as the page prints them, a little loosened ("Engage with
# insight", "Build relationship", "Find the right person").
PILLAR_PATTERNS = {
    "brand": r"establish\s+your\s+professional\s+brand",
    "people": r"find\s+the\s+right\s+(?:people|person)",
    "insights": r"engage\s+with\s+insights?",
    "relationships": r"build\s+(?:strong\s+)?relationships?",
}
_PILLAR_RE = {p: re.compile(pattern, re.IGNORECASE) for p, pattern in PILLAR_PATTERNS.items()}
# After a name: separators or blank lines, the number, then the end of the
# line or what the page puts after a score ("| …", "/ 25", "out of 25").
_SCORE_AFTER_NAME = re.compile(
    r"[\s:|\-\u2013]*" + NUMBER + r"(?=[ \t]*(?:\n|$|\||/|out\s+of\b|points?\b))", re.IGNORECASE
)
_TOTAL_OUT_OF = re.compile(r"(?<![\d.])" + NUMBER + r"\s*(?:/|out\s+of)\s*100\b", re.IGNORECASE)
_TOTAL_LABEL = re.compile(r"social\s+selling\s+index", re.IGNORECASE)
_TOP = re.compile(r"\btop\s+(\d{1,3})\s*%", re.IGNORECASE)
_GROUP = re.compile(r"\b(industry|network)\b", re.IGNORECASE)
_AVERAGE = re.compile(
    r"people\s+in\s+(?P<who>.{0,120}?)\s+ha(?:ve|s)\s+an\s+average\s+(?:SSI|social\s+selling\s+index)"
    r"\s+of\s+" + NUMBER,
    re.IGNORECASE | re.DOTALL,
)


def parse(text: str) -> dict[str, str]:
    """The figures found in ``text``, as the entry form's fields hold them
    (``{"ssi": "43", "brand": "12.96", "industry_rank": "5", …}``)."""
    text = (text or "")[:MAX_CHARS].replace("\u00a0", " ").replace("\r\n", "\n").replace("\r", "\n")
    found: dict[str, str] = {}
    found.update(_pillars(text))
    total = _total(text)
    if total is not None:
        found["ssi"] = total
    found.update(_ranks(text))
    found.update(_averages(text))
    return found


def _number_in_range(value: str, high: int) -> str | None:
    return value if 0 <= float(value) <= high else None


def _pillars(text: str) -> dict[str, str]:
    """Each pillar's score: a number right after its name (on the same line or
    the next ones), standing alone — not the "5" of a help sentence such as
    "Establish your professional brand: it takes 5 minutes"."""
    values = {}
    for pillar, pattern in _PILLAR_RE.items():
        for match in pattern.finditer(text):
            number = _SCORE_AFTER_NAME.match(text, match.end())
            if number and _number_in_range(number.group(1), 25) is not None:
                values[pillar] = number.group(1)
                break
    return values


def _total(text: str) -> str | None:
    """The SSI: "43 out of 100" (or "43/100"), else a number alone on one of
    the three lines after "Social Selling Index"."""
    for match in _TOTAL_OUT_OF.finditer(text):
        if _number_in_range(match.group(1), 100) is not None:
            return match.group(1)
    for match in _TOTAL_LABEL.finditer(text):
        number = _SCORE_AFTER_NAME.match(text, match.end())
        lines = text[match.end():].split("\n")[:4]
        candidates = [number.group(1)] if number else []
        candidates += [line.strip() for line in lines[1:] if re.fullmatch(r"\s*" + NUMBER + r"\s*", line)]
        for candidate in candidates:
            if _number_in_range(candidate, 100) is not None:
                return candidate
    return None


def _ranks(text: str) -> dict[str, str]:
    """"Top N%" for the industry and the network. Which one a "Top N%" is comes
    from the words around it: "Top 5% of your industry", "Industry SSI rank: Top
    5%", or "People in your industry … You rank in the top 5%"."""
    ranks: dict[str, str] = {}
    for match in _TOP.finditer(text):
        group = _group_for(text, match)
        value = int(match.group(1))
        if group and f"{group}_rank" not in ranks and 1 <= value <= 100:
            ranks[f"{group}_rank"] = str(value)
    return ranks


def _group_for(text: str, match: re.Match) -> str | None:
    after = re.match(r"\s*(?:of|in)\s+(?:your|the|my)\s+(industry|network)", text[match.end():match.end() + 40],
                     re.IGNORECASE)
    if after:
        return after.group(1).lower()
    # Otherwise the nearest "industry"/"network" before it, on its line or the
    # two lines above — not past another "Top N%", which has its own label.
    line_start = text.rfind("\n", 0, match.start())
    for _ in range(2):
        if line_start <= 0:
            break
        line_start = text.rfind("\n", 0, line_start)
    before = text[max(line_start, 0):match.start()]
    before = _TOP.split(before)[-1]
    groups = _GROUP.findall(before)
    return groups[-1].lower() if groups else None


def _averages(text: str) -> dict[str, str]:
    """ "People in the Software Development industry have an average SSI of 24";
    "People in your network have an average SSI of 31"."""
    averages: dict[str, str] = {}
    for match in _AVERAGE.finditer(text):
        who = match.group("who").lower().strip()
        # "the Computer Networking Products industry" is an industry, not a network.
        group = "industry" if who.endswith("industry") else "network" if who.endswith("network") else None
        value = _number_in_range(match.group(2), 100)
        if group and value is not None and f"{group}_avg" not in averages:
            averages[f"{group}_avg"] = value
    return averages

