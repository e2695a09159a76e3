"""What a page prints about itself where its metadata is silent: the date and the author of its
byline. Many pages print "By Jane Doe · March 3, 2024" over the story and declare neither, and
plain-text pages declare nothing at all. Both are read from the page's first short blocks in
reading order: a byline or dateline is short, and a date or name inside a long paragraph is
something the story talks about.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from .bylines import MAX_BYLINE_CHARS, author_in_byline
from .dates import MAX_DATE_BLOCK_CHARS, date_in_text, date_in_url
from .model import Block, PageMeta

MAX_PRINTED_BLOCKS = 150  # blocks past these are comments, teasers and footers


def with_printed_meta(meta: PageMeta, blocks: list[Block]) -> PageMeta:
    """The page's metadata, with the date and author its byline prints when it declares none
    (a date in its canonical URL's path, "/2024/03/19/slug", comes first: it is the day the
    story was filed, where a printed date may be an update). An author declared as the site
    itself ("tagesschau.de", the site's name, "Verlag GmbH") gives way to the person its byline
    names."""
    if meta.published is None and (printed := date_in_url(meta.canonical_url) or date_in_blocks(blocks)):
        meta = replace(meta, published=printed)
    if (not meta.authors or names_the_site(meta.authors, meta.site_name)) and (author := author_in_blocks(blocks)):
        meta = replace(meta, authors=(author,))
    return meta


def names_the_site(authors: tuple[str, ...], site_name: str | None) -> bool:
    """Every declared author is a domain, a company, or the site's own name."""
    site = _squeezed(site_name or "")
    return all(_DOMAIN.match(a) or _COMPANY.search(a) or (site and _same_name(_squeezed(a), site)) for a in authors)


def _same_name(author: str, site: str) -> bool:
    """The site's name, with or without more words ("Die Furche", "Die FURCHE - Zeitung")."""
    return site in author or (author in site and 2 * len(author) >= len(site))


def _squeezed(name: str) -> str:
    return "".join(filter(str.isalnum, name.casefold()))


_DOMAIN = re.compile(r"^(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/?$", re.I)
_COMPANY = re.compile(r"(?:\be\.\s?V\.|\b(?:GmbH|gGmbH|Inc|Ltd|LLC|S\.A)\b\.?)")


def date_in_blocks(blocks: Iterable[Block]) -> str | None:
    """The first date written in one of the page's first short blocks, as YYYY-MM-DD."""
    return first_in_short_blocks(blocks, MAX_DATE_BLOCK_CHARS, date_in_text)


def author_in_blocks(blocks: Iterable[Block]) -> str | None:
    """The name in the first byline among the page's first short blocks."""
    return first_in_short_blocks(blocks, MAX_BYLINE_CHARS, author_in_byline)


def first_in_short_blocks(blocks: Iterable[Block], max_chars: int, read: Callable[[str], str | None]) -> str | None:
    """The first value `read` finds in a block of at most `max_chars` characters among the
    first `MAX_PRINTED_BLOCKS`."""
    for index, block in enumerate(blocks):
        if index >= MAX_PRINTED_BLOCKS:
            break
        if len(block.text) <= max_chars and (found := read(block.text)):
            return found
    return None
