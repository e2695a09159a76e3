"""Story or rejection, on hand-built paragraphs."""

from __future__ import annotations

from consumers.pipeline.assemble import MIN_STORY_CHARS, story_or_rejection
from consumers.pipeline.model import BlockKind, BodyFormat, Label, Paragraph, RawPage, RejectReason

PAGE = RawPage(url="https://example.org/a", body="", body_format=BodyFormat.TEXT, record_id="r1")


def paragraph(text: str, label: Label = Label.STORY) -> Paragraph:
    return Paragraph(text=text, kind=BlockKind.PARAGRAPH, label=label, score=0.9 if label is Label.STORY else 0.1)


def test_a_long_enough_story_is_not_rejected():
    assert story_or_rejection(PAGE, [paragraph("x" * MIN_STORY_CHARS)]) is None


def test_no_story_paragraph_is_no_story_found():
    rejected = story_or_rejection(PAGE, [paragraph("Home", Label.BOILERPLATE)])
    assert rejected.reason is RejectReason.NO_STORY_FOUND


def test_a_repeated_short_line_counts_once():
    rejected = story_or_rejection(PAGE, [paragraph("ok")] * 1000)
    assert rejected.reason is RejectReason.TOO_SHORT
    assert rejected.story_chars == 2 and rejected.story_paragraph_count == 1000


def test_distinct_short_lines_add_up():
    lines = [paragraph(f"line number {i:03d}") for i in range(10)]
    assert story_or_rejection(PAGE, lines) is None
