"""``{% figure fig "id" "Caption" %}``: one tag renders one chart.

The figure travels as JSON in a non-executable script element; static/js/charts.js
draws every ``[data-figure]`` on the page (no inline script, so the CSP holds).
"""

import orjson
from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# The characters that could close the <script> element or open a comment in it.
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def figure_json(fig: dict) -> str:
    return orjson.dumps(fig).decode().translate(_ESCAPES)


@register.simple_tag
def figure(fig: dict, element_id: str, caption: str, height: int = 320):
    return format_html(
        '<figure class="chart">'
        '<figcaption>{}</figcaption>'
        '<div class="chart-canvas" data-figure="{}" style="min-height:{}px"></div>'
        '<script type="application/json" id="{}">{}</script>'
        "</figure>",
        caption,
        f"{element_id}-data",
        height,
        f"{element_id}-data",
        mark_safe(figure_json(fig)),
    )
