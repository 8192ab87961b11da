"""Static files as production serves them: plotly.js is the partial bundle,
brotli- or gzip-compressed, under a content-hashed name with a far-future cache header."""

import datetime as dt
import gzip
import re
from pathlib import Path

import plotly.graph_objects as go
import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client

from scoring import charts, team_charts
from scoring.teams import BandPoint, Spread

BUNDLE = Path(__file__).resolve().parent.parent / "static" / "plotly" / "plotly-cartesian.min.js"


def _every_figure() -> list[dict]:
    day = dt.date(2026, 11, 2)
    row = {"date": day, "ssi": 50, "avg7": 49, "brand": 12, "people": 13, "insights": 12, "relationships": 13,
           "industry_rank": 10, "network_rank": 20, "industry_avg": 30, "network_avg": 35}
    spread = Spread(people=5, low=40, p25=45, median=50, p75=55, high=60)
    spreads = {"ssi": spread, "brand": spread, "people": spread, "insights": spread, "relationships": spread}
    band = [BandPoint(date=day, median=50, p25=45, p75=55, reporting=5, members=5)]
    return [
        charts.ssi_figure([row]), charts.pillars_figure([row]), charts.pillar_bars_figure(row),
        charts.ranks_figure([row]),
        team_charts.team_band_figure(band, "ssi", [("Pat", [(day, 50.0)])]),
        team_charts.aligned_figure([("Pat", [(0, 50.0)])], [(0, 50.0, 45.0, 55.0, 5)], "ssi", weekly=False),
        team_charts.pillar_boxes_figure(spreads),
        team_charts.heatmap_figure([day], ["Pat"], [[50.0]], "ssi"),
        team_charts.versus_organisation_figure(spreads, spreads),
        *team_charts.compare_figures([("Pat", {"ssi": [(day, 50.0)]}), ("Sam", {"ssi": [(day, 51.0)]})], False).values(),
        team_charts.organisation_figure([("East", [(day, 50.0)])], False),
        team_charts.organisation_boxes_figure([("East", spread)]),
    ]


def test_the_committed_bundle_draws_every_trace_type_the_charts_use():
    source = BUNDLE.read_text()
    assert source.startswith("/**\n* plotly.js (cartesian - minified) v4.1.1")  # licence header intact
    assert "Licensed under the MIT license" in source[:300]
    in_bundle = set(re.findall(r'moduleType:"trace",name:"(\w+)"', source))
    used = set()
    for fig in _every_figure():
        go.Figure(fig)
        used |= {trace.get("type", "scatter") for trace in fig["data"]}
    assert used == {"scatter", "bar", "box", "heatmap"}
    assert used <= in_bundle


@pytest.mark.django_db
def test_production_serves_plotly_gzipped_under_a_hashed_name_cached_for_good(tmp_path, settings):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    call_command("collectstatic", "--noinput", verbosity=0)

    url = static("plotly/plotly-cartesian.min.js")
    assert re.fullmatch(r"/static/plotly/plotly-cartesian\.min\.[0-9a-f]{12}\.js", url)
    response = Client().get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]
    assert int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1)) >= 365 * 24 * 3600
    body = b"".join(response.streaming_content)
    assert len(body) < 600_000  # 0.50 MB on the wire, not the full bundle's 1.5 MB
    assert gzip.decompress(body) == BUNDLE.read_bytes()
    # Browsers that take brotli get the smaller copy.
    assert Client().get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")["Content-Encoding"] == "br"
    # The full bundle is no longer shipped at all.
    assert not list(tmp_path.glob("plotly/plotly.min*"))
