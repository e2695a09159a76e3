"""Authors named in a printed byline: "By Jane Doe", "Written by: Jane Doe | March 3, 2024",
"Von Max Mustermann und ...", "Par Marie Dupont", "Autor: Jan Kowalski".

Many pages name their author only in the byline over the story, not in their metadata.
`authors_in_byline` reads the names in one (printed.py looks in the page's short blocks). Each is two to
four capitalised words (particles such as "van", "de", "von" allowed between them); a one-word
handle or a lower-case phrase after "by" ("by the way") is not taken.
"""

from __future__ import annotations

import re

from .dates import WRITTEN_DATE

_WORD = r"[A-ZÀ-Þ][\w'’.-]*"
_PERSON = rf"{_WORD}(?:\s+(?:(?:van|von|de|der|da|di|du|la|le|del|bin|al)\s+)?{_WORD}){{1,3}}"
_NAME = rf"(?P<name>{_PERSON})"
# The words that introduce a byline, case-insensitive; a name follows directly, or after a colon.
_LEAD = (r"(?i:(?:by|written\s+by|text\s+by|words\s+by|posted\s+by|(?:post\s+)?author\s+by|von|par|por|door"
         r"|ver(?:ö|oe)ffentlicht\s+von|geschrieben\s+von|verfasst\s+von|publi(?:é|e)\s+par|escrito\s+por"
         r"|publicado\s+por)\b\s*:?\s*"
         r"|(?:autor(?:in)?|author|redakteur(?:in)?|redaktion|texte?)\s*:\s*)")
# A date may open the byline ("March 3, 2024 By ...", "am 19. Dezember 2025 von ..."); after the
# name: the end, a separator, a date, or a second name ("and", "und", "et", "y").
_OPENING_DATE = (r"(?:(?i:am|on|le|el|posted\s+on|published\s+on|ver(?:ö|oe)ffentlicht\s+am)\s+)?"
                 + WRITTEN_DATE + r"\s*[-–—|·•,]?\s*")
_AFTER_NAME = r"(?=\s*$|\s*[,|·•–—(&-]|\s+(?i:on|in|and|und|et|y|am|le|el)\b|\s*\d)"
_BYLINE = re.compile(r"^\W*(?:" + _OPENING_DATE + r")?" + _LEAD + _NAME + _AFTER_NAME)
# Co-authors after the first name: "and B", "und B", "& B", or a list closed by one ("B, C and
# D"). A comma alone is not enough: "By Jane Doe, Staff Writer" names one person.
_JOINER = r"(?:\s+(?i:and|und|et|y)\s+|\s*&\s*)"
_CO_AUTHORS = re.compile(rf"(?:\s*,\s*{_PERSON})*\s*,?{_JOINER}{_PERSON}" + _AFTER_NAME)
_SEPARATOR = re.compile(r"\s*,?\s*(?:\b(?i:and|und|et|y)\b|&)\s*|\s*,\s*")
MAX_BYLINE_CHARS = 100  # a byline is short (printed.py reads names from such blocks)


# Filter and sort controls read like bylines ("By Event Type", "Sort by Company Size"): a name
# ending in one of these words is a facet, not a person.
_FACET = re.compile(r"\b(?i:type|size|category|categories|topic|topics|date|industry|price|location|region|"
                    r"country|brand|role|product|service|year|month|name|tag|tags|format|level)$")


# The whole text of an element marked as the author's, when it is a name alone ("Jane Doe").
_WHOLE_NAME = re.compile(r"^\W*(?:" + _LEAD + r")?(?P<name>" + _PERSON + r")\W*$")
# Words of the labels such elements also hold ("About the Author", "View All Posts", "Staff Writer").
_LABEL_WORD = re.compile(r"\b(?i:about|authors?|autor(?:in|en)?|more|posts?|view|all|profile|written|articles?|follow|"
                         r"contact|share|read|bio|comments?|reply|editor|editorial|team|redaktion|writer|reporter|"
                         r"contributor|correspondent)\b")


