"""A salesperson in a real browser: charts drawn, an entry round trip, a forged URL."""

import datetime as dt
import itertools

import pytest
from axe_playwright_python.sync_playwright import Axe

from scoring import trends
from tests.conftest import snap
from tests.e2e.conftest import PASSWORD, csp_violations, log_in, wait_for_charts
from tracking.models import Membership, Team, User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people():
    team = Team.objects.create(name="East", slug="east")
    sales = User.objects.create_user("sales@example.com", PASSWORD, name="Sasha Sales")
    other = User.objects.create_user("other@example.com", PASSWORD, name="Olly Other")
    manager = User.objects.create_user("manager@example.com", PASSWORD, name="Morgan Manager")
    admin = User.objects.create_superuser("admin@example.com", PASSWORD)
    Membership.objects.create(user=sales, team=team)
    Membership.objects.create(user=manager, team=team, role=Membership.Role.MANAGER)
    today = sales.today()
    for offset, ssi in [(20, 50), (12, 52), (5, 55), (1, 57.5)]:
        snap(sales, today - dt.timedelta(days=offset), ssi, industry_rank=10, network_rank=20)
    snap(other, today - dt.timedelta(days=3), 70)
    for user in (sales, other):
        trends.recompute(user.pk)
    return {"sales": sales, "other": other, "manager": manager, "admin": admin}


def _chart_point(page, element_id: str, trace: int = 0, index: int = -1) -> dict:
    """Viewport coordinates of one point of a drawn Plotly chart, scrolled into view."""
    page.locator(f'[data-figure="{element_id}"]').scroll_into_view_if_needed()
    return page.evaluate(
        """([id, trace, index]) => {
            const gd = document.querySelector(`[data-figure="${id}"]`);
            const t = gd.data[trace];
            const i = index < 0 ? t.x.length + index : index;
            const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
            const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
            return {x: box.left + xa.d2p(t.x[i]), y: box.top + ya.d2p(t.y[i])};
        }""",
        [element_id, trace, index],
    )


def test_the_dashboard_draws_its_charts_and_shows_a_value_on_hover(watched_page, live_server, people):
    page = watched_page
    log_in(page, live_server, "sales@example.com")
    page.wait_for_selector('[data-figure="ssi-chart-data"] svg.main-svg')
    # The SSI chart comes first; the pillar bars, pillars and ranks follow a frame apart.
    assert wait_for_charts(page) == 4
    # The first point (20 days ago, SSI 50): the last one can sit under the mode bar.
    point = _chart_point(page, "ssi-chart-data", index=0)
    page.mouse.move(point["x"], point["y"])
    page.wait_for_selector('[data-figure="ssi-chart-data"] .hoverlayer text')
    assert "50.0" in page.locator('[data-figure="ssi-chart-data"] .hoverlayer').text_content()
    assert page.console_errors == []
    assert csp_violations(page) == []


def test_a_manual_entry_shows_up_on_the_chart(watched_page, live_server, people):
    page = watched_page
    log_in(page, live_server, "sales@example.com")
    page.goto(f"{live_server.url}/entry/")
    page.get_by_label("Establish your professional brand").fill("15")
    page.get_by_label("Find the right people").fill("16")
    page.get_by_label("Engage with insights").fill("14.5")
    page.get_by_label("Build relationships").fill("15")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector('[data-figure="ssi-chart-data"] svg.main-svg')
    assert "is saved" in page.locator(".messages").inner_text()
    ys = page.evaluate("document.querySelector('[data-figure=\"ssi-chart-data\"]').data[0].y")
    assert ys[-1] == 60.5
    assert page.locator(".headline .value").first.inner_text() == "61"  # 60.5 shown whole, rounded half-up
    assert csp_violations(page) == []


@pytest.mark.parametrize(("email", "landing"), [
    ("sales@example.com", "/"), ("manager@example.com", "/teams/east/"), ("admin@example.com", "/organisation/"),
])
def test_each_role_logs_in_and_lands_on_a_page_without_errors(watched_page, live_server, people, email, landing):
    page = watched_page
    log_in(page, live_server, email)
    # Salespeople land on their own SSI, a manager on their team, an admin on the organisation.
    assert page.url == f"{live_server.url}{landing}"
    assert page.get_by_role("button", name="Log out").is_visible()
    assert page.console_errors == []
    assert csp_violations(page) == []


