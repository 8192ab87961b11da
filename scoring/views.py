from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import redirect, render

from scoring import charts, goals, insights, summary
from scoring.access import dashboard_rights
from scoring.forms import AnnotationForm, GoalForm
from scoring.models import Anomaly
from scoring.trends import anomaly_detail_text
from tracking.access import can_manage, get_person_for_viewer
from tracking.models import Team

# Anomalies older than this are history, not news.
ANOMALY_DAYS = 90
# A bound on any staleness the data stamp cannot see (a team renamed).
DASHBOARD_CACHE_SECONDS = 600


def _dashboard_data(person, key: str, today: dt.date, stamp: str) -> dict:
    """Everything the dashboard shows of ``person`` for range ``key``, whoever looks."""
    rows = summary.days_for(person, summary.range_start(key, today))
    latest = rows[-1] if rows else None
    headline = summary.headline(person)
    current_goals = goals.current_goals(person)
    effects = summary.annotation_effects(person)
    notes = [(e.annotation.date, e.annotation.note) for e in effects
             if rows and rows[0]["date"] <= e.annotation.date <= today]
    last_day = summary.days_for(person, headline.as_of)[-1] if headline else None
    anomalies = list(Anomaly.objects.filter(user=person, date__gte=today - dt.timedelta(days=ANOMALY_DAYS))
                     .order_by("-date", "kind"))
    team_names = dict(Team.objects.filter(pk__in={a.team_id for a in anomalies}).values_list("pk", "name"))
    data = {
        "headline": headline,
        "pending": summary.has_pending_snapshots(person),
        "rows": rows,
        "latest": latest,
        "trend": summary.trend_for(person) if headline else None,
        "last_day": last_day,
        "standings": summary.standings(person),
        "coaching": summary.coaching(person, last_day),
        "goal_history": goals.history(person),
        "effects": effects,
        "anomalies": [(a, anomaly_detail_text(a, team_names)) for a in anomalies],
        # The permutation tests do not depend on the range or the day: once per data change.
        "evidence": cache.get_or_set(f"evidence:{person.pk}:{stamp}", lambda: insights.evidence_for(person),
                                     timeout=DASHBOARD_CACHE_SECONDS),
    }
    data["projections"] = [goals.project(g, last_day, data["trend"]) for g in current_goals]
    if rows:
        target = current_goals[0].target_ssi if current_goals else None
        data["figures"] = {
            "ssi": charts.with_marks(
                charts.ssi_figure(rows, summary.averages_for(person, summary.range_start(key, today))), notes, target),
            "pillars": charts.with_marks(charts.pillars_figure(rows), notes),
            "pillar_bars": charts.pillar_bars_figure(latest if latest["brand"] is not None else None),
            "ranks": charts.with_marks(charts.ranks_figure(rows), notes),
        }
    return data


def _render_dashboard(request, person, goal_form=None, note_form=None, status=200):
    key = request.GET.get("range", summary.DEFAULT_RANGE)
    if key not in summary.RANGES:
        key = summary.DEFAULT_RANGE
    today = person.today()
    # The dashboard is a pure function of the rows the stamp fingerprints (and
    # of the day): cached under it, a reload costs one query, and any change to
    # those rows makes a new key.
    stamp = summary.data_stamp(person)
    cache_key = f"dashboard:{person.pk}:{key}:{today}:{stamp}"
    data = cache.get(cache_key)
    if data is None:
        data = _dashboard_data(person, key, today, stamp)
        cache.set(cache_key, data, timeout=DASHBOARD_CACHE_SECONDS)
    managing = can_manage(request.user, person)
    context = {
        **data,
        "person": person,
        "is_self": person.pk == request.user.pk,
        "can_manage": managing,
        "range": key,
        "ranges": summary.RANGE_LABELS,
        "goal_form": goal_form or (GoalForm(today=today) if managing else None),
        "note_form": note_form or (AnnotationForm(today=today, initial={"date": today}) if managing else None),
        **dashboard_rights(request.user, person, data),
    }
    return render(request, "scoring/dashboard.html", context, status=status)


def _back(request, person):
    return redirect("scoring:dashboard") if person.pk == request.user.pk else redirect("scoring:person-dashboard", person.pk)


@login_required
def dashboard(request):
    return _render_dashboard(request, request.user)


@login_required
def person_dashboard(request, person_id: int):
    return _render_dashboard(request, get_person_for_viewer(request.user, person_id))