# One word: a handle or a first name ("Heiko", "tlow"), taken from elements that mark a name.
_ONE_WORD = re.compile(r"^\W*(?:" + _LEAD + r")?(?P<name>\w[\w.'’-]{1,39})\W*$")


_PERSON_NAME = re.compile(_PERSON)


def is_person_name(name: str) -> bool:
    """Two to four capitalised words, as bylines name people ("Jane Doe", "Ludwig van Beethoven");
    not a one-word handle, a company or a site ("admin", "tagesschau.de")."""
    return _PERSON_NAME.fullmatch(name) is not None


def authors_in_author_element(text: str, marks_a_name: bool = False) -> tuple[str, ...]:
    """The names in an element the page marks as its author's (class "author", "byline"): a
    byline, or a name alone; one word too when the element marks a name (an hCard "fn",
    "author-name")."""
    names = authors_in_byline(text)
    if not names:  # the name alone, matched only when no byline is
        line = " ".join(text.split())
        found = _WHOLE_NAME.match(line) or (_ONE_WORD.match(line) if marks_a_name else None)
        names = (found.group("name").rstrip(" ."),) if found else ()
    return () if any(_LABEL_WORD.search(name) for name in names) else names


def authors_in_byline(text: str) -> tuple[str, ...]:
    """The names a byline opens with: the first, and its co-authors."""
    line = " ".join(text.split())
    found = _BYLINE.match(line)
    if found is None:
        return ()
    names = [found.group("name")]
    more = _CO_AUTHORS.match(line, found.end())
    if more is not None:
        names += [name for name in _SEPARATOR.split(more.group()) if name]
    names = [name.rstrip(" .") for name in names]
    return () if any(_FACET.search(name) for name in names) else tuple(dict.fromkeys(names))


def names_the_site(authors: tuple[str, ...], site_name: str | None) -> bool:
    """Every declared author is a domain, a company, or the site's own name."""
    return all(_DOMAIN.match(a) or _COMPANY.search(a) or is_site_name(a, site_name) for a in authors)


def is_site_name(text: str, site_name: str | None) -> bool:
    """The site's name, with or without more words ("Die Furche", "Die FURCHE - Zeitung"), or
    most of it."""
    site, squeezed = _squeezed(site_name or ""), _squeezed(text)
    return bool(site and squeezed) and (site in squeezed or (squeezed in site and 2 * len(squeezed) >= len(site)))


def is_the_site_name(text: str, site_name: str) -> bool:
    """The site's name and little else, its domain ending aside ("WRAL" for "WRAL.com",
    "Acxiom" for "Acxiom Corp"): one holds the other, which is at least three quarters of it."""
    a, b = _squeezed(text), _squeezed(_TOP_LEVEL_DOMAIN.sub("", site_name.strip()))
    shorter, longer = sorted((a, b), key=len)
    return bool(shorter) and shorter in longer and 4 * len(shorter) >= 3 * len(longer)


_TOP_LEVEL_DOMAIN = re.compile(r"\.[a-z]{2,6}$", re.I)


def _squeezed(name: str) -> str:
    return "".join(filter(str.isalnum, name.casefold()))


_DOMAIN = re.compile(r"^(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/?$", re.I)
_COMPANY = re.compile(r"(?:\be\.\s?V\.|\b(?:GmbH|gGmbH|Inc|Ltd|LLC|S\.A)\b\.?)")


# Account names a CMS fills in when nobody set an author: they name no one.
_PLACEHOLDER_AUTHORS = frozenset({"admin", "administrator", "webmaster", "root", "user", "guest",
                                  "unknown", "author", "no author", "anonymous", "editor", "wpadmin", "site admin"})


def is_placeholder(name: str) -> bool:
    return name.casefold().strip(" .") in _PLACEHOLDER_AUTHORS
