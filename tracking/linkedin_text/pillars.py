"""The total and the four pillars.

What holds in every language: the page shows the person's own score first
("N out of 100", in whatever words), then up to two more score blocks (the
industry's and the network's averages); each block is four pillar scores of
0–25 in LinkedIn's fixed order, brand, people, insights, relationships, which
add up to its total within a point. Pillar names, where known, say which
number is which; where they are not known, four standalone numbers in a row
that add up to the total are the pillars — if exactly one such row exists.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from decimal import Decimal

from tracking.linkedin_text import labels
from tracking.linkedin_text.page import NUMBER, SEPARATORS, Number, Page, denominator, ends_cell

ORDER = ("brand", "people", "insights", "relationships")
TOLERANCE = Decimal(1)
_NAME = 80   # characters a pillar's name may run beyond the words matched
# "43 out of 100", "43/100", "32 из 100", "46 von 100", "21 de 100", and the
# number and its words on two lines ("43" / "out of 100").
_OUT_OF_100 = re.compile(
    rf"(?P<n>{NUMBER})[ \t]*(?:\n[ \t]*)?(?:/|[^\W\d_]{{1,8}}(?:[ \t]+[^\W\d_]{{1,8}}){{0,2}})[ \t]*(?P<h>100)(?![\d.,%])"
)
# "100 üzerinden 43" (Turkish), read only when no total reads the other way.
_100_FIRST = re.compile(rf"(?<![\d.,])(?P<h>100)[ \t]+[^\W\d_]{{1,12}}[ \t]+(?P<n>{NUMBER})(?![\d.,%])")


@dataclass
class Scores:
    values: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    totals: list[Number] = field(default_factory=list)


def read(page: Page) -> Scores:
    scores = Scores()
    totals, used = _totals(page)
    scores.totals = totals
    free = [n for n in page.numbers if n.start not in used and not denominator(page, n)]
    total = totals[0] if totals else None
    pillars, problem = _pillars(page, free, total)
    if problem:
        fields = (*ORDER, "ssi") if total is not None else ORDER
        scores.problems.append((fields, problem))
        return scores
    scores.values.update({name: number.plain for name, number in pillars.items()})
    if total is not None:
        scores.values["ssi"] = total.plain
    return scores


def _totals(page: Page) -> tuple[list[Number], set[int]]:
    """Every "N out of 100" on the page, in page order (the person's own comes
    first), and the positions of the numbers they use."""
    found, used = [], set()
    matches = list(_OUT_OF_100.finditer(page.text)) or list(_100_FIRST.finditer(page.text))
    for match in matches:
        number = page.number_at(match.start("n"))
        if number and number.value <= 100:
            found.append(number)
            used |= {match.start("n"), match.start("h")}
    if not found:
        # "Social Selling Index" and, on one of the next three lines, a number alone.
        for match in labels.TOTAL.finditer(page.text):
            line = page.line_of(match.start())
            for _ in range(3):
                line = page.nearby_line(line, 1)
                number = page.lone_number(line)
                if number and number.value <= 100:
                    return [number], {number.start}
    return found, used


def _pillars(page: Page, free: list[Number], total: Number | None) -> tuple[dict[str, Number], str | None]:
    allowed = {n.start for n in free}
    by_orientation = {side: _labelled_groups(page, side, allowed) for side in ("after", "before")}
    firsts = {side: groups[0] for side, groups in by_orientation.items() if groups}
    if total is not None:
        row = _structural(page, free, total.value)
        matching = {}
        for side, groups in by_orientation.items():
            for group in groups:
                if len(group) == 4 and _near(_sum(group), total.value):
                    matching[side] = group
                    break
        choices = {_key(g): g for g in matching.values()}
        if len(choices) > 1:
            return {}, "the page's numbers can be read either above or below the pillar names; copy the page again"
        if choices:
            return next(iter(choices.values())), None
        complete = [g for g in firsts.values() if len(g) == 4]
        if complete:
            return {}, (f"the pillars add up to {_fmt(_sum(complete[0]))} but the page's total is "
                        f"{total.plain}: check the copy")
        partials = [g for g in firsts.values() if g]
        if row is not None:
            if partials and not any(_agrees(row, g) for g in partials):
                return {}, "the pillar scores next to their names do not match the scores that add up to the total"
            return row, None
        partial = max(partials, key=len, default={})
        following = _row_after(page, free, total)
        if not partial and following:
            return {}, (f"the four scores after the total add up to {_fmt(_sum(following))}, not to the "
                        f"page's total of {total.plain}: check the copy")
        if partial and _sum(partial) > total.value + TOLERANCE:
            return {}, (f"the pillars found add up to {_fmt(_sum(partial))}, more than the page's total of "
                        f"{total.plain}: check the copy")
        return partial, None
    if not firsts:
        return {}, None
    best = max(len(g) for g in firsts.values())
    choices = {_key(g): g for g in firsts.values() if len(g) == best}
    if len(choices) > 1:
        return {}, ("the scores could belong to the pillar name above them or below them, and the page shows "
                    "no total to tell which: copy the whole page, with the “out of 100” line")
    return next(iter(choices.values())), None


def _labelled_groups(page: Page, side: str, allowed: set[int]) -> list[dict[str, Number]]:
    """Runs of pillar names, each with the score on its ``side``, in page
    order; a new run starts when a pillar comes back (the next score block)."""
    found = []
    for name, pattern in labels.PILLARS.items():
        for match in pattern.finditer(page.text):
            number = _beside(page, match, side)
            if number and number.start in allowed and number.value <= 25:
                found.append((match.start(), name, number))
    found.sort(key=lambda item: item[0])
    groups, current = [], {}
    for _, name, number in found:
        if name in current or any(number is n for n in current.values()):
            groups.append(current)
            current = {}
        current[name] = number
    if current:
        groups.append(current)
    # A run out of LinkedIn's order is not a score block (help text, tips).
    return [g for g in groups if list(g) == [p for p in ORDER if p in g]]


_STOPS = SEPARATORS.replace(" ", "")


def _label_span(page: Page, match: re.Match, start: int, end: int) -> tuple[int, int]:
    """The whole name around the words matched ("Ihre professionelle Marke
    aufbauen"): out to a separator, a digit or the line's end."""
    left, right = match.start(), match.end()
    low, high = max(start, left - _NAME), min(end, right + _NAME)
    while left > low and not (page.text[left - 1] in _STOPS or page.text[left - 1].isdigit()):
        left -= 1
    while right < high and not (page.text[right] in _STOPS or page.text[right].isdigit()):
        right += 1
    return left, right


def _beside(page: Page, match: re.Match, side: str) -> Number | None:
    """The number in the label's cell on ``side``, or alone on the next (or
    previous) line when the label stands alone on its own."""
    line = page.line_of(match.start())
    start, end = page.line_span(line)
    label_start, label_end = _label_span(page, match, start, end)
    if side == "after":
        rest = page.after(label_end, end)
        stripped = rest.lstrip(SEPARATORS)
        if stripped:
            number = page.number_at(label_end + len(rest) - len(stripped))
            return number if number and ends_cell(page.after(number.end, end)) else None
        return page.lone_number(page.nearby_line(line, 1))
    rest = page.before(start, label_start)
    stripped = rest.rstrip(SEPARATORS)
    if stripped:
        number = page.number_ending_at(label_start - (len(rest) - len(stripped)))
        if number is None:
            return None
        head = page.before(start, number.start).rstrip(" ")
        return number if head == "" or head[-1] in SEPARATORS else None
    return page.lone_number(page.nearby_line(line, -1))


def _structural(page: Page, free: list[Number], total: Decimal) -> dict[str, Number] | None:
    """Four standalone scores of 0–25 in a row that add up to the total: the
    pillars in LinkedIn's order, whatever the language — if only one such row
    (by its values) is on the page."""
    rows = {}
    for run in _runs(page, [n for n in free if page.standalone(n)]):
        for i in range(len(run) - 3):
            window = run[i:i + 4]
            if all(n.value <= 25 for n in window) and _near(sum(n.value for n in window), total):
                rows.setdefault(tuple(n.plain for n in window), dict(zip(ORDER, window, strict=True)))
    return next(iter(rows.values())) if len(rows) == 1 else None


def _row_after(page: Page, free: list[Number], total: Number) -> dict[str, Number] | None:
    """The first four standalone scores of 0–25 right after the total, where
    LinkedIn puts the pillars."""
    runs = _runs(page, [n for n in free if page.standalone(n) and n.start > total.start])
    first = runs[0][:4] if runs else []
    if len(first) == 4 and all(n.value <= 25 for n in first) and first[0].line - total.line <= 2:
        return dict(zip(ORDER, first, strict=True))
    return None


def _runs(page: Page, numbers: list[Number]) -> list[list[Number]]:
    """The numbers of one block: each within two lines of the one before (a
    score and its name), with no percentage or other figure between them."""
    runs: list[list[Number]] = []
    mine = {n.start for n in numbers}
    others = sorted([p.start for p in page.percents]
                    + [n.start for n in page.numbers if n.start not in mine and not denominator(page, n)])
    for number in numbers:
        last = runs[-1][-1] if runs else None
        between = bisect.bisect_left(others, number.start) - bisect.bisect_left(others, last.end) if last else 0
        if last is None or number.line - last.line > 2 or between:
            runs.append([number])
        else:
            runs[-1].append(number)
    return runs


def _agrees(row: dict[str, Number], group: dict[str, Number]) -> bool:
    return all(row[name].plain == number.plain for name, number in group.items())


def _sum(group: dict[str, Number]) -> Decimal:
    return sum((n.value for n in group.values()), Decimal(0))


def _near(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= TOLERANCE


def _key(group: dict[str, Number]) -> tuple:
    return tuple(sorted((name, n.plain) for name, n in group.items()))


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")
