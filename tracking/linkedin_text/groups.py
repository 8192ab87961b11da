"""The industry and network ranks ("Top N%") and the two group averages.

What holds in every language: a rank is a whole-number percentage standing
in a short cell of its own ("Top 5%", "Primeiros 10%", "65%"); the industry's
comes before the network's; the averages are the score blocks after the
person's own. The words for industry and network, where known, say which
rank is which, whether they stand before or after it, on its line or the
next; where they are not known, two ranks in short cells are read in
LinkedIn's order.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from tracking.linkedin_text import labels
from tracking.linkedin_text.page import NUMBER, Number, Page, Percent

GROUPS = ("industry", "network")
_WORDS_BETWEEN = 4    # "Top 5% of your industry", "Industry SSI rank: Top 5%"
_SHORT_CELL = 3       # words beside the percentage in a cell of its own: "Top 5%"
_REACH = 2            # lines between a rank and its label above or below
_SENTENCE = 200       # characters of a sentence on either side of "average"
_SENTENCE_END = re.compile(r"[.!?。](?:\s|$)|\n")
_NUMBER = re.compile(NUMBER)


@dataclass
class Groups:
    values: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[tuple[str, ...], str]] = field(default_factory=list)


def read(page: Page, totals: list[Number]) -> Groups:
    result = Groups()
    _ranks(page, result)
    _averages(page, totals, result)
    return result


def _labels_in(text: str, offset: int = 0) -> list[tuple[int, str]]:
    found = [(m.start() + offset, "industry") for m in labels.INDUSTRY.finditer(text)]
    found += [(m.start() + offset, "network") for m in labels.NETWORK.finditer(text)]
    return sorted(found)


def _words(text: str) -> int:
    return len(re.findall(r"[^\W\d_]+", text))


class _Cells:
    """The cells of the page (split by line ends, pipes and tabs), with the
    percentages and group labels in each, worked out once per cell."""

    def __init__(self, page: Page):
        self.page = page
        self.breaks = [-1] + [m.start() for m in re.finditer(r"[|\t\n]", page.text)] + [len(page.text)]
        self.percent_starts = [p.start for p in page.percents]
        self._items: dict[int, list] = {}
        self._words: dict[int, int] = {}

    def span(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.breaks, pos)
        return self.breaks[i - 1] + 1, self.breaks[i]

    def items(self, pos: int) -> list[tuple[int, str, Percent | None]]:
        start, end = self.span(pos)
        if start not in self._items:
            percents = self.page.percents
            first = bisect.bisect_left(self.percent_starts, start)
            last = bisect.bisect_left(self.percent_starts, end)
            found = [(p.start, "%", p) for p in percents[first:last]]
            found += [(at, group, None) for at, group in _labels_in(self.page.text[start:end], start)]
            self._items[start] = sorted(found, key=lambda item: item[0])
        return self._items[start]

    def words(self, pos: int) -> int:
        start, end = self.span(pos)
        if start not in self._words:
            self._words[start] = _words(self.page.text[start:end])
        return self._words[start]


def _ranks(page: Page, result: Groups) -> None:
    cells = _Cells(page)
    candidates = [p for p in page.percents if 1 <= p.value <= 100]
    assigned: dict[Percent, str | None] = {}
    votes = {"before": 0, "after": 0}   # where the label stands, for the undecided
    undecided = []
    for percent in candidates:
        group = _same_cell(page, cells, percent)
        if group:
            assigned[percent] = group
            continue
        if cells.words(percent.start) > _SHORT_CELL:
            continue
        above, below = _label_line(page, percent.line, -1), _label_line(page, percent.line, 1)
        if above and below and above[1] == below[1]:
            assigned[percent] = above[1]
        elif above and (not below or above[0] < below[0]):
            assigned[percent] = above[1]
            votes["before"] += 1
        elif below and (not above or below[0] < above[0]):
            assigned[percent] = below[1]
            votes["after"] += 1
        elif above and below:
            undecided.append((percent, above[1], below[1]))
        else:
            assigned[percent] = None
    for percent, above, below in undecided:
        if votes["before"] != votes["after"]:
            assigned[percent] = above if votes["before"] > votes["after"] else below
    by_group: dict[str, list[int]] = {g: [] for g in GROUPS}
    for percent, group in assigned.items():
        if group:
            by_group[group].append(percent.value)
    if not any(by_group.values()):
        _ranks_by_order(page, [p for p, g in assigned.items() if g is None], result)
        return
    for group, values in by_group.items():
        distinct = sorted(set(values))
        name = f"{group}_rank"
        if len(distinct) == 1:
            result.values[name] = str(distinct[0])
        elif distinct:
            shown = " and ".join(f"Top {v}%" for v in distinct)
            result.problems.append(((name,), f"the {group} rank is shown as both {shown}"))


def _same_cell(page: Page, cells: _Cells, percent: Percent) -> str | None:
    """The label in the percentage's own cell, next to it: "Top 5% of your
    industry", "Industry SSI rank: Top 5%", or "Top 85% Industry SSI rank Top
    94% Network SSI rank" (a label after each percentage, or before each)."""
    items = cells.items(percent.start)
    if len(items) < 2:
        return None
    percent_first = items[0][1] == "%"
    i = next(i for i, item in enumerate(items) if item[2] is percent)
    neighbour = items[i + 1] if percent_first and i + 1 < len(items) else items[i - 1] if i and not percent_first else None
    if neighbour is None or neighbour[1] == "%":
        return None
    between = page.text[percent.end:neighbour[0]] if percent_first else page.text[neighbour[0]:percent.start]
    return neighbour[1] if _words(between) <= _WORDS_BETWEEN else None


