"""Hand-built blocks for the classifier's tests (no HTML involved)."""

from __future__ import annotations

from consumers.pipeline.model import Block, BlockKind

PROSE = ("The council voted on Tuesday to extend the library's opening hours, after a year in which "
         "visits rose by a third and the reading room was often full before noon, officials said.")
AUTHOR_BOX = "Jane Doe is a reporter covering city hall and transport for the paper since 2015."
HARBOUR_BRIEF = ["Harbour bridge reopens", "By Jane Doe",
                 "The harbour bridge reopened on Monday after two years of repairs, the city said, and traffic "
                 "was flowing freely by noon.", "Share this"]


def html_block(text: str, index: int, *, link_chars: int = 0, hints=frozenset(), tag: str = "p",
               kind: BlockKind = BlockKind.PARAGRAPH, containers=(0, 1)) -> Block:
    return Block(text=text, kind=kind, index=index, tag=tag, dom_path=f"body/div/{tag}", link_chars=link_chars,
                 hints=frozenset(hints), containers=containers + (100 + index,))


def text_block(text: str, index: int) -> Block:
    return Block(text=text, kind=BlockKind.PARAGRAPH, index=index)
