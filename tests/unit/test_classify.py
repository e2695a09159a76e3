"""Classifier stages on hand-built blocks (no HTML involved)."""

from __future__ import annotations

from pathlib import Path

import pytest

from consumers.pipeline.classify import (calibrate, classify, context_inputs, demoted, drop_author_bios,
                                         drop_captions, drop_comment_section, drop_repeats, drop_site_notices, is_caption,
                                         keep_plain_prose, load_weights,
                                         paragraphs, score_alone, stage1_inputs)
from consumers.pipeline.deadline import Deadline
from consumers.pipeline.features import CONTEXT_NAMES, LOCAL_NAMES, NEIGHBOUR_NAMES, densest_run
from consumers.pipeline.html_blocks import parse_html
from consumers.pipeline.model import Block, BlockKind, Label, Limits, PageMeta, Paragraph

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"

PROSE = ("The council voted on Tuesday to extend the library's opening hours, after a year in which "
         "visits rose by a third and the reading room was often full before noon, officials said.")


def html_block(text: str, index: int, *, link_chars: int = 0, hints=frozenset(), tag: str = "p",
               kind: BlockKind = BlockKind.PARAGRAPH, containers=(0, 1)) -> Block:
    return Block(text=text, kind=kind, index=index, tag=tag, dom_path=f"body/div/{tag}", link_chars=link_chars,
                 hints=frozenset(hints), containers=containers + (100 + index,))


def text_block(text: str, index: int) -> Block:
    return Block(text=text, kind=BlockKind.PARAGRAPH, index=index)


def test_model_weights_match_feature_layout():
    stage1_width = len(LOCAL_NAMES) + len(NEIGHBOUR_NAMES)
    revision_width = stage1_width + len(CONTEXT_NAMES)
    for weights in load_weights().values():
        if weights.stage1_trees is not None:
            assert weights.stage1_trees.feature.max() < stage1_width
            assert weights.revision_trees.feature.max() < revision_width
            # the revision must use the context features, not only the block's own
            assert weights.revision_trees.feature.max() >= stage1_width
        else:
            assert len(weights.stage1) == stage1_width
            for revision in weights.revisions:
                assert len(revision) == revision_width
        assert 0 < weights.threshold < 1


def small_page() -> list[Block]:
    nav = [html_block(word, i, link_chars=len(word), hints={"nav"}, tag="li", kind=BlockKind.LIST_ITEM,
                      containers=(0, 1, 2)) for i, word in enumerate(("Home", "News", "Sport", "Contact"))]
    story = [html_block(text, 4 + i, hints={"content"}, containers=(0, 3, 4)) for i, text in enumerate(
        (PROSE, PROSE.replace("council", "board"), PROSE.replace("library", "museum")))]
    return nav + story


def test_stage_one_prefers_prose_over_navigation_links():
    scores = score_alone(stage1_inputs(small_page(), None), load_weights()["html"])
    assert min(scores[4:]) > max(scores[:4])


def test_context_inputs_extend_stage_one_inputs():
    blocks = [text_block(PROSE, 0), text_block("Share this", 1)]
    x1 = stage1_inputs(blocks, None)
    x2 = context_inputs(blocks, x1, [0.9, 0.1])
    assert [len(row) for row in x2] == [len(x1[0]) + len(CONTEXT_NAMES)] * 2


def test_densest_run_finds_the_story_stretch():
    scores = [0.1, 0.9, 0.8, 0.2, 0.9, 0.1, 0.1]
    lengths = [50, 400, 300, 40, 500, 200, 200]
    assert densest_run(scores, lengths) == (1, 4)


def test_classify_labels_scores_and_kinds():
    assert classify([]) == []
    paragraphs = classify(small_page())
    assert [p.kind for p in paragraphs] == [BlockKind.LIST_ITEM] * 4 + [BlockKind.PARAGRAPH] * 3
    assert [p.label for p in paragraphs] == [Label.BOILERPLATE] * 4 + [Label.STORY] * 3
    # reported scores are calibrated so that story <=> score >= 0.5 whatever the page threshold
    assert all(0.0 <= p.score <= 1.0 and (p.label is Label.STORY) == (p.score >= 0.5) for p in paragraphs)


def test_fixture_article_story_and_boilerplate():
    html = (FIXTURES / "news_article.html").read_text(encoding="utf-8")
    blocks, meta = parse_html(html, Limits(), Deadline.unlimited())
    story = [p.text for p in classify(blocks, meta) if p.label is Label.STORY]
    assert any(t.startswith("The harbour bridge reopened") for t in story)
    assert any(t.startswith("The ferry service") for t in story)
    for furniture in ("Home", "Leave a Reply", "Share on Facebook Share on Twitter"):
        assert furniture not in story
    assert not any("All rights reserved" in t or "cookies" in t for t in story)


