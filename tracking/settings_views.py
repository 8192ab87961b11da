"""A person's settings: their name and time zone, API keys, the browser
extension, and which emails they receive; and the one-click unsubscribe that
works without logging in."""

from __future__ import annotations

import io
import zipfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tracking import emails
from tracking.access import managed_team_ids
from tracking.api import auth
from tracking.forms import PreferenceForm, ProfileForm, TokenForm
from tracking.models import ApiToken

NEW_KEY_SESSION = "settings.new_api_key"
NEW_EXTENSION_KEY_SESSION = "settings.new_extension_key"
EXTENSION_DIR = settings.BASE_DIR / "extension"
# The folder the download unpacks to, which the browser loads ("Load unpacked").
EXTENSION_FOLDER = "ssi-dashboard-extension"


@login_required
def settings_page(request):
    user = request.user
    token_form = TokenForm(prefix="token")
    preference_form = PreferenceForm(instance=emails.preferences(user), prefix="notify")
    profile_form = ProfileForm(instance=user, prefix="profile")
    if not user.is_staff:
        del token_form.fields["can_write_for_anyone"]
    if not user.is_staff and not managed_team_ids(user).exists():
        # Only managers get the team summary; leave them the choice, not others.
        del preference_form.fields["team_digest"]
    if request.method == "POST" and request.POST.get("action") == "create_token":
        token_form = TokenForm(request.POST, prefix="token")
        if not user.is_staff:
            del token_form.fields["can_write_for_anyone"]
        if token_form.is_valid():
            _, key = auth.create_token(
                user, token_form.cleaned_data["name"],
                can_write_for_anyone=bool(token_form.cleaned_data.get("can_write_for_anyone")),
            )
            # Shown once, on the page this redirects to, then forgotten.
            request.session[NEW_KEY_SESSION] = key
            return redirect("tracking:settings")
    elif request.method == "POST" and request.POST.get("action") == "create_extension_key":
        _, key = auth.create_token(user, "Browser extension", scope=ApiToken.Scope.CAPTURE)
        request.session[NEW_EXTENSION_KEY_SESSION] = key
        return redirect(f"{reverse('tracking:settings')}#extension")
    elif request.method == "POST" and request.POST.get("action") == "profile":
        profile_form = ProfileForm(request.POST, instance=user, prefix="profile")
        if profile_form.is_valid():
            profile_form.save()
            messages.success(request, "Your name and time zone are saved.")
            return redirect("tracking:settings")
    elif request.method == "POST" and request.POST.get("action") == "notifications":
        preference_form = PreferenceForm(request.POST, instance=emails.preferences(user), prefix="notify")
        if not user.is_staff and not managed_team_ids(user).exists():
            del preference_form.fields["team_digest"]
        if preference_form.is_valid():
            preference_form.save()
            messages.success(request, "Your email choices are saved.")
            return redirect("tracking:settings")
    return render(request, "settings/settings.html", {
        "tokens": ApiToken.objects.filter(user=user),
        "new_key": request.session.pop(NEW_KEY_SESSION, None),
        "new_extension_key": request.session.pop(NEW_EXTENSION_KEY_SESSION, None),
        "dashboard_url": request.build_absolute_uri("/").rstrip("/"),
        "token_form": token_form,
        "preference_form": preference_form,
        "profile_form": profile_form,
        "api_url": request.build_absolute_uri("/api/v1/snapshots"),
        "schema_url": request.build_absolute_uri("/api/v1/openapi.json"),
    })


@login_required
def extension_download(request):
    """The browser extension as a zip, built from extension/ as it is on this server."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(EXTENSION_DIR.rglob("*")):
            relative = path.relative_to(EXTENSION_DIR)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                # A fixed date: the same extension gives the same zip byte for byte.
                info = zipfile.ZipInfo(f"{EXTENSION_FOLDER}/{relative.as_posix()}", date_time=(2026, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{EXTENSION_FOLDER}.zip"'
    return response


@login_required
@require_POST
def revoke_token(request, token_id: int):
    # A person's own keys only: someone else's id is a 404, like anything not theirs.
    revoked = ApiToken.objects.filter(pk=token_id, user=request.user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not revoked and not ApiToken.objects.filter(pk=token_id, user=request.user).exists():
        raise Http404("No such key.")
    messages.success(request, "The key is revoked: requests with it are refused from now on.")
    return redirect("tracking:settings")


@csrf_exempt
def unsubscribe(request, signed: str):
    """Turn one kind of email off, from the link in that email.

    The signed token in the URL is the authority (no login needed). A GET only
    asks for confirmation, so a mail scanner that follows links unsubscribes
    nobody; a POST — the page's button, or the mail client's one-click request
    (RFC 8058, which carries no CSRF token, hence csrf_exempt) — does it.
    """
    found = emails.read_unsubscribe_token(signed)
    if found is None:
        raise Http404("This unsubscribe link is not valid.")
    user, kind = found
    done = request.method == "POST"
    if done:
        emails.turn_off(user, kind)
    return render(request, "settings/unsubscribe.html", {
        "email": user.email, "what": emails.KINDS[kind], "done": done,
    })
