"""What a pointer over a chart says, in a real browser: the rank reads "Top 11%",
a note's marker shows the note, the compare chart lists everyone under the
date, and the team chart names the member whose line is under the pointer."""

import datetime as dt

import pytest

from scoring import trends
from scoring.models import Annotation
from tests.conftest import snap
from tests.e2e.conftest import PASSWORD, log_in
from tracking.models import Membership, Team, User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def org():
    team = Team.objects.create(name="East", slug="east")
    manager = User.objects.create_user("manager@example.com", PASSWORD, name="Morgan Manager")
    Membership.objects.create(user=manager, team=team, role=Membership.Role.MANAGER)
    people = []
    for n, name in enumerate(["Ava Adams", "Ben Bauer", "Chloe Chen"]):
        person = User.objects.create_user(f"m{n}@example.com", PASSWORD, name=name)
        Membership.objects.create(user=person, team=team)
        today = person.today()
        for offset in range(0, 40, 2):
            snap(person, today - dt.timedelta(days=offset), 40 + n * 8 + (40 - offset) / 10,
                 industry_rank=11, network_rank=20, industry_avg=24.5, network_avg=31)
        trends.recompute(person.pk)
        people.append(person)
    trends.recompute_team(team.pk)
    Annotation.objects.create(user=people[0], date=people[0].today() - dt.timedelta(days=10),
                              note="<b>New</b> headline", created_by=people[0])
    return people


def _hover(page, element_id: str, trace_name: str, index: int = 0) -> str:
    """Moves the pointer onto one point of the named trace; returns the hover label's text."""
    page.locator(f'[data-figure="{element_id}"]').scroll_into_view_if_needed()
    point = page.evaluate(
        """([id, name, index]) => {
            const gd = document.querySelector(`[data-figure="${id}"]`);
            const t = gd.data.find(t => t.name === name);
            const i = t.y.findIndex((y, j) => y !== null && j >= index);
            const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
            const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
            return {x: box.left + xa.d2p(t.x[i]), y: box.top + ya.d2p(t.y[i])};
        }""",
        [element_id, trace_name, index],
    )
    page.mouse.move(point["x"], point["y"])
    label = page.locator(f'[data-figure="{element_id}"] .hoverlayer')
    page.wait_for_function(f"""() => document.querySelector('[data-figure="{element_id}"] .hoverlayer').textContent""")
    return label.text_content()


def test_hover_labels_say_what_and_when(page, live_server, org):
    log_in(page, live_server, "m0@example.com")
    page.wait_for_selector('[data-figure="ranks-chart-data"] svg.main-svg')
    names = page.evaluate("""document.querySelector('[data-figure="ssi-chart-data"]').data.map(t => t.name)""")
    assert {"Industry average", "Network average", "Notes"} <= set(names)
    text = _hover(page, "ranks-chart-data", "Industry rank", 3)
    assert "Top 11%" in text and "%%" not in text
    page.mouse.move(0, 0)
    text = _hover(page, "ssi-chart-data", "Notes")
    assert "<b>New</b> headline" in text  # the note's own words, shown as text, not markup

    context = page.context
    context.clear_cookies()
    log_in(page, live_server, "manager@example.com")
    people = "&".join(f"people={p.pk}" for p in org)
    page.goto(f"{live_server.url}/compare/?{people}")
    page.wait_for_selector('[data-figure="compare-ssi-data"] svg.main-svg')
    text = _hover(page, "compare-ssi-data", "Ava Adams", 4)
    assert all(name in text for name in ("Ava Adams", "Ben Bauer", "Chloe Chen"))
    assert str(org[0].today().year) in text  # the date heads the label

    page.goto(f"{live_server.url}/teams/east/")
    page.wait_for_selector('[data-figure="team-band-data"] svg.main-svg')
    text = _hover(page, "team-band-data", "Chloe Chen", 6)
    assert "Chloe Chen" in text and "p75" not in text
