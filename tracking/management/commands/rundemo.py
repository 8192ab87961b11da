"""Run the demo: migrate, seed, then a Celery worker and the web server until Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from ssi_dashboard import devservices


class Command(BaseCommand):
    help = "Migrate, seed demo data, and serve the dashboard with a Celery worker (Ctrl-C stops all)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo")
        env = {**os.environ, "DEBUG": "true"}
        children = []
        if settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write(self.style.WARNING("No broker could start: tasks run inside the web process."))
        else:
            children.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "ssi_dashboard", "worker", "--loglevel", "warning",
                 "--concurrency", str(settings.SSI_RECOMPUTE_TASKS)],
                env=env,
            ))
        children.append(subprocess.Popen([sys.executable, "manage.py", "runserver", addr, "--noreload"], env=env))
        self.stdout.write(self.style.SUCCESS(
            f"\nSSI Dashboard runs at http://{addr}/\n"
            "Log in as sales@example.com, manager@example.com or admin@example.com, password: demo\n"
            "Ctrl-C stops the web server, the worker and any embedded database or broker.\n"
        ))
        try:
            supervise(children)
        finally:
            if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
                devservices.stop()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def supervise(children: list[subprocess.Popen]) -> None:
    """Wait for ``children``; on Ctrl-C, or SIGTERM (``kill``, a supervisor,
    ``timeout``), stop them all before returning, so none outlives the demo
    holding its port or its broker queue."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        for child in children:
            child.wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
