"""Responses go out gzipped to a browser that accepts it: pages, and the CSV
exports streamed a chunk at a time; static files keep whitenoise's own copies."""

import datetime as dt
import gzip
import re

import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse

from scoring import trends
from tests.conftest import snap

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.fixture
def history(sales):
    today = sales.today()
    for offset in range(30):
        snap(sales, today - dt.timedelta(days=offset), 50 + offset % 7, industry_rank=10, network_rank=20)
    trends.recompute(sales.pk)


def _without_csrf_token(html: str) -> str:
    # The token is masked anew in every response, so two renderings differ there only.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_the_dashboard_is_sent_gzipped_and_decodes_to_the_page(client, sales, history):
    client.force_login(sales)
    plain = client.get(reverse("scoring:dashboard"))
    assert "Content-Encoding" not in plain
    assert plain["Vary"].count("Accept-Encoding") == 1

    response = client.get(reverse("scoring:dashboard"), **GZIP)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert int(response["Content-Length"]) == len(response.content)
    assert len(response.content) < len(plain.content) / 3
    page = gzip.decompress(response.content).decode()
    assert "My Social Selling Index" in page and 'data-figure="ssi-chart-data"' in page
    assert _without_csrf_token(page) == _without_csrf_token(plain.content.decode())


def test_a_streamed_csv_export_is_gzipped_and_decodes_to_the_same_file(client, sales, history):
    client.force_login(sales)
    url = reverse("tracking:download-person", args=[sales.pk])
    plain = b"".join(client.get(url).streaming_content)

    response = client.get(url, **GZIP)
    assert response.streaming
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Disposition"].startswith('attachment; filename="my-ssi-')
    body = gzip.decompress(b"".join(response.streaming_content))
    assert body == plain
    assert len(body.splitlines()) == 31  # the header and 30 days


def test_static_files_are_sent_as_whitenoise_keeps_them(tmp_path, settings):
    # An image whitenoise leaves uncompressed (as it does .png) goes out as it is, not gzipped on the fly.
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "chart-sample.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 4000)
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "root"
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, extra]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)

    image = Client().get(static("chart-sample.png"), HTTP_ACCEPT_ENCODING="gzip")
    assert image.status_code == 200
    assert "Content-Encoding" not in image
    assert b"".join(image.streaming_content) == (extra / "chart-sample.png").read_bytes()

    url = static("css/app.css")
    css = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert css["Content-Encoding"] == "gzip"  # whitenoise's own .gz copy, byte for byte
    served = settings.STATIC_ROOT / url.removeprefix("/static/")
    assert b"".join(css.streaming_content) == served.with_name(served.name + ".gz").read_bytes()


def test_each_gzipped_page_is_padded_by_a_random_length(client, sales, history):
    # BREACH: the same page twice must not give streams of one length; the
    # padding is the file name in the gzip header, 10 to 100 characters.
    client.force_login(sales)
    lengths, names = set(), set()
    for _ in range(8):
        body = client.get(reverse("scoring:dashboard"), **GZIP).content
        assert body[3] & gzip.FNAME
        name = body[10:body.index(b"\x00", 10)]
        assert 10 <= len(name) <= 100 and name.isalnum()
        names.add(name)
        lengths.add(len(body))
    assert len(names) == 8 and len(lengths) > 1
