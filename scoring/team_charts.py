"""Figure builders for teams, comparisons and the organisation: rows in, a
Plotly figure (a plain dict) out. The numbers come from scoring/teams.py.

People's names are user text: they pass through ``charts.safe_text`` and reach
hover labels only as data (a trace's name, a category), never as part of a
``hovertemplate`` string.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence

from scoring.chart_tables import NO_TABLE
from scoring.charts import PALETTE, SHORT_PILLAR, _layout, _scaled_axis, data_range, safe_text
from scoring.teams import BandPoint, Spread
from tracking import rules

# Okabe–Ito again, for up to six people side by side.
PEOPLE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
MEMBER_LINE = "rgba(120,130,145,0.55)"
BAND_FILL = "rgba(0,114,178,0.18)"
TEAM_COLOUR = "#0072B2"
ORG_COLOUR = "#E69F00"



def gapped(points: Sequence[tuple], step: int, tolerance: int | None = None) -> tuple[list, list]:
    """x and y for a line that breaks where a period has no value: a null point
    goes one step after the last value before each gap (plotly.js draws a gap).
    With ``tolerance``, only a gap longer than that breaks the line: a person who
    logs every other day still reads as a line, a silent fortnight as a gap."""
    xs: list = []
    ys: list = []
    limit = tolerance or step
    previous = None
    for x, y in points:
        if isinstance(x, dt.date):
            # Dates as ordinals: a team's fifty lines are a few thousand points.
            day = x.toordinal()
            if previous is not None and day - previous > limit:
                xs.append(_iso(previous + step))
                ys.append(None)
            xs.append(_iso(day))
        else:
            day = x
            if previous is not None and day - previous > limit:
                xs.append(previous + 1)
                ys.append(None)
            xs.append(x)
        ys.append(y)
        previous = day
    return xs, ys


@functools.lru_cache(maxsize=4096)
def _iso(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


def _axis_title(metric: str) -> str:
    return "SSI" if metric == "ssi" else "points (of 25)"


def _ceiling(metric: str) -> int:
    return 100 if metric == "ssi" else 25


def _axis(metric: str, traces: Sequence[dict], title: str | None = None) -> dict:
    """A y axis scaled to what ``traces`` draw (changes of a few points show)."""
    values = [v for t in traces for v in t.get("y", [])]
    return _scaled_axis(title or _axis_title(metric), values, _ceiling(metric), 10 if metric == "ssi" else 4)


def _tenth(value: float | None) -> float | None:
    # Charts show one decimal; sending three would add ~15% to a long chart's JSON.
    return None if value is None else round(value, 1)


# A person's line bridges up to a week without a reading (the window in which a
# member still counts as reporting); a longer silence breaks it.
PERSON_TOLERANCE_DAYS = 7


def _person_line(name: str, points: Sequence[tuple], step: int, color: str, width: float = 1.5,
                 hover: str = "%{x|%d %b %Y}: %{y:.1f}", tolerance: int | None = PERSON_TOLERANCE_DAYS) -> dict:
    xs, ys = gapped(points, step, tolerance)
    # The name shows in the hover label's side box (plotly's default for an
    # empty <extra>), escaped once here rather than repeated per point; the
    # template itself carries no user text.
    return {
        "type": "scatter",
        "mode": "lines",
        "x": xs,
        "y": [_tenth(y) for y in ys],
        "name": safe_text(name),
        "connectgaps": False,
        "line": {"color": color, "width": width},
        "hovertemplate": hover,
    }


def _band_traces(xs, p25, p75, median, band_name: str, median_name: str) -> list[dict]:
    """A median line over a shaded p25–p75 band (the band fills up to p75 from p25).
    The band's edges take no hover of their own, so a member's line under the
    pointer is what it names; the median's label carries the band."""
    return [
        {"type": "scatter", "mode": "lines", "x": xs, "y": p25, "name": "25th percentile",
         "line": {"width": 0}, "connectgaps": False, "showlegend": False, "hoverinfo": "skip"},
        {"type": "scatter", "mode": "lines", "x": xs, "y": p75, "name": band_name,
         "line": {"width": 0}, "fill": "tonexty", "fillcolor": BAND_FILL, "connectgaps": False, "hoverinfo": "skip"},
        {"type": "scatter", "mode": "lines", "x": xs, "y": median, "name": median_name,
         "line": {"color": TEAM_COLOUR, "width": 3}, "connectgaps": False,
         "customdata": [[lo, hi] for lo, hi in zip(p25, p75, strict=True)],
         "hovertemplate": "median %{y:.1f} · middle half %{customdata[0]:.1f}–%{customdata[1]:.1f}"
                          "<extra>" + median_name + "</extra>"},
    ]