def test_a_repeated_story_paragraph_is_kept_once():
    long_text = "A paragraph long enough to count as a story paragraph on its own, rendered twice."
    blocks = [Block(text=t, kind=BlockKind.PARAGRAPH, index=i)
              for i, t in enumerate([long_text, "Short line", long_text, "Short line"])]
    scores = drop_repeats(blocks, [0.9, 0.9, 0.8, 0.9], threshold=0.5)
    assert scores[0] == 0.9 and scores[2] < 0.5
    assert scores[1] == scores[3] == 0.9  # short repeats are left to the model


def test_a_repeat_of_a_boilerplate_paragraph_is_not_dropped():
    long_text = "A paragraph long enough to count as a story paragraph on its own, rendered twice."
    blocks = [Block(text=long_text, kind=BlockKind.PARAGRAPH, index=i) for i in range(2)]
    assert drop_repeats(blocks, [0.2, 0.9], threshold=0.5) == [0.2, 0.9]


def test_paragraphs_equal_those_built_by_the_dataclass():
    blocks = [text_block(PROSE, 0), html_block("Share this", 1, kind=BlockKind.HEADING)]
    made = paragraphs(blocks, [0.9, 0.2], 0.55)
    assert made == [Paragraph(text=PROSE, kind=BlockKind.PARAGRAPH, label=Label.STORY, score=calibrate(0.9, 0.55)),
                    Paragraph(text="Share this", kind=BlockKind.HEADING, label=Label.BOILERPLATE,
                              score=calibrate(0.2, 0.55))]
    assert [vars(p) for p in made] == [vars(Paragraph(p.text, p.kind, p.label, p.score)) for p in made]


def article_with_comments(story_chars: int) -> list[Block]:
    story = [html_block(PROSE[:story_chars], 0, hints={"content"})]
    comments = [html_block(PROSE.replace("council", f"board {i}"), 1 + i, hints={"content", "comment"})
                for i in range(3)]
    return story + comments + [html_block(PROSE, 4, hints={"content"})]


def test_the_comment_section_after_an_article_is_not_story():
    blocks = [html_block(PROSE, i, hints={"content"}) for i in range(6)] + article_with_comments(150)[1:]
    scores = [0.9] * len(blocks)
    out = drop_comment_section(blocks, scores, threshold=0.5)
    assert [s >= 0.5 for s in out] == [True] * 6 + [False] * 3 + [True]
    assert scores == [0.9] * len(blocks)  # the input is left alone


def test_comments_before_enough_article_text_are_left_to_the_model():
    blocks = article_with_comments(150)
    scores = [0.9] * len(blocks)
    assert drop_comment_section(blocks, scores, threshold=0.5) == scores


def test_article_text_the_model_rejected_does_not_count_before_comments():
    blocks = [html_block(PROSE, i, hints={"content"}) for i in range(6)] + article_with_comments(150)[1:]
    scores = [0.3] * 6 + [0.9] * 4
    assert drop_comment_section(blocks, scores, threshold=0.5) == scores


def test_only_pages_declaring_an_article_lose_their_comment_section():
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
    blocks = [html_block(PROSE.replace("Tuesday", day), i, hints={"content"}) for i, day in enumerate(days)] + \
        [html_block(PROSE.replace("council", f"forum member {i}"), 6 + i, hints={"content", "comment"}) for i in range(6)]
    as_thread = classify(blocks)
    as_article = classify(blocks, PageMeta(declares_article=True))
    assert [p.label for p in as_article[:6]] == [p.label for p in as_thread[:6]]
    assert all(p.label is Label.BOILERPLATE for p in as_article[6:])
    assert any(p.label is Label.STORY for p in as_thread[6:])


def test_demoted_puts_blocks_just_under_the_threshold_and_leaves_the_input_alone():
    scores = [0.9, 0.2, 0.7]
    assert demoted(scores, [], 0.5) is scores
    out = demoted(scores, [0, 1], 0.5)
    assert out[0] < 0.5 and out[0] > 0.49 and out[1] == 0.2 and out[2] == 0.7
    assert scores == [0.9, 0.2, 0.7]


def test_captions_are_not_story():
    blocks = [html_block(PROSE, 0), html_block("The bridge at dawn. Photo: J. Doe", 1, tag="figcaption",
                                                 kind=BlockKind.CAPTION), html_block(PROSE, 2)]
    assert [s >= 0.5 for s in drop_captions(blocks, [0.9, 0.9, 0.9], 0.5)] == [True, False, True]


