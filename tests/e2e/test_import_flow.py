"""An admin imports a CSV in a real browser: upload, preview with a rejected row,
confirm with skip-invalid, the progress bar polled to the end by a real worker."""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import PASSWORD, csp_violations, log_in
from tracking.models import ImportJob, Snapshot, User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    User.objects.create_superuser("admin@example.com", PASSWORD)
    return User.objects.create_user("ana@example.com", PASSWORD, name="Ana")


def team_csv() -> bytes:
    today = dt.date.today()
    rows = [f"ana@example.com,{today - dt.timedelta(days=n)},{40 + n},10,10,10,{10 + n}" for n in (3, 2)]
    # Line 4: a pillar above 25.
    rows.append(f"ana@example.com,{today - dt.timedelta(days=1)},60,26,14,10,10")
    return ("Email,Date,SSI,Brand,People,Insights,Relationships\n" + "\n".join(rows) + "\n").encode()


def upload(page, live_server) -> None:
    page.goto(f"{live_server.url}/imports/")
    page.get_by_label("CSV file, or LinkedIn's SSI JSON").set_input_files(
        files=[{"name": "east.csv", "mimeType": "text/csv", "buffer": team_csv()}]
    )
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_selector("text=The first rows, as read")


def test_an_admin_uploads_previews_and_watches_the_import_finish(watched_page, live_server, people, celery_worker):
    page = watched_page
    log_in(page, live_server, "admin@example.com")
    page.get_by_role("link", name="Import", exact=True).click()
    upload(page, live_server)

    assert "3 rows" in page.locator(".import-summary").inner_text()
    rejected = page.locator("table.rejected tbody tr")
    assert rejected.count() == 1
    assert rejected.first.inner_text().split("\t")[:2] == ["4", "Establish your professional brand"]
    assert page.locator(".import-facts").inner_text().split() == ["Format", "Per-day", "file", "Encoding", "UTF-8",
                                                                   "Delimiter", "comma", "Dates", "ISO"]
    assert Snapshot.objects.count() == 0

    page.get_by_label("Import the valid rows and skip the rejected ones").check()
    page.get_by_role("button", name="Import", exact=True).click()
    # The status part is polled until the worker is done; then polling stops.
    page.wait_for_selector("text=Imported.", timeout=20_000)
    assert page.locator("#import-status progress").get_attribute("value") == "100"
    assert "2 created, 0 updated, 0 unchanged; 1 rejected row skipped" in page.locator(".import-summary").inner_text()
    assert sorted(Snapshot.objects.values_list("ssi", flat=True)) == [42, 43]
    assert ImportJob.objects.get().status == "done"
    assert page.console_errors == []
    assert csp_violations(page) == []


def test_the_import_pages_have_no_serious_accessibility_violations(page, live_server, people, celery_worker):
    log_in(page, live_server, "admin@example.com")
    axe = Axe()

    def serious() -> list:
        page.wait_for_load_state("networkidle")
        return [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in axe.run(page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    upload(page, live_server)
    assert serious() == [], "preview"
    page.get_by_label("Import the valid rows and skip the rejected ones").check()
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_selector("text=Imported.", timeout=20_000)
    assert serious() == [], "result"
    page.goto(f"{live_server.url}/imports/")
    assert serious() == [], "history"
    page.get_by_role("link", name="Undo…").click()
    assert serious() == [], "undo"


def my_history() -> bytes:
    today = dt.date.today()
    rows = [f"{today - dt.timedelta(days=n):%d.%m.%Y};{40 + n},5;10;10;10;{10 + n},5;Top {n}%" for n in (3, 2)]
    rows.append(f"{today - dt.timedelta(days=1):%d.%m.%Y};60;26;14;10;10;")  # line 4: a pillar above 25
    return ("Date;SSI;Brand;People;Insights;Relationships;Top % industry\n" + "\n".join(rows) + "\n").encode()


def test_a_salesperson_imports_their_own_history_from_the_entry_page(watched_page, live_server, people, celery_worker):
    page = watched_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "ana@example.com")
    page.goto(f"{live_server.url}/entry/")
    page.get_by_role("link", name="Import my history").first.click()
    page.get_by_label("CSV file, or LinkedIn's SSI JSON").set_input_files(
        files=[{"name": "my-ssi.csv", "mimeType": "text/csv", "buffer": my_history()}]
    )
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_selector("text=The first rows, as read")
    # The page's own content fits a phone (wide tables scroll inside their box).
    assert page.evaluate("Math.max(...[...document.querySelectorAll('main *')].filter("
                         "e => !e.closest('.table-scroll')).map(e => e.getBoundingClientRect().right))") <= 390
    rejected = page.locator("table.rejected tbody tr")
    assert rejected.count() == 1
    assert rejected.first.inner_text().split("\t")[:2] == ["4", "Establish your professional brand"]

    page.get_by_label("Import the valid rows and skip the rejected ones").check()
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_selector("text=Imported.", timeout=20_000)
    ana = User.objects.get(email="ana@example.com")
    assert sorted(Snapshot.objects.filter(user=ana).values_list("ssi", "industry_rank")) == [(42.5, 2), (43.5, 3)]
    assert ImportJob.objects.get().about == ana
    assert page.console_errors == []
    assert csp_violations(page) == []
