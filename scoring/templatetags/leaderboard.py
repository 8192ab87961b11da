"""``{% board_rows board is_manager %}``: the leaderboard's table rows.

Built here as plain strings, each member's name escaped once, rather than with
template tags: fifty members are some 700 cells, which the template engine
renders several times slower, and every manager opens the page each morning.
"""

from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from scoring.summary import tenth

register = template.Library()

_ONE = Decimal("0.1")


def _one(value) -> str:
    """As floatformat:1, with – for none."""
    return "–" if value is None else str(Decimal(value).quantize(_ONE, rounding=ROUND_HALF_UP))


def _change(value) -> str:
    """A change cell: one decimal, green up, red down, 0.0 neither."""
    shown = tenth(value)
    if shown is None:
        return "<td>–</td>"
    css = "up" if shown > 0 else "down" if shown < 0 else ""
    return f'<td><span class="{css}">{"+" if shown > 0 else ""}{shown}</span></td>'


def _rank_change(change: int | None) -> str:
    if change is None:
        return "<td>–</td>"
    if change > 0:
        return f'<td><span class="up">▲{change}</span></td>'
    if change < 0:
        return f'<td><span class="down">▼{-change}</span></td>'
    return "<td>=</td>"


def _spark(points: str) -> str:
    if not points:
        return "<td></td>"
    return ('<td><svg class="spark" viewBox="0 0 100 24" width="100" height="24" preserveAspectRatio="none" '
            f'aria-hidden="true" focusable="false"><polyline points="{points}" fill="none" stroke="currentColor" '
            'stroke-width="1.5"/></svg></td>')


@register.simple_tag
def board_rows(board, is_manager: bool):
    """One <tr> per (row, sparkline points); managers get a compare box and a link to each member."""
    # One reverse() for the whole table: only the id differs between rows.
    link = reverse("scoring:person-dashboard", args=[0]).removesuffix("0/")
    lines = []
    for row, spark in board:
        name = escape(row.name)
        pick = (f'<td class="pick"><input type="checkbox" form="compare-picks" name="people" '
                f'value="{row.user_id}" aria-label="Compare {name}"></td>' if is_manager else "")
        shown_name = f'<a href="{link}{row.user_id}/">{name}</a>' if is_manager else name
        ssi = row.ssi_whole
        muted = "" if row.reporting else ' class="muted"'
        lines.append(
            f"<tr{muted}>{pick}"
            f'<td>{"–" if row.rank is None else row.rank}</td>{_rank_change(row.rank_change)}'
            f'<td class="name">{shown_name}</td><td>{"–" if ssi is None else ssi}</td>'
            f"{_change(row.delta7)}{_change(row.delta30)}"
            f"<td>{_one(row.brand)}</td><td>{_one(row.people)}</td><td>{_one(row.insights)}</td>"
            f"<td>{_one(row.relationships)}</td>"
            f'<td>{row.last_logged.isoformat() if row.last_logged else "never"}</td>{_spark(spark)}</tr>'
        )
    return mark_safe("\n".join(lines))
