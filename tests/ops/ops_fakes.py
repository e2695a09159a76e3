"""Small pipeline outcomes for the metrics tests."""

from __future__ import annotations

from consumers.pipeline import StageTimer
from consumers.pipeline.model import Article, BlockKind, Label, LanguageTag, PageMeta, Paragraph, TopicTag

URL = "https://news.example.org/2026/some-story?id=123"


def article(language: str = "en", topics: tuple[str, ...] = ("medtop:15000000",), story: int = 3,
            boilerplate: int = 1, url: str = URL) -> Article:
    paragraphs = tuple(Paragraph(f"story {i} " * 10, BlockKind.PARAGRAPH, Label.STORY, 0.9) for i in range(story))
    paragraphs += tuple(Paragraph("menu", BlockKind.LIST_ITEM, Label.BOILERPLATE, 0.1) for _ in range(boilerplate))
    return Article("a1", "r1", url, PageMeta(), paragraphs, LanguageTag(language, 0.9),
                   tuple(TopicTag(code, code, 0.5) for code in topics), "hash")


def timer(**seconds: float) -> StageTimer:
    t = StageTimer()
    t.seconds.update(seconds)
    return t
