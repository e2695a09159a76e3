"""Classifier stages on hand-built blocks (no HTML involved)."""

from __future__ import annotations

from pathlib import Path

from consumers.pipeline.classify import (calibrate, classify, context_inputs, drop_comment_section, drop_repeats,
                                         load_weights, paragraphs, score_alone, stage1_inputs)
from consumers.pipeline.deadline import Deadline
from consumers.pipeline.features import CONTEXT_NAMES, LOCAL_NAMES, NEIGHBOUR_NAMES, densest_run
from consumers.pipeline.html_blocks import parse_html
from consumers.pipeline.model import Block, BlockKind, Label, Limits, Paragraph

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
    story = [p.text for p in classify(blocks, title=meta.title) if p.label is Label.STORY]
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
    as_article = classify(blocks, declares_article=True)
    assert [p.label for p in as_article[:6]] == [p.label for p in as_thread[:6]]
    assert all(p.label is Label.BOILERPLATE for p in as_article[6:])
    assert any(p.label is Label.STORY for p in as_thread[6:])


def test_calibrated_equals_calibrate_bit_for_bit_near_every_rounding_half():
    import math
    import random

    from consumers.pipeline.classify import calibrated

    rng = random.Random(1)
    for threshold in (0.45, 0.5, 0.6, 0.3, 0.99, 0.01):
        near = []
        for k in range(0, 10000, 7):
            value = (k + 0.5) / 1e4  # scores whose calibrated value is (about) a rounding half
            score = value * 2 * threshold if value < 0.5 else threshold + (value - 0.5) * 2 * (1 - threshold)
            near += [score, math.nextafter(score, 2), math.nextafter(score, -1), value]
        scores = near + [rng.random() for _ in range(5000)] + [
            0.0, 1.0, threshold, math.nextafter(threshold, 0), math.nextafter(threshold, 1), float("nan"), -0.0,
            1e-300, 0.03125, 1.5, -0.5]
        assert [x.hex() for x in calibrated(scores, threshold)] == [calibrate(s, threshold).hex() for s in scores]
        assert all(type(x) is float for x in calibrated(scores, threshold))
    assert calibrated([0.7, 0.2], 0.5) == [calibrate(0.7, 0.5), calibrate(0.2, 0.5)]
