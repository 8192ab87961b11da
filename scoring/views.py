from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from scoring import charts, summary
from tracking.access import can_manage, get_person_for_viewer


def _render_dashboard(request, person):
    key = request.GET.get("range", summary.DEFAULT_RANGE)
    if key not in summary.RANGES:
        key = summary.DEFAULT_RANGE
    start = summary.range_start(key, person.today())
    rows = summary.days_for(person, start)
    latest = rows[-1] if rows else None
    headline = summary.headline(person)
    context = {
        "person": person,
        "is_self": person.pk == request.user.pk,
        "can_manage": can_manage(request.user, person),
        "headline": headline,
        "pending": summary.has_pending_snapshots(person),
        "range": key,
        "ranges": summary.RANGE_LABELS,
        "rows": rows,
        "latest": latest,
    }
    if rows:
        context["figures"] = {
            "ssi": charts.ssi_figure(rows),
            "pillars": charts.pillars_figure(rows),
            "pillar_bars": charts.pillar_bars_figure(latest if latest["brand"] is not None else None),
            "ranks": charts.ranks_figure(rows),
        }
    return render(request, "scoring/dashboard.html", context)


@login_required
def dashboard(request):
    return _render_dashboard(request, request.user)


@login_required
def person_dashboard(request, person_id: int):
    return _render_dashboard(request, get_person_for_viewer(request.user, person_id))
