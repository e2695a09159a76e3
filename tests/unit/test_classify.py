"""Classifier stages on hand-built blocks (no HTML involved), and classify() end to end."""

from __future__ import annotations

import math
import random
from pathlib import Path

from block_factory import AUTHOR_BOX, HARBOUR_BRIEF, PROSE, html_block, text_block

from consumers.pipeline.classify import (calibrate, calibrated, classify, context_inputs, load_weights, paragraphs,
                                         score_alone, stage1_inputs)
from consumers.pipeline.deadline import Deadline
from consumers.pipeline.features import CONTEXT_NAMES, LOCAL_NAMES, NEIGHBOUR_NAMES, densest_run
from consumers.pipeline.html_blocks import parse_html
from consumers.pipeline.model import Block, BlockKind, Label, Limits, PageMeta, Paragraph

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"


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


def test_paragraphs_equal_those_built_by_the_dataclass():
    blocks = [text_block(PROSE, 0), html_block("Share this", 1, kind=BlockKind.HEADING)]
    made = paragraphs(blocks, [0.9, 0.2], 0.55)
    assert made == [Paragraph(text=PROSE, kind=BlockKind.PARAGRAPH, label=Label.STORY, score=calibrate(0.9, 0.55)),
                    Paragraph(text="Share this", kind=BlockKind.HEADING, label=Label.BOILERPLATE,
                              score=calibrate(0.2, 0.55))]
    assert [vars(p) for p in made] == [vars(Paragraph(p.text, p.kind, p.label, p.score)) for p in made]


def test_only_pages_declaring_an_article_lose_their_comment_section():
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
    blocks = [html_block(PROSE.replace("Tuesday", day), i, hints={"content"}) for i, day in enumerate(days)] + \
        [html_block(PROSE.replace("council", f"forum member {i}"), 6 + i, hints={"content", "comment"}) for i in range(6)]
    as_thread = classify(blocks)
    as_article = classify(blocks, PageMeta(declares_article=True))
    assert [p.label for p in as_article[:6]] == [p.label for p in as_thread[:6]]
    assert all(p.label is Label.BOILERPLATE for p in as_article[6:])
    assert any(p.label is Label.STORY for p in as_thread[6:])


def test_classify_reads_the_authors_from_the_page_meta():
    days = ("Monday", "Tuesday", "Wednesday", "Thursday")
    blocks = [html_block(PROSE.replace("Tuesday", day), i, hints={"content"}) for i, day in enumerate(days)]
    blocks.append(html_block(AUTHOR_BOX + " She lives in Leeds, where she was born.", 4, hints={"content"}))
    anonymous = classify(blocks)
    signed = classify(blocks, PageMeta(authors=("Jane Doe",)))
    assert anonymous[4].label is Label.STORY
    assert signed[4].label is Label.BOILERPLATE
    assert [p.label for p in signed[:4]] == [p.label for p in anonymous[:4]] == [Label.STORY] * 4


def test_a_short_clean_item_is_an_article_in_both_formats():
    text_blocks_ = [text_block(text, i) for i, text in enumerate(HARBOUR_BRIEF)]
    html_blocks_ = [html_block(text, i) for i, text in enumerate(HARBOUR_BRIEF)]
    for blocks in (text_blocks_, html_blocks_):
        story = [p.text for p in classify(blocks) if p.label is Label.STORY]
        assert HARBOUR_BRIEF[2] in story and "Share this" not in story


def test_calibrated_equals_calibrate_bit_for_bit_near_every_rounding_half():
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
