"""Every main page for every role, in both colour schemes, at a phone's and a
desktop's width: no serious or critical axe violation, keyboard focus always
visible and never lost inside a chart; and a person's own settings (their name
in the menu, their time zone) as they use them. axe-core is served from the
installed axe-playwright-python package, never from the network."""

import datetime as dt
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from scoring import trends
from tests.conftest import snap
from tests.e2e.conftest import PASSWORD, log_in, wait_for_charts
from tracking.api import auth
from tracking.models import ApiToken, ImportJob, Membership, Team, User

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1400, "height": 1000}}
ZONE = re.compile(r"^Time zone")
VIEWPORTS = pytest.mark.parametrize("options", [PHONE, DESKTOP], ids=["phone", "desktop"])
SCHEMES = pytest.mark.parametrize("scheme", ["light", "dark"])


@pytest.fixture
def org():
    team = Team.objects.create(name="Enterprise East", slug="east")
    Team.objects.create(name="West", slug="west")
    sales = User.objects.create_user("sales@example.com", PASSWORD, name="Sasha Sales")
    manager = User.objects.create_user("manager@example.com", PASSWORD, name="Morgan Manager")
    admin = User.objects.create_superuser("admin@example.com", PASSWORD, name="Alex Admin")
    Membership.objects.create(user=manager, team=team, role=Membership.Role.MANAGER)
    members = [sales] + [User.objects.create_user(f"m{n}@example.com", PASSWORD, name=name)
                         for n, name in enumerate(["Ava Adams", "Ben Bauer", "Chloe Chen"])]
    for n, member in enumerate(members):
        Membership.objects.create(user=member, team=team)
        today = member.today()
        for offset in range(0, 90, 3):
            snap(member, today - dt.timedelta(days=offset), 40 + n * 4 + (90 - offset) / 15,
                 industry_rank=11, network_rank=20)
        trends.recompute(member.pk)
    trends.recompute_team(team.pk)
    for person in (sales, manager, admin):
        auth.create_token(person, "laptop script")
    job = ImportJob.objects.create(created_by=admin, file_name="history.csv", status=ImportJob.Status.DONE,
                                   rows=3, created=3, finished_at=timezone.now())
    return {"sales": sales, "members": members, "job": job}


def _pages(role: str, org) -> list[str]:
    members = org["members"]
    pages = ["/", "/entry/", "/teams/", "/teams/east/", "/settings/", "/accounts/password_change/", "/me/imports/"]
    if role in ("manager", "admin"):
        people = "&".join(f"people={m.pk}" for m in members[:3])
        pages += [f"/compare/?{people}", f"/people/{members[1].pk}/", "/teams/east/settings/"]
    if role == "admin":
        pages += ["/organisation/", "/imports/", f"/imports/{org['job'].pk}/", "/teams/manage/",
                  "/teams/east/members/"]
    return pages


def _context(browser, options, scheme):
    return browser.new_context(**options, color_scheme=scheme)


def _open_menu(page) -> None:
    """On a phone the menu sits behind its "Menu" summary."""
    summary = page.locator("details[data-menu] > summary")
    if summary.is_visible() and page.locator("details[data-menu]").get_attribute("open") is None:
        summary.click()


