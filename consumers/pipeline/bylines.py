"""Authors named in a printed byline: "By Jane Doe", "Written by: Jane Doe | March 3, 2024",
"Von Max Mustermann und ...", "Par Marie Dupont", "Autor: Jan Kowalski".

Many pages name their author only in the byline over the story, not in their metadata.
`author_in_byline` reads the name in one (printed.py looks in the page's short blocks). It is two to
four capitalised words (particles such as "van", "de", "von" allowed between them); a one-word
handle or a lower-case phrase after "by" ("by the way") is not taken.
"""

from __future__ import annotations

import re

_WORD = r"[A-ZÀ-Þ][\w'’.-]*"
_NAME = rf"({_WORD}(?:\s+(?:(?:van|von|de|der|da|di|du|la|le|del|bin|al)\s+)?{_WORD}){{1,3}})"
# The words that introduce a byline, case-insensitive; a name follows directly, or after a colon.
_LEAD = (r"(?i:(?:by|written\s+by|text\s+by|words\s+by|posted\s+by|von|par|por|door)\b\s*:?\s*"
         r"|(?:autor(?:in)?|author|redakteur(?:in)?|texte?)\s*:\s*)")
# An optional date before it ("March 3, 2024 By ..."); after the name: the end, a separator, a
# date, or a second name ("and", "und", "et", "y").
_BYLINE = re.compile(r"^\W*(?:\w+\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\s+)?" + _LEAD + _NAME
                     + r"(?=\s*$|\s*[,|·•–—(-]|\s+(?i:on|in|and|und|et|y|am|le|el)\b|\s*\d)")
MAX_BYLINE_CHARS = 100  # a byline is short (printed.py reads names from such blocks)


def author_in_byline(text: str) -> str | None:
    found = _BYLINE.match(" ".join(text.split()))
    return found.group(1).rstrip(" .") if found else None
