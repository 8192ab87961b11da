"""One person's own history: files without an email column, the long
one-value-per-row layout, LinkedIn's JSON, imported for one named person
(``import_ssi --user EMAIL``, or a salesperson's own upload). Rows without an
email are theirs; rows naming anyone else are refused. The files in
tests/tracking/files/ have the shapes real trackers and scrapers write."""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine

from tests.conftest import make_user, snap
from tests.tracking.test_import_command import run
from tracking import rules
from tracking.importing import parser
from tracking.importing.headers import field_for_header
from tracking.models import ImportJob, Snapshot

FILES = Path(__file__).parent / "files"
TODAY = dt.date(2026, 3, 20)
NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)


def parse_file(name: str, **options) -> parser.ParsedFile:
    return parser.parse(io.BytesIO((FILES / name).read_bytes()), today=TODAY, **options)


def parse_text(text: str, **options) -> parser.ParsedFile:
    return parser.parse(io.BytesIO(text.encode()), today=TODAY, **options)


@pytest.mark.parametrize(("header", "field"), [
    ("Top % industry", "industry_rank"),
    ("Top % network", "network_rank"),
    ("Top % Industry SSI rank", "industry_rank"),
    ("Top % Network SSI rank", "network_rank"),
    ("People in your industry", "industry_avg"),
    ("People in your network", "network_avg"),
    ("Current Social Selling Index", "ssi"),
    ("Timestamp", "date"),
    ("strong_relationship", "relationships"),
])
def test_headers_people_use_name_their_field(header, field):
    assert field_for_header(header) == field


def test_a_scrapers_daily_log_without_email_is_the_named_persons():
    parsed = parse_file("personal_scraper_log.csv", email="Ana@Example.com")
    rows = list(parsed.rows())
    assert parsed.format == "daily"
    assert [(r.line, r.email, r.date) for r in rows] == [
        (2, "ana@example.com", dt.date(2026, 3, 2)), (3, "ana@example.com", dt.date(2026, 3, 3)),
        (4, "ana@example.com", dt.date(2026, 3, 4)),
    ]
    # "Top 5%" and "5%" as the page shows them; its averages are "People in your industry / network".
    assert (rows[0].scores.ssi, rows[0].scores.industry_rank, rows[0].scores.network_rank,
            rows[0].scores.industry_avg, rows[0].scores.network_avg) == (Decimal("41"), 5, 12, 23, 19)
    assert rows[1].scores.industry_rank == 5
    # Counts over 90 or 7 days are not a day's activity: they are left out, and said so.
    assert parsed.warnings == ["Ignored columns: Profile views (90 days), Post impressions, "
                               "Search appearances (7 days), Keywords."]


def test_a_spreadsheet_with_semicolons_decimal_commas_and_day_first_dates():
    parsed = parse_file("personal_spreadsheet_semicolon.csv", email="ana@example.com")
    rows = list(parsed.rows())
    assert (parsed.delimiter, parsed.date_order) == (";", "day-first")
    assert [(r.date, r.scores.ssi, r.scores.brand, r.scores.industry_rank) for r in rows] == [
        (dt.date(2026, 1, 31), Decimal("38.5"), Decimal("9.75"), 7),
        (dt.date(2026, 2, 1), Decimal("39"), Decimal("9.9"), 7),
        # A missing total is the sum of its pillars.
        (dt.date(2026, 2, 2), Decimal("39.2"), Decimal("9.9"), 6),
    ]


def test_without_a_named_person_a_file_without_email_is_still_refused():
    with pytest.raises(parser.ImportFileError, match="no Email column"):
        parse_file("personal_scraper_log.csv")


def test_a_row_naming_anyone_else_is_refused_with_a_sentence():
    parsed = parse_text("email,date,ssi\n,2026-03-02,40\nana@example.com,2026-03-03,41\nben@example.com,2026-03-04,42\n",
                        email="ana@example.com")
    assert [(r.line, r.email) for r in parsed.rows()] == [(2, "ana@example.com"), (3, "ana@example.com")]
    assert parsed.rejected == [{"line": 4, "field": "email", "message": (
        "This row is about ben@example.com, but this file is ana@example.com's history: "
        "only their rows (or rows without an email) can be imported."), "email": "ben@example.com",
        "value": "ben@example.com"}]


def test_the_long_layout_gathers_a_days_values_into_one_record():
    parsed = parse_file("long_one_value_per_row.csv", email="ana@example.com")
    first, second = parsed.rows()
    assert (parsed.format, parsed.delimiter) == ("long", ";")
    assert (first.line, first.date, first.scores) == (2, dt.date(2026, 3, 2), rules.Scores(
        ssi=Decimal("41.5"), brand=Decimal("10.5"), people=Decimal("9.5"), insights=Decimal("8.5"),
        relationships=Decimal("13"), industry_rank=5, network_rank=12, industry_avg=Decimal("23.1"),
        network_avg=Decimal("19")))
    assert first.counts == {"profile_views": 112}
    assert (second.line, second.date, second.scores.ssi, second.counts) == (12, dt.date(2026, 3, 3), Decimal("42"), None)


