"""The text equivalent of a figure: the numbers it draws, as a table.

Every chart on every page carries one (``{% figure %}`` renders it in a
collapsed <details>), so a screen reader, a keyboard user or anyone who wants
the exact value gets the same data the picture shows.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

# Traces that carry this are left out (members' own lines behind a team band:
# the leaderboard and the heatmap give those per person).
NO_TABLE = {"meta": {"table": False}}

_BOX_STATS = (("lowerfence", "Lowest"), ("q1", "25th percentile"), ("median", "Median"),
              ("q3", "75th percentile"), ("upperfence", "Highest"))


def _text(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}"
    return html.unescape(str(value))  # names arrive escaped for plotly.js; the table escapes them again


def _in_table(trace: dict) -> bool:
    return (trace.get("meta") or {}).get("table", True) is not False


def table_for(fig: dict) -> tuple[list[str], list[list[str]]] | None:
    """(column headers, rows) for ``fig``, or None when it draws nothing."""
    traces = [t for t in fig.get("data", []) if _in_table(t)]
    if not traces:
        return None
    kind = traces[0].get("type", "scatter")
    if kind == "heatmap":
        trace = traces[0]
        headers = ["", *(_text(x) for x in trace["x"])]
        return headers, [[_text(y), *(_text(v) for v in row)] for y, row in zip(trace["y"], trace["z"], strict=True)]
    if kind == "box":
        headers = ["", *(label for _, label in _BOX_STATS)]
        return headers, [[_text(t["name"]), *(_text(t[key][0]) for key, _ in _BOX_STATS)] for t in traces]
    return _by_category(traces)


def _by_category(traces: Sequence[dict]) -> tuple[list[str], list[list[str]]] | None:
    """Lines and bars: one row per x (or y, for horizontal bars), a column per trace."""
    columns: list[dict] = []
    order: list = []
    for trace in traces:
        keys, values = (trace["y"], trace["x"]) if trace.get("orientation") == "h" else (trace["x"], trace["y"])
        column = {}
        for key, value in zip(keys, values, strict=True):
            if value is None and key not in column:
                continue  # a gap plotly.js draws as a break, not a reading
            if key not in column and all(key not in c for c in columns):
                order.append(key)
            column[key] = value
        columns.append(column)
    if not order:
        return None
    headers = ["", *(_text(t.get("name", "")) for t in traces)]
    return headers, [[_text(key), *(_text(c.get(key)) for c in columns)] for key in order]
