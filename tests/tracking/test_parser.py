"""The parser reads what admins bring (tests/tracking/files/) and refuses the
rest with one sentence, never a traceback. No database needed."""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracking import rules
from tracking.importing import copy_layout, parser

FILES = Path(__file__).parent / "files"
TODAY = dt.date(2026, 3, 20)


def parse_file(name: str, **options) -> parser.ParsedFile:
    options.setdefault("today", TODAY)
    return parser.parse(io.BytesIO((FILES / name).read_bytes()), **options)


def parse_text(text: str | bytes, **options) -> parser.ParsedFile:
    options.setdefault("today", TODAY)
    data = text.encode() if isinstance(text, str) else text
    return parser.parse(io.BytesIO(data), **options)


def read_all(parsed: parser.ParsedFile) -> list[parser.Row]:
    return list(parsed.rows())


def test_it_reads_a_per_day_file():
    parsed = parse_file("daily.csv")
    rows = read_all(parsed)
    assert (parsed.format, parsed.encoding, parsed.delimiter, parsed.date_order) == ("daily", "UTF-8", ",", "ISO")
    assert [(r.line, r.email, r.date) for r in rows] == [
        (2, "ana@example.com", dt.date(2026, 3, 2)),
        (3, "ana@example.com", dt.date(2026, 3, 3)),
        (4, "ben@example.com", dt.date(2026, 3, 2)),
        (5, "ben@example.com", dt.date(2026, 3, 3)),
    ]
    assert rows[0].scores == rules.Scores(
        ssi=Decimal("44.75"), brand=Decimal("12.5"), people=Decimal("10"), insights=Decimal("8.25"),
        relationships=Decimal("14"), industry_rank=5, network_rank=12, industry_avg=Decimal("23.5"),
        network_avg=Decimal("31"),
    )
    # Ranks written as LinkedIn shows them; a total without pillars.
    assert (rows[3].scores.ssi, rows[3].scores.brand, rows[3].scores.industry_rank, rows[3].scores.network_rank) == (
        Decimal("39.5"), None, 7, 20,
    )
    assert parsed.rejected == [] and parsed.warnings == []


def test_it_reads_excel_files_with_semicolons_decimal_commas_and_a_byte_order_mark():
    parsed = parse_file("excel_semicolon.csv")
    rows = read_all(parsed)
    assert (parsed.encoding, parsed.delimiter) == ("UTF-8 with BOM", ";")
    ana, ben = rows
    assert ana.email == "ana@example.com"
    assert (ana.scores.ssi, ana.scores.insights, ana.scores.industry_rank, ana.scores.network_rank) == (
        Decimal("44.75"), Decimal("8.25"), 5, 12,
    )
    assert (ana.counts, ana.period_start, ana.period_end) == ({"searches": 7}, dt.date(2026, 3, 2), dt.date(2026, 3, 2))
    assert ben.counts is None


def test_it_reads_excels_unicode_text_in_utf16_with_tabs():
    parsed = parse_file("excel_unicode.txt")
    (row,) = read_all(parsed)
    assert (parsed.encoding, parsed.delimiter) == ("UTF-16", "\t")
    assert (row.email, row.name, row.scores.ssi) == ("zoe@example.com", "Zoé Ågren", Decimal("40"))


def test_it_reads_windows_1252_and_day_first_dates_when_a_day_above_12_decides():
    parsed = parse_file("windows_1252_day_first.csv")
    rows = read_all(parsed)
    assert (parsed.encoding, parsed.date_order) == ("Windows-1252", "day-first")
    assert [(r.date, r.name) for r in rows] == [
        (dt.date(2026, 1, 31), "René Müller"),
        (dt.date(2026, 2, 1), "René Müller"),
    ]


