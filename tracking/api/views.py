"""The API's views: plain Django views that take and return JSON.

Every view authenticates with a personal key (``Authorization: Bearer ssi_…``),
counts against that key's rate limit, and reads through the permission-scoped
getters in ``tracking.access``. Refusals are JSON too: ``{"errors": [{"field":
…, "message": …}]}`` with 400, 401, 403 (a key whose scope does not reach
the view), 404, 405 or 429.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from functools import wraps

from django.conf import settings
from django.db.models import F
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from tracking import rules
from tracking.api import auth
from tracking.api import capture as capturing
from tracking.api.errors import NESTED_TOO_DEEPLY, error, errors_response
from tracking.api.schema import openapi_schema
from tracking.identity import canonical_email
from tracking.models import Activity, ApiToken, Snapshot, Source, User
from tracking.recording import DayRefused, change_day, record_day

SCORE_FIELDS = ("ssi", *rules.PILLARS, "industry_rank", "network_rank", "industry_avg", "network_avg")
RANK_FIELDS = ("industry_rank", "network_rank")
WRITE_FIELDS = {*SCORE_FIELDS, "activity", "email"}
# A misspelt parameter is refused rather than silently ignored (?form= is not ?from=).
QUERY_PARAMETERS = {"snapshots": {"from", "to"}, "trends": {"from", "to"}, "team_days": {"from", "to", "metric"}}


class BadRequest(Exception):
    def __init__(self, errors: list[rules.RuleError]):
        self.errors = errors


def api_view(*methods: str, scopes: tuple[str, ...] = (ApiToken.Scope.FULL,)):
    """Key authentication, rate limit, the key's scope, allowed methods and JSON errors for one view.

    CSRF protection is off here only: these views ignore the session cookie and
    trust nothing but the key in the Authorization header, which a browser
    never adds on its own.
    """

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            token = auth.token_from_header(request.headers.get("Authorization", ""))
            if token is None:
                return error(401, "Give a valid API key in the header “Authorization: Bearer ssi_…”.",
                             WWW_Authenticate='Bearer realm="ssi-dashboard"')
            rate = auth.check_rate(token)
            limits = {"X_RateLimit_Limit": str(rate.limit), "X_RateLimit_Remaining": str(rate.remaining)}
            if not rate.allowed:
                return error(429, f"Too many requests: at most {rate.limit} per key every "
                                  f"{settings.API_RATE_WINDOW} seconds.",
                             Retry_After=str(rate.retry_after), **limits)
            if token.scope not in scopes:
                return error(403, "This key only records your own SSI from the browser extension: "
                                  "use a full API key from Settings here.", **limits)
            if request.method not in methods:
                return error(405, f"Use {_either(methods)} here.", Allow=", ".join(methods), **limits)
            unknown = sorted(set(request.GET) - QUERY_PARAMETERS.get(view.__name__, set()))
            if unknown:
                return errors_response(
                    400, [rules.RuleError(name, f"“{name}” is not a parameter here.") for name in unknown], **limits
                )
            try:
                response = view(request, token, *args, **kwargs)
            except Http404:
                response = error(404, "Not found.")
            except BadRequest as bad:
                response = errors_response(400, bad.errors)
            for name, value in limits.items():
                response[name.replace("_", "-")] = value
            return response

        return wrapped

    return decorate


@csrf_exempt
def openapi(request):
    # Public and read-only: no key, and no session state for CSRF to protect.
    if request.method not in ("GET", "HEAD"):
        return error(405, "Use GET here.", Allow="GET, HEAD")
    return JsonResponse(openapi_schema(request.build_absolute_uri("/api/v1")))


@csrf_exempt
def not_found(request, rest=""):
    # Exempt so that a POST to a mistyped path gets this JSON 404, not an HTML CSRF page.
    return error(404, "Not found.")


# --- snapshots ----------------------------------------------------------------

@api_view("GET", "POST")
def snapshots(request, token: ApiToken):
    if request.method == "POST":
        body = _json_body(request)
        date = _body_date(body)
        return _write_day(token, {k: v for k, v in body.items() if k != "date"}, date)
    rows = within_dates(request, Snapshot.objects.filter(user=token.user).order_by("date"))
    rows = list(rows)
    activities = {}
    if rows:
        daily = Activity.objects.filter(
            user=token.user, period_start__gte=rows[0].date, period_end__lte=rows[-1].date,
        ).filter(period_start=F("period_end"))
        activities = {a.period_start: a for a in daily}
    return JsonResponse({"snapshots": [_snapshot_json(s, activities.get(s.date)) for s in rows]})


@api_view("GET", "PUT", "PATCH")
def snapshot(request, token: ApiToken, day: str):
    date = _parse_date(day, "date")
    if request.method == "PUT":
        return _write_day(token, _json_body(request), date)
    if request.method == "PATCH":
        return _change_day(token, _json_body(request), date)
    found = Snapshot.objects.filter(user=token.user, date=date).first()
    if found is None:
        raise Http404
    return JsonResponse(_snapshot_json(found, _activity(token.user, date)))


def _write_day(token: ApiToken, body: dict, date: dt.date | None):
    """Create or replace one whole day (PUT, POST) through the same rules and
    write path as the form: a score left out is stored empty, and activity left
    out (or null) removes the day's activity, so the stored day is the body."""
    person, date, errors = _target(token, body, date)
    values = _typed_scores(body, SCORE_FIELDS, errors)
    scores, score_errors = rules.validate_scores(**values)
    checked = {e.field for e in errors}
    errors.extend(e for e in score_errors if e.field not in checked or e.field is None)
    counts = _counts(body.get("activity"), errors)
    if errors:
        raise BadRequest(errors)
    saved, created = record_day(person, date, scores, counts, source=Source.API)
    return _written(token, person, saved, status=201 if created else 200)


