"""The browser extension, loaded unpacked in Debian's Chromium, records the SSI
page a person opens into the dashboard running on the live server.

LinkedIn's page and its JSON are served from tests/linkedin_ssi/ under
LinkedIn's real URLs (context.route), so the manifest's own match pattern
applies and no request leaves the machine.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tracking.api import auth
from tracking.models import ApiToken, Snapshot, User

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "linkedin_ssi"
SSI_PAGE = "https://www.linkedin.com/sales/ssi"
SSI_DATA = "https://www.linkedin.com/sales-api/salesApiSsi*"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def extension_dir(tmp_path):
    """extension/ as shipped, plus the one grant a person gives when connecting:
    the dashboard's address (here the live server's). A headless browser cannot
    click the permission prompt, so the grant is made beforehand; the options
    page still asks for it, and the browser answers yes at once."""
    folder = tmp_path / "extension"
    shutil.copytree(ROOT / "extension", folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["host_permissions"] = ["http://localhost/*"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture
def chromium_ext(playwright, extension_dir, tmp_path, live_server):
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=shutil.which("chromium"),
        headless=True,
        args=[f"--disable-extensions-except={extension_dir}", f"--load-extension={extension_dir}",
              "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync"],
    )

    def keep_local(route):
        # Anything not served from a fixture, by the live server or by the extension itself is refused.
        if route.request.url.startswith((live_server.url, "chrome-extension://")):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", keep_local)
    worker = context.service_workers[0] if context.service_workers else context.wait_for_event("serviceworker")
    context.extension_id = worker.url.split("/")[2]
    context.worker = worker
    yield context
    context.close()


def serve(context, page="ssi_page.html", data="salesApiSsi.json", data_status=200) -> list[str]:
    """Serve the SSI page and its data from fixtures; returns the data requests as they come."""
    requested: list[str] = []

    def answer_data(route):
        requested.append(route.request.url)
        route.fulfill(status=data_status, content_type="application/json",
                      body=(FIXTURES / data).read_text() if data else "<html>Server error</html>")

    context.route(SSI_PAGE + "*", lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8", body=(FIXTURES / page).read_text()))
    context.route(SSI_DATA, answer_data)
    return requested


def connect(context, line: str) -> str:
    page = context.new_page()
    page.goto(f"chrome-extension://{context.extension_id}/options.html")
    page.get_by_label("Connection line").fill(line)
    page.get_by_role("button", name="Connect").click()
    # The options page's CSP allows no evaluated strings: wait through a locator.
    expect(page.locator("#outcome")).to_have_text(re.compile(r"^(Connected|Not connected)"), timeout=20_000)
    text = page.locator("#outcome").text_content()
    page.close()
    return text


def open_ssi_page(context, page=None) -> tuple[str, str]:
    """Open linkedin.com/sales/ssi; return what the extension's banner says (outcome, message)."""
    page = page or context.new_page()
    page.goto(SSI_PAGE)
    banner = page.locator("#ssi-dashboard-banner")
    banner.wait_for(state="attached", timeout=20_000)
    page.wait_for_function("document.getElementById('ssi-dashboard-banner').shadowRoot.querySelector('span')")
    return banner.get_attribute("data-outcome"), page.evaluate(
        "document.getElementById('ssi-dashboard-banner').shadowRoot.querySelector('span').textContent")


@pytest.fixture
def person(db):
    # A zone whose date differs from the server's (UTC) right now, so "today" is visibly theirs.
    now = timezone.now()
    zone = next(z for z in ("Pacific/Kiritimati", "Etc/GMT+12")
                if now.astimezone(zoneinfo.ZoneInfo(z)).date() != now.date())
    return User.objects.create_user(email="sasha@example.com", password="pw-for-tests", time_zone=zone)


@pytest.fixture
def key(person):
    return auth.create_token(person, "Browser extension", scope=ApiToken.Scope.CAPTURE)[1]


