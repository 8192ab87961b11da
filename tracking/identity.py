"""One person, one email address, whatever its case.

``Sales@Example.com`` and ``sales@example.com`` are the same person on every
path: stored, looked up, invited, imported, logged in, locked out. The
database holds the addresses lower-cased and unique by ``lower(email)``.
"""

from __future__ import annotations


def canonical_email(value: str | None) -> str:
    """An address as it is stored and compared: trimmed and lower-cased."""
    return (value or "").strip().lower()


def login_username(request, credentials: dict | None) -> str:
    """The account a login attempt counts against (``AXES_USERNAME_CALLABLE``):
    the address in its canonical form, so failures in any case add up to one
    count and a lockout holds for every spelling."""
    from django.conf import settings

    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        value = credentials.get(field)
    else:
        value = getattr(request, "data", request.POST).get(field) if request is not None else None
    return canonical_email(value)
