from __future__ import annotations

import datetime as dt
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tracking import linkedin_text, rules
from tracking.forms import EntryForm, LinkedInPasteForm
from tracking.importing import parser
from tracking.models import Snapshot
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
    if request.method == "POST" and ("paste" in request.POST or "paste_file" in request.POST):
        if "paste_file" in request.POST:
            found, notice = _read_linkedin_file(request.FILES.get("linkedin_file"), user)
        else:
            paste = LinkedInPasteForm(request.POST)
            found, notice = _read_paste(paste.cleaned_data["linkedin_text"] if paste.is_valid() else "", user)
        kept = {name: request.POST.get(name, "") for name in (*EntryForm.SCORE_FIELDS, *rules.ACTIVITY_FIELDS)}
        # LinkedIn's JSON is today's: its date replaces the form's.
        form = EntryForm(initial={**kept, "date": day, **found}, user=user, last=last)
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
        # A day already logged is being corrected: the page says so.
        "logged": Snapshot.objects.filter(user=user, date=day).first(),
    })


@login_required
@require_POST
def parse_linkedin(request):
    """The figures in a pasted copy of LinkedIn's SSI page, for entry.js to fill the form with."""
    paste = LinkedInPasteForm(request.POST)
    if not paste.is_valid():
        return JsonResponse({"values": {}, "message": paste.errors["linkedin_text"][0]}, status=400)
    found, notice = _read_paste(paste.cleaned_data["linkedin_text"], request.user)
    return JsonResponse({"values": found, "message": notice})


def _read_paste(text: str, user) -> tuple[dict, str]:
    """(form values, notice) from a paste: the raw JSON LinkedIn's SSI page
    loads, or the page's text as copied from the browser."""
    if text.lstrip()[:1] in ("{", "["):
        return _read_linkedin_json(io.BytesIO(text.encode("utf-8")), user)
    reading = linkedin_text.read(text)
    return reading.values, _paste_notice(reading.values, reading.problems)


def _read_linkedin_file(upload, user) -> tuple[dict, str]:
    if upload is None:
        return {}, "Choose the JSON file saved from LinkedIn's SSI page."
    if upload.size > settings.SSI_LINKEDIN_FILE_MAX_BYTES:
        return {}, parser.too_large_message(settings.SSI_LINKEDIN_FILE_MAX_BYTES)
    return _read_linkedin_json(upload, user)


def _read_linkedin_json(stream, user) -> tuple[dict, str]:
    """LinkedIn's SSI JSON read by the importer's parser, so the form gets the
    values an import of the same data would store: today's, in the person's
    time zone, with ranks and group averages."""
    try:
        parsed = parser.parse(stream, email=user.email, today=user.today())
    except parser.ImportFileError as error:
        return {}, str(error)
    if parsed.format != parser.LINKEDIN_JSON:
        return {}, "This is not LinkedIn's SSI data (JSON): import CSV files from the Import page."
    rows = list(parsed.rows())
    if not rows:
        return {}, "LinkedIn's data cannot be used: " + " ".join(r["message"] for r in parsed.rejected)
    row = rows[0]
    found = {
        name: rules.plain(value)
        for name in EntryForm.SCORE_FIELDS
        if (value := getattr(row.scores, name)) is not None
    }
    notice = _paste_notice(found)
    found["date"] = row.date.isoformat()
    return found, notice


def _paste_notice(found: dict, problems=()) -> str:
    """What was filled, what was refused and why, and what was not on the page.
    ``problems`` are ``(fields, reason)`` pairs from ``linkedin_text.read``."""
    refused = {name for names, _ in problems for name in names}
    reasons = "".join(f" Not filled: {reason}." for _, reason in problems)
    if not found and not problems:
        return "No SSI figures found in the pasted text. Copy the whole SSI page (select all, then copy) and try again."
    if found:
        notice = f"Filled {len(found)} figure{'s' if len(found) != 1 else ''} from LinkedIn. Check them, then save."
    else:
        notice = "Nothing filled from the pasted text."
    notice += reasons
    missing = [rules.LABELS[name] for name in EntryForm.SCORE_FIELDS if name not in found and name not in refused]
    if missing:
        notice += " Not found: " + ", ".join(missing) + "."
    return notice


def _date_or_today(value: str, user) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return user.today()
    return min(day, user.today())