def test_opening_the_ssi_page_records_the_day_and_reopening_it_corrects_it(chromium_ext, live_server, person, key):
    assert connect(chromium_ext, f"{live_server.url} {key}").startswith("Connected to localhost")
    requested = serve(chromium_ext)
    outcome, message = open_ssi_page(chromium_ext)
    assert len(requested) == 1  # the page's own request, read as it passed
    today = person.today()
    assert today != dt.datetime.now(dt.UTC).date()
    assert outcome == "recorded"
    assert message == f"Recorded 20 for {today:%-d %b}: your first recorded day."
    row = Snapshot.objects.get(user=person)
    assert (row.date, row.source) == (today, "api")
    assert (row.ssi, row.brand, row.people, row.insights, row.relationships) == (
        Decimal("19.706"), Decimal("13.118"), Decimal("3.680"), Decimal("0.300"), Decimal("2.608"))
    assert (row.industry_rank, row.network_rank, row.industry_avg, row.network_avg) == (
        75, 81, Decimal("30.990"), Decimal("32.720"))

    # Later the same day LinkedIn has a new figure: opening the page again corrects the day.
    chromium_ext.unroute(SSI_DATA)
    serve(chromium_ext, data="salesApiSsi_seat.json")
    outcome, message = open_ssi_page(chromium_ext)
    assert (outcome, message) == ("recorded", f"Updated {today:%-d %b} to 43: your first recorded day.")
    assert Snapshot.objects.filter(user=person).count() == 1
    assert Snapshot.objects.get(user=person).ssi == Decimal("43.491")


def test_data_the_page_requests_with_xmlhttprequest_is_read_too(chromium_ext, live_server, person, key):
    connect(chromium_ext, f"{live_server.url} {key}")
    requested = serve(chromium_ext, page="ssi_page_xhr.html", data="salesApiSsi_seat.json")
    assert open_ssi_page(chromium_ext)[1] == f"Recorded 43 for {person.today():%-d %b}: your first recorded day."
    assert Snapshot.objects.get(user=person).brand == Decimal("12.963")
    # The page's own request was read: the extension made none of its own.
    assert requested == ["https://www.linkedin.com/sales-api/salesApiSsi?decoration=full"]


def test_the_message_says_the_change_since_the_previous_recorded_day(chromium_ext, live_server, person, key):
    previous = person.today() - dt.timedelta(days=7)
    Snapshot.objects.create(user=person, date=previous, ssi=42)
    connect(chromium_ext, f"{live_server.url} {key}")
    serve(chromium_ext, data="salesApiSsi_seat.json")
    assert open_ssi_page(chromium_ext) == (
        "recorded", f"Recorded 43 for {person.today():%-d %b}, +1 since {previous:%-d %b}.")


def test_the_pages_text_is_the_fallback_when_its_data_request_fails(chromium_ext, live_server, person, key):
    connect(chromium_ext, f"{live_server.url} {key}")
    requested = serve(chromium_ext, page="ssi_page_text.html", data=None, data_status=500)
    outcome, message = open_ssi_page(chromium_ext)
    assert outcome == "recorded" and "Recorded 43" in message
    assert len(requested) == 1  # the extension asked once for the data the page did not load, then read the text
    row = Snapshot.objects.get(user=person)
    assert (row.ssi, row.brand, row.relationships, row.industry_rank, row.network_rank, row.industry_avg) == (
        Decimal("43"), Decimal("12.96"), Decimal("11.28"), 5, 12, Decimal("24"))


def test_data_embedded_in_the_page_is_read_without_a_request(chromium_ext, live_server, person, key):
    connect(chromium_ext, f"{live_server.url} {key}")
    requested = []
    serve(chromium_ext, page="ssi_page_embedded.html")
    chromium_ext.route(SSI_DATA, lambda route: (requested.append(route.request.url), route.abort()))
    outcome, message = open_ssi_page(chromium_ext)
    assert (outcome, message) == ("recorded", f"Recorded 43 for {person.today():%-d %b}: your first recorded day.")
    assert Snapshot.objects.get(user=person).industry_rank == 5
    assert requested == []


