"""A web process loads its views and compiles its templates before the first request."""

import os
import subprocess
import sys
from pathlib import Path

from django.forms.renderers import get_default_renderer
from django.template import engines

from ssi_dashboard.warmup import warm

ROOT = Path(__file__).resolve().parent.parent


def _cached(engine) -> set[str]:
    return set(engine.template_loaders[0].get_template_cache)


def test_warm_compiles_every_page_template_and_the_form_widgets():
    site = engines["django"].engine
    widgets = get_default_renderer().engine.engine
    site.template_loaders[0].reset()
    widgets.template_loaders[0].reset()
    assert "scoring/dashboard.html" not in _cached(site)

    compiled = warm()

    for name in ("scoring/dashboard.html", "teams/team.html", "teams/_panel.html", "base.html",
                 "email/weekly_digest.txt", "registration/login.html"):
        assert name in compiled and name in _cached(site), name
    assert {"django/forms/widgets/select.html", "django/forms/widgets/input.html"} <= _cached(widgets)


def test_the_wsgi_application_is_warm_when_imported():
    # What gunicorn does in each worker before it accepts a connection.
    code = ("import ssi_dashboard.wsgi\n"
            "from django.template import engines\n"
            "print('scoring/dashboard.html' in engines['django'].engine.template_loaders[0].get_template_cache,\n"
            "      'scoring.views' in __import__('sys').modules)\n")
    env = {**os.environ, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "ssi_dashboard.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