def test_it_reads_month_first_dates_when_a_day_above_12_decides():
    parsed = parse_file("month_first.csv")
    assert parsed.date_order == "month-first"
    assert [r.date for r in read_all(parsed)] == [dt.date(2026, 1, 31), dt.date(2026, 2, 1)]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ambiguous_dates.csv", "Dates such as 01/02/2026 could be day-first or month-first and no date in the "
                                "file tells which: write the dates as YYYY-MM-DD."),
        ("mixed_date_orders.csv", "The dates mix day-first (31/01/2026) and month-first (01/31/2026) order: "
                                  "write every date as YYYY-MM-DD."),
    ],
)
def test_it_asks_for_iso_dates_when_the_file_does_not_decide_their_order(name, message):
    with pytest.raises(parser.ImportFileError) as refused:
        parse_file(name)
    assert str(refused.value) == message


def test_line_numbers_are_the_spreadsheets_with_quoted_line_breaks_mixed_endings_and_blank_lines():
    parsed = parse_file("quoted_and_mixed_endings.csv")
    rows = read_all(parsed)
    # header 1, Ana 2, blank 3, Ben 4 (one record over two text lines), Cat 5, empty cells 6, Dan 7.
    assert [(r.line, r.name) for r in rows] == [
        (2, 'Doe, Ana "AJ"'), (4, "Ben\r\non two lines"), (7, "Dan"),
    ]
    assert parsed.rejected == [{"line": 5, "field": "ssi", "message": "SSI must be between 0 and 100.",
                                "email": "cat@example.com", "value": "142"}]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("E-mail", "email"), ("Email address", "email"), ("  EMAIL ", "email"),
        ("Snapshot date", "date"), ("Day", "date"),
        ("Social Selling Index", "ssi"), ("SSI score", "ssi"), ("Total", "ssi"),
        ("Establish your professional brand", "brand"), ("Professional brand", "brand"), ("SSI - Brand", "brand"),
        ("Find the right people", "people"), ("Engage with insights", "insights"),
        ("Build relationships", "relationships"), ("Build strong relationships", "relationships"),
        ("Industry SSI rank", "industry_rank"), ("Network rank", "network_rank"),
        ("Industry average", "industry_avg"), ("Network avg.", "network_avg"),
        ("Days active", "days_active"), ("Searches", "searches"), ("Profile views", "profile_views"),
        ("Leads saved", "leads_saved"), ("Accounts saved", "accounts_saved"), ("Lists created", "lists_created"),
        ("InMails sent", "inmails_sent"), ("InMail replies", "inmail_replies"), ("InMails replied", "inmail_replies"),
        ("Start date", "period_start"), ("End date", "period_end"),
        ("Seat type", None), ("Notes", None),
    ],
)
def test_headers_match_whatever_their_case_spacing_or_punctuation(header, field):
    assert parser.field_for_header(header) == field


def test_unknown_columns_are_ignored_with_a_warning():
    parsed = parse_file("unknown_columns.csv")
    assert len(read_all(parsed)) == 1
    assert parsed.warnings == ["Ignored columns: Notes, Team."]


