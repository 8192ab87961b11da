"""What an intruder meets: throttled logins, CSRF, a strict CSP, no inline script."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import snap


def _login(client, email, password="wrong-password"):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR="10.1.2.3")


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["sales@example.com", "nobody@example.com"])
def test_logins_are_locked_after_five_failures_whether_or_not_the_account_exists(client, sales, email):
    for _ in range(4):
        response = _login(client, email)
        assert response.status_code == 200
        assert "Your email and password didn't match" in response.content.decode()
    assert _login(client, email).status_code == 429  # the fifth failure locks
    locked = _login(client, email, password="pw-for-tests")
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_correct_password_still_logs_in_before_the_limit(client, sales):
    _login(client, "sales@example.com")
    response = _login(client, "sales@example.com", password="pw-for-tests")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(sales.pk)


@pytest.mark.django_db
def test_state_changes_need_a_csrf_token(sales):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sales)
    response = client.post(reverse("tracking:entry"), {"date": "2026-01-01", "ssi": "50"})
    assert response.status_code == 403
    assert not sales.snapshots.exists()


@pytest.mark.django_db
def test_logging_out_by_get_is_refused(client, sales):
    client.force_login(sales)
    assert client.get(reverse("logout")).status_code == 405
    assert client.session.get("_auth_user_id") == str(sales.pk)


@pytest.mark.django_db
def test_pages_send_a_strict_content_security_policy_and_no_inline_script(client, sales):
    import datetime as dt

    snap(sales, dt.date(2026, 1, 5), 50)
    from scoring import trends

    trends.recompute(sales.pk)
    client.force_login(sales)
    for url in [reverse("scoring:dashboard"), reverse("tracking:entry"), reverse("password_change"), reverse("login")]:
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-eval" not in csp.split("script-src")[1].split(";")[0]
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp
        html = response.content.decode()
        scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
        assert scripts == [], url
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_every_response_carries_a_request_id(client):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="trace-123")
    assert response["X-Request-ID"] == "trace-123"
    forged = client.get(reverse("login"), HTTP_X_REQUEST_ID="<script>")
    assert re.fullmatch(r"[0-9a-f]{32}", forged["X-Request-ID"])


@pytest.mark.django_db
def test_health_reports_database_broker_and_worker(client):
    body = client.get(reverse("health")).json()
    assert body["checks"]["database"] == {"ok": True}
    assert set(body["checks"]) == {"database", "broker", "worker"}


def test_the_repository_holds_no_private_keys_or_cloud_credentials():
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    files = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True).stdout.split()
    patterns = re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----|AKIA[0-9A-Z]{16}|xox[bp]-[0-9A-Za-z-]{10,}")
    leaks = [name for name in files if (root / name).is_file() and patterns.search((root / name).read_bytes())]
    assert leaks == []


@pytest.mark.django_db
@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_no_exported_cell_starts_with_a_character_a_spreadsheet_would_run(sales, start):
    import csv
    import datetime as dt
    import io

    from tracking.importing import export

    sales.name = f"{start}1+cmd|' /C calc'!A0"
    sales.save()
    snap(sales, dt.date(2026, 1, 5), 50)
    (header, row) = list(csv.reader(io.StringIO("".join(export.iter_csv(user_ids=[sales.pk])))))
    assert row[header.index("name")] == f"'{start}1+cmd|' /C calc'!A0"
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)
