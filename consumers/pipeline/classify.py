"""Story/boilerplate classification of blocks.

`classify` chains named stages, each usable alone on hand-built blocks:

1. `score_alone`      - a model over each block's own features and its immediate neighbours'
                        shape (length, links, punctuation, kind, DOM hints).
2. `revise_in_context` - a second model over the first-pass scores in context: scores of
                        neighbours, the densest story run in reading order, the DOM element
                        holding most story text, vocabulary coherence with the story, position
                        before/after the story.
3. `revise_text_story` - plain text only: the story region and inline related-story links
                        (text_story.py).
4. `page_threshold`   - the decision, stricter when the story sits under one parent element.
5. `apply_page_rules` - what the models cannot see block by block (page_rules.py): repeats,
                        an article's comment section, captions, the author's box, site notices,
                        a short clean item with nothing to set it against, and (plain text) a
                        story without one line of prose.

Both models are boosted trees (trees.py, evaluated with numpy) in the shipped weights; the
linear form (one logistic weight vector per stage) is still read, for `--model linear` in the
trainer. Weights live in classifier_model.json.gz (trained by bench/train_classifier.py on half
of the WCXB dev pages and half of the trafilatura-eval pages; WCXB is CC BY 4.0, "WCXB, Murrough
Foley 2026"). HTML blocks and plain-text blocks have separate models (plain text has no DOM
features).
"""

from __future__ import annotations

import gzip
import math
import operator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import orjson

from .features import (context_features, context_matrix, local_features, page_shape, stage1_of_blocks,
                       story_parent, text_records, with_neighbours, words_of)
from .model import Block, Label, PageMeta, Paragraph, direct_constructor
from .page_rules import apply_page_rules
from .text_story import revise_text_story
from .trees import TreeEnsemble

_MODEL_PATH = Path(__file__).with_name("classifier_model.json.gz")


@dataclass(frozen=True)
class StageWeights:
    stage1: tuple[float, ...]
    revisions: tuple[tuple[float, ...], ...]  # one weight vector per context revision pass
    threshold: float
    # Pages whose story sits mostly under one parent element (articles) are read more strictly:
    # what surrounds a concentrated story is furniture (bios, teasers, calls to action).
    concentrated_share: float = 1.01
    concentrated_threshold: float = 0.5
    # Boosted trees replace the linear stages when present (HTML: features interact, e.g. a
    # comment hint means boilerplate only after the story; a linear model cannot say that).
    stage1_trees: TreeEnsemble | None = None
    revision_trees: TreeEnsemble | None = None


@lru_cache(maxsize=1)
def load_weights() -> dict[str, StageWeights]:
    data = orjson.loads(gzip.decompress(_MODEL_PATH.read_bytes()))
    return {mode: stage_weights(m) for mode, m in data["modes"].items()}


def stage_weights(m: dict) -> StageWeights:
    trees = {key: TreeEnsemble.from_json(m[key]) for key in ("stage1_trees", "revision_trees") if key in m}
    return StageWeights(tuple(m.get("stage1", ())), tuple(tuple(r) for r in m.get("revisions", ())),
                        float(m["threshold"]), float(m.get("concentrated_share", 1.01)),
                        float(m.get("concentrated_threshold", 0.5)), **trees)


_NO_META = PageMeta()


def classify(blocks: list[Block], meta: PageMeta = _NO_META) -> list[Paragraph]:
    """Paragraphs of the page's blocks, labelled. `meta` is what the page itself declares or
    prints (its title, authors, whether it calls itself an article)."""
    if not blocks:
        return []
    mode = "html" if any(b.dom_path for b in blocks) else "text"
    weights = load_weights()[mode]
    if weights.stage1_trees is not None and weights.revision_trees is not None:
        p2 = tree_scores(blocks, meta.title, weights.stage1_trees, weights.revision_trees)
    else:
        x1 = stage1_inputs(blocks, meta.title)
        p2 = revise_in_context(blocks, x1, score_alone(x1, weights), weights)
    p3 = revise_text_story(blocks, p2, weights.threshold) if mode == "text" else p2
    threshold = page_threshold(blocks, p3, weights)
    return paragraphs(blocks, apply_page_rules(blocks, p3, threshold, meta, mode == "text"), threshold)


def paragraphs(blocks: list[Block], scores: list[float], threshold: float) -> list[Paragraph]:
    """A Paragraph per block, labelled by the page threshold, with its calibrated score."""
    make, story, boilerplate = _make_paragraph, Label.STORY, Label.BOILERPLATE
    return [make({"text": b.text, "kind": b.kind, "label": story if s >= threshold else boilerplate,
                  "score": c}) for b, s, c in zip(blocks, scores, calibrated(scores, threshold))]


_make_paragraph = direct_constructor(Paragraph, ("text", "kind", "label", "score"))


