"""Authors named in a printed byline: "By Jane Doe", "Written by: Jane Doe | March 3, 2024",
"Von Max Mustermann und ...", "Par Marie Dupont", "Autor: Jan Kowalski".

Many pages name their author only in the byline over the story, not in their metadata.
`author_in_blocks` reads the first byline among a page's first short blocks. The name is two to
four capitalised words (particles such as "van", "de", "von" allowed between them); a one-word
handle or a lower-case phrase after "by" ("by the way") is not taken.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .model import Block

_WORD = r"[A-ZÀ-Þ][\w'’.-]*"
_NAME = rf"({_WORD}(?:\s+(?:(?:van|von|de|der|da|di|du|la|le|del|bin|al)\s+)?{_WORD}){{1,3}})"
# The words that introduce a byline, case-insensitive; a name follows directly, or after a colon.
_LEAD = (r"(?i:(?:by|written\s+by|text\s+by|words\s+by|posted\s+by|von|par|por|door)\b\s*:?\s*"
         r"|(?:autor(?:in)?|author|redakteur(?:in)?|texte?)\s*:\s*)")
# An optional date before it ("March 3, 2024 By ..."); after the name: the end, a separator, a
# date, or a second name ("and", "und", "et", "y").
_BYLINE = re.compile(r"^\W*(?:\w+\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\s+)?" + _LEAD + _NAME
                     + r"(?=\s*$|\s*[,|·•–—(-]|\s+(?i:on|in|and|und|et|y|am|le|el)\b|\s*\d)")
MAX_BYLINE_CHARS = 100
MAX_BYLINE_BLOCKS = 150


def author_in_blocks(blocks: Iterable[Block]) -> str | None:
    """The name in the first byline among the page's first short blocks."""
    for index, block in enumerate(blocks):
        if index >= MAX_BYLINE_BLOCKS:
            break
        if len(block.text) <= MAX_BYLINE_CHARS and (name := author_in_byline(block.text)):
            return name
    return None


def author_in_byline(text: str) -> str | None:
    found = _BYLINE.match(" ".join(text.split()))
    return found.group(1).rstrip(" .") if found else None
