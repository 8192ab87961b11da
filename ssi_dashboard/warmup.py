"""What a web process loads before it takes its first request.

Django imports the views and compiles each template on first use, so without
this the first page a gunicorn worker serves costs it some 400 ms more than
the next (the URLconf imports every view module, each template is parsed
once). A worker that has just started after a deploy or a restart would hand
that to the first people of the morning. Loading it at start-up costs the
worker the same time once, before it answers anyone.

This loads code and compiles templates only: no data, nothing a recompute
could make stale.
"""

from __future__ import annotations

from pathlib import Path

import django.forms
from django.forms.renderers import get_default_renderer
from django.template import engines
from django.urls import resolve, reverse


def _names(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.suffix in {".html", ".txt"})


def warm() -> list[str]:
    """Import every view and compile every template of the project's template
    directories and of the form widgets; the names of the templates compiled."""
    # Resolving imports the URLconf and every view; reversing builds each
    # namespace's reverse index (pages reverse both apps' names).
    resolve("/")
    reverse("scoring:home")
    reverse("tracking:entry")
    compiled = []
    for engine in engines.all():
        for directory in engine.engine.dirs:
            for name in _names(Path(directory)):
                engine.get_template(name)
                compiled.append(name)
    renderer = get_default_renderer()
    widgets = Path(django.forms.__file__).parent / "templates"
    for name in _names(widgets):
        if name.startswith("django/forms/") and name.endswith(".html"):
            renderer.get_template(name)
            compiled.append(name)
    return compiled
