"""What a page prints about itself where its metadata is silent: the date and the author of its
byline. Many pages print "By Jane Doe · March 3, 2024" over the story and declare neither, and
plain-text pages declare nothing at all. Both are read from the page's first short blocks in
reading order: a byline or dateline is short, and a date or name inside a long paragraph is
something the story talks about.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TypeVar

from .bylines import MAX_BYLINE_CHARS, authors_in_byline, names_the_site
from .dates import MAX_DATE_BLOCK_CHARS, date_in_text, date_in_url
from .model import Block, PageMeta

Found = TypeVar("Found")

MAX_PRINTED_BLOCKS = 150  # blocks past these are comments, teasers and footers


def with_printed_meta(meta: PageMeta, blocks: list[Block]) -> PageMeta:
    """The page's metadata, with the date and author its byline prints when it declares none
    (a date in its canonical URL's path, "/2024/03/19/slug", comes first: it is the day the
    story was filed, where a printed date may be an update). An author declared as the site
    itself ("tagesschau.de", the site's name, "Verlag GmbH") gives way to the person its byline
    names."""
    if meta.published is None and (printed := date_in_url(meta.canonical_url) or date_in_blocks(blocks)):
        meta = replace(meta, published=printed)
    if (not meta.authors or names_the_site(meta.authors, meta.site_name)) and (authors := authors_in_blocks(blocks)):
        meta = replace(meta, authors=authors)
    return meta


def date_in_blocks(blocks: Iterable[Block]) -> str | None:
    """The first date written in one of the page's first short blocks, as YYYY-MM-DD."""
    return first_in_short_blocks(blocks, MAX_DATE_BLOCK_CHARS, date_in_text)


def authors_in_blocks(blocks: Iterable[Block]) -> tuple[str, ...]:
    """The names in the first byline among the page's first short blocks."""
    return first_in_short_blocks(blocks, MAX_BYLINE_CHARS, authors_in_byline) or ()


def first_in_short_blocks(blocks: Iterable[Block], max_chars: int, read: Callable[[str], Found | None]) -> Found | None:
    """The first value `read` finds (not empty) in a block of at most `max_chars` characters among the
    first `MAX_PRINTED_BLOCKS`."""
    for index, block in enumerate(blocks):
        if index >= MAX_PRINTED_BLOCKS:
            break
        if len(block.text) <= max_chars and (found := read(block.text)):
            return found
    return None