def team_band_figure(
    band: Sequence[BandPoint],
    metric: str,
    members: Sequence[tuple[str, Sequence[tuple]]] = (),
    weekly: bool = False,
) -> dict:
    """The team's median with its p25–p75 band; with ``members`` (managers
    only), every member's own line behind it."""
    step = 7 if weekly else 1
    data = []
    for name, points in members:
        data.append(_person_line(name, points, step, MEMBER_LINE, width=1) | {"showlegend": False} | NO_TABLE)
    xs, p25 = gapped([(p.date, p.p25) for p in band], step)
    _, p75 = gapped([(p.date, p.p75) for p in band], step)
    _, median = gapped([(p.date, p.median) for p in band], step)
    data += _band_traces(xs, p25, p75, median, "Middle half of the team (p25–p75)", "Team median")
    return {"data": data, "layout": _layout(hovermode="closest", yaxis=_axis(metric, data))}


def aligned_figure(
    members: Sequence[tuple[str, Sequence[tuple[int, float]]]],
    band: Sequence[tuple[int, float, float, float, int]],
    metric: str,
    weekly: bool,
) -> dict:
    """Members' lines by time since each one's first logged day, with the median
    and p25–p75 of those who had reached that point."""
    unit = "week" if weekly else "day"
    data = [_person_line(name, points, 1, MEMBER_LINE, width=1, hover=unit + " %{x}: %{y:.1f}",
                         tolerance=1 if weekly else PERSON_TOLERANCE_DAYS)
            | {"showlegend": False} | NO_TABLE for name, points in members]
    steps, p25 = gapped([(s, lo) for s, _, lo, _, _ in band], 1)
    _, p75 = gapped([(s, hi) for s, _, _, hi, _ in band], 1)
    _, median = gapped([(s, m) for s, m, _, _, _ in band], 1)
    data += _band_traces(steps, p25, p75, median, "Middle half (p25–p75)", "Median at the same point")
    return {
        "data": data,
        "layout": _layout(
            hovermode="closest",
            xaxis={"type": "linear", "title": {"text": "weeks since first logged day" if weekly else "days since first logged day"}},
            # Below the axis title, not on top of it.
            legend={"orientation": "h", "y": -0.32},
            yaxis=_axis(metric, data),
        ),
    }


def _box(name: str, s: Spread, color: str, offsetgroup: str | None = None) -> dict:
    # Precomputed quartiles: the figure carries five numbers per box, never the
    # individual scores behind them.
    box = {
        "type": "box",
        "name": name,
        "x": [name],
        "q1": [s.p25],
        "median": [s.median],
        "q3": [s.p75],
        "lowerfence": [s.low],
        "upperfence": [s.high],
        "marker": {"color": color},
        "boxpoints": False,
        "hoverinfo": "y",
    }
    if offsetgroup:
        box["offsetgroup"] = offsetgroup
    return box


def pillar_boxes_figure(spreads: Mapping[str, Spread | None]) -> dict:
    """Each pillar's spread across the team's reporting members."""
    shown = [p for p in rules.PILLARS if spreads.get(p)]
    data = [_box(SHORT_PILLAR[p], spreads[p], PALETTE[p]) for p in shown]
    return {
        "data": data,
        "layout": _layout(
            showlegend=False, hovermode="closest",
            xaxis={"type": "category"},
            yaxis=_axis("brand", [{"y": [v for p in shown for v in (spreads[p].low, spreads[p].high)]}]),
        ),
    }


def unique_labels(names: Sequence[str]) -> list[str]:
    """Escaped names, with "(2)", "(3)" … after repeats, so two people called
    the same are two rows on a category axis, not one."""
    seen: dict[str, int] = {}
    labels = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        labels.append(safe_text(name if seen[name] == 1 else f"{name} ({seen[name]})"))
    return labels