def _label_line(page: Page, line: int, step: int) -> tuple[int, str] | None:
    """(distance, group) of the nearest line above or below naming one group
    only, within reach and before any other rank."""
    for distance in range(1, _REACH + 1):
        line = page.nearby_line(line, step)
        if line is None:
            return None
        text = page.lines[line]
        groups = {group for _, group in _labels_in(text)}
        if len(groups) == 1 and _words(text) <= 8:
            return distance, groups.pop()
        if groups or "%" in text:
            return None
    return None


def _ranks_by_order(page: Page, unlabelled: list[Percent], result: Groups) -> None:
    """No word for industry or network known: two distinct ranks in short
    cells are the industry's, then the network's."""
    values = []
    for percent in unlabelled:
        if percent.value not in values:
            values.append(percent.value)
    if len(values) == 2:
        result.values["industry_rank"], result.values["network_rank"] = (str(v) for v in values)
    elif len(values) > 2:
        result.problems.append((("industry_rank", "network_rank"),
                                "the page shows more than two “Top N%” figures and no words that say which is which"))


def _averages(page: Page, totals: list[Number], result: Groups) -> None:
    """ "People in your industry have an average SSI of 24" in the languages
    known; else the page's second and third score blocks ("29 out of 100",
    "36 out of 100"), which LinkedIn shows for the industry, then the network."""
    found: dict[str, list[str]] = {g: [] for g in GROUPS}
    percent_starts = {p.start for p in page.percents}
    for match in labels.AVERAGE.finditer(page.text):
        line_start, line_end = page.line_span(page.line_of(match.start()))
        # A sentence of LinkedIn's is short: look no further than _SENTENCE either side.
        line_start, line_end = max(line_start, match.start() - _SENTENCE), min(line_end, match.end() + _SENTENCE)
        ends_before = [m.end() for m in _SENTENCE_END.finditer(page.text, line_start, match.start())]
        sentence_start = ends_before[-1] if ends_before else line_start
        end_match = _SENTENCE_END.search(page.text, match.end(), line_end)
        sentence_end = end_match.start() if end_match else line_end
        number = _NUMBER.search(page.text, match.end(), sentence_end)
        if number is None or number.start() in percent_starts:
            continue
        before = _labels_in(page.text[sentence_start:match.start()])
        after = _labels_in(page.text[match.end():number.start()])
        group = before[-1][1] if before else after[0][1] if after else None
        value = number.group().replace(",", ".")
        if group and float(value) <= 100:
            found[group].append(value)
    if not any(found.values()) and len(totals) == 3:
        found = {"industry": [totals[1].plain], "network": [totals[2].plain]}
    for group, values in found.items():
        distinct = sorted(set(values), key=values.index)
        name = f"{group}_avg"
        if len(distinct) == 1:
            result.values[name] = distinct[0]
        elif distinct:
            result.problems.append(((name,), f"the {group}'s average SSI is shown as both {' and '.join(distinct)}"))
