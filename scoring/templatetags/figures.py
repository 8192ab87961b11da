"""``{% figure fig "id" "Caption" %}``: one tag renders one chart.

The figure travels as JSON in a non-executable script element; static/js/charts.js
draws every ``[data-figure]`` on the page (no inline script, so the CSP holds).
"""

from html import escape

import orjson
from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from scoring import chart_tables

register = template.Library()

def figure_json(fig: dict) -> str:
    # Escape the characters that could close the <script> element or open a
    # comment in it (str.replace: a chart's JSON runs to 100 KB).
    text = orjson.dumps(fig).decode()
    return text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")


def data_table(fig: dict, caption: str):
    """The chart's numbers as a table, collapsed under a summary anyone can open.

    Joined as plain strings, each cell escaped once: a team's heatmap is some
    700 cells, which format_html per cell makes several times slower."""
    table = chart_tables.table_for(fig)
    if table is None:
        return ""
    headers, rows = table
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join(
        f'<tr><th scope="row">{escape(row[0])}</th>' + "".join(f"<td>{escape(c)}</td>" for c in row[1:]) + "</tr>"
        for row in rows
    )
    return mark_safe(
        '<details class="chart-data"><summary>The data in this chart</summary>'
        f'<div class="table-scroll"><table><caption class="muted">{conditional_escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></details>"
    )


@register.simple_tag
def figure(fig: dict, element_id: str, caption: str, height: int = 320, table: bool = True):
    """A chart; with ``table`` (the default) also its numbers, for anyone who cannot see it."""
    return format_html(
        '<figure class="chart">'
        '<figcaption>{}</figcaption>'
        '<div class="chart-canvas" data-figure="{}" style="min-height:{}px"></div>'
        '<script type="application/json" id="{}">{}</script>'
        "{}"
        "</figure>",
        caption,
        f"{element_id}-data",
        height,
        f"{element_id}-data",
        mark_safe(figure_json(fig)),
        data_table(fig, caption) if table else "",
    )


def _two(value) -> str:
    """As floatformat:"-2": whole numbers plain, others with two decimals; – for none."""
    if value is None:
        return "–"
    return str(int(value)) if value == int(value) else f"{value:.2f}"


def _top(rank) -> str:
    return f"Top {rank}%" if rank else "–"


@register.simple_tag
def day_rows(rows):
    """The table rows behind the personal charts, newest first.

    Built here rather than in template tags: a year of days is ~3,000 cells,
    which the template engine renders ten times slower than this.
    """
    # Dates and numbers only: nothing to escape.
    return mark_safe("\n".join(
        f"<tr><td>{row['date'].isoformat()}</td><td>{_two(row['ssi'])}</td><td>{row['avg7']:.1f}</td>"
        f"<td>{_two(row['brand'])}</td><td>{_two(row['people'])}</td><td>{_two(row['insights'])}</td>"
        f"<td>{_two(row['relationships'])}</td><td>{_top(row['industry_rank'])}</td><td>{_top(row['network_rank'])}</td></tr>"
        for row in reversed(rows)
    ))
