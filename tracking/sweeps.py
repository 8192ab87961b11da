"""Housekeeping every worker does on its own, so that none of it waits for beat.

On start-up, and every ``SSI_WORKER_SWEEP_SECONDS`` after, a thread of the
worker's main process runs each registered sweep: declaring imports whose worker
died interrupted, handing over again recompute requests a lost worker never
finished. Each sweep is a conditional UPDATE or a claim, so any number of
workers (and beat, and the web pages) sweeping at once still do each thing once.
The thread closes its database connections after each round: the pool's
children are forked from this process, and must not inherit an open one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import connections

log = logging.getLogger(__name__)

_sweeps: list[Callable[[], object]] = []
_stops: list[threading.Event] = []


def register(sweep: Callable[[], object]) -> None:
    if sweep not in _sweeps:
        _sweeps.append(sweep)


def run_all() -> None:
    """One round of every sweep; a failing one is logged and the others still run."""
    try:
        for sweep in list(_sweeps):
            try:
                sweep()
            except Exception:
                log.exception("Worker sweep %s failed", getattr(sweep, "__qualname__", sweep))
    finally:
        connections.close_all()


@worker_ready.connect
def _start(**kwargs) -> None:
    period = settings.SSI_WORKER_SWEEP_SECONDS
    if period <= 0:
        return
    stop = threading.Event()

    def loop() -> None:
        while True:
            run_all()
            if stop.wait(period):
                return

    _stops.append(stop)
    threading.Thread(target=loop, name="ssi-sweeps", daemon=True).start()


@worker_shutdown.connect
def _stop(**kwargs) -> None:
    for stop in _stops:
        stop.set()
