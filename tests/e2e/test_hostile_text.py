"""Names, team names and notes full of markup stay text on every page and chart.

plotly.js renders pseudo-HTML (links, bold) in trace names and hover labels, so
this runs in a real browser: no payload may run script or become a live link.
"""

import datetime as dt

import pytest

from scoring import trends
from scoring.models import Annotation
from tests.conftest import snap
from tests.e2e.conftest import PASSWORD, csp_violations, log_in, wait_for_charts
from tracking.models import Membership, Team, User

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '<svg onload="window.__xss=1">',
    '"><script>window.__xss=1</script>',
    '<a href="javascript:window.__xss=1">click</a>',
    '<iframe src="javascript:window.__xss=1"></iframe>',
    "</script><script>window.__xss=1</script>",
    "<body onload=window.__xss=1>",
    '<a href="https://evil.example/">a link</a>',
    "{{7*7}} <b>bold</b> ${alert(1)}",
]

INJECTED = """() => {
  const links = [...document.querySelectorAll('a')].map(a => a.getAttribute('href') || a.getAttribute('xlink:href') || '');
  return {
    ran: window.__xss === 1,
    badLinks: links.filter(h => h.startsWith('javascript:') || h.includes('evil.example')),
    elements: document.querySelectorAll('img[src="x"], svg[onload], iframe, body[onload], script:not([src]):not([type="application/json"])').length,
    boldInCharts: document.querySelectorAll('.js-plotly-plot b, .js-plotly-plot [style*="font-weight:bold"]').length,
  };
}"""


@pytest.fixture
def hostile_team():
    team = Team.objects.create(name=PAYLOADS[0], slug="hostile")
    manager = User.objects.create_user("manager@example.com", PASSWORD, name=PAYLOADS[1])
    admin = User.objects.create_superuser("admin@example.com", PASSWORD, name=PAYLOADS[2])
    Membership.objects.create(user=manager, team=team, role=Membership.Role.MANAGER)
    members = []
    for n, payload in enumerate(PAYLOADS):
        member = User.objects.create_user(f"m{n}@example.com", PASSWORD, name=payload)
        Membership.objects.create(user=member, team=team)
        today = member.today()
        for offset in (20, 10, 3, 0):
            snap(member, today - dt.timedelta(days=offset), 40 + n + offset / 10)
        Annotation.objects.create(user=member, date=today - dt.timedelta(days=10), note=payload, created_by=manager)
        trends.recompute(member.pk)
        members.append(member)
    trends.recompute_team(team.pk)
    return {"team": team, "manager": manager, "admin": admin, "members": members}


def _visit_and_check(page, url):
    assert page.goto(url).status == 200, url
    page.wait_for_load_state("networkidle")
    wait_for_charts(page)
    found = page.evaluate(INJECTED)
    assert found == {"ran": False, "badLinks": [], "elements": 0, "boldInCharts": 0}, url
    assert csp_violations(page) == [], url
    return page.content()


def test_markup_in_names_team_names_and_notes_stays_text(watched_page, live_server, hostile_team):
    page = watched_page
    log_in(page, live_server, "manager@example.com")
    html = _visit_and_check(page, f"{live_server.url}/teams/hostile/")
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html  # shown, as text
    for member in hostile_team["members"]:
        _visit_and_check(page, f"{live_server.url}/people/{member.pk}/")
    people = "&".join(f"people={m.pk}" for m in hostile_team["members"][:6])
    _visit_and_check(page, f"{live_server.url}/compare/?{people}")

    page.context.clear_cookies()
    log_in(page, live_server, "admin@example.com")
    for path in ("/organisation/", "/teams/manage/", "/teams/hostile/members/", "/teams/"):
        _visit_and_check(page, f"{live_server.url}{path}")
