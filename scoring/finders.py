"""A staticfiles finder that serves plotly.min.js from the plotly wheel.

It exposes that one file as ``plotly/plotly.min.js``: runserver, collectstatic
and whitenoise all find it, and no CDN or vendored copy is needed.
"""

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

BUNDLE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
STATIC_PATH = "plotly/plotly.min.js"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=str(BUNDLE.parent))
        # collectstatic copies the file under this prefix: plotly/plotly.min.js.
        self.storage.prefix = "plotly"

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path != STATIC_PATH:
            return [] if find_all else None
        return [str(BUNDLE)] if find_all else str(BUNDLE)

    def list(self, ignore_patterns):
        yield BUNDLE.name, self.storage
