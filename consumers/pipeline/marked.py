"""What a page marks by class or id: the elements holding its author's name ("author-name",
"byline", an hCard) and its date ("post-date", "published"). Read from the parsed page when its
metadata declares no author, and as the last resort for a date. Elements in a comment section
name the commenters and date the comments, so they are passed over.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .bylines import authors_in_author_element, is_placeholder
from .dates import date_in_text

Found = TypeVar("Found")

_AUTHOR_ELEMENTS = '[class*="author" i],[class*="byline" i],[id*="author"]'
_DATE_ELEMENTS = '[class*="date" i],[class*="publish" i],[class*="time" i],[id*="date" i]'
_CONTAINER_TAGS = frozenset({"html", "body", "main", "article", "section", "meta", "link", "script", "style", "img"})
MAX_MARKED_ELEMENTS = 60
MAX_MARKED_CHARS = 80  # a name or a date, with a label at most
# Bounded: a hostile page nests tens of thousands of elements, and this runs before the depth limit.
_COMMENT_SECTION_DEPTH = 40


def authors_in_marked_elements(tree) -> tuple[str, ...]:
    """The names in the first author element holding a byline or a name alone (one word too
    when the element marks a name)."""
    def read(node, text: str) -> tuple[str, ...]:
        names = authors_in_author_element(text, _marks_a_name(node))
        return () if any(map(is_placeholder, names)) else names
    return _first_in_marked(tree, _AUTHOR_ELEMENTS, read) or ()


def date_in_marked_elements(tree) -> str | None:
    """The first date (YYYY-MM-DD) written in an element the page marks as a date."""
    return _first_in_marked(tree, _DATE_ELEMENTS, lambda node, text: date_in_text(text))


def _first_in_marked(tree, selector: str, read: Callable[[object, str], Found | None]) -> Found | None:
    """The first value `read` finds in the text of one of the first elements matching
    `selector` (short texts only, not in a comment section)."""
    for node in tree.css(selector)[:MAX_MARKED_ELEMENTS]:
        if node.tag in _CONTAINER_TAGS:
            continue
        text = " ".join((node.text(separator=" ") or "").split())
        if text and len(text) <= MAX_MARKED_CHARS and not _in_comments(node) and (found := read(node, text)):
            return found
    return None


def _marks_a_name(node) -> bool:
    """An hCard name ("vcard", "fn") or a class naming a name ("author-name", "authorName")."""
    tokens = (node.attributes.get("class") or "").lower().split()
    return any(t in ("fn", "vcard") or "name" in t for t in tokens)


def _in_comments(node) -> bool:
    """The element or an enclosing one names comments ("comment-author", "comments")."""
    element, depth = node, 0
    while element is not None and depth < _COMMENT_SECTION_DEPTH:
        attrs = element.attributes
        if "comment" in f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower():
            return True
        element, depth = element.parent, depth + 1
    return False
