import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssi_dashboard.settings")
application = get_wsgi_application()

# Each web process compiles its views and templates before its first request
# (ssi_dashboard/warmup.py).
from ssi_dashboard.warmup import warm  # noqa: E402

warm()
