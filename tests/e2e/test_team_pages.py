"""A manager in a real browser: the team page, its range selector, a member drill-down;
and every main page scanned for accessibility and CSP violations."""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe

from scoring import trends
from tests.conftest import snap
from tests.e2e.conftest import PASSWORD, csp_violations, log_in, wait_for_charts
from tracking.models import Membership, Team, User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def team():
    team = Team.objects.create(name="Enterprise East", slug="east")
    manager = User.objects.create_user("manager@example.com", PASSWORD, name="Morgan Manager")
    User.objects.create_superuser("admin@example.com", PASSWORD, name="Alex Admin")
    Membership.objects.create(user=manager, team=team, role=Membership.Role.MANAGER)
    members = []
    for n, name in enumerate(["Ava Adams", "Ben Bauer", "Chloe Chen", "Dev Diaz"]):
        member = User.objects.create_user(f"m{n}@example.com", PASSWORD, name=name)
        Membership.objects.create(user=member, team=team)
        today = member.today()
        for offset in range(0, 120, 3):
            snap(member, today - dt.timedelta(days=offset), 40 + n * 5 + (120 - offset) / 20)
        trends.recompute(member.pk)
        members.append(member)
    trends.recompute_team(team.pk)
    return {"team": team, "members": members}


def _x_start(page, element_id):
    return page.evaluate(
        f"""() => {{ const gd = document.querySelector('[data-figure="{element_id}"]');
                    return gd.data.map(t => t.x && t.x.length ? t.x[0] : null).filter(Boolean).sort()[0]; }}"""
    )


def test_a_manager_changes_the_range_in_place_and_drills_into_a_member(watched_page, live_server, team):
    page = watched_page
    log_in(page, live_server, "manager@example.com")
    page.goto(f"{live_server.url}/teams/east/")
    page.wait_for_selector('[data-figure="team-band-data"] svg.main-svg')
    first_90 = _x_start(page, "team-band-data")

    page.get_by_label("Range").select_option("30")
    page.wait_for_url("**/teams/east/?*range=30*")
    page.wait_for_function(
        """(before) => { const gd = document.querySelector('[data-figure="team-band-data"]');
            return gd && gd.data && gd.data.map(t => t.x && t.x[0]).filter(Boolean).sort()[0] > before; }""",
        arg=first_90,
    )
    assert page.get_by_label("Range").input_value() == "30"

    page.get_by_role("link", name="Chloe Chen").first.click()
    page.wait_for_selector('[data-figure="ssi-chart-data"] svg.main-svg')
    assert "Chloe Chen" in page.locator("h1").inner_text()
    assert "read-only view" in page.content()
    assert page.console_errors == []
    assert csp_violations(page) == []


@pytest.mark.parametrize(
    ("email", "paths"),
    [
        ("manager@example.com", ["/teams/", "/teams/east/", "/teams/east/settings/", "/compare/", "/settings/",
                                 "/entry/"]),
        ("admin@example.com", ["/organisation/", "/teams/manage/", "/teams/east/members/", "/imports/"]),
    ],
)
def test_main_pages_have_no_serious_accessibility_or_csp_problems(watched_page, live_server, team, email, paths):
    page = watched_page
    log_in(page, live_server, email)
    axe = Axe()
    people = "&".join(f"people={m.pk}" for m in team["members"][:3])
    for path in paths:
        url = f"{live_server.url}{path}" + (f"?{people}" if path == "/compare/" else "")
        response = page.goto(url)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        wait_for_charts(page)
        serious = [
            (v["id"], [n["target"] for n in v["nodes"]][:3])
            for v in axe.run(page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], path
        assert csp_violations(page) == [], path
    assert page.console_errors == []


def test_the_whole_leaderboard_fits_a_1400_pixel_window(watched_page, live_server, team):
    page = watched_page
    page.set_viewport_size({"width": 1400, "height": 1000})
    log_in(page, live_server, "manager@example.com")
    page.goto(f"{live_server.url}/teams/east/")
    page.wait_for_selector("table.leaderboard")
    widths = page.evaluate("""() => { const box = document.querySelector('table.leaderboard').parentElement;
                                      return [box.scrollWidth, box.clientWidth]; }""")
    assert widths[0] <= widths[1], widths
    # "Last logged" and "Trend", the last two columns, are on screen.
    for heading in ("Last logged", "Trend"):
        box = page.locator("table.leaderboard th", has_text=heading).bounding_box()
        assert box["x"] + box["width"] <= 1400, heading
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400


def test_sorting_the_board_by_keyboard_keeps_focus_on_the_heading(watched_page, live_server, team):
    page = watched_page
    log_in(page, live_server, "manager@example.com")
    page.goto(f"{live_server.url}/teams/east/")
    page.locator("#sort-ssi").focus()
    with page.expect_response(lambda r: "sort=ssi" in r.url):
        page.keyboard.press("Enter")
    # Functions, not expressions: a string Playwright has to poll is eval()ed
    # in the page, which the Content Security Policy refuses.
    page.wait_for_function("() => document.querySelector('th[aria-sort]') && "
                           "document.querySelector('th[aria-sort]').textContent.includes('SSI')")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'sort-ssi'")
    # The panel was swapped in place (no page load) and announces the order.
    assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "descending"
    # A second Enter on the same, still focused, heading flips it.
    with page.expect_response(lambda r: "dir=asc" in r.url):
        page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('th[aria-sort]').getAttribute('aria-sort') === 'ascending'")
    assert page.evaluate("document.activeElement.id") == "sort-ssi"


def test_a_manager_ticks_two_members_on_the_board_and_compares_them(watched_page, live_server, team):
    page = watched_page
    log_in(page, live_server, "manager@example.com")
    page.goto(f"{live_server.url}/teams/east/")
    page.get_by_label("Compare Ava Adams").check()
    page.get_by_label("Compare Dev Diaz").check()
    # Ticking a box leaves the board as it is (no reload drops the first tick).
    page.wait_for_timeout(600)
    assert page.get_by_label("Compare Ava Adams").is_checked()
    page.get_by_role("button", name="Compare selected").click()
    page.wait_for_url("**/compare/?people=*")
    assert "Comparing Dev Diaz, Ava Adams" in page.locator("main").inner_text()
    assert page.console_errors == []