def test_the_long_layout_refuses_a_day_that_breaks_the_rules_or_repeats_a_field_differently():
    parsed = parse_text(
        "date,field,value\n2026-03-02,ssi,40\n2026-03-02,ssi,41\n2026-03-03,ssi,60\n2026-03-03,brand,10\n"
        "2026-03-03,people,10\n2026-03-03,insights,10\n2026-03-03,relationships,10\n2026-03-04,mood,good\n"
        "2026-03-04,ssi,44\n", email="ana@example.com")
    assert [(r.date, r.scores.ssi) for r in parsed.rows()] == [(dt.date(2026, 3, 4), Decimal("44"))]
    # The long layout has no email column here: the rows are the named person's.
    assert parsed.rejected == [
        {"line": 2, "field": "ssi", "message": "SSI is given twice for this day, with different values: keep one of them.",
         "email": "", "value": "41"},
        {"line": 4, "field": "ssi", "message": "SSI 60 differs from the sum of its pillars (40) by more than 1 point.",
         "email": "", "value": "60"},
    ]
    assert parsed.warnings == ["Ignored values of unknown fields: mood (line 9)."]


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ana(db):
    return make_user("ana@example.com", name="Ana")


@pytest.mark.parametrize(("name", "report", "warnings"), [
    ("personal_scraper_log.csv", {"format": "daily", "rows": 3, "created": 3},
     "Warning: Ignored columns: Profile views (90 days), Post impressions, Search appearances (7 days), Keywords."),
    ("personal_spreadsheet_semicolon.csv", {"format": "daily", "rows": 3, "created": 3}, ""),
    ("long_one_value_per_row.csv", {"format": "long", "rows": 2, "created": 2}, ""),
    ("linkedin_ssi.json", {"format": "linkedin_json", "rows": 1, "created": 1}, ""),
])
def test_the_command_imports_one_persons_file_with_user(ana, name, report, warnings):
    code, result, err = run(FILES / name, "--user", "ANA@example.com", "--json")
    assert (code, err) == (0, warnings)
    assert result == {**report, "updated": 0, "unchanged": 0, "rejected": [], "written": True}
    assert Snapshot.objects.filter(user=ana).count() == report["created"]
    job = ImportJob.objects.get()
    assert (job.about, job.status, job.options["via"]) == (ana, "done", "command")
    # Identity is (person, date): the same file again changes nothing.
    code, again, _ = run(FILES / name, "--user", "ana@example.com", "--json")
    assert (code, again["created"], again["updated"], again["unchanged"]) == (0, 0, 0, report["rows"])


def test_the_json_is_dated_by_as_of_for_the_named_person(ana):
    code, _, _ = run(FILES / "linkedin_ssi.json", "--user", "ana@example.com", "--as-of", "2026-03-01")
    assert code == 0
    (day,) = Snapshot.objects.filter(user=ana)
    assert (day.date, day.ssi, day.industry_rank) == (dt.date(2026, 3, 1), Decimal("19.706"), 63)


def test_a_row_naming_someone_else_is_rejected_and_nothing_is_written(ana, tmp_path):
    make_user("ben@example.com")
    path = tmp_path / "mine.csv"
    path.write_text("email,date,ssi\n,2026-03-02,40\nben@example.com,2026-03-03,41\n")
    code, result, _ = run(path, "--user", "ana@example.com", "--json")
    assert code == 1
    assert (result["written"], result["rejected"][0]["line"], result["rejected"][0]["field"]) == (False, 3, "email")
    assert Snapshot.objects.count() == 0


def test_an_unknown_or_invalid_user_is_refused_with_one_line(db):
    assert run(FILES / "linkedin_ssi.json", "--user", "nobody@example.com") == (
        2, "", "--user: no one here has the email “nobody@example.com”: add them first, or use --create-users.")
    assert run(FILES / "linkedin_ssi.json", "--user", "not-an-email")[0::2] == (
        2, "--user: “not-an-email” is not a valid email address.")
    assert ImportJob.objects.count() == 0


def test_without_user_the_json_is_refused_with_the_way_to_import_it(ana):
    code, _, err = run(FILES / "linkedin_ssi.json")
    assert code == 2
    assert "import_ssi --user EMAIL" in err


def test_a_year_of_ones_own_history_imports_at_once_over_stored_days(ana, tmp_path):
    snap(ana, dt.date(2025, 6, 1), 30)
    days = [dt.date(2025, 3, 20) + dt.timedelta(days=n) for n in range(366)]
    path = tmp_path / "year.csv"
    path.write_text("Date;Total;Brand;People;Insights;Relationships\n" + "".join(
        f"{d:%d.%m.%Y};{40 + n % 7},5;10;10;10;{10 + n % 7},5\n" for n, d in enumerate(days)))
    code, result, _ = run(path, "--user", "ana@example.com", "--json")
    assert (code, result["rows"], result["created"], result["updated"]) == (0, 366, 365, 1)
    assert Snapshot.objects.get(user=ana, date=dt.date(2025, 6, 1)).ssi == Decimal("40.5") + (days.index(
        dt.date(2025, 6, 1)) % 7)
