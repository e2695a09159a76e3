"""Story or rejection, on hand-built paragraphs."""

from __future__ import annotations

from consumers.pipeline.assemble import MIN_STORY_CHARS, published_text, story_or_rejection
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


_STORY = ("The harbour ferry carried its first passengers in three months on Monday, after engineers "
          "replaced a cracked drive shaft that had kept the boat in dry dock since the summer.\n\n") * 3


def _article(body: str, body_format: BodyFormat, title: str | None):
    from consumers.pipeline import Pipeline
    from consumers.pipeline.model import Article

    outcome = Pipeline().process_page(RawPage(url="https://news.example.org/ferry", body=body,
                                              body_format=body_format, title_hint=title))
    assert isinstance(outcome, Article)
    return outcome


def test_the_crawlers_title_names_a_plain_text_article():
    assert _article(_STORY, BodyFormat.TEXT, " Ferry returns ").meta.title == "Ferry returns"
    assert _article(_STORY, BodyFormat.TEXT, None).meta.title is None


def test_a_page_declared_title_wins_over_the_crawlers():
    html = "<html><head><title>Ferry returns after repairs</title></head><body>" + "".join(
        f"<p>{p}</p>" for p in _STORY.split("\n\n") if p) + "</body></html>"
    assert _article(html, BodyFormat.HTML, "crawler title").meta.title == "Ferry returns after repairs"
    assert _article("<html><body>" + "".join(f"<p>{p}</p>" for p in _STORY.split("\n\n") if p) + "</body></html>",
                    BodyFormat.HTML, "crawler title").meta.title == "crawler title"


def test_published_text_is_the_story_or_nothing_for_a_rejected_page():
    story = [paragraph("x" * MIN_STORY_CHARS), paragraph("Home", Label.BOILERPLATE), paragraph("y" * 10)]
    assert published_text(story) == "x" * MIN_STORY_CHARS + "\n\n" + "y" * 10
    assert published_text([paragraph("Short story.")]) == ""  # rejected as too short
    assert published_text([paragraph("Home", Label.BOILERPLATE)]) == ""


def test_a_page_without_an_absolute_url_is_keyed_by_its_record_id_not_its_canonical_url():
    from consumers.pipeline.assemble import key_url
    from consumers.pipeline.model import PageMeta

    meta = PageMeta(canonical_url="https://news.example.org/story")
    on_site = RawPage(url="https://news.example.org/story?utm_source=x", body="", body_format=BodyFormat.HTML)
    assert key_url(on_site, meta) == "https://news.example.org/story"
    # its site is unknown, so a canonical URL could claim anyone's article
    dataset_row = RawPage(url="hard::news.example.org-story.html", body="", body_format=BodyFormat.HTML,
                          record_id="0954")
    assert key_url(dataset_row, meta) == "record:0954"
    assert key_url(RawPage(url="x.html", body="", body_format=BodyFormat.HTML), meta) == "url:x.html"
