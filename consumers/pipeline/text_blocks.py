"""Plain-text pages -> blocks: one block per non-empty line, no DOM features."""

from __future__ import annotations

import re

from .model import Block, BlockKind

_SPACE = re.compile(r"[ \t\u00a0]+")


def split_text(text: str, max_blocks: int) -> list[Block]:
    blocks: list[Block] = []
    for line in text.splitlines():
        line = _SPACE.sub(" ", line).strip()
        if not line:
            continue
        blocks.append(Block(text=line, kind=BlockKind.PARAGRAPH, index=len(blocks)))
        if len(blocks) >= max_blocks:
            break
    return blocks
