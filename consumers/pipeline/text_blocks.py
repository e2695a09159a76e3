"""Plain-text pages -> blocks: one block per non-empty line, no DOM features.

The block kind is guessed from the line's shape, since there is no markup: a bullet or number
prefix makes a list item, a short line without closing punctuation a heading, a line opening
with a quotation mark and a long body stays a paragraph.
"""

from __future__ import annotations

import re

from .model import Block, BlockKind, PageMeta
from .printed import with_printed_meta

_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
_BULLET = re.compile(r"^(?:[-*\u2022\u25aa\u25cf\u2013]\s+|\d{1,3}[.)]\s+)")
_CLOSING = frozenset(".!?:;,\"'\u201d\u2019)]\u2026\u3002\uff01\uff1f")
MAX_HEADING_WORDS = 16


def parse_text(text: str, max_blocks: int) -> tuple[list[Block], PageMeta]:
    """A plain-text page's blocks and what it prints of its metadata (a byline, a date): the
    counterpart of html_blocks.parse_html, with no markup to declare anything."""
    blocks = split_text(text, max_blocks)
    return blocks, with_printed_meta(PageMeta(), blocks)


def split_text(text: str, max_blocks: int) -> list[Block]:
    blocks: list[Block] = []
    for line in text.splitlines():
        line = _SPACE.sub(" ", line).strip()
        if not line:
            continue
        blocks.append(Block(text=line, kind=line_kind(line), index=len(blocks)))
        if len(blocks) >= max_blocks:
            break
    return blocks


def line_kind(line: str) -> BlockKind:
    if _BULLET.match(line):
        return BlockKind.LIST_ITEM
    words = line.split()
    if len(words) <= MAX_HEADING_WORDS and line[-1] not in _CLOSING and any(ch.isalpha() for ch in line):
        return BlockKind.HEADING
    return BlockKind.PARAGRAPH
