"""Authors named in a printed byline: "By Jane Doe", "Written by: Jane Doe | March 3, 2024",
"Von Max Mustermann und ...", "Par Marie Dupont", "Autor: Jan Kowalski".

Many pages name their author only in the byline over the story, not in their metadata.
`author_in_byline` reads the name in one (printed.py looks in the page's short blocks). It is two to
four capitalised words (particles such as "van", "de", "von" allowed between them); a one-word
handle or a lower-case phrase after "by" ("by the way") is not taken.
"""

from __future__ import annotations

import re

from .dates import WRITTEN_DATE

_WORD = r"[A-ZÀ-Þ][\w'’.-]*"
_NAME = rf"(?P<name>{_WORD}(?:\s+(?:(?:van|von|de|der|da|di|du|la|le|del|bin|al)\s+)?{_WORD}){{1,3}})"
# The words that introduce a byline, case-insensitive; a name follows directly, or after a colon.
_LEAD = (r"(?i:(?:by|written\s+by|text\s+by|words\s+by|posted\s+by|(?:post\s+)?author\s+by|von|par|por|door"
         r"|ver(?:ö|oe)ffentlicht\s+von|geschrieben\s+von|verfasst\s+von|publi(?:é|e)\s+par|escrito\s+por"
         r"|publicado\s+por)\b\s*:?\s*"
         r"|(?:autor(?:in)?|author|redakteur(?:in)?|redaktion|texte?)\s*:\s*)")
# A date may open the byline ("March 3, 2024 By ...", "am 19. Dezember 2025 von ..."); after the
# name: the end, a separator, a date, or a second name ("and", "und", "et", "y").
_OPENING_DATE = (r"(?:(?i:am|on|le|el|posted\s+on|published\s+on|ver(?:ö|oe)ffentlicht\s+am)\s+)?"
                 + WRITTEN_DATE + r"\s*[-–—|·•,]?\s*")
_BYLINE = re.compile(r"^\W*(?:" + _OPENING_DATE + r")?" + _LEAD + _NAME
                     + r"(?=\s*$|\s*[,|·•–—(-]|\s+(?i:on|in|and|und|et|y|am|le|el)\b|\s*\d)")
MAX_BYLINE_CHARS = 100  # a byline is short (printed.py reads names from such blocks)


# Filter and sort controls read like bylines ("By Event Type", "Sort by Company Size"): a name
# ending in one of these words is a facet, not a person.
_FACET = re.compile(r"\b(?i:type|size|category|categories|topic|topics|date|industry|price|location|region|"
                    r"country|brand|role|product|service|year|month|name|tag|tags|format|level)$")


def author_in_byline(text: str) -> str | None:
    found = _BYLINE.match(" ".join(text.split()))
    if found is None:
        return None
    name = found.group("name").rstrip(" .")
    return None if _FACET.search(name) else name