@pytest.mark.parametrize("text, caption", [
    ("The Hoka Speedgoat 7. Photo: iRunFar/Eszter Horanyi", True),
    ("Oberbürgermeister Kai Buchmann eröffnete den Nordpark (Foto: Stadt Nordhausen)", True),
    ("The test class of early 2025. Credit: Chris McNamara", True),
    ("The ferry at dawn. Image by John Goreham", True),
    ("Cost per Credit: In-State | $472 Out-of-State | $472", False),  # no sentence end before the label
    ("Capture Stunning Photos: High-quality image clarity.", False),
    ("Create depth in your photographs by experimenting with foregrounds and blurred backgrounds.", False),
    (PROSE + " Photo: Jane Doe", True),
    (PROSE * 3 + " Photo: Jane Doe", False),  # too long for a caption
])
def test_paragraphs_ending_with_a_photo_credit_are_captions(text, caption):
    assert is_caption(html_block(text, 0)) is caption


AUTHOR_BOX = "Jane Doe is a reporter covering city hall and transport for the paper since 2015."


def test_a_block_opening_with_the_authors_name_is_their_bio():
    blocks = [html_block(PROSE, 0), html_block("Jane Doe said the council had no choice.", 1),
              html_block(AUTHOR_BOX, 2)]
    scores = [0.9, 0.9, 0.9]
    assert [s >= 0.5 for s in drop_author_bios(blocks, scores, 0.5, ("Jane Doe",))] == [True, False, False]
    assert drop_author_bios(blocks, scores, 0.5, ("John Roe",)) == scores


def test_only_names_of_people_mark_author_bios():
    # a one-word handle or a company name opens story sentences too
    blocks = [html_block("Jane said the vote was close.", 0), html_block("Acme builds the new bridge.", 1)]
    assert drop_author_bios(blocks, [0.9, 0.9], 0.5, ("Jane", "acme.com")) == [0.9, 0.9]


def test_classify_reads_the_authors_from_the_page_meta():
    days = ("Monday", "Tuesday", "Wednesday", "Thursday")
    blocks = [html_block(PROSE.replace("Tuesday", day), i, hints={"content"}) for i, day in enumerate(days)]
    blocks.append(html_block(AUTHOR_BOX + " She lives in Leeds, where she was born.", 4, hints={"content"}))
    anonymous = classify(blocks)
    signed = classify(blocks, PageMeta(authors=("Jane Doe",)))
    assert anonymous[4].label is Label.STORY
    assert signed[4].label is Label.BOILERPLATE
    assert [p.label for p in signed[:4]] == [p.label for p in anonymous[:4]] == [Label.STORY] * 4


def test_site_notices_are_not_story():
    notices = ["JavaScript is disabled. For a better experience, please enable JavaScript in your browser.",
               "We use cookies and other technologies that are essential to provide you our services.",
               "\u00a9 2025 Harbour Gazette. All rights reserved.",
               "Except as otherwise noted, the content of this page is licensed under the Creative Commons "
               "Attribution 4.0 License."]
    blocks = [html_block(PROSE, 0)] + [html_block(text, 1 + i) for i, text in enumerate(notices)]
    out = drop_site_notices(blocks, [0.9] * len(blocks), 0.5)
    assert [s >= 0.5 for s in out] == [True] + [False] * len(notices)
    # a story about cookies is still a story
    about = html_block("The bakery sold 3,000 cookies on Saturday, a record for the small shop.", 0)
    assert drop_site_notices([about], [0.9], 0.5) == [0.9]


HARBOUR_BRIEF = ["Harbour bridge reopens", "By Jane Doe",
                 "The harbour bridge reopened on Monday after two years of repairs, the city said, and traffic "
                 "was flowing freely by noon.", "Share this"]


def test_a_page_that_is_mostly_prose_is_a_short_article_when_nothing_else_is_story():
    blocks = [text_block(text, i) for i, text in enumerate(HARBOUR_BRIEF)]
    out = keep_plain_prose(blocks, [0.1, 0.2, 0.3, 0.05], 0.5)
    assert [s >= 0.5 for s in out] == [False, False, True, False]


def test_plain_prose_is_not_kept_on_a_page_of_menus_or_beside_a_story():
    menu = [text_block(word, i) for i, word in enumerate(("Home", "News", "Sport", "Weather", "Contact us"))]
    sentence = text_block("Our newsletter brings the week's best stories to your inbox every Friday.", 5)
    menu_page = menu * 20 + [sentence]
    assert keep_plain_prose(menu_page, [0.1] * len(menu_page), 0.5) == [0.1] * len(menu_page)
    blocks = [text_block(text, i) for i, text in enumerate(HARBOUR_BRIEF)]
    scores = [0.6, 0.2, 0.3, 0.05]  # the model found a story: its decision stands
    assert keep_plain_prose(blocks, scores, 0.5) is scores


def test_a_short_clean_item_is_an_article_in_both_formats():
    text_blocks_ = [text_block(text, i) for i, text in enumerate(HARBOUR_BRIEF)]
    html_blocks_ = [html_block(text, i) for i, text in enumerate(HARBOUR_BRIEF)]
    for blocks in (text_blocks_, html_blocks_):
        story = [p.text for p in classify(blocks) if p.label is Label.STORY]
        assert HARBOUR_BRIEF[2] in story and "Share this" not in story
