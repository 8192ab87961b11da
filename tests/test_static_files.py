"""Static files as production serves them: plotly.js is the bundle of the four trace types the charts draw,
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
from plotly.offline import get_plotlyjs_version

from scoring import charts, team_charts
from scoring.teams import BandPoint, Spread

BUNDLE = Path(__file__).resolve().parent.parent / "static" / "plotly" / "plotly-charts.min.js"


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
    header = re.match(r"/\*\*\n\* plotly\.js \(([a-z, ]+) - minified\) v([\d.]+)\n", source)
    assert header, source[:200]  # licence header intact
    assert "Licensed under the MIT license" in source[:300]
    # The plotly.js the Python package validates figures against.
    assert header.group(2) == get_plotlyjs_version()
    in_bundle = set(re.findall(r'moduleType:"trace",name:"(\w+)"', source))
    assert in_bundle == set(header.group(1).split(", "))
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

    url = static("plotly/plotly-charts.min.js")
    assert re.fullmatch(r"/static/plotly/plotly-charts\.min\.[0-9a-f]{12}\.js", url)
    response = Client().get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]
    assert int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1)) >= 365 * 24 * 3600
    body = b"".join(response.streaming_content)
    assert len(body) < 450_000  # 0.42 MB on the wire, against 0.50 MB for the cartesian bundle, 1.5 MB for the full one
    assert gzip.decompress(body) == BUNDLE.read_bytes()
    # Browsers that take brotli get the smaller copy.
    assert Client().get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")["Content-Encoding"] == "br"
    # One plotly.js ships: neither the full bundle nor the cartesian one.
    assert sorted(p.name for p in tmp_path.glob("plotly/*.min.js")) == ["plotly-charts.min.js"]
