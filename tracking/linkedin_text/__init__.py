"""Read SSI figures out of the text of LinkedIn's SSI page.

A person selects all on linkedin.com/sales/ssi, copies, and pastes here. What
arrives is the page's visible text in whatever layout the browser and
LinkedIn give it (a score before or after its name, on its line or the next,
pipes, tabs, tables) and in whatever language the person reads LinkedIn in,
with the site's navigation and help text around it.

The reading rests on what does not change with layout or language (see
``pillars`` and ``groups``): four pillar scores of 0–25 in LinkedIn's fixed
order that add up to the total, ranks as percentages, the industry before the
network. Pillar and group names in common languages (``labels``) help pair
figures with their names. A figure is returned only when the page leaves no
doubt about it; when figures contradict each other or could be read two ways,
none of them is returned, and ``read`` says which and why.

(LinkedIn's raw JSON export is read by ``tracking.importing``, not here.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracking.linkedin_text import groups, pillars
from tracking.linkedin_text.page import Page, normalise

# Far more than the SSI page ever is; a paste of a whole book is cut short.
MAX_CHARS = 200_000


@dataclass
class Reading:
    """The figures read (``{"ssi": "43", "brand": "12.96", …}``, as the entry
    form's fields hold them) and, for the figures left out on purpose, why:
    ``[(("brand", …, "ssi"), "the pillars add up to 21.4 but …"), …]``."""

    values: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[tuple[str, ...], str]] = field(default_factory=list)


def read(text: str) -> Reading:
    page = Page(normalise((text or "")[:MAX_CHARS]))
    scores = pillars.read(page)
    ranks = groups.read(page, scores.totals)
    return Reading(values={**scores.values, **ranks.values}, problems=scores.problems + ranks.problems)


def parse(text: str) -> dict[str, str]:
    """Only the figures ``text`` leaves no doubt about."""
    return read(text).values