def test_it_reads_a_sales_navigator_usage_report_and_keeps_activity_with_its_period():
    parsed = parse_file("sales_navigator.csv")
    ana, ben = read_all(parsed)
    assert parsed.format == "sales_navigator"
    # The snapshot is dated by the period's end; the totals belong to the whole period.
    assert (ana.date, ana.period_start, ana.period_end) == (dt.date(2026, 2, 28), dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert ana.name == "Ana Lopez"
    assert ana.scores.ssi == Decimal("52.4")
    assert ana.counts == {
        "inmails_sent": 12, "inmail_replies": 5, "profile_views": 120, "searches": 42, "leads_saved": 15,
        "accounts_saved": 4, "lists_created": 1, "days_active": 18,
    }
    # A seat with activity but no SSI brings its activity alone.
    assert (ben.scores, ben.counts["days_active"]) == (None, 3)
    assert parsed.records == 2
    assert parsed.warnings == [
        "Ignored columns: Seat type.",
        "Line 1 is above the header and was ignored.",
        "1 seat has no SSI and no activity and imported nothing (line 5).",
    ]


def test_a_usage_report_without_dates_is_dated_by_the_as_of_date_and_its_totals_are_not_split_into_days():
    with pytest.raises(parser.ImportFileError, match="give the date its scores were taken"):
        parse_file("sales_navigator_no_dates.csv")
    parsed = parse_file("sales_navigator_no_dates.csv", as_of=dt.date(2026, 3, 1))
    (row,) = read_all(parsed)
    assert (row.date, row.counts) == (dt.date(2026, 3, 1), None)
    assert parsed.warnings == [
        "Activity totals are ignored: the file has no period columns (period start and end), and a period's "
        "totals are never split into days."
    ]


def test_an_as_of_date_in_the_future_is_refused():
    with pytest.raises(parser.ImportFileError, match="The as-of date cannot be in the future."):
        parse_file("sales_navigator_no_dates.csv", as_of=TODAY + dt.timedelta(days=1))


def test_it_reads_linkedins_ssi_json_for_the_person_who_pastes_it():
    parsed = parse_file("linkedin_ssi.json", email="Ana@Example.com")
    (row,) = read_all(parsed)
    assert parsed.format == "linkedin_json"
    assert (row.line, row.email, row.date) == (1, "ana@example.com", TODAY)
    # LinkedIn's raw decimals, rounded half-up to three places.
    assert row.scores == rules.Scores(
        ssi=Decimal("19.706"), brand=Decimal("8.145"), people=Decimal("2.460"), insights=Decimal("0.300"),
        relationships=Decimal("8.800"), industry_rank=63, network_rank=41, industry_avg=Decimal("24.315"),
        network_avg=Decimal("21.070"),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"memberScore": {"overall": 20}}', "LinkedIn's SSI data does not say whose it is"),
        ('{"memberScore": ', "The file starts like JSON but is not valid JSON."),
        ("[" * 100_000 + "]" * 100_000, "The file starts like JSON but is not valid JSON."),
        ('{"profile": {"name": "Ana"}}', "This JSON is not LinkedIn's SSI data: it has no memberScore."),
    ],
)
def test_json_that_is_not_a_persons_ssi_is_refused(text, message):
    with pytest.raises(parser.ImportFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_text(text)


def test_linkedin_json_with_nan_or_a_sum_far_from_its_pillars_is_rejected_by_the_rules():
    parsed = parse_text('{"memberScore": {"overall": NaN}}', email="ana@example.com")
    assert read_all(parsed) == []
    assert parsed.rejected == [{"line": 1, "field": "ssi", "message": "SSI must be a number, not “NaN”.",
                                "email": "ana@example.com", "value": "NaN"}]


def test_it_names_every_broken_rule_with_its_line_and_field_and_shows_the_email_and_the_value():
    parsed = parse_file("invalid_rows.csv")
    rows = read_all(parsed)
    assert [r.line for r in rows] == [18]
    assert [(r["line"], r["field"], r["value"], r["message"]) for r in parsed.rejected] == [
        (2, "brand", "26", "Establish your professional brand must be between 0 and 25."),
        (3, "ssi", "101", "SSI must be between 0 and 100."),
        (4, "ssi", "60", "SSI 60 differs from the sum of its pillars (40) by more than 1 point."),
        (5, "industry_rank", "0", "Industry rank must be a whole number between 1 and 100."),
        (6, "network_rank", "Top 101%", "Network rank must be a whole number between 1 and 100."),
        (7, "date", "2099-01-01", "The date cannot be in the future."),
        (8, "email", "not-an-email", "“not-an-email” is not a valid email address."),
        (9, "ssi", "NaN", "SSI must be a number, not “NaN”."),
        (10, "brand", "inf", "Establish your professional brand must be a number, not “inf”."),
        (11, "date", "", "Date is missing."),
        (12, "date", "2026-02-30", "Date “2026-02-30” is not a date: write dates as YYYY-MM-DD."),
        (13, "relationships", "", "Give all four pillars or none: missing Build relationships."),
        (14, "ssi", "", "Give the SSI or all four pillars."),
        (15, "searches", "-3", "Searches cannot be negative."),
        (16, "searches", "1.5", "Searches must be a whole number, not “1.5”."),
        (17, None, "", "This line has 11 values but the header has 10: is a value containing a comma missing its quotes?"),
    ]
    assert [r["email"] for r in parsed.rejected] == ["ana@example.com"] * 6 + ["not-an-email"] + ["ana@example.com"] * 9
    assert (parsed.records, parsed.rejected_lines) == (17, 16)


@pytest.mark.parametrize("rank", ["5", "5%", "Top 5%", "top 5 %", " TOP 5% ", "5.0"])
def test_ranks_are_read_as_linkedin_writes_them(rank):
    assert parser.parse_rank("industry_rank", rank) == 5


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", "The file is empty."),
        ("blank_lines_only.csv", "The file is empty."),
        ("header_only.csv", "The file has a header but no rows of data."),
        ("not_ssi.csv", "This is not an SSI file: it has no Email column."),
        ("no_email_column.csv", "This is not an SSI file: it has no Email column."),
        ("pillars_incomplete.csv", "The file has no SSI column and lacks the pillar columns Engage with insights, "
                                   "Build relationships: give the SSI or all four pillars."),
        ("duplicate_columns.csv", "The columns “SSI” and “Total” both give SSI: keep one of them."),
        ("no_date_column.csv", "The file has no Date column: give the date its scores were taken (the as-of date)."),
        ("unclosed_quote.csv", "A quoted value that starts on line 2 never ends: a closing quote is missing."),
        ("nul_bytes.csv", "This is not a text file (it contains NUL bytes): export or save it as CSV and import that."),
        ("png_renamed.csv", "This is an image, not a CSV file: export or save it as CSV and import that."),
        ("xlsx_renamed.csv", "This is an Excel workbook (or another zip archive), not a CSV file: export or save it "
                             "as CSV and import that."),
    ],
)
def test_files_that_cannot_be_imported_are_refused_with_one_sentence(name, message):
    with pytest.raises(parser.ImportFileError) as refused:
        parse_file(name)
    assert str(refused.value) == message


