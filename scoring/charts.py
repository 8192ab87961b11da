"""Figure builders: rows in, a Plotly figure (as a plain dict) out.

Figures are plain dicts in Plotly's JSON schema rather than ``go.Figure``
objects: building and validating a ``go.Figure`` costs 80–150 ms per chart on
this hardware, a dict under 2 ms. Tests validate every builder's output with
``plotly.graph_objects.Figure`` so the schema stays honest.

Nothing user-supplied goes into a figure's text here; where a later figure
needs a person's name it must pass through ``safe_text``, because plotly.js
renders pseudo-HTML (a live ``<a href>``) in names and hover text.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Sequence
from decimal import Decimal

from tracking import rules

# Okabe–Ito: distinguishable with every common colour-vision deficiency.
PALETTE = {
    "ssi": "#0072B2",
    "avg7": "#E69F00",
    "brand": "#0072B2",
    "people": "#E69F00",
    "insights": "#009E73",
    "relationships": "#CC79A7",
    "industry_rank": "#D55E00",
    "network_rank": "#56B4E9",
    "headroom": "rgba(127,127,127,0.25)",
}

SHORT_PILLAR = {
    "brand": "Brand",
    "people": "People",
    "insights": "Insights",
    "relationships": "Relationships",
}

_LAYOUT = {
    "margin": {"l": 48, "r": 16, "t": 16, "b": 40},
    "hovermode": "x unified",
    "legend": {"orientation": "h", "y": -0.2},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "font": {"family": "system-ui, sans-serif", "size": 13},
    # automargin: tick labels and titles push the plot in rather than being cut
    # off, at any width.
    "xaxis": {"type": "date", "gridcolor": "rgba(127,127,127,0.2)", "automargin": True},
    "yaxis": {"gridcolor": "rgba(127,127,127,0.2)", "zeroline": False, "automargin": True},
}


def safe_text(text: str) -> str:
    """User text made inert for plotly.js, which renders <a>, <b>, <br> in labels."""
    return html.escape(text, quote=False)


def _num(value: Decimal | int | None) -> float | None:
    return None if value is None else float(value)


def _layout(**overrides) -> dict:
    layout = {key: (dict(value) if isinstance(value, dict) else value) for key, value in _LAYOUT.items()}
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key].update(value)
        else:
            layout[key] = value
    return layout


def with_gaps(rows: Sequence[dict], fields: Iterable[str]) -> dict[str, list]:
    """Columns for a line chart where a missing day breaks the line.

    Between two observations more than a day apart a null point is inserted, so
    plotly.js (connectgaps off) draws a gap instead of an invented straight line.
    """
    fields = list(fields)
    columns: dict[str, list] = {"x": [], **{f: [] for f in fields}}
    previous: dt.date | None = None
    for row in rows:
        day = row["date"]
        if previous is not None and (day - previous).days > 1:
            columns["x"].append((previous + dt.timedelta(days=1)).isoformat())
            for f in fields:
                columns[f].append(None)
        columns["x"].append(day.isoformat())
        for f in fields:
            columns[f].append(_num(row[f]))
        previous = day
    return columns


def _line(x, y, name, color, **extra) -> dict:
    return {
        "type": "scatter",
        "mode": "lines+markers" if len(x) < 60 else "lines",
        "x": x,
        "y": y,
        "name": name,
        "connectgaps": False,
        "line": {"color": color, "width": 2},
        "marker": {"size": 5},
        "hovertemplate": "%{y:.1f}<extra>" + name + "</extra>",
        **extra,
    }


def ssi_figure(rows: Sequence[dict]) -> dict:
    """SSI per observed day with its 7-day mean."""
    cols = with_gaps(rows, ["ssi", "avg7"])
    return {
        "data": [
            _line(cols["x"], cols["ssi"], "SSI", PALETTE["ssi"]),
            _line(cols["x"], cols["avg7"], "7-day mean", PALETTE["avg7"], line={"color": PALETTE["avg7"], "width": 2, "dash": "dot"}),
        ],
        "layout": _layout(yaxis={"title": {"text": "SSI"}, "rangemode": "tozero"}),
    }


def pillars_figure(rows: Sequence[dict]) -> dict:
    """The four pillars over time, each out of 25."""
    rows = [r for r in rows if r["brand"] is not None]
    cols = with_gaps(rows, rules.PILLARS)
    return {
        "data": [_line(cols["x"], cols[p], SHORT_PILLAR[p], PALETTE[p]) for p in rules.PILLARS],
        "layout": _layout(yaxis={"title": {"text": "points (of 25)"}, "range": [0, 25]}),
    }


def pillar_bars_figure(latest: dict | None) -> dict:
    """The latest pillars against the 25-point maximum: value plus headroom."""
    values = [_num(latest[p]) if latest else None for p in rules.PILLARS]
    labels = [SHORT_PILLAR[p] for p in rules.PILLARS]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": labels,
                "x": values,
                "name": "Score",
                "marker": {"color": [PALETTE[p] for p in rules.PILLARS]},
                "text": [f"{v:.1f}" if v is not None else "" for v in values],
                "textposition": "inside",
                "hovertemplate": "%{y}: %{x:.2f} of 25<extra></extra>",
            },
            {
                "type": "bar",
                "orientation": "h",
                "y": labels,
                "x": [25 - v if v is not None else None for v in values],
                "name": "Headroom to 25",
                "marker": {"color": PALETTE["headroom"]},
                "hovertemplate": "%{y}: %{x:.2f} to go<extra></extra>",
            },
        ],
        "layout": _layout(
            barmode="stack",
            showlegend=False,
            hovermode="closest",
            xaxis={"type": "linear", "range": [0, 25], "title": {"text": "points (of 25)"}},
            yaxis={"autorange": "reversed"},
            margin={"l": 8, "r": 16, "t": 8, "b": 40},
        ),
    }


def ranks_figure(rows: Sequence[dict]) -> dict:
    """Industry and network rank as "Top N%": lower is better, so the axis is reversed."""
    rows = [r for r in rows if r["industry_rank"] is not None or r["network_rank"] is not None]
    cols = with_gaps(rows, ["industry_rank", "network_rank"])
    return {
        "data": [
            _line(cols["x"], cols["industry_rank"], "Industry rank", PALETTE["industry_rank"],
                  hovertemplate="Top %{y}%<extra>Industry</extra>"),
            _line(cols["x"], cols["network_rank"], "Network rank", PALETTE["network_rank"],
                  hovertemplate="Top %{y}%<extra>Network</extra>"),
        ],
        "layout": _layout(yaxis={"title": {"text": "Top %"}, "autorange": "reversed", "ticksuffix": "%"}),
    }


def with_marks(fig: dict, notes: Sequence[tuple[dt.date, str]], target: Decimal | None = None) -> dict:
    """The figure with a vertical mark per annotated day and, on an SSI chart, the
    goal as a dashed horizontal line. Notes are user text: escaped by safe_text,
    shown as hover text on the mark's label, never in a hovertemplate."""
    shapes = list(fig["layout"].get("shapes", []))
    labels = list(fig["layout"].get("annotations", []))
    for day, note in notes:
        shapes.append({
            "type": "line", "xref": "x", "yref": "paper", "x0": day.isoformat(), "x1": day.isoformat(),
            "y0": 0, "y1": 1, "line": {"color": "rgba(127,127,127,0.7)", "width": 1, "dash": "dot"},
        })
        labels.append({
            "xref": "x", "yref": "paper", "x": day.isoformat(), "y": 1, "yanchor": "bottom",
            "text": "✎", "showarrow": False, "hovertext": safe_text(note[:200]),
        })
    if target is not None:
        shapes.append({
            "type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": float(target), "y1": float(target),
            "line": {"color": PALETTE["ssi"], "width": 1, "dash": "dash"},
        })
        labels.append({
            "xref": "paper", "yref": "y", "x": 1, "y": float(target), "xanchor": "right", "yanchor": "bottom",
            "text": f"Goal {float(target):g}", "showarrow": False,
        })
    fig["layout"]["shapes"] = shapes
    fig["layout"]["annotations"] = labels
    return fig
