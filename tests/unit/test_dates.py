"""Dates as pages print them: read into YYYY-MM-DD, ambiguous or implausible forms left alone."""

import pytest

from consumers.pipeline.dates import MAX_DATE_BLOCK_CHARS, date_in_text, date_in_url
from consumers.pipeline.deadline import Deadline
from consumers.pipeline.html_blocks import parse_html
from consumers.pipeline.model import Block, BlockKind, Limits
from consumers.pipeline.printed import date_in_blocks


@pytest.mark.parametrize("text, expected", [
    ("Posted on December 19, 2025 by Ann Lee", "2025-12-19"),
    ("Dec. 3rd, 2024", "2024-12-03"),
    ("19. Dezember 2025, 14:05 Uhr", "2025-12-19"),
    ("19 de diciembre de 2025", "2025-12-19"),
    ("le 5 mars 2021", "2021-03-05"),
    ("12 października 2023", "2023-10-12"),
    ("Stand: 19.12.2025", "2025-12-19"),
    ("18. 05. 2014 22:38", "2014-05-18"),
    ("2025/12/19", "2025-12-19"),
    ("Updated 2024-03-05T10:00:00Z", "2024-03-05"),
    ("13/04/2024", "2024-04-13"),
    ("04/13/2024", "2024-04-13"),
])
def test_written_dates_are_read(text, expected):
    assert date_in_text(text) == expected


@pytest.mark.parametrize("text", [
    "03/04/2024",              # March or April depends on the country
    "Founded in 2024 by two engineers",
    "1999-13-01",              # no 13th month
    "Call 2024 12 19 now",     # no separator
    "May 2024",                # no day
    "March 3, 1890",           # before the web
])
def test_ambiguous_or_implausible_dates_are_not_read(text):
    assert date_in_text(text) is None


def test_the_earliest_placed_date_wins_whatever_its_form():
    assert date_in_text("Published 3 March 2024 · updated 2024-05-01") == "2024-03-03"


def test_declared_non_iso_values_are_read_as_dates():
    assert date_in_text("Tue, 05 Mar 2024 10:00:00 GMT") == "2024-03-05"
    assert date_in_text("yesterday") is None


def _block(text: str, index: int = 0) -> Block:
    return Block(text=text, kind=BlockKind.PARAGRAPH, index=index)


def test_a_byline_date_is_found_but_not_one_inside_a_long_paragraph():
    long = "The council first met on March 3, 2020, and has argued ever since. " * 6
    assert len(long) > MAX_DATE_BLOCK_CHARS
    assert date_in_blocks([_block("Home"), _block(long), _block("By Ann Lee | June 2, 2024")]) == "2024-06-02"
    assert date_in_blocks([_block(long)]) is None


def test_a_page_without_declared_date_takes_its_printed_byline():
    html = ("<html><head><title>Ferry back</title></head><body><article><h1>Ferry back</h1>"
            "<p class='byline'>By A. Reporter, 23 November 2026</p><p>The ferry returned.</p></article></body></html>")
    _, meta = parse_html(html, Limits(), Deadline(5.0))
    assert meta.published == "2026-11-23"


@pytest.mark.parametrize("url, expected", [
    ("https://example.org/2014/05/18/alles-neu/", "2014-05-18"),
    ("https://example.org/news/2024-03-19-ferry-returns", "2024-03-19"),
    ("https://example.org/2024/03/19.html", "2024-03-19"),
    ("https://example.org/archive/2024/03/", None),         # a month is not a date
    ("https://example.org/2024/13/01/slug", None),          # no thirteenth month
    ("https://example.org/item/12345/2024", None),
    (None, None),
])
def test_dates_in_url_paths(url, expected):
    assert date_in_url(url) == expected


def test_the_canonical_url_dates_a_page_that_declares_no_date():
    html = ("<html><head><link rel='canonical' href='https://example.org/2014/05/18/ferry/'></head>"
            "<body><p>By A. Reporter, 23 November 2026</p><p>The ferry returned.</p></body></html>")
    _, meta = parse_html(html, Limits(), Deadline(5.0))
    assert meta.published == "2014-05-18"


def test_a_declared_iso_date_is_kept_as_declared():
    html = ("<html><head><meta property='article:published_time' content='2026-11-23T17:30:00Z'></head>"
            "<body><p>Printed 1 January 2020</p></body></html>")
    _, meta = parse_html(html, Limits(), Deadline(5.0))
    assert meta.published == "2026-11-23T17:30:00Z"


def test_a_plain_text_page_takes_its_printed_date():
    from consumers.pipeline import Pipeline
    from consumers.pipeline.model import Article, BodyFormat, RawPage

    body = ("Ferry returns after repairs\n\nBy A. Reporter | 23 November 2026\n\n"
            + "The harbour ferry carried its first passengers in three months on Monday, after engineers "
              "replaced a cracked drive shaft that had kept the boat in dry dock since the summer.\n\n" * 3)
    outcome = Pipeline().process_page(RawPage(record_id="r1", url="https://news.example.org/ferry", body=body,
                                              body_format=BodyFormat.TEXT))
    assert isinstance(outcome, Article)
    assert outcome.meta.published == "2026-11-23"
