"""Story/boilerplate classification of blocks (first version: jusText-style heuristics).

Stages: score each block alone, then revise short blocks by their neighbours.
"""

from __future__ import annotations

import re

from .model import Block, BlockKind, Label, Paragraph

_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORDS = frozenset(
    "the a an and or of to in on for with by at from as is are was were be been that this it its "
    "he she they we you i his her their our not but which who said has have had will would".split()
)


def classify(blocks: list[Block]) -> list[Paragraph]:
    scores = [score_block(b) for b in blocks]
    scores = revise_with_neighbours(scores)
    return [Paragraph(text=b.text, kind=b.kind, label=Label.STORY if s >= 0.5 else Label.BOILERPLATE,
                      score=round(s, 4)) for b, s in zip(blocks, scores)]


def score_block(block: Block) -> float:
    words = _WORD.findall(block.text.lower())
    if not words:
        return 0.0
    link_density = block.link_chars / max(len(block.text), 1)
    stop_density = sum(w in _STOPWORDS for w in words) / len(words)
    score = 0.5
    score += min(len(words), 60) / 200
    score += (stop_density - 0.2) * 1.2
    score -= link_density * 0.8
    if block.text[-1:] in ".!?\"”’)":
        score += 0.1
    if block.boilerplate_hint:
        score -= 0.3
    if block.kind is BlockKind.HEADING:
        score -= 0.1
    return max(0.0, min(1.0, score))


def revise_with_neighbours(scores: list[float]) -> list[float]:
    revised = list(scores)
    for i, s in enumerate(scores):
        if 0.35 < s < 0.65:
            prev = scores[i - 1] if i else 0.0
            nxt = scores[i + 1] if i + 1 < len(scores) else 0.0
            revised[i] = (s + max(prev, nxt)) / 2
    return revised
