"""Every main page, for every role, at a phone's width and at a desktop's.

At 390 px nothing may scroll sideways: with mobile emulation Chromium zooms a
too-wide page out, so ``innerWidth`` grows with the content and the check is
``document.documentElement.scrollWidth`` against the device width itself.
Screenshots of each page land in test-artifacts/layout/ for a person to look at.
"""

import datetime as dt
from pathlib import Path

import pytest

from scoring import trends
from tests.conftest import snap
from tests.e2e.conftest import PASSWORD, log_in, wait_for_charts
from tracking.models import Membership, Team, User

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "layout"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1400, "height": 1000}}


@pytest.fixture
def org():
    team = Team.objects.create(name="Enterprise East and the Northern Territories", slug="east")
    Team.objects.create(name="West", slug="west")
    sales = User.objects.create_user("sales@example.com", PASSWORD, name="Sasha Salesperson-Longname")
    manager = User.objects.create_user("manager@example.com", PASSWORD, name="Morgan Manager")
    User.objects.create_superuser("admin@example.com", PASSWORD, name="Alex Admin")
    Membership.objects.create(user=manager, team=team, role=Membership.Role.MANAGER)
    members = [sales]
    for n, name in enumerate(["Ava Adams-Worthington", "Ben Bauer", "Chloe Chen", "Dev Diaz"]):
        members.append(User.objects.create_user(f"m{n}@example.com", PASSWORD, name=name))
    for n, member in enumerate(members):
        Membership.objects.create(user=member, team=team)
        today = member.today()
        for offset in range(0, 120, 2):
            if offset % 14 == 6:
                continue  # missing days, as real logs have
            snap(member, today - dt.timedelta(days=offset), 40 + n * 3 + (120 - offset) / 30,
                 industry_rank=11, network_rank=20)
        trends.recompute(member.pk)
    trends.recompute_team(team.pk)
    return {"sales": sales, "members": members}


def _pages(role: str, org) -> list[str]:
    members = org["members"]
    people = "&".join(f"people={m.pk}" for m in members[:3])
    pages = ["/", "/entry/", "/teams/", "/teams/east/", "/settings/"]
    if role in ("manager", "admin"):
        pages += [f"/compare/?{people}", f"/people/{members[1].pk}/"]
    if role == "admin":
        pages += ["/organisation/", "/imports/", "/teams/manage/", "/teams/east/members/"]
    return pages


@pytest.mark.parametrize("role", ["sales", "manager", "admin"])
@pytest.mark.parametrize(("width", "options"), [(390, PHONE), (1400, DESKTOP)], ids=["phone", "desktop"])
def test_no_main_page_scrolls_sideways(browser, live_server, org, role, width, options):
    context = browser.new_context(**options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server, f"{role}@example.com")
    SHOTS.mkdir(parents=True, exist_ok=True)
    too_wide, toolbars = {}, []
    for path in _pages(role, org):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        wait_for_charts(page)
        name = path.strip("/").split("?")[0].replace("/", "-").rstrip("-") or "dashboard"
        page.screenshot(path=str(SHOTS / f"{role}-{width}-{name}.png"), full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            too_wide[path] = scroll_width
        if path == "/teams/east/" and width == 390:
            # The leaderboard's key columns are on screen without scrolling it.
            ssi = page.locator(".leaderboard th", has_text="SSI").first.bounding_box()
            assert ssi["x"] + ssi["width"] <= width, "the leaderboard's SSI column is off screen"
        # No chart carries Plotly's toolbar over its plot.
        if page.locator(".modebar").count():
            toolbars.append(path)
    menu_link = page.locator("header nav").get_by_role("link", name="Teams")
    if width == 390:
        assert not menu_link.is_visible()  # collapsed behind "Menu"
        page.locator("header nav summary", has_text="Menu").click()
    assert menu_link.is_visible()
    # The product's own 404 page fits too.
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    page.screenshot(path=str(SHOTS / f"{role}-{width}-not-found.png"), full_page=True)
    if page.evaluate("document.documentElement.scrollWidth") > width:
        too_wide["/no-such-page/"] = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert too_wide == {}
    assert toolbars == []
    assert errors == []