def test_an_enormous_line_is_refused_without_being_read_whole():
    text = "email,date,ssi\nana@example.com,2026-03-02,41\nana@example.com,2026-03-03," + "9" * 1_000_000 + "\n"
    with pytest.raises(parser.ImportFileError) as refused:
        parse_text(text)
    assert str(refused.value) == "Line 3 is longer than 65,536 characters: this is not an SSI file."


def test_an_enormous_first_line_is_refused():
    with pytest.raises(parser.ImportFileError, match="Line 1 is longer than 65,536 characters"):
        parse_text("email," + "x" * 300_000 + "\n")


def test_thousands_of_columns_are_refused():
    header = "email,date,ssi," + ",".join(f"extra{i}" for i in range(5000))
    with pytest.raises(parser.ImportFileError) as refused:
        parse_text(header + "\nana@example.com,2026-03-02,41\n")
    assert str(refused.value) == "Line 1 has 5,003 columns; an SSI file has at most 200."


def test_a_row_with_thousands_of_cells_is_refused():
    with pytest.raises(parser.ImportFileError, match="Line 3 has 3,000 columns; an SSI file has at most 200."):
        parse_text("email,date,ssi\nana@example.com,2026-03-02,41\n" + "," * 2999 + "\n")


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.SSI_IMPORT_MAX_BYTES = 1024 * 1024
    with pytest.raises(parser.ImportFileError) as refused:
        parse_text("email,date,ssi\n" + "ana@example.com,2026-03-02,41\n" * 40_000)
    assert str(refused.value) == "The file is larger than 1 MB, the most this server accepts."


def test_a_nul_byte_far_into_the_file_is_refused_with_its_line():
    text = "email,date,ssi\n" + "ana@example.com,2026-03-02,41\n" * 20_000 + "ana@example.com,2026-03-03,4\x001\n"
    with pytest.raises(parser.ImportFileError, match="Line 20002 contains a NUL character"):
        parse_text(text)


def test_formula_text_is_data_and_the_exports_neutralising_quote_comes_off():
    ana, ben = read_all(parse_file("formula_cells.csv"))
    assert ana.name == '=HYPERLINK("http://evil.example","click")'
    assert (ben.email, ben.name) == ("+ben@example.com", "@SUM(A1)")