def _change_day(token: ApiToken, body: dict, date: dt.date):
    """Change only the fields sent (PATCH) of a recorded day; the merged day
    keeps every rule. null clears a field; ``activity`` merges count by count
    (null clears it all)."""
    person, date, errors = _target(token, body, date)
    scores = _typed_scores(body, [f for f in SCORE_FIELDS if f in body], errors)
    counts = None
    if "activity" in body:
        given = body["activity"]
        counts = _counts(given, errors)
        if isinstance(given, dict):
            counts = {name: counts[name] for name in given if name in counts}
    if errors:
        raise BadRequest(errors)
    try:
        changed = change_day(person, date, scores, counts, source=Source.API)
    except DayRefused as refused:
        raise BadRequest(refused.errors) from None
    if changed is None:
        return error(404, f"No day is recorded on {date.isoformat()}, so there is nothing to change: "
                          "record it with PUT first.")
    return _written(token, person, changed, status=200)


def _target(token: ApiToken, body: dict, date: dt.date | None) -> tuple[User, dt.date, list[rules.RuleError]]:
    """Whose day, which day, and the errors found so far in the body's names and the date."""
    unknown = sorted(set(body) - WRITE_FIELDS)
    if unknown:
        raise BadRequest([rules.RuleError(name, f"“{name}” is not a field of a day.") for name in unknown])
    person = _person_to_write(token, body["email"]) if "email" in body else token.user
    errors: list[rules.RuleError] = []
    if date is None:
        date = person.today()
    elif date > person.today():
        errors.append(rules.RuleError("date", "The date cannot be in the future."))
    errors.extend(rules.early_dates(date=date))
    return person, date, errors


def _typed_scores(body: dict, fields, errors: list) -> dict:
    """The body's score fields that are numbers of the right kind; an error for each that is not."""
    values = {}
    for field in fields:
        value = body.get(field)
        if value is not None and not _is_number(value):
            errors.append(rules.RuleError(field, f"{rules.LABELS[field]} must be a number, not “{_shown(value)}”."))
        elif field in RANK_FIELDS and value is not None and value != int(value):
            errors.append(rules.RuleError(field, f"{rules.LABELS[field]} must be a whole number between 1 and 100."))
        else:
            values[field] = int(value) if field in RANK_FIELDS and value is not None else value
    return values


def _written(token: ApiToken, person: User, saved: Snapshot, status: int):
    response = JsonResponse(_snapshot_json(saved, _activity(person, saved.date)), status=status)
    if person.pk == token.user_id:
        response["Location"] = f"/api/v1/snapshots/{saved.date.isoformat()}"
    return response


def _activity(person: User, date: dt.date) -> Activity | None:
    return Activity.objects.filter(user=person, period_start=date, period_end=date).first()


