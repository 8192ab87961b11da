"""Goals, notes and team admin in a real browser: a manager's goal and the
salesperson's own both stand, a note is edited and deleted by its author, an
admin renames a team; the pages they use fit a phone."""

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from scoring import trends
from scoring.models import Annotation, Goal
from tests.conftest import snap
from tests.e2e.conftest import PASSWORD, log_in
from tracking.models import Invitation, Membership, Team, User

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "layout"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture
def people():
    team = Team.objects.create(name="Enterprise East", slug="enterprise-east")
    sales = User.objects.create_user("sales@example.com", PASSWORD, name="Sasha Sales")
    manager = User.objects.create_user("manager@example.com", PASSWORD, name="Maria Lopez")
    admin = User.objects.create_superuser("admin@example.com", PASSWORD, name="Alex Admin")
    Membership.objects.create(user=sales, team=team)
    Membership.objects.create(user=manager, team=team, role=Membership.Role.MANAGER)
    today = sales.today()
    for back, ssi in ((28, 39), (21, 40), (14, 41), (7, 42), (0, 43)):
        snap(sales, today - dt.timedelta(days=back), ssi)
    trends.recompute(sales.pk)
    return {"team": team, "sales": sales, "manager": manager, "admin": admin, "today": today}


def _as(browser, live_server, email, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    log_in(page, live_server, email)
    return page


def _set_goal(page, target: str, by: dt.date) -> None:
    page.locator("article.goal summary").click()
    form = page.locator("article.goal form[action$='/goal/']")
    form.get_by_label("Target SSI").fill(target)
    form.get_by_label("By", exact=True).fill(by.isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def test_a_managers_goal_and_the_salespersons_own_both_show(browser, live_server, people):
    sales, by = people["sales"], people["today"] + dt.timedelta(days=120)
    boss = _as(browser, live_server, "manager@example.com")
    boss.goto(f"{live_server.url}/people/{sales.pk}/")
    _set_goal(boss, "60", by)
    expect(boss.locator("body")).to_contain_text("Goal saved.")

    page = _as(browser, live_server, "sales@example.com")
    page.goto(f"{live_server.url}/")
    # The salesperson's form says it sets their own goal and leaves the manager's alone.
    page.locator("article.goal summary").click()
    expect(page.locator(".goal-replaces")).to_contain_text("This sets your own goal.")
    page.locator("article.goal summary").click()
    _set_goal(page, "50", by)
    goals = page.locator("section.goal-item")
    expect(goals).to_have_count(2)
    expect(goals.nth(0).locator("h3")).to_have_text("Your goal")
    expect(goals.nth(1).locator("h3")).to_have_text("Set by Maria Lopez (manager)")
    expect(goals.nth(0)).to_contain_text("Reach 50 by")
    expect(goals.nth(1)).to_contain_text("Reach 60 by")
    # Each with its own bar, both starting from today's 43.
    expect(goals.nth(0).locator("progress")).to_have_attribute("value", "0")
    expect(goals.nth(1).locator("progress")).to_have_attribute("value", "0")
    # The salesperson may change their own goal, not the manager's.
    expect(goals.nth(0).get_by_role("button", name=re.compile("Delete the goal"))).to_be_visible()
    expect(goals.nth(1).get_by_role("button", name=re.compile("Delete the goal"))).to_have_count(0)
    assert sorted(Goal.objects.values_list("kind", "target_ssi")) == [("manager", 60), ("own", 50)]


def test_the_salesperson_edits_and_deletes_their_own_note(browser, live_server, people):
    page = _as(browser, live_server, "sales@example.com")
    page.goto(f"{live_server.url}/")
    notes = page.locator("section[aria-labelledby=notes-title]")
    notes.locator("summary", has_text="Add a note").click()
    notes.get_by_label("What happened").fill("Profile rewrite")
    notes.get_by_role("button", name="Add note").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("table.notes")).to_contain_text("Profile rewrite")

    page.locator("table.notes").get_by_role("link", name=re.compile("Edit the note")).click()
    expect(page.get_by_role("heading", name="Edit note")).to_be_visible()
    page.get_by_label("What happened").fill("Headline rewrite")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("body")).to_contain_text("Note updated.")
    expect(page.locator("table.notes")).to_contain_text("Headline rewrite")
    assert Annotation.objects.get().note == "Headline rewrite"

    page.locator("table.notes").get_by_role("button", name=re.compile("Delete the note")).click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("body")).to_contain_text("Deleted the note of")
    expect(page.locator("table.notes")).to_have_count(0)
    assert not Annotation.objects.exists()


def test_an_admin_renames_a_team(browser, live_server, people):
    page = _as(browser, live_server, "admin@example.com")
    page.goto(f"{live_server.url}/teams/manage/")
    page.get_by_role("link", name="Rename").click()
    page.get_by_label("New name").fill("Enterprise Central")
    page.get_by_role("button", name="Rename team").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enterprise Central: people")
    assert page.url.endswith("/teams/enterprise-central/members/")
    assert page.goto(f"{live_server.url}/teams/enterprise-east/").status == 404
    assert page.goto(f"{live_server.url}/teams/enterprise-central/").status == 200


def test_the_goal_note_and_team_admin_pages_fit_a_phone(browser, live_server, people):
    sales, manager, team = people["sales"], people["manager"], people["team"]
    by = people["today"] + dt.timedelta(days=120)
    own = Goal.objects.create(user=sales, kind="own", target_ssi=50, target_date=by, set_by=sales,
                              baseline_ssi=39, baseline_on=people["today"] - dt.timedelta(days=28))
    Goal.objects.create(user=sales, kind="own", target_ssi=45, target_date=by, set_by=sales,
                        replaced_at=own.created_at)
    Goal.objects.create(user=sales, kind="manager", target_ssi=60, target_date=by, set_by=manager)
    note = Annotation.objects.create(user=sales, date=people["today"], note="A long note " * 20, created_by=sales)
    invitee = User.objects.create_user("a.very.long.address.for.a.new.person@example.com", None, name="Nia New")
    Membership.objects.create(user=invitee, team=team)
    Invitation.objects.create(user=invitee, team=team, invited_by=people["admin"], state="failed",
                              problem="mail server unreachable")
    pages = {
        "sales@example.com": ["/", f"/goals/{own.pk}/edit/", f"/notes/{note.pk}/edit/"],
        "manager@example.com": [f"/people/{sales.pk}/"],
        "admin@example.com": ["/teams/manage/", f"/teams/{team.slug}/members/", f"/teams/{team.slug}/rename/",
                              f"/teams/{team.slug}/delete/"],
    }
    too_wide = {}
    for email, paths in pages.items():
        page = _as(browser, live_server, email, **PHONE)
        for path in paths:
            assert page.goto(f"{live_server.url}{path}").status == 200, path
            page.wait_for_load_state("networkidle")
            # Open every disclosure, so the forms inside are measured too.
            page.evaluate("document.querySelectorAll('main details').forEach(d => d.open = true)")
            SHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"\d+", "n", path.strip("/").replace("/", "-")) or "dashboard"
            page.screenshot(path=str(SHOTS / f"goals-admin-390-{email.split('@')[0]}-{name}.png"), full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                too_wide[path] = width
        page.context.close()
    assert too_wide == {}
