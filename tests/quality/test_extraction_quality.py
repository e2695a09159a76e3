"""Quality gate: F1 floors on a FIXED subset of the development data (every 10th wcxb-dev page),
a snippet floor on every 10th trafilatura-eval page from id 0005 (odd ids: pages the classifier
is not trained on), and exactness on the seed page. Skips cleanly when ../shared is absent.

The floors sit a little below the figures measured when they were pinned (docs/algorithm.md),
so a regression in segmentation, features or weights fails CI. They are quality floors on a
fixed corpus, never timings.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.common import (load_seed, load_trafeval, load_wcxb, page_precision_recall, snippet_counts,  # noqa: E402
                          snippet_score, text_score)
from bench.render_text import render  # noqa: E402
from consumers.pipeline.assemble import published_text  # noqa: E402
from consumers.pipeline.classify import classify  # noqa: E402
from consumers.pipeline.deadline import Deadline  # noqa: E402
from consumers.pipeline.html_blocks import parse_html  # noqa: E402
from consumers.pipeline.model import Label, Limits  # noqa: E402
from consumers.pipeline.text_blocks import parse_text  # noqa: E402

EVERY = 10
# Measured 2026-12-07 on these subsets (the text the pipeline publishes, after the rules of
# page_rules.py; docs/algorithm.md): HTML 0.876, articles 0.959, 1 empty; plain text 0.842;
# trafilatura-eval snippets harmonic 0.926 (with 0.948, without 0.905). Floors about 0.01 under.
FLOOR_HTML_F1 = 0.865
FLOOR_ARTICLE_F1 = 0.95
FLOOR_TEXT_F1 = 0.835
MAX_EMPTY = 3
FLOOR_SNIPPET_HARMONIC = 0.915


@pytest.fixture(scope="module")
def subset(shared_data):
    return load_wcxb(every=EVERY)


@pytest.fixture(scope="module")
def html_outputs(subset):
    outs = []
    for page in subset:
        blocks, meta = parse_html(page.html, Limits(), Deadline.unlimited())
        outs.append(published_text(classify(blocks, meta)))
    return outs


def test_wcxb_subset_html_f1_floor(subset, html_outputs):
    pairs = [page_precision_recall(out, page.main_text) for page, out in zip(subset, html_outputs)]
    empty = sum(not out.strip() for out in html_outputs)
    score = text_score(pairs, empty, rounds=1)
    assert score.f1 >= FLOOR_HTML_F1, score
    assert empty <= MAX_EMPTY, f"{empty} empty outputs"


def test_wcxb_subset_article_f1_floor(subset, html_outputs):
    pairs = [page_precision_recall(out, page.main_text) for page, out in zip(subset, html_outputs)
             if page.page_type == "article"]
    assert text_score(pairs, 0, rounds=1).f1 >= FLOOR_ARTICLE_F1


def test_wcxb_subset_plain_text_f1_floor(subset):
    pairs = []
    for page in subset:
        out = published_text(classify(*parse_text(render(page.html), Limits().max_blocks)))
        pairs.append(page_precision_recall(out, page.main_text))
    assert text_score(pairs, 0, rounds=1).f1 >= FLOOR_TEXT_F1


def test_trafeval_subset_snippet_floor(shared_data):
    counts = []
    for page in load_trafeval(every=EVERY, offset=5):
        blocks, meta = parse_html(page.html, Limits(), Deadline.unlimited())
        counts.append(snippet_counts(published_text(classify(blocks, meta)), page.with_snippets,
                                     page.without_snippets))
    score = snippet_score(counts)
    assert score.harmonic >= FLOOR_SNIPPET_HARMONIC, score


def test_seed_page_is_exact(seed_dir):
    seed = load_seed()
    assert seed is not None
    text, labels = seed
    story = [p.text for p in classify(*parse_text(text, Limits().max_blocks)) if p.label is Label.STORY]
    assert story == [row["text"] for row in labels if row["label"] == "story"]
