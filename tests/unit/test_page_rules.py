"""The rules after the models' decision (page_rules.py), on hand-built blocks and scores."""

from __future__ import annotations

import pytest
from block_factory import AUTHOR_BOX, HARBOUR_BRIEF, PROSE, html_block, text_block

from consumers.pipeline.model import Block, BlockKind
from consumers.pipeline.page_rules import (demoted, drop_author_bios, drop_captions, drop_comment_section, drop_repeats,
                                           drop_site_notices, is_caption, keep_plain_prose,
                                           require_prose)


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


def test_a_plain_text_story_without_a_line_of_prose_is_none():
    labels = [text_block(text, i) for i, text in enumerate(("Report IPR infringement,", "Recalls,", "Return Policy",
                                                              "AliExpress Multi-Language Sites"))]
    assert [s >= 0.5 for s in require_prose(labels, [0.6, 0.7, 0.6, 0.65], 0.5)] == [False] * 4
    brief = [text_block(text, i) for i, text in enumerate(HARBOUR_BRIEF)]
    scores = [0.6, 0.6, 0.7, 0.2]  # one line of prose vouches for the rest of the story
    assert require_prose(brief, scores, 0.5) is scores