def test_data_in_a_shape_linkedin_no_longer_gives_records_nothing_and_says_so(chromium_ext, live_server, person, key):
    connect(chromium_ext, f"{live_server.url} {key}")
    serve(chromium_ext, data="salesApiSsi_changed.json")
    outcome, message = open_ssi_page(chromium_ext)
    assert outcome == "refused"
    assert message.startswith("Not recorded: LinkedIn's SSI data has changed shape, so nothing was recorded")
    assert not Snapshot.objects.exists()


def test_a_browser_not_connected_records_nothing_and_says_how_to_connect(chromium_ext, person):
    serve(chromium_ext)
    outcome, message = open_ssi_page(chromium_ext)
    assert outcome == "refused"
    assert "not connected to your SSI Dashboard" in message and "Settings" in message
    assert not Snapshot.objects.exists()


def test_a_revoked_key_records_nothing_and_says_so(chromium_ext, live_server, person, key):
    connect(chromium_ext, f"{live_server.url} {key}")
    ApiToken.objects.filter(user=person).update(revoked_at=timezone.now())
    serve(chromium_ext)
    outcome, message = open_ssi_page(chromium_ext)
    assert outcome == "refused"
    assert "refused this extension's key (it was revoked or mistyped)" in message
    assert not Snapshot.objects.exists()


def test_an_unreachable_dashboard_records_nothing_and_says_so(chromium_ext, live_server, person, key):
    connect(chromium_ext, f"{live_server.url} {key}")
    # The dashboard goes away: nothing listens on port 9 of this machine.
    chromium_ext.worker.evaluate("""async () => {
        const {connection} = await chrome.storage.local.get('connection');
        await chrome.storage.local.set({connection: {...connection, dashboard: 'http://localhost:9'}});
    }""")
    serve(chromium_ext)
    outcome, message = open_ssi_page(chromium_ext)
    assert outcome == "refused"
    assert "your SSI Dashboard at localhost:9 could not be reached" in message
    assert not Snapshot.objects.exists()


def test_connecting_with_a_wrong_key_is_refused_before_anything_is_stored(chromium_ext, live_server, person):
    text = connect(chromium_ext, f"{live_server.url} ssi_{'x' * 43}")
    assert text.startswith("Not connected: your SSI Dashboard refused this extension's key")
    assert chromium_ext.worker.evaluate("chrome.storage.local.get('connection')") == {}


def test_other_linkedin_pages_are_left_alone(chromium_ext, live_server, person, key):
    connect(chromium_ext, f"{live_server.url} {key}")
    served = []
    chromium_ext.route("https://www.linkedin.com/feed/", lambda route: route.fulfill(
        status=200, content_type="text/html", body=(FIXTURES / "ssi_page.html").read_text()))
    chromium_ext.route(SSI_DATA, lambda route: (served.append(route.request.url), route.fulfill(
        status=200, content_type="application/json", body=(FIXTURES / "salesApiSsi.json").read_text())))
    page = chromium_ext.new_page()
    page.goto("https://www.linkedin.com/feed/")
    page.wait_for_timeout(5000)
    assert served  # the page's own request for its data ran …
    assert page.locator("#ssi-dashboard-banner").count() == 0  # … and the extension did nothing with it
    assert not Snapshot.objects.exists()


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 900)])
def test_the_settings_section_gives_a_connection_line_that_fits_the_screen(
        page, live_server, person, width, height, request):
    from tests.e2e.conftest import log_in

    person.set_password("correct horse battery")
    person.save()
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server, person.email)
    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("button", name="Create an extension key").click()
    line = page.locator("#extension-line").text_content()
    dashboard, key = line.split(" ")
    assert dashboard == live_server.url and key.startswith("ssi_")
    assert ApiToken.objects.get(user=person).scope == "capture"
    # Nothing in the section, nor the keys table it adds a row to, is wider than the screen.
    too_wide = page.evaluate("""w => [...document.querySelectorAll('#extension, #extension *, .overflow-auto')]
        .filter(e => e.getBoundingClientRect().right > w).map(e => e.outerHTML.slice(0, 60))""", width)
    assert too_wide == []
    page.locator("#extension").screenshot(path=str(ROOT / "test-artifacts" / f"settings-extension-{width}.png"))
