"""``{% figure fig "id" "Caption" %}``: one tag renders one chart.

The figure travels as JSON in a non-executable script element; static/js/charts.js
draws every ``[data-figure]`` on the page (no inline script, so the CSP holds).
"""

import orjson
from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from scoring import chart_tables

register = template.Library()

# The characters that could close the <script> element or open a comment in it.
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def figure_json(fig: dict) -> str:
    return orjson.dumps(fig).decode().translate(_ESCAPES)


def data_table(fig: dict, caption: str):
    """The chart's numbers as a table, collapsed under a summary anyone can open."""
    table = chart_tables.table_for(fig)
    if table is None:
        return ""
    headers, rows = table
    return format_html(
        '<details class="chart-data"><summary>The data in this chart</summary>'
        '<div class="table-scroll"><table><caption class="muted">{}</caption>'
        "<thead><tr>{}</tr></thead><tbody>{}</tbody></table></div></details>",
        caption,
        format_html_join("", '<th scope="col">{}</th>', ((h,) for h in headers)),
        format_html_join(
            "",
            "<tr>{}</tr>",
            ((format_html('<th scope="row">{}</th>{}', row[0],
                          format_html_join("", "<td>{}</td>", ((c,) for c in row[1:]))),) for row in rows),
        ),
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
    return format_html_join(
        "\n",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                row["date"].isoformat(), _two(row["ssi"]), f"{row['avg7']:.1f}", _two(row["brand"]),
                _two(row["people"]), _two(row["insights"]), _two(row["relationships"]),
                _top(row["industry_rank"]), _top(row["network_rank"]),
            )
            for row in reversed(rows)
        ),
    )
