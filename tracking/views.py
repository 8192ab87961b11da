from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from tracking import rules
from tracking.forms import EntryForm
from tracking.recording import record_day


@login_required
def entry(request):
    """Log (or correct) one day: re-entering a date edits that day."""
    user = request.user
    if request.method == "POST":
        form = EntryForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            _, created = record_day(user, data["date"], data["scores"], data["counts"])
            verb = "saved" if created else "updated"
            messages.success(request, f"Your SSI for {data['date']:%-d %B %Y} is {verb}. Charts update in a moment.")
            return redirect("dashboard")
    else:
        try:
            day = dt.date.fromisoformat(request.GET.get("date", ""))
        except ValueError:
            day = user.today()
        form = EntryForm(initial=EntryForm.initial_for(user, min(day, user.today())), user=user)
    return render(request, "tracking/entry.html", {"form": form, "activity_fields": rules.ACTIVITY_FIELDS})
