"""Every refusal under /api/ is JSON: ``{"errors": [{"field": …, "message": …}]}``.

The API's own views answer this way; ``ApiErrorMiddleware`` makes sure the
answers Django gives on its own (a 404 for an unknown path, a 400 for a body it
cannot read, a 413 for one too large, a 405 from a method check, a 500) read
the same, so a client never has to parse an HTML page.
"""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse

from tracking import rules

API_PREFIX = "/api/"
NESTED_TOO_DEEPLY = "The body is nested too deeply to be read."

MESSAGES = {
    400: "The request could not be read.",
    403: "Forbidden.",
    404: "Not found.",
    405: "This method is not allowed here.",
    413: "The request body is too large.",
    500: "Something went wrong on the server; the request was not completed.",
}


def error(status: int, message: str, field: str | None = None, **headers) -> JsonResponse:
    return errors_response(status, [rules.RuleError(field, message)], **headers)


def errors_response(status: int, errors: list[rules.RuleError], **headers) -> JsonResponse:
    response = JsonResponse({"errors": [{"field": e.field, "message": e.message} for e in errors]}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def too_large_message(limit: int) -> str:
    return f"The request body is larger than {limit / 1024 / 1024:g} MB, the most this API accepts."


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


class ApiErrorMiddleware:
    """Turns any error response under /api/ that is not JSON into JSON, keeping
    its status (and its Allow / Retry-After headers); turns a body Django
    refused to read, or one nested beyond what a parser can follow, into a 4xx."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if not is_api(request) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        message = MESSAGES.get(status) or _phrase(status)
        converted = error(status, message)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                converted[header] = response[header]
        return converted

    def process_exception(self, request: HttpRequest, exception: Exception):
        """The failures a client's body causes are the client's (4xx); anything
        else goes on to Django's own handling (and logging), and comes back
        through ``__call__`` as JSON."""
        if not is_api(request):
            return None
        if isinstance(exception, RequestDataTooBig):
            return error(413, too_large_message(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
        if isinstance(exception, RecursionError):
            return error(400, NESTED_TOO_DEEPLY)
        return None


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase + "."
    except ValueError:
        return "The request was refused."
