"""Oversized and malformed bodies: refused by their announced size before a
byte is read, with a plain 413 page for a person and JSON for an API client;
every API error is JSON with a 4xx status."""

import json

import pytest
from django.urls import reverse

from tracking.api import auth
from tracking.models import ImportJob, Snapshot

MB = 1024 * 1024


class CountingBody:
    """An endless request body that counts the bytes anything reads from it."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size=-1):
        size = 64 * 1024 if size is None or size < 0 else size
        self.read_bytes += size
        return b"x" * size

    def readline(self, size=-1):
        return self.read(size)


@pytest.fixture
def key(sales):
    return auth.create_token(sales, "script")[1]


@pytest.fixture
def temp_uploads(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    return tmp_path


@pytest.mark.django_db
def test_a_500_mb_linkedin_file_is_refused_on_the_entry_page_before_it_is_read(client, sales, temp_uploads):
    client.force_login(sales)
    body = CountingBody()
    response = client.post(
        reverse("tracking:entry"), data=b"--x--", content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(500 * MB), **{"wsgi.input": body},
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "The file is larger than 1 MB, the most this server accepts." in page
    assert "Traceback" not in page
    assert body.read_bytes == 0
    assert list(temp_uploads.iterdir()) == []


@pytest.mark.django_db
def test_a_real_file_over_the_limit_is_refused_and_one_just_over_gets_the_plain_notice(client, sales, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(sales)
    big = SimpleUploadedFile("ssi.json", b"{" + b" " * (2 * MB) + b"}", content_type="application/json")
    assert client.post(reverse("tracking:entry"), {"paste_file": "1", "linkedin_file": big}).status_code == 413
    # Within the allowance for the form around the file, so the page itself says it.
    settings.SSI_LINKEDIN_FILE_MAX_BYTES = 1000
    small = SimpleUploadedFile("ssi.json", b"{" + b" " * 2000 + b"}", content_type="application/json")
    response = client.post(reverse("tracking:entry"), {"paste_file": "1", "linkedin_file": small})
    assert response.status_code == 200
    assert "The file is larger than 0.000953674 MB" in response.content.decode()
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
def test_an_import_announcing_500_mb_is_refused_before_its_body_is_read(admin_client, temp_uploads):
    body = CountingBody()
    response = admin_client.post(
        reverse("tracking:import-upload"), data=b"--x--", content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(500 * MB), **{"wsgi.input": body},
    )
    assert response.status_code == 413
    assert "The file is larger than 50 MB, the most this server accepts." in response.content.decode()
    assert body.read_bytes == 0
    assert list(temp_uploads.iterdir()) == []
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_any_other_page_refuses_a_huge_form_before_reading_it(client, sales):
    client.force_login(sales)
    body = CountingBody()
    response = client.post(reverse("tracking:settings"), data=b"a=1", content_type="application/x-www-form-urlencoded",
                           CONTENT_LENGTH=str(500 * MB), **{"wsgi.input": body})
    assert response.status_code == 413
    assert "What was sent is larger than 2 MB, the most this server accepts." in response.content.decode()
    assert body.read_bytes == 0


@pytest.mark.django_db
def test_a_form_just_over_what_django_reads_is_a_413_page(client, sales):
    client.force_login(sales)
    client.raise_request_exception = False
    response = client.post(reverse("tracking:entry"), data=b"linkedin_text=" + b"x" * (2 * MB + 100),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "What was sent is larger than 2 MB, the most this server accepts." in response.content.decode()


@pytest.mark.django_db
def test_a_body_without_a_length_is_never_read(client, sales):
    client.force_login(sales)
    body = CountingBody()
    request = client.post(reverse("tracking:entry"), data=b"--x--", content_type="multipart/form-data; boundary=x",
                          **{"wsgi.input": body, "CONTENT_LENGTH": ""})
    assert request.status_code in (200, 400)
    assert body.read_bytes == 0


def _api(client, method, path, key, body: bytes, **extra):
    return getattr(client, method)(path, data=body, content_type="application/json",
                                   HTTP_AUTHORIZATION=f"Bearer {key}", **extra)


@pytest.mark.django_db
def test_the_api_answers_a_10_mb_body_with_a_json_413_before_reading_it(client, key):
    body = CountingBody()
    response = _api(client, "put", "/api/v1/snapshots/2026-06-01", key, b"",
                    CONTENT_LENGTH=str(10 * MB), **{"wsgi.input": body})
    assert response.status_code == 413
    assert response.json() == {"errors": [{
        "field": None, "message": "The request body is larger than 2 MB, the most this API accepts."}]}
    assert body.read_bytes == 0


@pytest.mark.django_db
def test_a_body_just_over_what_django_reads_is_a_json_413(client, key):
    body = json.dumps({"ssi": 40, "pad": " " * (2 * MB)}).encode()
    response = _api(client, "put", "/api/v1/snapshots/2026-06-01", key, body)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [100_000, 2_000])
def test_deeply_nested_json_is_a_json_400(client, key, depth):
    response = _api(client, "put", "/api/v1/snapshots/2026-06-01", key, b"[" * depth + b"]" * depth)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["message"] in (
        "The body is nested too deeply to be read.", "The body must be a JSON object.")


@pytest.mark.django_db
@pytest.mark.parametrize("method, path, status", [
    ("get", "/api/", 404),
    ("get", "/api/v2/snapshots", 404),
    ("post", "/api/v1/openapi.json", 405),
    ("delete", "/api/v1/snapshots", 405),
])
def test_every_api_error_is_json(client, key, method, path, status):
    response = _api(client, method, path, key, b"")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["message"]


@pytest.mark.django_db
def test_an_api_view_that_fails_answers_json_not_an_html_page(client, key, monkeypatch):
    from tracking.api import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "record_day", broken)
    client.raise_request_exception = False
    response = _api(client, "put", "/api/v1/snapshots/2026-06-01", key, b'{"ssi": 40}')
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert "Traceback" not in response.content.decode()