def test_a_salesperson_forging_another_persons_url_sees_404(watched_page, live_server, people):
    page = watched_page
    log_in(page, live_server, "sales@example.com")
    response = page.goto(f"{live_server.url}/people/{people['other'].pk}/")
    assert response.status == 404
    assert "Olly" not in page.content()


def test_the_main_pages_have_no_serious_accessibility_violations(page, live_server, people):
    log_in(page, live_server, "sales@example.com")
    axe = Axe()
    for path in ["/", "/entry/", "/accounts/password_change/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        wait_for_charts(page)
        results = axe.run(page)
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], path


def test_the_dashboard_works_from_the_keyboard(page, live_server, people):
    log_in(page, live_server, "sales@example.com")
    page.wait_for_selector('[data-figure="ssi-chart-data"] svg.main-svg')
    toggle = page.get_by_role("button", name="Show the data behind the charts")
    table = page.locator("#data-table")
    assert table.is_hidden()
    # Tab from the range links to the toggle, then open it with Enter.
    page.get_by_role("link", name="30 days").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('data-toggle')") == "data-table":
            break
    else:
        pytest.fail("the data-table toggle cannot be reached with Tab")
    page.keyboard.press("Enter")
    assert table.is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert table.locator("tbody tr").count() == 4  # the four days logged
    # A range link follows from the keyboard too.
    page.get_by_role("link", name="1 year").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/?range=365")


def test_dark_mode_follows_the_system_setting(browser, live_server, people):
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    log_in(page, live_server, "sales@example.com")
    page.wait_for_selector('[data-figure="ssi-chart-data"] svg.main-svg')
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    red, green, blue = (int(v) for v in background[background.index("(") + 1:-1].split(",")[:3])
    assert red + green + blue < 150, background  # a dark page
    tick = page.locator('[data-figure="ssi-chart-data"] .xtick text').first
    assert tick.evaluate("el => getComputedStyle(el).fill") == "rgb(224, 227, 231)"  # light chart text
    context.close()


# Notes, on the page, each Plotly.react call with the number of frames the browser had rendered by then.
COUNT_FRAMES_AND_DRAWS = """
window.__frames = 0;
window.__draws = [];
(function tick() { window.__frames++; requestAnimationFrame(tick); })();
var plotly;
Object.defineProperty(window, 'Plotly', {configurable: true, get: function () { return plotly; }, set: function (value) {
  plotly = value;
  var react = value.react;
  value.react = function (el) {
    window.__draws.push([el.getAttribute('data-figure'), window.__frames]);
    return react.apply(this, arguments);
  };
}});
"""


def test_the_ssi_chart_is_drawn_first_and_shown_before_the_others_are_drawn(page, live_server, people):
    log_in(page, live_server, "sales@example.com")
    page.add_init_script(COUNT_FRAMES_AND_DRAWS)
    page.goto(f"{live_server.url}/")
    assert wait_for_charts(page) == 4
    draws = page.evaluate("window.__draws")
    assert [name for name, _ in draws] == ["ssi-chart-data", "pillar-bars-data", "pillars-chart-data",
                                           "ranks-chart-data"]
    frames = [frame for _, frame in draws]
    assert all(later > earlier for earlier, later in itertools.pairwise(frames)), frames  # a frame between each


def test_every_chart_follows_a_change_to_dark_mode(watched_page, live_server, people):
    page = watched_page
    log_in(page, live_server, "sales@example.com")
    assert wait_for_charts(page) == 4
    tick_colours = """() => [...document.querySelectorAll('[data-figure]')].map(
        el => getComputedStyle(el.querySelector('.xtick text, .ytick text')).fill)"""
    assert set(page.evaluate(tick_colours)) == {"rgb(55, 60, 68)"}
    page.emulate_media(color_scheme="dark")
    page.wait_for_function(f"() => ({tick_colours})().every(fill => fill === 'rgb(224, 227, 231)')")
    assert page.console_errors == []
