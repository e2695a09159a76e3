"""Plain-text story stages: story runs, comment threads, trailing headlines, inline teasers, threshold move."""

from __future__ import annotations

from consumers.pipeline.model import Block, BlockKind
from consumers.pipeline.text_story import (OUTSIDE_RUN_FLOOR, comment_thread_start, confine_comment_thread,
                                           confine_to_runs, drop_inline_teasers, drop_trailing_headlines,
                                           is_furniture_header, is_inline_teaser_shape, is_thread_mark,
                                           move_threshold, revise_text_story, story_runs)

PARA = ("The district council voted on Tuesday to extend the harbour wall, after months of debate about "
        "the cost of the works, the extension of the quay and the future of the old harbour.")
PARA2 = ("Residents of the harbour district said the council had listened to them, and that the extension "
         "of the wall would protect the harbour from winter storms for decades.")
TEASER = "Mayor unveils plan for new cycle lanes across the city centre"


def blocks_of(*texts: str) -> list[Block]:
    return [Block(text=t, kind=BlockKind.PARAGRAPH, index=i) for i, t in enumerate(texts)]


def test_story_run_spans_the_prose_not_the_menu():
    blocks = blocks_of("Home", "News", PARA, PARA2, PARA, "Contact us")
    assert story_runs(blocks, [0.2, 0.2, 0.9, 0.8, 0.9, 0.2]) == [(2, 4)]
    assert story_runs(blocks, [0.1] * 6) == []


def test_a_second_story_part_counts_when_it_weighs_enough():
    between = "Weather, traffic and travel updates for the whole region, every morning"
    blocks = blocks_of(PARA, PARA2, PARA, between, between, between, between, PARA2, "Shop")
    scores = [0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.8, 0.1]
    assert story_runs(blocks, scores) == [(0, 2), (7, 7)]
    # a part weighing under SECOND_RUN_SHARE of the densest one is not a story run
    assert story_runs(blocks, scores[:7] + [0.42, 0.1]) == [(0, 2)]


def test_a_rejected_furniture_header_ends_the_story_run():
    comment = "I tried this last spring and the harbour wall looked great, thanks for writing it up."
    blocks = blocks_of(PARA, PARA2, "12 Comments", comment, comment + " Really.")
    scores = [0.9, 0.9, 0.45, 0.6, 0.6]
    assert story_runs(blocks, scores) == [(0, 1), (3, 4)]  # two runs, not one across the header
    assert story_runs(blocks, [0.9, 0.9, 0.45, 0.45, 0.45]) == [(0, 1)]
    # the same line scored as story by the model is no barrier
    assert story_runs(blocks, [0.9, 0.9, 0.6, 0.45, 0.45]) == [(0, 4)]


def test_furniture_headers_are_short_lines_of_page_furniture():
    assert is_furniture_header("12 Comments")
    assert is_furniture_header("Leave a Reply")
    assert not is_furniture_header("Council approves the harbour wall")
    assert not is_furniture_header("12 comments were sent to the council about the harbour wall, most of them "
                                   "asking for a longer quay")


def test_lines_outside_the_run_need_a_strong_score():
    blocks = blocks_of("Sign up for our newsletter today", PARA, PARA2, "Another teaser line here", PARA)
    scores = [0.35, 0.9, 0.9, 0.1, OUTSIDE_RUN_FLOOR + 0.05]
    # The run is lines 1-2 (line 3 scores far below the centre and breaks it); line 0 is weak
    # and outside, line 4 is outside but strong.
    out = confine_to_runs(blocks, scores, threshold=0.3)
    assert out[0] < 0.3 and out[1:3] == [0.9, 0.9] and out[4] == scores[4]


def test_story_does_not_end_on_headlines():
    blocks = blocks_of(PARA, PARA2, TEASER, "Storm closes the coast road for a second day")
    out = drop_trailing_headlines(blocks, [0.9, 0.9, 0.6, 0.5], threshold=0.3)
    assert out[:2] == [0.9, 0.9] and out[2] < 0.3 and out[3] < 0.3


def test_inline_teaser_between_paragraphs_is_dropped_but_a_coherent_heading_stays():
    coherent = "Harbour wall extension approved by the district council"
    blocks = blocks_of(PARA, TEASER, PARA2, coherent, PARA, PARA2)
    out = drop_inline_teasers(blocks, [0.9, 0.8, 0.9, 0.8, 0.9, 0.9], threshold=0.3)
    assert out[1] < 0.3
    assert out[3] == 0.8


def test_teaser_shape_rejects_wrapped_continuations_and_short_subheadings():
    assert is_inline_teaser_shape(PARA, TEASER, PARA2)
    assert not is_inline_teaser_shape("the cost of the works and the harbour's future was debated at", TEASER, PARA2)
    assert not is_inline_teaser_shape(PARA, "What happens next", PARA2)
    assert not is_inline_teaser_shape(PARA, TEASER, "and the wall would protect the harbour from winter storms")


def test_move_threshold_is_monotone_and_lands_on_the_new_threshold():
    assert move_threshold(0.3, 0.3, 0.55) == 0.55
    assert move_threshold(0.0, 0.3, 0.55) == 0.0 and move_threshold(1.0, 0.3, 0.55) == 1.0
    values = [move_threshold(x / 20, 0.3, 0.55) for x in range(21)]
    assert values == sorted(values)


def test_revise_text_story_keeps_the_story_and_drops_the_teasers():
    blocks = blocks_of("Home", PARA, TEASER, PARA2, PARA, "Storm closes the coast road for a second day")
    out = revise_text_story(blocks, [0.35, 0.9, 0.8, 0.9, 0.9, 0.5], threshold=0.55)
    assert [s >= 0.55 for s in out] == [False, True, False, True, True, False]


def test_a_page_without_a_confident_line_keeps_its_scores():
    blocks = blocks_of(*(["ok"] * 50))
    scores = [0.42] * 50
    assert revise_text_story(blocks, scores, threshold=0.55) == scores


COMMENT = "I tried this on my own allotment last spring and it worked well, thanks for the clear write-up."


def test_reply_thread_after_the_article_is_its_comment_section():
    blocks = blocks_of(PARA, PARA2, PARA, PARA2, PARA, PARA2, PARA, "Jane says:", COMMENT, "Reply",
                       "Tom says:", COMMENT + " Again.", "Reply")
    scores = [0.9] * 7 + [0.5, 0.8, 0.4, 0.5, 0.75, 0.4]
    out = confine_comment_thread(blocks, scores, scores, threshold=0.3)
    assert out[:7] == scores[:7]
    assert [s >= 0.3 for s in out[7:]] == [False, True, False, False, True, False]  # only >= OUTSIDE_RUN_FLOOR
    assert out[8] == 0.8 and out[8] >= OUTSIDE_RUN_FLOOR


def test_a_forum_thread_without_article_text_before_it_stays():
    blocks = blocks_of("Jane says:", COMMENT, "Reply", "Tom says:", COMMENT, "Reply", "Ann says:", COMMENT)
    scores = [0.5, 0.6, 0.4, 0.5, 0.6, 0.4, 0.5, 0.6]
    assert comment_thread_start(blocks, scores) is None
    assert confine_comment_thread(blocks, scores, scores, threshold=0.3) == scores


def test_thread_marks_are_short_reply_lines_and_bylines():
    assert is_thread_mark("Reply") and is_thread_mark("3 replies by Dan and others")
    assert is_thread_mark("Jane Doe says:") and is_thread_mark("Jane Doe says")
    assert not is_thread_mark("The council did not reply to our questions about the cost of the harbour wall "
                              "before the vote on Tuesday")
