"""The paste box in a real browser: a copy of LinkedIn's SSI page fills the
entry form, and a copy whose figures contradict each other fills none of them."""

import datetime as dt

import pytest

from tests.conftest import snap
from tests.e2e.conftest import PASSWORD, csp_violations, log_in
from tracking.models import Snapshot, User

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = """Sales Navigator
Your Social Selling Index
Your score: 18 out of 100
8.78 | Establish your professional brand
6.12 | Find the right people
0.9 | Engage with insights
2.214 | Build relationships
Top 78% of your industry
Top 91% of your network
"""


@pytest.fixture
def sales():
    user = User.objects.create_user("sales@example.com", PASSWORD, name="Sasha Sales")
    snap(user, user.today() - dt.timedelta(days=1), 17, pillars=[8, 6, 1, 2])
    return user


def _paste(page, text):
    if not page.locator("details.paste").evaluate("d => d.open"):
        page.get_by_text("Paste from LinkedIn").click()
    before = page.locator("#paste-status").inner_text()
    page.get_by_label("The text of LinkedIn's SSI page").fill(text)
    page.get_by_role("button", name="Fill the form").click()
    page.wait_for_function("b => document.getElementById('paste-status').textContent !== b", arg=before)


def test_a_pasted_page_fills_each_pillar_with_its_own_value_and_saves(watched_page, live_server, sales):
    page = watched_page
    log_in(page, live_server, "sales@example.com")
    page.goto(f"{live_server.url}/entry/")
    _paste(page, PAGE)
    fields = ("ssi", "brand", "people", "insights", "relationships", "industry_rank", "network_rank")
    assert [page.locator(f"input[name={name}]").input_value() for name in fields] == [
        "18", "8.78", "6.12", "0.9", "2.214", "78", "91",
    ]
    assert page.locator("input[name=relationships]").get_attribute("class").split().count("filled") == 1
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"{live_server.url}/me/")
    saved = Snapshot.objects.get(user=sales, date=sales.today())
    assert (str(saved.brand), str(saved.people), str(saved.relationships), saved.network_rank) == (
        "8.780", "6.120", "2.214", 91,
    )
    assert page.console_errors == []
    assert csp_violations(page) == []


def test_a_paste_whose_pillars_contradict_its_total_fills_no_pillar_and_says_why(watched_page, live_server, sales):
    page = watched_page
    log_in(page, live_server, "sales@example.com")
    page.goto(f"{live_server.url}/entry/")
    _paste(page, PAGE)
    # A second copy, edited by mistake: its pillars no longer add up to 18.
    _paste(page, PAGE.replace("0.9 |", "4.3 |"))
    status = page.locator("#paste-status").inner_text()
    assert "Not filled: the pillars add up to 21.414 but the page's total is 18: check the copy." in status
    # The form keeps what it held, no longer marked as just read from LinkedIn.
    assert page.locator("input[name=insights]").input_value() == "0.9"
    assert "filled" not in (page.locator("input[name=insights]").get_attribute("class") or "").split()
    assert page.locator("input[name=industry_rank]").input_value() == "78"
    assert page.console_errors == []
