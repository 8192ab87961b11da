from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.shortcuts import redirect, render

from scoring import charts, goals, summary, summary_store
from scoring.access import dashboard_rights
from scoring.forms import AnnotationForm, GoalForm
from scoring.models import Annotation, Anomaly, RecomputeRequest, UserDay
from scoring.trends import anomaly_detail_text
from tracking.access import can_manage, get_person_for_viewer, managed_team_slugs
from tracking.models import Team

# Anomalies older than this are history, not news.
ANOMALY_DAYS = 90


# The dashboard's reads of its person, written out: Manager.raw gives the same
# model instances as the ORM without compiling each query on every visit
# (about a millisecond each, a sixth of a dashboard's time).
_NOTES_SQL = f"SELECT * FROM {Annotation._meta.db_table} WHERE user_id = %s ORDER BY date, id"
_ANOMALIES_SQL = f"SELECT * FROM {Anomaly._meta.db_table} WHERE user_id = %s AND date >= %s ORDER BY date DESC, kind"
# A change the recompute has not taken in yet (a snapshot, a goal, a note).
_PENDING_SQL = f"SELECT EXISTS (SELECT 1 FROM {RecomputeRequest._meta.db_table} WHERE user_id = %s)"


def _pending(person) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(_PENDING_SQL, [person.pk])
        return cursor.fetchone()[0]


def _dashboard_data(person, key: str, today: dt.date) -> dict:
    """Everything the dashboard shows of ``person`` for range ``key``, whoever
    looks: stored figures (the summary the recompute wrote) and the days the
    charts draw; nothing computed here."""
    start = summary.range_start(key, today)
    rows = summary.days_for(person, start)
    stored = summary_store.read(person)
    current, replaced = goals.shown(person)
    notes = list(Annotation.objects.raw(_NOTES_SQL, [person.pk]))
    anomalies = list(Anomaly.objects.raw(_ANOMALIES_SQL, [person.pk, today - dt.timedelta(days=ANOMALY_DAYS)]))
    team_ids = {a.team_id for a in anomalies if a.team_id}
    team_names = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name")) if team_ids else {}
    pending = _pending(person)
    projections = {goal.pk: stored.projection(goal) if stored else None for goal in current}
    effects, effects_pending = stored.effects(notes) if stored else ([], False)
    goal = current[0] if current else None
    data = {
        "headline": stored.headline if stored else None,
        "pending": pending,
        # Derived days without a summary yet (an upgrade, before the worker has
        # filled everyone's): the figures are on their way, not missing.
        "preparing": stored is None and UserDay.objects.filter(user=person).exists(),
        "rows": rows,
        "latest": rows[-1] if rows else None,
        "trend": stored.trend if stored else None,
        "last_day": stored.latest if stored else None,
        "standings": summary_store.standings(person),
        "coaching": stored.coaching if stored else None,
        # Each current goal with its stored projection (None while the
        # recompute has not seen the goal as it stands).
        "goals": current,
        "goal_items": [(g, projections[g.pk]) for g in current],
        "goal_history": replaced,
        "effects": effects,
        "effects_pending": effects_pending,
        "anomalies": [(a, anomaly_detail_text(a, team_names)) for a in anomalies],
        "evidence": stored.evidence if stored else None,
    }
    if rows:
        marks = [(n.date, n.note) for n in notes if rows[0]["date"] <= n.date <= today]
        target = goal.target_ssi if goal else None
        data["figures"] = {
            "ssi": charts.with_marks(charts.ssi_figure(rows, rows), marks, target),
            "pillars": charts.with_marks(charts.pillars_figure(rows), marks),
            "pillar_bars": charts.pillar_bars_figure(rows[-1] if rows[-1]["brand"] is not None else None),
            "ranks": charts.with_marks(charts.ranks_figure(rows), marks),
        }
    return data


def _render_dashboard(request, person, goal_form=None, note_form=None, status=200):
    key = request.GET.get("range", summary.DEFAULT_RANGE)
    if key not in summary.RANGES:
        key = summary.DEFAULT_RANGE
    today = person.today()
    data = _dashboard_data(person, key, today)
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
def home(request):
    """Where each role's work is: admins the organisation, a manager their team
    (or, with several, a summary of each), everyone else their own SSI."""
    if request.user.is_staff:
        return redirect("scoring:organisation")
    managed = managed_team_slugs(request.user, 2)
    if len(managed) == 1:
        return redirect("scoring:team", managed[0])
    if managed:
        return redirect("scoring:my-teams")
    return _render_dashboard(request, request.user)


@login_required
def dashboard(request):
    return _render_dashboard(request, request.user)


@login_required
def person_dashboard(request, person_id: int):
    return _render_dashboard(request, get_person_for_viewer(request.user, person_id))
