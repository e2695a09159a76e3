"""Authors read from printed bylines; phrases that merely follow "by" are not names."""

import pytest

from consumers.pipeline.bylines import (MAX_BYLINE_CHARS, authors_in_author_element, authors_in_byline, is_person_name,
                                        names_the_site)
from consumers.pipeline.deadline import Deadline
from consumers.pipeline.html_blocks import parse_html
from consumers.pipeline.model import Block, BlockKind, Limits
from consumers.pipeline.printed import authors_in_blocks


@pytest.mark.parametrize("text, name", [
    ("By Scott Pletcher", "Scott Pletcher"),
    ("By Jane Doe, Staff Writer", "Jane Doe"),                   # a comma alone joins no co-author
    ("By Dr. Vahid Osman - Mar 27, 2024", "Dr. Vahid Osman"),
    ("September 1st, 2023 By Emily Norwood", "Emily Norwood"),
    ("Written by:Elise Nass", "Elise Nass"),
    ("Par Marie Dupont, le 3 mars 2021", "Marie Dupont"),
    ("Autor: Jan Kowalski", "Jan Kowalski"),
    ("By Ludwig van Beethoven | Music desk", "Ludwig van Beethoven"),
    ("22. Dezember 2019 von Peter Addor", "Peter Addor"),          # a date opens the byline
    ("am 23. Januar 2020 von Christian Weiß", "Christian Weiß"),
    ("2020-01-03 by John Smith", "John Smith"),
    ("Post author By Helge Fahrnberger", "Helge Fahrnberger"),
    ("Veröffentlicht von Chris Jung 28. Februar 2016", "Chris Jung"),
    ("Redaktion: Eva Fuhr (Pressestelle)", "Eva Fuhr"),
])
def test_bylines_give_their_name(text, name):
    assert authors_in_byline(text) == (name,)


@pytest.mark.parametrize("text, names", [
    ("Von Roland Brockmann und Sebastian Drescher", ("Roland Brockmann", "Sebastian Drescher")),
    ("By Ann Lee and Bo Berg | March 3, 2024", ("Ann Lee", "Bo Berg")),
    ("By Ann Lee, Bo Berg and Cy Young", ("Ann Lee", "Bo Berg", "Cy Young")),
    ("Par Marie Dupont et Jean Martin, le 3 mars", ("Marie Dupont", "Jean Martin")),
    ("By Ann Lee & Bo Berg", ("Ann Lee", "Bo Berg")),
    ("By Ann Lee and the newsroom", ("Ann Lee",)),                # not a name after "and"
])
def test_bylines_give_their_co_authors(text, names):
    assert authors_in_byline(text) == names


@pytest.mark.parametrize("text", [
    "by the way, the ferry is back",   # lower-case words are not a name
    "por lo mismo",
    "Dining Out",                      # "di" inside a word is not a byline
    "by ibby",                         # a one-word handle is not taken
    "Stand by Me is a 1986 film",      # "by" not at the start
    "By Event Type",                   # filter and sort controls name facets, not people
    "By Company Size",
    "Blog post von Anna Berg",         # a lead inside the line, not opening it
])
def test_other_text_gives_no_name(text):
    assert authors_in_byline(text) == ()


def test_only_short_blocks_are_bylines():
    long = "By Ann Lee and the whole newsroom, who spent a year reading council minutes. " * 2
    assert len(long) > MAX_BYLINE_CHARS
    blocks = [Block(text=long, kind=BlockKind.PARAGRAPH, index=0),
              Block(text="By Ann Lee", kind=BlockKind.PARAGRAPH, index=1)]
    assert authors_in_blocks(blocks[:1]) == ()
    assert authors_in_blocks(blocks) == ("Ann Lee",)


def test_declared_authors_win_over_the_byline():
    body = "<body><p>By Ann Lee</p><p>The ferry returned.</p></body>"
    _, printed = parse_html("<html>" + body + "</html>", Limits(), Deadline(5.0))
    _, declared = parse_html("<html><head><meta name='author' content='Bo Berg'></head>" + body + "</html>",
                             Limits(), Deadline(5.0))
    assert printed.authors == ("Ann Lee",)
    assert declared.authors == ("Bo Berg",)


@pytest.mark.parametrize("text, names", [
    ("Jane Doe", ("Jane Doe",)),                  # the name alone
    ("By Jane Doe", ("Jane Doe",)),
    ("Autor: Jan Kowalski, 3. März 2021", ("Jan Kowalski",)),
    ("About the Author", ()),                     # labels the element also holds
    ("View All Posts", ()),
    ("HomeAdvisor Staff Writer", ()),
    ("By Travel Editor", ()),
    ("jdoe", ()),                                 # a one-word handle
    ("Jane Doe is a reporter covering the harbour", ()),
])
def test_author_elements_hold_a_name_or_a_byline(text, names):
    assert authors_in_author_element(text) == names


@pytest.mark.parametrize("authors, site_name, is_site", [
    (("tagesschau.de",), None, True),                      # a domain
    (("Bund der Energieverbraucher e.V.",), None, True),   # a company or association
    (("Web Commerce GmbH",), None, True),
    (("Die FURCHE",), "Die Furche", True),                 # the site's own name
    (("Die Furche Redaktion",), "Die Furche", True),
    (("Jane Doe",), "Daily Planet", False),
    (("Ann",), "Annapolis Times", False),                  # a short name inside the site's is a person
    (("Jane Doe", "tagesschau.de"), None, False),          # one person among them is enough
])
def test_authors_naming_the_site(authors, site_name, is_site):
    assert names_the_site(authors, site_name) is is_site


def test_a_byline_replaces_an_author_that_is_the_site():
    head = "<head><meta property='og:site_name' content='Daily Planet'><meta name='author' content='{}'></head>"
    body = "<body><p>By Ann Lee</p><p>The ferry returned.</p></body>"
    _, site = parse_html("<html>" + head.format("Daily Planet") + body + "</html>", Limits(), Deadline(5.0))
    _, person = parse_html("<html>" + head.format("Bo Berg") + body + "</html>", Limits(), Deadline(5.0))
    _, no_byline = parse_html("<html>" + head.format("Daily Planet") + "<body><p>The ferry returned.</p></body></html>",
                              Limits(), Deadline(5.0))
    assert site.authors == ("Ann Lee",)
    assert person.authors == ("Bo Berg",)
    assert no_byline.authors == ("Daily Planet",)


@pytest.mark.parametrize("name, person", [
    ("Jane Doe", True), ("Dr. Vahid Osman", True), ("Ludwig van Beethoven", True), ("Mary Ann De Luca Smith", False),
    ("Jane", False), ("admin", False), ("tagesschau.de", False), ("jane doe", False), ("", False),
])
def test_person_names_are_two_to_four_capitalised_words(name, person):
    assert is_person_name(name) is person
