"""Goals and notes on a personal dashboard: setting, editing and deleting them.

Who may set them: the person, their managers and admins (tracking.access);
who may change one once set: whoever set or wrote it, and admins
(scoring.access). Every change asks for the person's derived rows from
their today on, so the stored summary follows.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import render
from django.views.decorators.http import require_POST

from scoring import goals, outbox
from scoring.access import get_goal_to_change, get_note_to_change
from scoring.forms import AnnotationForm, GoalForm
from scoring.views import _back, _render_dashboard
from tracking import rules
from tracking.access import get_person_to_manage


def describe(goal) -> str:
    return f"{rules.plain(goal.target_ssi)} by {goal.target_date:%-d %B %Y}"


def _changed(person) -> None:
    """Inside the change's transaction: the person's stored summary is stale from today."""
    outbox.request_recompute([person.pk], person.today())


@login_required
@require_POST
def set_goal(request, person_id: int):
    person = get_person_to_manage(request.user, person_id)
    form = GoalForm(request.POST, today=person.today())
    if not form.is_valid():
        return _render_dashboard(request, person, goal_form=form, status=400)
    with transaction.atomic():
        replaced = goals.set_goal(form.save(commit=False), person, request.user)
        _changed(person)
    if replaced is None:
        messages.success(request, "Goal saved.")
    else:
        messages.success(request, f"Goal saved. It replaces the goal of {describe(replaced)}, "
                                  "which is kept under Earlier goals.")
    return _back(request, person)


@login_required
def edit_goal(request, goal_id: int):
    goal = get_goal_to_change(request.user, goal_id)
    person = goal.user
    form = GoalForm(request.POST if request.method == "POST" else None, instance=goal, today=person.today())
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            _changed(person)
        messages.success(request, f"Goal updated: {describe(goal)}.")
        return _back(request, person)
    context = {"goal": goal, "person": person, "form": form, "is_self": person.pk == request.user.pk}
    return render(request, "scoring/goal_edit.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def delete_goal(request, goal_id: int):
    goal = get_goal_to_change(request.user, goal_id)
    with transaction.atomic():
        goal.delete()
        _changed(goal.user)
    messages.success(request, f"Deleted the goal of {describe(goal)}.")
    return _back(request, goal.user)


@login_required
@require_POST
def add_annotation(request, person_id: int):
    person = get_person_to_manage(request.user, person_id)
    form = AnnotationForm(request.POST, today=person.today())
    if not form.is_valid():
        return _render_dashboard(request, person, note_form=form, status=400)
    note = form.save(commit=False)
    note.user, note.created_by = person, request.user
    with transaction.atomic():
        note.save()
        _changed(person)
    messages.success(request, "Note added.")
    return _back(request, person)


@login_required
def edit_annotation(request, note_id: int):
    note = get_note_to_change(request.user, note_id)
    person = note.user
    form = AnnotationForm(request.POST if request.method == "POST" else None, instance=note, today=person.today())
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            _changed(person)
        messages.success(request, "Note updated.")
        return _back(request, person)
    return render(request, "scoring/note_edit.html", {"note": note, "person": person, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def delete_annotation(request, note_id: int):
    note = get_note_to_change(request.user, note_id)
    with transaction.atomic():
        note.delete()
        _changed(note.user)
    messages.success(request, f"Deleted the note of {note.date:%-d %B %Y}.")
    return _back(request, note.user)