def page_threshold(blocks: list[Block], scores: list[float], weights: StageWeights) -> float:
    """The decision threshold for this page: stricter when the story is concentrated."""
    if weights.concentrated_share > 1:
        return weights.threshold
    _, share = story_parent(blocks, scores, [len(b.text) for b in blocks])
    return weights.concentrated_threshold if share >= weights.concentrated_share else weights.threshold


def calibrate(score: float, threshold: float) -> float:
    """Map a model score piecewise-linearly so the page's threshold lands on 0.5: a paragraph
    is story exactly when its reported score is >= 0.5, whatever threshold the page used."""
    if score >= threshold:
        value = 0.5 + 0.5 * (score - threshold) / (1 - threshold)
    else:
        value = 0.5 * score / threshold
        value = value if value < 0.4999 else 0.4999  # min(0.4999, value)
    # min(1.0, max(0.0, value)) without two builtin calls per paragraph (the same result, NaN too)
    return round((value if value < 1.0 else 1.0) if value > 0.0 else 0.0, 4)


def calibrated(scores: list[float], threshold: float) -> list[float]:
    """`calibrate` of every score (the same floats), with numpy: the same IEEE arithmetic
    elementwise, and round(value, 4) as rint(value * 1e4) / 1e4, which is Python's correctly
    rounded result wherever value * 1e4 is not within 1e-6 of a half (its rounding error is under
    2e-12 for values up to 1, so the rounded product lies on the same side of the half as the exact
    one, and k / 1e4 is the double nearest k / 10^4, as round's decimal string read back). The
    values near a half go through round() itself."""
    if not 0.0 < threshold < 1.0 or len(scores) < 8:  # the divisions below need it; short pages: plain
        return [calibrate(s, threshold) for s in scores]
    s = np.array(scores, dtype=np.float64)
    above = 0.5 + 0.5 * (s - threshold) / (1 - threshold)
    below = 0.5 * s / threshold
    value = np.where(s >= threshold, above, np.where(below < 0.4999, below, 0.4999))
    value = np.where(value > 0.0, np.where(value < 1.0, value, 1.0), 0.0)  # NaN to 0.0, as calibrate
    scaled = value * 1e4
    out = (np.rint(scaled) / 1e4).tolist()
    for i in np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6).tolist():
        out[i] = round(value[i].item(), 4)
    return out


def title_words(title: str | None) -> frozenset[str]:
    return frozenset(words_of(title)) if title else frozenset()


def stage1_inputs(blocks: list[Block], title: str | None) -> list[list[float]]:
    tw = title_words(title)
    locals_ = [local_features(b, tw) for b in blocks]
    return with_neighbours(locals_, page_shape(blocks, locals_))


def tree_scores(blocks: list[Block], title: str | None, stage1: TreeEnsemble,
                revision: TreeEnsemble) -> list[float]:
    """`revise_in_context(score_alone(stage1_inputs))` for tree models, the same values with the
    feature rows turned into one matrix once: the revision's input is the stage-1 matrix with the
    context columns appended (converting Python rows to arrays cost as much as a tree walk)."""
    records = text_records(blocks)
    x1 = stage1_of_blocks(blocks, title_words(title), records)
    p1 = stage1.probabilities(x1)
    # the context columns read only the local columns, which lead the stage-1 rows
    return revision.probabilities(np.hstack((x1, context_matrix(blocks, p1, x1, [r[2] for r in records]))))


def logistic(weights: tuple[float, ...], x: list[float]) -> float:
    return squash(sum(map(operator.mul, weights, x)))


def squash(z: float) -> float:
    """The logistic function, saturated beyond |z| = 30."""
    if z < -30:
        return 0.0
    if z > 30:
        return 1.0
    return 1.0 / (1.0 + math.exp(-z))


def score_alone(x1: list[list[float]], weights: StageWeights) -> list[float]:
    if weights.stage1_trees is not None:
        return weights.stage1_trees.probabilities(x1)
    stage1, mul = weights.stage1, operator.mul
    return [squash(sum(map(mul, stage1, x))) for x in x1]


def context_inputs(blocks: list[Block], x1: list[list[float]], p1: list[float]) -> list[list[float]]:
    ctx = context_features(blocks, p1, x1)
    return [a + c for a, c in zip(x1, ctx)]


def revise_in_context(blocks: list[Block], x1: list[list[float]], p1: list[float],
                      weights: StageWeights) -> list[float]:
    """Each revision pass rescores every block from the previous pass's scores in context."""
    if weights.revision_trees is not None:
        return weights.revision_trees.probabilities(context_inputs(blocks, x1, p1))
    scores = p1
    mul = operator.mul
    split = len(x1[0]) if x1 else 0
    for revision in weights.revisions:
        # logistic(revision, x + c) without building the concatenated rows: the sum of the
        # context terms starts from the sum of the x terms, so the additions happen in the same
        # order as over x + c (same float result); faster than summing over chain(x, c).
        on_x, on_c = revision[:split], revision[split:]
        scores = [squash(sum(map(mul, on_c, c), sum(map(mul, on_x, x))))
                  for x, c in zip(x1, context_features(blocks, scores, x1))]
    return scores
