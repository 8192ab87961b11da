"""Quick entry: the form starts from the last log, highlights changes, and fills
itself from a pasted copy of LinkedIn's SSI page."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from tests.conftest import snap
from tests.tracking.test_linkedin_text import FULL_PAGE
from tracking.models import Activity, Snapshot

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def logged_in(client, sales):
    client.force_login(sales)
    return client


def value_of(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    found = re.search(r'\svalue="([^"]*)"', tag)
    return found.group(1) if found else ""


def last_of(html: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    found = re.search(r'data-last="([^"]*)"', tag)
    return found.group(1) if found else None


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_a_new_day_starts_from_the_latest_logged_scores_but_not_its_activity(logged_in, sales):
    snap(sales, dt.date(2026, 6, 1), 40)
    snap(sales, dt.date(2026, 6, 8), 43, pillars=[12.5, 10, 8.5, 12], industry_rank=5, network_avg=31)
    Activity.objects.create(user=sales, period_start=dt.date(2026, 6, 8), period_end=dt.date(2026, 6, 8), searches=9)
    html = logged_in.get(reverse("entry")).content.decode()
    assert value_of(html, "date") == "2026-06-10"
    # The total is left blank (= the pillars' sum), so changing a pillar never contradicts it.
    assert [value_of(html, f) for f in ("ssi", "brand", "industry_rank", "network_avg", "network_rank")] == [
        "", "12.5", "5", "31", "",
    ]
    assert value_of(html, "searches") == ""
    assert "Figures start from your last log, 8 June 2026 (SSI 43)" in html
    # Each score carries the last logged value, for the page to highlight changes.
    assert (last_of(html, "brand"), last_of(html, "network_rank"), last_of(html, "searches")) == ("12.5", "", None)


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_editing_a_logged_day_shows_that_day_and_compares_with_the_day_before(logged_in, sales):
    snap(sales, dt.date(2026, 6, 1), 40)
    snap(sales, dt.date(2026, 6, 8), 44)
    html = logged_in.get(reverse("entry"), {"date": "2026-06-08"}).content.decode()
    assert value_of(html, "ssi") == "44"
    assert last_of(html, "ssi") == "40"
    text = re.sub(r"<[^>]+>", "", html)
    assert "You are correcting 8 June 2026, logged already (SSI 44)" in text
    assert "differ from your log before it, 1 June 2026 (SSI 40)" in text
    assert "Figures start from" not in text


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_a_first_ever_entry_starts_blank(logged_in):
    html = logged_in.get(reverse("entry")).content.decode()
    assert value_of(html, "brand") == ""
    assert "data-last" not in html
    assert "Figures start from" not in html


@pytest.mark.django_db
def test_the_page_uses_its_script_file_and_no_inline_script(logged_in):
    html = logged_in.get(reverse("entry")).content.decode()
    assert '<script src="/static/js/entry.js" defer></script>' in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None


@pytest.mark.django_db
def test_the_parse_endpoint_returns_the_figures_found(logged_in):
    response = logged_in.post(reverse("entry-parse-linkedin"), {"linkedin_text": FULL_PAGE})
    assert response.status_code == 200
    body = response.json()
    assert body["values"]["brand"] == "12.96"
    assert body["values"]["network_avg"] == "31"
    assert body["message"] == "Filled 9 figures from LinkedIn. Check them, then save."


@pytest.mark.django_db
def test_the_parse_endpoint_says_what_it_did_not_find(logged_in):
    body = logged_in.post(reverse("entry-parse-linkedin"), {"linkedin_text": "Top 7% of your network"}).json()
    assert body["values"] == {"network_rank": "7"}
    assert body["message"].startswith("Filled 1 figure from LinkedIn.")
    assert "Not found: SSI, Establish your professional brand" in body["message"]
    body = logged_in.post(reverse("entry-parse-linkedin"), {"linkedin_text": "hello"}).json()
    assert body["message"].startswith("No SSI figures found in the pasted text.")


@pytest.mark.django_db
def test_the_parse_endpoint_is_for_logged_in_posts_only(client, logged_in):
    assert logged_in.get(reverse("entry-parse-linkedin")).status_code == 405
    client.logout()
    assert client.post(reverse("entry-parse-linkedin"), {"linkedin_text": FULL_PAGE}).status_code == 302


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_without_javascript_fill_re_renders_the_form_filled_and_saves_nothing(logged_in):
    response = logged_in.post(reverse("entry"), {
        "paste": "1", "linkedin_text": FULL_PAGE, "date": "2026-06-09", "searches": "7", "brand": "1",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert [value_of(html, f) for f in ("date", "ssi", "brand", "relationships", "industry_rank", "searches")] == [
        "2026-06-09", "43", "12.96", "11.28", "5", "7",
    ]
    assert "Filled 9 figures from LinkedIn. Check them, then save." in html
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_the_filled_figures_save_as_they_were_read(logged_in, sales):
    values = logged_in.post(reverse("entry-parse-linkedin"), {"linkedin_text": FULL_PAGE}).json()["values"]
    response = logged_in.post(reverse("entry"), {"date": "2026-06-10", **values})
    assert response.status_code == 302
    saved = Snapshot.objects.get(user=sales)
    assert (str(saved.ssi), str(saved.brand), saved.industry_rank, str(saved.industry_avg)) == (
        "43.000", "12.960", 5, "24.000",
    )


CONTRADICTING_PASTE = (
    "Your score: 18 out of 100\n8.78 | Establish your professional brand\n6.12 | Find the right people\n"
    "4.3 | Engage with insights\n2.214 | Build relationships\nTop 78% of your industry\nTop 91% of your network"
)


@pytest.mark.django_db
def test_pillars_that_contradict_the_total_are_not_filled_and_the_notice_says_why(logged_in):
    body = logged_in.post(reverse("entry-parse-linkedin"), {"linkedin_text": CONTRADICTING_PASTE}).json()
    assert body["values"] == {"industry_rank": "78", "network_rank": "91"}
    assert body["message"] == (
        "Filled 2 figures from LinkedIn. Check them, then save. Not filled: the pillars add up to 21.414 but "
        "the page's total is 18: check the copy. Not found: Industry average SSI, Network average SSI."
    )


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_without_javascript_a_refused_figure_keeps_what_the_form_held_and_nothing_is_saved(logged_in, sales):
    response = logged_in.post(reverse("entry"), {
        "paste": "1", "linkedin_text": CONTRADICTING_PASTE, "date": "2026-06-09", "brand": "12.5", "ssi": "40",
    })
    html = response.content.decode()
    assert [value_of(html, f) for f in ("ssi", "brand", "people", "industry_rank")] == ["40", "12.5", "", "78"]
    assert "Not filled: the pillars add up to 21.414 but the page&#x27;s total is 18: check the copy." in html
    assert not Snapshot.objects.exists()


@pytest.mark.django_db
def test_a_page_in_portuguese_fills_the_form(logged_in):
    text = (
        "Social Selling Index atual\n21 de 100\n21,048 | Estabelecer sua marca profissional\n"
        "0 | Localizar as pessoas certas\n0 | Interagir oferecendo insights\n0,2 | Criar relacionamentos\n"
        "Primeiros 10%\nClassificação do SSI no setor\nPrimeiros 20%\nClassificação do SSI na rede"
    )
    body = logged_in.post(reverse("entry-parse-linkedin"), {"linkedin_text": text}).json()
    assert body["values"] == {
        "ssi": "21", "brand": "21.048", "people": "0", "insights": "0", "relationships": "0.2",
        "industry_rank": "10", "network_rank": "20",
    }


@pytest.mark.django_db
@time_machine.travel(NOW)
def test_an_absurdly_large_number_is_refused_in_words(logged_in):
    response = logged_in.post(reverse("entry"), {"date": "2026-06-10", "ssi": "1e30"})
    assert response.status_code == 200
    assert "SSI is too large." in response.content.decode()
