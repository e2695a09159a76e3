"""Labelled paragraphs + metadata + tags -> `Article`, or `Rejected` when there is no story."""

from __future__ import annotations

from collections.abc import Iterable

from .decode import URL_PATTERN
from .ids import article_id, content_hash, same_site
from .model import Article, Label, LanguageTag, PageMeta, Paragraph, RawPage, Rejected, RejectReason, TopicTag

MIN_STORY_CHARS = 80


def story_or_rejection(page: RawPage, paragraphs: list[Paragraph]) -> Rejected | None:
    story = [p for p in paragraphs if p.label is Label.STORY]
    chars = distinct_chars(story)
    reason = rejection_reason(story, chars)
    if reason is None:
        return None
    return Rejected(reason=reason, detail=f"{len(story)} story paragraphs, {chars} distinct chars",
                    url=page.url, record_id=page.record_id, paragraph_count=len(paragraphs),
                    story_paragraph_count=len(story), story_chars=chars)


def rejection_reason(story: list[Paragraph], chars: int) -> RejectReason | None:
    """Why a page with these story paragraphs (`chars` distinct characters) is no article."""
    if not story:
        return RejectReason.NO_STORY_FOUND
    if chars < MIN_STORY_CHARS:
        return RejectReason.TOO_SHORT
    return None


def published_text(paragraphs: list[Paragraph]) -> str:
    """The text the pipeline publishes for a page: its story text, or nothing when the page is
    rejected (what the benchmark and the quality gate score, as `storysift clean` outputs it)."""
    story = [p for p in paragraphs if p.label is Label.STORY]
    return story_text(story) if rejection_reason(story, distinct_chars(story)) is None else ""


def distinct_chars(story: Iterable[Paragraph]) -> int:
    """Characters of the distinct paragraphs: a line repeated many times is still one line of
    story (a page of 100,000 "ok" lines must not pass as a long article)."""
    return sum(len(text) for text in {p.text for p in story})


def key_url(page: RawPage, meta: PageMeta) -> str:
    """The URL the article is keyed by: its canonical URL when it declares one on its own site.
    A page whose url is not an absolute URL (accepted only without Limits.require_absolute_url)
    is keyed by its record id: its site is unknown, so no canonical URL can be trusted."""
    if not URL_PATTERN.search(page.url):
        return f"record:{page.record_id}" if page.record_id is not None else f"url:{page.url}"
    canonical = meta.canonical_url
    if canonical and canonical.startswith(("http://", "https://")) and same_site(canonical, page.url):
        return canonical
    return page.url


def assemble(page: RawPage, meta: PageMeta, paragraphs: list[Paragraph], text: str,
             language: LanguageTag, topics: tuple[TopicTag, ...]) -> Article:
    """`text` is `story_text(paragraphs)`, already computed for the taggers."""
    return Article(
        article_id=article_id(key_url(page, meta)),
        record_id=page.record_id,
        url=page.url,
        meta=meta,
        paragraphs=tuple(paragraphs),
        language=language,
        topics=topics,
        content_hash=content_hash(text),
    )


def story_text(paragraphs: list[Paragraph]) -> str:
    """The article text: story paragraphs joined by a blank line (also `Article.text`)."""
    return "\n\n".join(p.text for p in paragraphs if p.label is Label.STORY)
