"""Request bodies are refused by their announced size, before a byte is read.

Django reads a body only up to its ``Content-Length`` (under WSGI a body without
one is not read at all), so checking that header first means an oversized
upload is never spooled to a temporary file nor parsed: the person gets a plain
413 page, an API client a JSON 413.

The limits: a file upload may have the size its page allows
(``SSI_UPLOAD_LIMITS`` names, by path, the setting that holds it), any other
body ``DATA_UPLOAD_MAX_MEMORY_SIZE``; each with ``FORM_OVERHEAD_BYTES`` for
the multipart envelope and the form's other fields around the file.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.shortcuts import render
from django.views import defaults

from tracking.api.errors import error, is_api, too_large_message
from tracking.importing.parser import too_large_message as file_too_large_message

FORM_OVERHEAD_BYTES = 64 * 1024


def body_limit(request: HttpRequest) -> tuple[int, bool]:
    """(the most bytes this request's body may have, whether that is a file's limit)."""
    if request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
        for prefix, setting in settings.SSI_UPLOAD_LIMITS.items():
            if request.path.startswith(prefix):
                return getattr(settings, setting), True
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE, False


def announced_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def megabytes(limit: int) -> str:
    return f"{limit / 1024 / 1024:g} MB"


class BodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        limit, is_file = body_limit(request)
        if announced_length(request) <= limit + FORM_OVERHEAD_BYTES:
            return self.get_response(request)
        if is_api(request):
            return error(413, too_large_message(limit))
        return too_large_page(request, limit, is_file)


def too_large_page(request: HttpRequest, limit: int, is_file: bool):
    message = (file_too_large_message(limit) if is_file
               else f"What was sent is larger than {megabytes(limit)}, the most this server accepts.")
    return render(request, "too_large.html", {"message": message, "back": request.path}, status=413)


def bad_request(request: HttpRequest, exception: Exception):
    """``handler400``: a body Django refused to read for its size (one just within
    the allowance above) is a 413 too, not a bare "Bad Request"."""
    if isinstance(exception, RequestDataTooBig):
        return too_large_page(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE, False)
    return defaults.bad_request(request, exception)