def test_memory_does_not_grow_with_the_number_of_rows():
    import tracemalloc

    def peak(rows: int) -> int:
        text = "email,date,ssi\n" + "".join(
            f"p{i % 500}@example.com,{dt.date(2020, 1, 1) + dt.timedelta(days=i // 500)},{i % 90}\n" for i in range(rows)
        )
        data = io.BytesIO(text.encode())
        del text
        tracemalloc.start()
        for _ in parser.parse(data, today=TODAY).rows():
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    assert peak(100_000) < peak(10_000) + 2 * 1024 * 1024


numbers = st.one_of(
    st.none(),
    st.decimals(min_value=-2, max_value=110, places=3, allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["", " ", "abc", "NaN", "inf", "1e30", "-0", "25.0005", "100.0004"]),
)


@given(ssi=numbers, brand=numbers, people=numbers, insights=numbers, relationships=numbers,
       industry_avg=numbers, network_avg=numbers)
@settings(max_examples=300, deadline=None)
def test_the_fast_path_accepts_exactly_what_the_rules_accept(**cells):
    """The parser's fast path for plainly valid rows agrees with rules.validate_scores."""
    expected, errors = rules.validate_scores(**cells)
    values = {}
    for name, text in cells.items():
        try:
            number = rules.to_decimal(text, name)
            rules.check_range(name, number, 0, rules.PILLAR_MAX if name in rules.PILLARS else rules.SSI_MAX)
        except rules.RuleError:
            assert errors
            return
        values[name] = number
    fast = rules.consistent_scores(values)
    assert fast == (None if errors else expected)


@given(st.binary(max_size=2000))
@settings(max_examples=300, deadline=None)
def test_the_parser_never_raises_on_arbitrary_bytes(data):
    try:
        parsed = parser.parse(io.BytesIO(data), today=TODAY, email="ana@example.com")
        read_all(parsed)
    except parser.ImportFileError as refused:
        assert "\n" not in str(refused)


csv_like = st.lists(
    st.lists(st.sampled_from(["ana@example.com", "2026-03-02", "41", "12,5", '"', "Top 5%", "", "x\ny", "NaN",
                              "31/01/2026", "01/31/2026", "=1+1", "\x00", "é"]), max_size=8),
    max_size=6,
)


@given(csv_like, st.sampled_from([",", ";", "\t"]), st.sampled_from(["\n", "\r\n", "\r"]))
@settings(max_examples=300, deadline=None)
def test_the_parser_never_raises_on_arbitrary_csv_under_a_real_header(records, delimiter, newline):
    header = delimiter.join(["email", "date", "ssi", "brand", "people", "insights", "relationships", "industry_rank"])
    text = newline.join([header, *(delimiter.join(cells) for cells in records)])
    try:
        read_all(parse_text(text))
    except parser.ImportFileError as refused:
        assert "\n" not in str(refused)


