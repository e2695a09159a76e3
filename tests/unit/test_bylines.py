"""Authors read from printed bylines; phrases that merely follow "by" are not names."""

import pytest

from consumers.pipeline.bylines import MAX_BYLINE_CHARS, author_in_byline
from consumers.pipeline.deadline import Deadline
from consumers.pipeline.html_blocks import parse_html
from consumers.pipeline.model import Block, BlockKind, Limits
from consumers.pipeline.printed import author_in_blocks


@pytest.mark.parametrize("text, name", [
    ("By Scott Pletcher", "Scott Pletcher"),
    ("By Dr. Vahid Osman - Mar 27, 2024", "Dr. Vahid Osman"),
    ("September 1st, 2023 By Emily Norwood", "Emily Norwood"),
    ("Written by:Elise Nass", "Elise Nass"),
    ("Von Roland Brockmann und Sebastian Drescher", "Roland Brockmann"),
    ("Par Marie Dupont, le 3 mars 2021", "Marie Dupont"),
    ("Autor: Jan Kowalski", "Jan Kowalski"),
    ("By Ludwig van Beethoven | Music desk", "Ludwig van Beethoven"),
])
def test_bylines_give_their_name(text, name):
    assert author_in_byline(text) == name


@pytest.mark.parametrize("text", [
    "by the way, the ferry is back",   # lower-case words are not a name
    "por lo mismo",
    "Dining Out",                      # "di" inside a word is not a byline
    "by ibby",                         # a one-word handle is not taken
    "Stand by Me is a 1986 film",      # "by" not at the start
])
def test_other_text_gives_no_name(text):
    assert author_in_byline(text) is None


def test_only_short_blocks_are_bylines():
    long = "By Ann Lee and the whole newsroom, who spent a year reading council minutes. " * 2
    assert len(long) > MAX_BYLINE_CHARS
    blocks = [Block(text=long, kind=BlockKind.PARAGRAPH, index=0),
              Block(text="By Ann Lee", kind=BlockKind.PARAGRAPH, index=1)]
    assert author_in_blocks(blocks[:1]) is None
    assert author_in_blocks(blocks) == "Ann Lee"


def test_declared_authors_win_over_the_byline():
    body = "<body><p>By Ann Lee</p><p>The ferry returned.</p></body>"
    _, printed = parse_html("<html>" + body + "</html>", Limits(), Deadline(5.0))
    _, declared = parse_html("<html><head><meta name='author' content='Bo Berg'></head>" + body + "</html>",
                             Limits(), Deadline(5.0))
    assert printed.authors == ("Ann Lee",)
    assert declared.authors == ("Bo Berg",)