def _counts(given, errors: list) -> dict[str, int | None]:
    """Every activity count from a body's ``activity`` (null or left out: none)."""
    counts: dict[str, int | None] = dict.fromkeys(rules.ACTIVITY_FIELDS)
    if given is None:
        return counts
    if not isinstance(given, dict):
        errors.append(rules.RuleError("activity", "activity must be an object of counts, e.g. {\"searches\": 7}."))
        return counts
    for name, value in given.items():
        if name not in rules.ACTIVITY_FIELDS:
            errors.append(rules.RuleError(f"activity.{name}", f"“{name}” is not an activity count."))
        elif value is not None and (not _is_number(value) or value != int(value)):
            errors.append(rules.RuleError(
                f"activity.{name}", f"{rules.LABELS[name]} must be a whole number, not “{_shown(value)}”."
            ))
        else:
            try:
                counts[name] = rules.check_count(name, None if value is None else int(value))
            except rules.RuleError as err:
                errors.append(rules.RuleError(f"activity.{name}", err.message))
    return counts


def _person_to_write(token: ApiToken, email) -> User:
    """Whose day this is: the key's owner, or — for an admin's write-for-anyone
    key — the person named by ``email``. Anyone else is 404."""
    if not isinstance(email, str):
        raise BadRequest([rules.RuleError("email", "email must be an email address.")])
    if canonical_email(email) == token.user.email:
        return token.user
    if not auth.writes_for_anyone(token):
        raise Http404
    person = User.objects.filter(email=canonical_email(email), is_active=True).first()
    if person is None:
        raise Http404
    return person


# --- the browser extension ---------------------------------------------------

@api_view("GET", "POST", scopes=tuple(ApiToken.Scope.values))
def capture(request, token: ApiToken):
    """The browser extension's one door. GET checks the connection (whose key
    this is); POST records today from LinkedIn's SSI page as the extension saw it."""
    if request.method == "GET":
        return JsonResponse({"connected": True, "email": token.user.email, "time_zone": token.user.time_zone})
    body = _json_body(request)
    try:
        captured = capturing.capture_day(token.user, body)
    except capturing.Refused as refused:
        raise BadRequest([rules.RuleError(refused.field, refused.message)]) from None
    previous = captured.previous
    recorded = {k: v for k, v in _snapshot_json(captured.snapshot, None).items() if k != "activity"}
    return JsonResponse({
        **recorded,
        "message": captured.message,
        "previous": {"date": previous.date.isoformat(), "ssi": json_number(previous.ssi)} if previous else None,
    }, status=201 if captured.created else 200)


# --- helpers ------------------------------------------------------------------

def _either(methods: tuple[str, ...]) -> str:
    return " or ".join(methods) if len(methods) < 3 else ", ".join(methods[:-1]) + " or " + methods[-1]


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest([rules.RuleError(None, "The body must be a JSON object.")]) from None
    except RecursionError:
        # "[[[[…" a hundred thousand deep exhausts the parser's stack, not the server.
        raise BadRequest([rules.RuleError(None, NESTED_TOO_DEEPLY)]) from None
    if not isinstance(body, dict):
        raise BadRequest([rules.RuleError(None, "The body must be a JSON object.")])
    return body


def _body_date(body: dict) -> dt.date | None:
    value = body.get("date")
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest([rules.RuleError("date", "date must be a date in the form YYYY-MM-DD.")])
    return _parse_date(value, "date")


def _parse_date(value: str, field: str) -> dt.date:
    try:
        if len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest([rules.RuleError(field, f"{field} must be a date in the form YYYY-MM-DD.")]) from None


def within_dates(request, rows):
    """``rows`` (a queryset with a ``date``) limited to the request's ?from= and ?to=."""
    start, end = date_range(request)
    if start:
        rows = rows.filter(date__gte=start)
    if end:
        rows = rows.filter(date__lte=end)
    return rows


def date_range(request) -> tuple[dt.date | None, dt.date | None]:
    errors = []
    bounds = []
    for field in ("from", "to"):
        value = request.GET.get(field)
        try:
            bounds.append(None if value is None else _parse_date(value, field))
        except BadRequest as bad:
            errors.extend(bad.errors)
            bounds.append(None)
    if errors:
        raise BadRequest(errors)
    return bounds[0], bounds[1]


def _is_number(value) -> bool:
    # bool is an int in Python, but true is not a score.
    # JSON's NaN and Infinity parse to floats, and are not scores either.
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def json_number(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _snapshot_json(snapshot: Snapshot, activity: Activity | None) -> dict:
    return {
        "date": snapshot.date.isoformat(),
        **{field: json_number(getattr(snapshot, field)) for field in SCORE_FIELDS},
        "source": snapshot.source,
        "activity": {name: getattr(activity, name) for name in rules.ACTIVITY_FIELDS} if activity else None,
    }
