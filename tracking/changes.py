"""How tracking announces that people's raw rows changed.

Every writer of snapshots and activity (the entry form and the API through
``recording``, imports and their undo, Django admin) calls ``rows_changed``
inside the transaction that changed the rows. Whatever derives data from those
rows listens to ``person_rows_changed``: scoring connects a receiver in its
``AppConfig.ready`` that records a recompute request in the same transaction.
Tracking itself knows nothing of who listens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.dispatch import Signal

# Sent with ``since_by_user``: {user id: the first changed day, or None for all of them}.
person_rows_changed = Signal()


def rows_changed(since_by_user: Mapping[int, dt.date | None]) -> None:
    """These people's rows changed, each from their own day on."""
    if since_by_user:
        person_rows_changed.send(sender=None, since_by_user=dict(since_by_user))


def person_changed(user_ids: Iterable[int], since: dt.date | None) -> None:
    """These people's rows changed from ``since`` on."""
    rows_changed({user_id: since for user_id in user_ids})
