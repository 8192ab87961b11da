from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tracking import linkedin_text, rules
from tracking.forms import EntryForm, LinkedInPasteForm
from tracking.recording import record_day


@login_required
def entry(request):
    """Log (or correct) one day: re-entering a date edits that day.

    The form starts from the day's own figures, or the latest day's before it;
    "Fill from LinkedIn" (without JavaScript) re-renders it filled from a
    pasted copy of LinkedIn's SSI page, for the person to check and save.
    """
    user = request.user
    notice = ""
    day = _date_or_today(request.POST.get("date", "") if request.method == "POST" else request.GET.get("date", ""), user)
    previous = EntryForm.previous_snapshot(user, day)
    last = EntryForm.score_values(previous) if previous else {}
    if request.method == "POST" and "paste" in request.POST:
        paste = LinkedInPasteForm(request.POST)
        found = linkedin_text.parse(paste.cleaned_data["linkedin_text"]) if paste.is_valid() else {}
        kept = {name: request.POST.get(name, "") for name in (*EntryForm.SCORE_FIELDS, *rules.ACTIVITY_FIELDS)}
        form = EntryForm(initial={**kept, **found, "date": day}, user=user, last=last)
        notice = _paste_notice(found)
    elif request.method == "POST":
        form = EntryForm(request.POST, user=user, last=last)
        if form.is_valid():
            data = form.cleaned_data
            _, created = record_day(user, data["date"], data["scores"], data["counts"])
            verb = "saved" if created else "updated"
            messages.success(request, f"Your SSI for {data['date']:%-d %B %Y} is {verb}. Charts update in a moment.")
            return redirect("dashboard")
    else:
        form = EntryForm(initial=EntryForm.initial_for(user, day), user=user, last=last)
    return render(request, "tracking/entry.html", {
        "form": form, "paste_form": LinkedInPasteForm(), "activity_fields": rules.ACTIVITY_FIELDS,
        "previous": previous, "notice": notice,
    })


@login_required
@require_POST
def parse_linkedin(request):
    """The figures in a pasted copy of LinkedIn's SSI page, for entry.js to fill the form with."""
    paste = LinkedInPasteForm(request.POST)
    if not paste.is_valid():
        return JsonResponse({"values": {}, "message": paste.errors["linkedin_text"][0]}, status=400)
    found = linkedin_text.parse(paste.cleaned_data["linkedin_text"])
    return JsonResponse({"values": found, "message": _paste_notice(found)})


def _paste_notice(found: dict) -> str:
    if not found:
        return "No SSI figures found in the pasted text. Copy the whole SSI page (select all, then copy) and try again."
    missing = [rules.LABELS[name] for name in EntryForm.SCORE_FIELDS if name not in found]
    notice = f"Filled {len(found)} figure{'s' if len(found) != 1 else ''} from LinkedIn. Check them, then save."
    if missing:
        notice += " Not found: " + ", ".join(missing) + "."
    return notice


def _date_or_today(value: str, user) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return user.today()
    return min(day, user.today())
