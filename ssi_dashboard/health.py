"""GET /health/: is the database reachable, the broker up, a worker listening?

200 while the database answers (the app can take entries even with the broker
down: they are kept and recomputed later); 503 when it does not.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ssi_dashboard.celery import app

log = logging.getLogger(__name__)


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as err:  # any failure is the answer here, not an error page
        log.warning("health: database unreachable: %s", err)
        return {"ok": False, "error": err.__class__.__name__}


def _broker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process"}
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=1)
        return {"ok": True}
    except Exception as err:
        log.warning("health: broker unreachable: %s", err)
        return {"ok": False, "error": err.__class__.__name__}


def _workers(broker_ok: bool) -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "in-process", "count": 0}
    if not broker_ok:
        return {"ok": False, "count": 0}
    try:
        replies = app.control.ping(timeout=0.5)
    except Exception as err:
        return {"ok": False, "count": 0, "error": err.__class__.__name__}
    return {"ok": bool(replies), "count": len(replies)}


@never_cache
@require_GET
def health(request):
    database = _database()
    broker = _broker()
    checks = {"database": database, "broker": broker, "worker": _workers(broker["ok"])}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else ("degraded" if database["ok"] else "down"), "checks": checks},
        status=200 if database["ok"] else 503,
    )