def _copy_columns(parsed: parser.ParsedFile) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The staging columns the writer asks for (see staging.Staging)."""
    optional = ("industry_rank", "network_rank", "industry_avg", "network_avg")
    scores = ("ssi", *rules.PILLARS, *(f for f in optional if f in parsed.fields))
    return scores, tuple(f for f in rules.ACTIVITY_FIELDS if f in parsed.fields)


def _copy_outcome(parsed: parser.ParsedFile, generic: bool) -> tuple:
    scores, counts = _copy_columns(parsed)
    sample: list[parser.Row] = []
    read = parser.ParsedFile.values if generic else type(parsed).values
    text = "".join(copy_layout.staging_chunks(read(parsed, scores, counts, sample, copy_layout.copy_value)))
    return text, sample, parsed.rejected, parsed.rejected_lines, parsed.records, parsed.warnings


cells = st.sampled_from([
    "ana@example.com", "BEN@example.com ", "not-an-email", "", " ", "2026-03-02", "2026-03-19", "2027-01-01",
    "31/01/2026", "41", "41.5", "12.5", "12,5", "10", "0", "25", "25.0005", "26", "-1", "100", "NaN", "1e1",
    "Top 5%", "5%", "101", "x\ty", "back\\slash", "=1+1", "é",
])


@given(st.lists(st.lists(cells, min_size=0, max_size=12), max_size=25),
       st.sampled_from([",", ";"]), st.booleans())
@settings(max_examples=300, deadline=None)
def test_the_copy_text_shortcut_writes_exactly_the_rows_the_rules_accept(records, delimiter, with_activity):
    """The writer's COPY text comes through a shortcut for plainly valid per-day
    rows: it gives the same lines, sample, rejections and counts as the rows."""
    header = ["email", "date", "ssi", "brand", "people", "insights", "relationships", "industry_rank",
              "network_avg", "name"] + (["posts", "searches"] if with_activity else [])
    text = "\n".join([delimiter.join(header), *(delimiter.join(r) for r in records)]) + "\n"
    try:
        generic = _copy_outcome(parse_text(text), generic=True)
    except parser.ImportFileError:
        return
    assert _copy_outcome(parse_text(text), generic=False) == generic


@pytest.mark.parametrize("name", ["daily.csv", "excel_semicolon.csv", "excel_unicode.txt", "invalid_rows.csv",
                                  "quoted_and_mixed_endings.csv", "formula_cells.csv", "duplicates.csv",
                                  "windows_1252_day_first.csv", "month_first.csv", "sales_navigator.csv"])
def test_the_copy_text_shortcut_agrees_with_the_rows_on_the_corpus(name):
    assert _copy_outcome(parse_file(name), generic=False) == _copy_outcome(parse_file(name), generic=True)


pillar = st.decimals(min_value=0, max_value=25, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def plain_rows(draw):
    """Rows that are mostly valid: four pillars and a total near their sum."""
    pillars = [draw(pillar) for _ in range(4)]
    total = sum(pillars) + draw(st.sampled_from([0, 0, Decimal("0.5"), Decimal("-1"), Decimal("1.001")]))
    ssi = draw(st.sampled_from([str(total), "", str(total)]))
    shown = [draw(st.sampled_from([str(p), str(p), ""])) for p in pillars]
    return [draw(st.sampled_from(["ana@example.com", "ben@example.com"])),
            draw(st.sampled_from(["2026-03-02", "2026-03-03", "2026-03-21"])), ssi, *shown,
            draw(st.sampled_from(["5", "Top 7%", ""])), draw(st.sampled_from(["23.5", ""])),
            draw(st.sampled_from(["Ana", "", "A\tB"])), draw(st.sampled_from(["3", "", "x"])), ""]


@given(st.lists(plain_rows(), max_size=40), st.booleans())
@settings(max_examples=200, deadline=None)
def test_the_copy_text_shortcut_agrees_on_mostly_valid_rows(records, with_activity):
    header = ["email", "date", "ssi", "brand", "people", "insights", "relationships", "industry_rank",
              "network_avg", "name", "posts", "searches"]
    width = len(header) if with_activity else len(header) - 2
    text = "\n".join([",".join(header[:width]), *(",".join(r[:width]) for r in records)]) + "\n"
    try:
        generic = _copy_outcome(parse_text(text), generic=True)
    except parser.ImportFileError:
        return
    assert _copy_outcome(parse_text(text), generic=False) == generic


@pytest.mark.parametrize("name", ["personal_scraper_log.csv", "personal_spreadsheet_semicolon.csv"])
def test_the_copy_text_shortcut_agrees_with_the_rows_for_one_persons_history(name):
    """Without a sample to collect, every row of these files takes the shortcut."""
    def outcome(read) -> tuple:
        parsed = parse_file(name, email="ana@example.com")
        scores, counts = _copy_columns(parsed)
        text = "".join(copy_layout.staging_chunks(read(parsed, scores, counts, None, copy_layout.copy_value)))
        return text, parsed.rejected, parsed.records

    fast = outcome(parser.PerDayFile.values)
    assert fast == outcome(parser.ParsedFile.values)
    assert fast[0].count("\tana@example.com\t") == 3