def heatmap_figure(weeks: Sequence[dt.date], names: Sequence[str], z: Sequence[Sequence[float | None]], metric: str) -> dict:
    """Members (rows) × weeks (columns), coloured by the week's mean on a scale
    that runs from the lowest cell to the highest: the colours show who and
    which weeks differ, not where everyone sits on 0–100."""
    labels = unique_labels(names)
    cells = [_tenth(v) for row in z for v in row]
    zmin, zmax = data_range(cells, _ceiling(metric), 4 if metric == "ssi" else 2)
    return {
        "data": [{
            "type": "heatmap",
            "x": [w.isoformat() for w in weeks],
            "y": labels,
            "z": [[_tenth(v) for v in row] for row in z],
            "colorscale": "Viridis",
            "zmin": zmin,
            "zmax": zmax,
            "hoverongaps": False,
            "hovertemplate": "%{y}<br>week of %{x}: %{z:.1f}<extra></extra>",
            "colorbar": {"title": {"text": "SSI" if metric == "ssi" else "points"}},
        }],
        "layout": _layout(
            hovermode="closest",
            height=max(240, 22 * len(labels) + 80),
            yaxis={"type": "category", "autorange": "reversed", "gridcolor": "rgba(0,0,0,0)"},
            margin={"l": 8, "r": 8, "t": 8, "b": 40},
        ),
    }


def versus_organisation_figure(team: Mapping[str, Spread | None], organisation: Mapping[str, Spread | None]) -> dict:
    """The team's median pillars beside the whole organisation's."""
    labels = [SHORT_PILLAR[p] for p in rules.PILLARS]

    def medians(spreads):
        return [spreads[p].median if spreads.get(p) else None for p in rules.PILLARS]

    return {
        "data": [
            {"type": "bar", "x": labels, "y": medians(team), "name": "This team (median)",
             "marker": {"color": TEAM_COLOUR}, "hovertemplate": "%{x}: %{y:.1f}<extra>team</extra>"},
            {"type": "bar", "x": labels, "y": medians(organisation), "name": "Whole organisation (median)",
             "marker": {"color": ORG_COLOUR}, "hovertemplate": "%{x}: %{y:.1f}<extra>organisation</extra>"},
        ],
        "layout": _layout(
            barmode="group", hovermode="closest",
            xaxis={"type": "category"},
            yaxis={"title": {"text": "points (of 25)"}, "range": [0, 25]},
        ),
    }


def compare_figures(people: Sequence[tuple[str, Mapping[str, Sequence[tuple]]]], weekly: bool) -> dict[str, dict]:
    """One figure for the totals and one per pillar, each person in their own
    colour across all of them. ``people`` is (name, {metric: points})."""
    step = 7 if weekly else 1
    figures = {}
    for metric in ("ssi", *rules.PILLARS):
        data = [
            _person_line(name, series.get(metric, []), step, PEOPLE_COLOURS[i % len(PEOPLE_COLOURS)], width=2,
                         hover="%{y:.1f}")
            for i, (name, series) in enumerate(people)
        ]
        figures[metric] = {
            "data": data,
            # Everyone's value on the day under the pointer, under that date.
            "layout": _layout(hovermode="x unified", xaxis={"hoverformat": "%d %b %Y"}, yaxis=_axis(metric, data)),
        }
    return figures


def organisation_figure(teams: Sequence[tuple[str, Sequence[tuple]]], weekly: bool) -> dict:
    """Each team's median SSI over time, side by side."""
    step = 7 if weekly else 1
    data = [
        _person_line(name, points, step, PEOPLE_COLOURS[i % len(PEOPLE_COLOURS)], width=2)
        for i, (name, points) in enumerate(teams)
    ]
    return {"data": data, "layout": _layout(hovermode="x unified", xaxis={"hoverformat": "%d %b %Y"},
                                            yaxis=_axis("ssi", data, "median SSI"))}


def organisation_boxes_figure(teams: Sequence[tuple[str, Spread]]) -> dict:
    """Each team's current SSI spread."""
    data = [
        _box(safe_text(name), s, PEOPLE_COLOURS[i % len(PEOPLE_COLOURS)])
        for i, (name, s) in enumerate(teams)
    ]
    return {
        "data": data,
        "layout": _layout(showlegend=False, hovermode="closest", xaxis={"type": "category"},
                          yaxis=_axis("ssi", [{"y": [s.low for _, s in teams] + [s.high for _, s in teams]}])),
    }


def sparkline(values: Sequence[float], width: int = 100, height: int = 24) -> str:
    """SVG polyline points for a small inline trend: drawn by the browser from
    the page itself, no script and no figure JSON per row."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    spread = (high - low) or 1.0
    step = width / (len(values) - 1)
    return " ".join(
        f"{i * step:.1f},{height - 1 - (v - low) / spread * (height - 2):.1f}" for i, v in enumerate(values)
    )

