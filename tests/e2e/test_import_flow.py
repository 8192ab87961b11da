"""An admin imports a CSV in a real browser: upload, preview with a rejected row
and the two ways on, import the valid rows, the progress bar polled to the end
by a real worker; a job that wrote nothing run again from its page; the
template downloaded and uploaded back; on a phone, in both colour schemes."""

import datetime as dt
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import day_first_days
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
    assert rejected.first.locator("td").all_inner_texts() == [
        "4", "ana@example.com", "Establish your professional brand", "“26”",
        "Establish your professional brand must be between 0 and 25."]
    # All-or-nothing is not offered: the two ways on are.
    assert page.get_by_role("button", name="Import", exact=True).count() == 0
    assert page.get_by_role("heading", name="Fix the file and upload again").is_visible()
    assert page.locator("form.import-choice input[type=file]").is_visible()
    assert page.locator(".import-facts").inner_text().split() == ["Format", "Per-day", "file", "Encoding", "UTF-8",
                                                                   "Delimiter", "comma", "Dates", "ISO"]
    assert Snapshot.objects.count() == 0

    page.get_by_role("button", name="Import the 2 valid rows (skip 1 rejected)").click()
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
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(500)  # the colours' transitions (0.2 s) end before they are measured
    assert serious() == [], "preview, dark"
    page.emulate_media(color_scheme="light")
    page.get_by_role("button", name="Import the 2 valid rows (skip 1 rejected)").click()
    page.wait_for_selector("text=Imported.", timeout=20_000)
    assert serious() == [], "result"
    page.goto(f"{live_server.url}/imports/")
    assert serious() == [], "history"
    page.get_by_role("link", name="Undo…").click()
    assert serious() == [], "undo"


def my_history() -> bytes:
    # Recent days that a day-first file can give only one way (01.12 could be either).
    first, second, third = day_first_days(3)
    rows = [f"{first:%d.%m.%Y};43,5;10;10;10;13,5;Top 3%", f"{second:%d.%m.%Y};42,5;10;10;10;12,5;Top 2%",
            f"{third:%d.%m.%Y};60;26;14;10;10;"]  # line 4: a pillar above 25
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
    # Every row of one's own file is one's own: no email column, the value at fault shown.
    # On a phone it reads as one entry, its problem below it.
    assert rejected.first.inner_text() == ("Line 4 · Establish your professional brand · “26”\n"
                                           "Establish your professional brand must be between 0 and 25.")

    page.get_by_role("button", name="Import the 2 valid rows (skip 1 rejected)").click()
    page.wait_for_selector("text=Imported.", timeout=20_000)
    ana = User.objects.get(email="ana@example.com")
    assert sorted(Snapshot.objects.filter(user=ana).values_list("ssi", "industry_rank")) == [(42.5, 2), (43.5, 3)]
    assert ImportJob.objects.get().about == ana
    assert page.console_errors == []
    assert csp_violations(page) == []


SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "imports"


def scroll_width(page, shot: str) -> int:
    """The page's width, after a screenshot of it for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_failed_import_runs_again_skipping_its_rejected_row_from_its_page_on_a_phone(
    browser, live_server, people, celery_worker, scheme
):
    """Bo leaves between the preview and the import: the import refuses his row
    and writes nothing; its page runs it again, skipping that row, without a new upload."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  color_scheme=scheme)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    bo = User.objects.create_user("bo@example.com", PASSWORD, name="Bo")
    log_in(page, live_server, "admin@example.com")
    today = dt.date.today()
    text = (f"Email,Date,SSI\nana@example.com,{today - dt.timedelta(days=1)},41\n"
            f"bo@example.com,{today - dt.timedelta(days=1)},{'9' * 70}\n")
    page.goto(f"{live_server.url}/imports/")
    page.get_by_label("CSV file, or LinkedIn's SSI JSON").set_input_files(
        files=[{"name": "east.csv", "mimeType": "text/csv", "buffer": text.encode()}]
    )
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_selector("text=The first rows, as read")
    # A long value and the choices fit a phone.
    assert scroll_width(page, f"phone-{scheme}-preview") <= 390
    assert page.get_by_role("button", name="Import the 1 valid row (skip 1 rejected)").is_visible()

    # The file is fixed; the fixed one shows no rejection and offers Import.
    fixed = text.replace("9" * 70, "42")
    page.locator("form.import-choice input[type=file]").set_input_files(
        files=[{"name": "east-fixed.csv", "mimeType": "text/csv", "buffer": fixed.encode()}]
    )
    page.locator("form.import-choice").get_by_role("button", name="Upload and preview").click()
    page.wait_for_selector("text=The first rows, as read")
    assert "east-fixed.csv" in page.locator("h1").inner_text()
    assert page.locator("table.rejected").count() == 0
    bo.delete()
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_selector("text=Nothing was written.", timeout=20_000)
    assert "1 row was rejected" in page.locator(".import-error").inner_text()
    # On a phone a rejected row reads as one entry.
    assert page.locator("table.rejected tbody tr").first.inner_text() == (
        "Line 3 · bo@example.com · Email · “bo@example.com”\n"
        "No one here has the email “bo@example.com”: add them first, or let the import create people.")
    assert scroll_width(page, f"phone-{scheme}-failed") <= 390
    assert Snapshot.objects.count() == 0

    page.get_by_role("button", name="Import the 1 valid row (skip 1 rejected)").click()
    page.wait_for_selector("text=Imported.", timeout=20_000)
    assert "1 created, 0 updated, 0 unchanged; 1 rejected row skipped" in page.locator(".import-summary").inner_text()
    assert list(Snapshot.objects.values_list("user__email", "ssi")) == [("ana@example.com", 41)]
    job = ImportJob.objects.get(file_name="east-fixed.csv")
    assert (job.status, job.attempt) == ("done", 2)
    assert scroll_width(page, f"phone-{scheme}-done") <= 390
    assert errors == []
    context.close()


@pytest.mark.parametrize("own", [False, True], ids=["admin", "own"])
def test_the_downloaded_template_uploads_back_and_previews_without_rejection(page, live_server, people, own):
    log_in(page, live_server, "admin@example.com" if not own else "ana@example.com")
    page.goto(f"{live_server.url}{'/me/imports/' if own else '/imports/'}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download a template (CSV)").click()
    path = download.value.path()
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("date,ssi," if own else "email,date,ssi,brand,people,insights,relationships,")
    page.get_by_label("CSV file, or LinkedIn's SSI JSON").set_input_files(path)
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_selector("text=The first rows, as read")
    assert "1 row: 1 valid (1 new, 0 changed, 0 unchanged)." in page.locator(".import-summary").inner_text()
    assert page.locator("table.rejected").count() == 0
    assert page.get_by_role("button", name="Import", exact=True).is_visible()