@pytest.mark.parametrize("role", ["sales", "manager", "admin"])
@SCHEMES
@VIEWPORTS
def test_no_main_page_has_a_serious_accessibility_violation(browser, live_server, org, role, scheme, options):
    context = _context(browser, options, scheme)
    page = context.new_page()
    log_in(page, live_server, f"{role}@example.com")
    axe = Axe()
    found, contrast_checked = {}, 0
    for path in _pages(role, org):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        wait_for_charts(page)
        results = axe.run(page).response
        contrast_checked += any(r["id"] == "color-contrast" for r in results["passes"] + results["violations"])
        serious = [
            (v["id"], [n["target"] for n in v["nodes"]][:3])
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            found[path] = serious
    context.close()
    assert found == {}
    assert contrast_checked == len(_pages(role, org))  # the scan ran its contrast rule on every page


# Each Tab stop: where it is, and how its focus shows.
FOCUS_STOP = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    return {
        tag: el.tagName.toLowerCase(), text: (el.textContent || el.value || '').trim().slice(0, 40),
        inChart: !!el.closest('.js-plotly-plot, [data-figure]'),
        outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
        outlineColor: style.outlineColor, visible: el.getClientRects().length > 0,
        key: el.outerHTML.slice(0, 120),
    };
}"""


def _tab_stops(page, limit: int = 150) -> list[dict]:
    page.evaluate("document.activeElement && document.activeElement.blur()")
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_STOP)
        if stop is None or (stops and stop["key"] == stops[0]["key"]):
            break  # round to the start again
        stops.append(stop)
    return stops


@SCHEMES
@VIEWPORTS
def test_tab_never_stops_inside_a_chart_and_every_stop_shows_a_ring(browser, live_server, org, scheme, options):
    context = _context(browser, options, scheme)
    page = context.new_page()
    log_in(page, live_server, "sales@example.com")
    for path in ["/", "/teams/east/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert wait_for_charts(page) >= 2, path
        _open_menu(page)
        stops = _tab_stops(page)
        assert len(stops) > 10, path  # the menu, the range links, the tables' toggles …
        assert [s["key"] for s in stops if s["inChart"]] == [], path
        faint = [(s["tag"], s["text"], s["outline"], s["outlineWidth"]) for s in stops
                 if s["visible"] and (s["outline"] == "none" or s["outlineWidth"] < 2)]
        assert faint == [], path
    # The ring stands out from the page: light on a dark page, dark on a light one.
    page.get_by_role("link", name="My SSI").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    red, green, blue = (int(v) for v in re.findall(r"\d+", ring)[:3])
    assert (red + green + blue > 450) if scheme == "dark" else (red + green + blue < 400), ring
    context.close()


@VIEWPORTS
def test_the_name_in_the_menu_opens_the_persons_settings(browser, live_server, org, options):
    context = _context(browser, options, "light")
    page = context.new_page()
    log_in(page, live_server, "sales@example.com")
    _open_menu(page)
    page.get_by_role("link", name="Sasha Sales").click()
    page.wait_for_url("**/settings/")
    assert page.get_by_role("heading", level=1).inner_text() == "Settings"
    assert page.get_by_role("heading", name="Your account").is_visible()
    assert page.get_by_text("sales@example.com").is_visible()
    page.get_by_role("link", name="Change password").click()
    page.wait_for_url("**/accounts/password_change/")
    context.close()


@SCHEMES
@VIEWPORTS
def test_a_person_finds_their_zone_by_typing_and_then_reads_times_in_it(browser, live_server, org, scheme, options):
    # A key made on 1 July at noon UTC: 13:00 in London (summer time), 12:00 before the change.
    token = ApiToken.objects.filter(user=org["sales"]).get()
    ApiToken.objects.filter(pk=token.pk).update(created_at=dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC))
    context = _context(browser, options, scheme)
    page = context.new_page()
    log_in(page, live_server, "sales@example.com")
    page.goto(f"{live_server.url}/settings/")
    keys = page.locator("section", has=page.get_by_role("heading", name="API keys"))
    assert "1 Jul 2026, 12:00 UTC" in keys.inner_text()
    zone = page.get_by_label(ZONE)
    assert zone.input_value() == "UTC"

    page.get_by_label("Find a time zone").fill("Lond")
    assert zone.locator("option").all_inner_texts() == [
        next(t for t in zone.locator("option").all_inner_texts() if t.startswith("Europe/London (UTC+0"))
    ]
    assert "1 zone matches" in page.locator("#zone-matches").inner_text()
    zone.select_option("Europe/London")
    page.get_by_role("button", name="Save name and time zone").click()
    page.wait_for_url("**/settings/")
    assert "Your name and time zone are saved." in page.locator(".messages").inner_text()
    assert page.get_by_label(ZONE).input_value() == "Europe/London"
    assert "1 Jul 2026, 13:00 BST" in keys.inner_text()
    org["sales"].refresh_from_db()
    assert org["sales"].time_zone == "Europe/London"
    context.close()


def test_the_time_zone_list_works_without_javascript(browser, live_server, org):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "sales@example.com")
    page.goto(f"{live_server.url}/settings/")
    assert not page.get_by_label("Find a time zone").is_visible()  # nothing that cannot work
    page.get_by_label(ZONE).select_option("America/New_York")
    page.get_by_role("button", name="Save name and time zone").click()
    assert page.get_by_label(ZONE).input_value() == "America/New_York"
    context.close()


@VIEWPORTS
def test_import_times_read_in_the_persons_own_zone(browser, live_server, org, options):
    User.objects.filter(email="admin@example.com").update(time_zone="America/New_York")
    noon = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
    ImportJob.objects.filter(pk=org["job"].pk).update(created_at=noon, finished_at=noon + dt.timedelta(minutes=1))
    context = _context(browser, options, "light")
    page = context.new_page()
    log_in(page, live_server, "admin@example.com")
    page.goto(f"{live_server.url}/imports/")
    assert "2 Dec 2026, 07:00 EST" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/imports/{org['job'].pk}/")
    text = page.locator("main").inner_text()
    assert "Uploaded 2 Dec 2026, 07:00 EST" in text and "Finished 2 Dec 2026, 07:01 EST" in text
    context.close()
