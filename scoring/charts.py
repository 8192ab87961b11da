"""Figure builders: rows in, a Plotly figure (as a plain dict) out.

Figures are plain dicts in Plotly's JSON schema rather than ``go.Figure``
objects: building and validating a ``go.Figure`` costs 80–150 ms per chart on
this hardware, a dict under 2 ms. Tests validate every builder's output with
``plotly.graph_objects.Figure`` so the schema stays honest.

User text (a note) passes through ``safe_text`` and travels as customdata,
never inside a hovertemplate, because plotly.js renders pseudo-HTML (a live
``<a href>``) in names and hover text.
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
    "industry_avg": "#D55E00",
    "network_avg": "#009E73",
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


def data_range(values: Iterable[float | None], ceiling: float, min_span: float) -> list[float]:
    """A y-axis range that fits the data, so a change of a few points is visible:
    the values' span plus a margin, at least ``min_span`` wide, inside 0–ceiling.
    With nothing to draw, the whole scale."""
    present = [float(v) for v in values if v is not None]
    if not present:
        return [0, ceiling]
    low, high = min(present), max(present)
    pad = max((high - low) * 0.1, (min_span - (high - low)) / 2, 0.5)
    low, high = max(0.0, low - pad), min(float(ceiling), high + pad)
    if high - low < min_span:  # squeezed against 0 or the ceiling
        low, high = (0.0, min_span) if low == 0 else (ceiling - min_span, float(ceiling))
    return [round(low, 1), round(high, 1)]


def _scaled_axis(title: str, values: Iterable[float | None], ceiling: float, min_span: float) -> dict:
    """A y axis scaled to the data. Its range rarely starts at 0, so the axis line
    is drawn and the lowest value is labelled: the baseline is never implied."""
    low, high = data_range(values, ceiling, min_span)
    return {"title": {"text": title}, "range": [low, high], "showline": True, "linecolor": "rgba(127,127,127,0.8)",
            "ticks": "outside", "tick0": low, "autorange": False}


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


def bridge(x, y, color) -> dict:
    """A faint dotted line under a gapped series that joins its observations
    across missing days: the solid line still breaks where a day is missing, but
    the eye can follow the trend through it."""
    return {
        "type": "scatter", "mode": "lines", "x": x, "y": y, "name": "across missing days",
        "connectgaps": True, "showlegend": False, "hoverinfo": "skip", "opacity": 0.6,
        "line": {"color": color, "width": 1, "dash": "dot"}, "meta": {"table": False},
    }


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


def ssi_figure(rows: Sequence[dict], averages: Sequence[dict] = ()) -> dict:
    """SSI per observed day, its 7-day mean as a broad band-like line, and the
    industry's and network's average SSI as context where LinkedIn gave them.
    ``averages`` are {"date", "industry_avg", "network_avg"} rows."""
    cols = with_gaps(rows, ["ssi", "avg7"])
    context = with_gaps([a for a in averages if a["industry_avg"] is not None or a["network_avg"] is not None],
                        ["industry_avg", "network_avg"])
    data = [
        # zorder: the SSI line and its points draw over the broad mean.
        _line(cols["x"], cols["ssi"], "SSI", PALETTE["ssi"], mode="lines+markers", marker={"size": 4}, zorder=2),
        {"type": "scatter", "mode": "lines", "x": cols["x"], "y": cols["avg7"], "name": "7-day mean",
         "connectgaps": True, "line": {"color": PALETTE["avg7"], "width": 5, "shape": "spline"}, "opacity": 0.55,
         "hovertemplate": "%{y:.1f}<extra>7-day mean</extra>"},
        bridge(cols["x"], cols["ssi"], PALETTE["ssi"]) | {"zorder": 1},
    ]
    for field, label in (("industry_avg", "Industry average"), ("network_avg", "Network average")):
        if any(v is not None for v in context[field]):
            data.append(_line(context["x"], context[field], label, PALETTE[field], mode="lines",
                              line={"color": PALETTE[field], "width": 1.5, "dash": "dash"}))
    values = [*cols["ssi"], *cols["avg7"], *context["industry_avg"], *context["network_avg"]]
    return {"data": data, "layout": _layout(yaxis=_scaled_axis("SSI", values, 100, 10))}


def pillars_figure(rows: Sequence[dict]) -> dict:
    """The four pillars over time, each out of 25."""
    rows = [r for r in rows if r["brand"] is not None]
    cols = with_gaps(rows, rules.PILLARS)
    return {
        "data": [trace for p in rules.PILLARS for trace in (
            _line(cols["x"], cols[p], SHORT_PILLAR[p], PALETTE[p], mode="lines+markers", marker={"size": 4}, zorder=1),
            bridge(cols["x"], cols[p], PALETTE[p]),
        )],
        "layout": _layout(yaxis=_scaled_axis("points (of 25)", [v for p in rules.PILLARS for v in cols[p]], 25, 4)),
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
            _line(cols["x"], cols["industry_rank"], "Industry rank", PALETTE["industry_rank"], mode="lines+markers",
                  marker={"size": 4}, zorder=1, hovertemplate="Top %{y:.0f}%<extra>Industry</extra>"),
            _line(cols["x"], cols["network_rank"], "Network rank", PALETTE["network_rank"], mode="lines+markers",
                  marker={"size": 4}, zorder=1, hovertemplate="Top %{y:.0f}%<extra>Network</extra>"),
            bridge(cols["x"], cols["industry_rank"], PALETTE["industry_rank"]),
            bridge(cols["x"], cols["network_rank"], PALETTE["network_rank"]),
        ],
        "layout": _layout(yaxis={"title": {"text": "Top %"}, "autorange": "reversed", "ticksuffix": "%"}),
    }


def with_marks(fig: dict, notes: Sequence[tuple[dt.date, str]], target: Decimal | None = None) -> dict:
    """The figure with a vertical mark per annotated day and, on an SSI chart, the
    goal as a dashed horizontal line. Notes are user text: escaped by safe_text,
    they travel as customdata of a "Notes" trace whose hover shows them, never in
    a hovertemplate."""
    shapes = list(fig["layout"].get("shapes", []))
    labels = list(fig["layout"].get("annotations", []))
    yaxis = fig["layout"]["yaxis"]
    if target is not None and "range" in yaxis:
        # The goal stays on the chart even when the data sit far below it.
        low, high = yaxis["range"]
        yaxis["range"] = [min(low, float(target) - 2), max(high, min(100.0, float(target) + 2))]
    for day, _ in notes:
        shapes.append({
            "type": "line", "xref": "x", "yref": "paper", "x0": day.isoformat(), "x1": day.isoformat(),
            "y0": 0, "y1": 1, "line": {"color": "rgba(127,127,127,0.7)", "width": 1, "dash": "dot"},
        })
    if notes:
        # Just inside the top of the plot (where the pointer can reach it); on a
        # reversed axis (ranks) the top is the best rank, 1.
        if "range" in yaxis and yaxis.get("autorange") != "reversed":
            low, high = yaxis["range"]
            top = round(high - (high - low) * 0.04, 2)
        else:
            top = None
        fig["data"].append({
            "type": "scatter", "mode": "markers", "name": "Notes", "showlegend": False, "meta": {"table": False},
            "x": [day.isoformat() for day, _ in notes],
            # On a reversed axis (ranks) the top is the lowest value: 1.
            "y": [top if top is not None else 1] * len(notes),
            "cliponaxis": False,
            "marker": {"symbol": "triangle-down", "size": 11, "color": "rgba(127,127,127,0.9)"},
            "customdata": [safe_text(note[:200]) for _, note in notes],
            "hovertemplate": "%{x|%d %b %Y}: %{customdata}<extra>Note</extra>",
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
