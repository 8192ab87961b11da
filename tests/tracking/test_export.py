"""``export_ssi`` and the CSV writer behind downloads: the contract's columns,
shortest numbers, neutralised formulas, and files that import back unchanged."""

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import make_user, snap
from tracking.models import Activity, Membership, Snapshot

DAY = dt.date(2026, 3, 2)


def export(*args) -> str:
    out = io.StringIO()
    call_command("export_ssi", *args, stdout=out)
    return out.getvalue()


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.django_db
def test_the_first_columns_are_the_contracts(sales):
    snap(sales, DAY, 40)
    header = export().splitlines()[0]
    assert header.startswith("email,date,ssi,brand,people,insights,relationships,industry_rank,network_rank,"
                             "industry_avg,network_avg,")


@pytest.mark.django_db
def test_numbers_are_in_their_shortest_form_and_missing_values_are_empty(sales):
    snap(sales, DAY, "44.75", pillars=["12.5", "10", "8.25", "14"], industry_rank=5, network_avg=Decimal("31.000"))
    Snapshot.objects.create(user=sales, date=DAY + dt.timedelta(days=1), ssi=Decimal("18.500"))
    first, second = rows_of(export())
    assert [first[c] for c in ("email", "date", "ssi", "brand", "people", "insights", "relationships")] == [
        "sales@example.com", "2026-03-02", "44.75", "12.5", "10", "8.25", "14"]
    assert (first["industry_rank"], first["network_rank"], first["network_avg"]) == ("5", "", "31")
    assert (second["ssi"], second["brand"]) == ("18.5", "")


@pytest.mark.django_db
def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(db):
    person = make_user("+cmd@example.com", name='=HYPERLINK("http://evil.example","click")')
    snap(person, DAY, 40)
    (row,) = rows_of(export())
    assert row["email"] == "'+cmd@example.com"
    assert row["name"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"


@pytest.mark.django_db
def test_the_days_activity_is_exported_with_its_snapshot_and_period_totals_are_not(sales):
    snap(sales, DAY, 40)
    Activity.objects.create(user=sales, period_start=DAY, period_end=DAY, searches=7, posts=1)
    Activity.objects.create(user=sales, period_start=DAY - dt.timedelta(days=27), period_end=DAY, searches=90)
    (row,) = rows_of(export())
    assert (row["searches"], row["posts"], row["comments"]) == ("7", "1", "")


@pytest.mark.django_db
def test_it_exports_a_person_a_team_or_a_date_range(sales, peer, outsider, east):
    for person in (sales, peer, outsider):
        for offset in range(3):
            snap(person, DAY + dt.timedelta(days=offset), 40)
    assert {r["email"] for r in rows_of(export("--user", "SALES@example.com"))} == {"sales@example.com"}
    assert {r["email"] for r in rows_of(export("--team", east.slug))} == {"sales@example.com", "peer@example.com"}
    dated = rows_of(export("--user", "sales@example.com", "--from", "2026-03-03", "--to", "2026-03-03"))
    assert [r["date"] for r in dated] == ["2026-03-03"]
    with pytest.raises(CommandError, match="No user with the email address nobody@example.com."):
        export("--user", "nobody@example.com")
    with pytest.raises(CommandError, match="No team with the slug “nowhere”."):
        export("--team", "nowhere")
    assert not Membership.objects.filter(user=outsider, team=east).exists()


@pytest.mark.django_db
def test_an_exported_file_imports_back_unchanged(tmp_path, sales, peer):
    snap(sales, DAY, "44.75", pillars=["12.5", "10", "8.25", "14"], industry_rank=5, network_rank=12,
         industry_avg=Decimal("23.456"), network_avg=Decimal("31"))
    Snapshot.objects.create(user=peer, date=DAY, ssi=Decimal("39.5"))
    Activity.objects.create(user=sales, period_start=DAY, period_end=DAY, searches=7, inmail_replies=2)
    peer.name = "=SUM(1+1)"
    peer.save()
    path = tmp_path / "export.csv"
    path.write_text(export(), encoding="utf-8")
    out = io.StringIO()
    call_command("import_ssi", str(path), "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert (report["rows"], report["created"], report["updated"], report["unchanged"]) == (2, 0, 0, 2)
    assert report["rejected"] == []
