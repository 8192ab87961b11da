"""Reading the figures out of a pasted copy of LinkedIn's SSI page."""

import pytest

from tracking.linkedin_text import parse

# What select-all + copy on linkedin.com/sales/ssi gives in a desktop browser:
# navigation, the explanation, the score, the four pillars, the two ranks.
FULL_PAGE = """Skip to main content
Sales Navigator
Home
Accounts
Leads
Messaging
3
Your Social Selling Index
Social Selling Index
Your Social Selling Index (SSI) measures how effective you are at establishing your professional \
brand, finding the right people, engaging with insights, and building relationships. It is updated daily.
Learn more
Your Social Selling Index
Today
43
out of 100
Four components of your score
Establish your professional brand
12.96
Find the right people
10.14
Engage with insights
8.52
Build relationships
11.28
Industry SSI rank
Top 5%
People in the Software Development industry have an average SSI of 24.
You rank in the top 5%
Network SSI rank
Top 12%
People in your network have an average SSI of 31.
You rank in the top 12%
Why your SSI matters
Social sellers create 45% more opportunities than peers with a lower SSI.
Social sellers are 51% more likely to reach quota.
© 2026 LinkedIn Corporation
"""

EXPECTED = {
    "ssi": "43", "brand": "12.96", "people": "10.14", "insights": "8.52", "relationships": "11.28",
    "industry_rank": "5", "network_rank": "12", "industry_avg": "24", "network_avg": "31",
}


def test_it_reads_every_figure_from_a_full_page_copy():
    assert parse(FULL_PAGE) == EXPECTED


def test_it_reads_a_page_copied_as_one_line_with_separators():
    text = (
        "Your Social Selling Index: 43/100 | Establish your professional brand 12.96 | Find the right people "
        "10.14 | Engage with insights 8.52 | Build relationships 11.28 | Top 5% of your industry | "
        "Top 12% of your network | People in your industry have an average SSI of 24 | "
        "People in your network have an average SSI of 31"
    )
    assert parse(text) == EXPECTED


def test_it_ignores_noise_around_the_figures():
    # Windows line ends, no-break spaces, blank lines, notification counts,
    # an advert with its own "top 1%", pillar names in help text without scores.
    text = (
        "Notifications\r\n99+\r\nMy Network\r\n12\r\n\r\nJoin the top 1% of sellers this quarter!\r\n"
        "Tip: Establish your professional brand by completing your profile (it takes 5 minutes).\r\n"
        "\r\nYour Social Selling Index\r\n\r\n  43  \r\nout of 100\r\n"
        "Establish your professional brand\r\n\r\n12.96\r\n"
        "Find the right people\r\n10.14\r\n"
        "Engage with insights\r\n8.52\r\n"
        "Build relationships\r\n11.28\r\n"
        "Industry SSI rank\r\nTop\u00a05%\r\n"
        "Network SSI rank\r\nTop 12%\r\n"
        "People in the Computer Networking Products industry have an average SSI of 24.\r\n"
        "People in your network have an average SSI of 31.\r\n"
    )
    result = parse(text)
    assert result == EXPECTED | {"brand": "12.96"}


def test_a_help_sentence_naming_a_pillar_with_a_number_does_not_win_over_the_score():
    text = FULL_PAGE.replace(
        "Learn more", "Learn more\nEngage with insights 3 times a week to grow this pillar."
    )
    assert parse(text)["insights"] == "8.52"


def test_scores_shown_out_of_25_are_read():
    text = "Establish your professional brand: 12.96 out of 25\nFind the right people | 10.14 / 25"
    assert parse(text) == {"brand": "12.96", "people": "10.14"}


def test_it_keeps_what_it_finds_and_leaves_out_the_rest():
    text = "Establish your professional brand\n12.5\nFind the right people\n10\nTop 7% of your network"
    assert parse(text) == {"brand": "12.5", "people": "10", "network_rank": "7"}


def test_the_total_can_come_after_its_label_without_out_of():
    assert parse("Social Selling Index\n38.5\nEstablish your professional brand\n9")["ssi"] == "38.5"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Hello, here is my résumé. I increased revenue 30% in 2024.",
        "Establish your professional brand\nNot available yet",
        "Top 0% of your industry\nTop 140% of your network\n250 out of 100",
        "Establish your professional brand\n40",
    ],
)
def test_text_without_valid_figures_gives_nothing(text):
    assert parse(text) == {}


def test_a_huge_paste_is_read_only_up_to_its_limit():
    assert parse("x" * 1_000_000 + FULL_PAGE) == {}
    assert parse(FULL_PAGE + "x" * 1_000_000) == EXPECTED
