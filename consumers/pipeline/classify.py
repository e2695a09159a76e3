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
5. `drop_repeats`     - a story paragraph repeated verbatim later on the page is kept once.
6. `drop_comment_section` - on a page that declares itself an article, its comment section
                        (comment-marked blocks after the article's text) is not story.
7. `drop_captions`    - figure and table captions (and paragraphs ending with a photo credit)
                        are not story.
8. `drop_author_bios` - a paragraph opening with the name of the page's author is the author box.
9. `drop_site_notices` - cookie, consent, licence and browser notices are not story.
10. `keep_plain_prose` - a page with no story at all that is mostly prose (a short item sent
                        clean, without the page around it) is its prose.

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
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import orjson

from .features import (context_features, context_matrix, factor_by_first_letter, local_features, page_shape,
                       stage1_of_blocks, story_parent, with_neighbours, words_of)
from .bylines import is_person_name
from .model import Block, BlockKind, Label, PageMeta, Paragraph, direct_constructor
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
    p3 = drop_repeats(blocks, p3, threshold)
    if meta.declares_article:
        p3 = drop_comment_section(blocks, p3, threshold)
    p3 = drop_captions(blocks, p3, threshold)
    p3 = drop_author_bios(blocks, p3, threshold, meta.authors)
    p3 = drop_site_notices(blocks, p3, threshold)
    p3 = keep_plain_prose(blocks, p3, threshold)
    return paragraphs(blocks, p3, threshold)


def paragraphs(blocks: list[Block], scores: list[float], threshold: float) -> list[Paragraph]:
    """A Paragraph per block, labelled by the page threshold, with its calibrated score."""
    make, story, boilerplate = _make_paragraph, Label.STORY, Label.BOILERPLATE
    return [make({"text": b.text, "kind": b.kind, "label": story if s >= threshold else boilerplate,
                  "score": calibrate(s, threshold)}) for b, s in zip(blocks, scores)]


_make_paragraph = direct_constructor(Paragraph, ("text", "kind", "label", "score"))


def page_threshold(blocks: list[Block], scores: list[float], weights: StageWeights) -> float:
    """The decision threshold for this page: stricter when the story is concentrated."""
    if weights.concentrated_share > 1:
        return weights.threshold
    _, share = story_parent(blocks, scores, [len(b.text) for b in blocks])
    return weights.concentrated_threshold if share >= weights.concentrated_share else weights.threshold


REPEAT_MIN_CHARS = 50


def drop_repeats(blocks: list[Block], scores: list[float], threshold: float) -> list[float]:
    """Later verbatim copies of a story paragraph become boilerplate (score just under the
    threshold): pages render some blocks twice (desktop and mobile layouts, a summary box
    repeating the lead, sticky headers), and readers of the clean text want each once. Short
    texts ("Read more", a repeated subheading) are left to the model."""
    seen: set[str] = set()
    repeats = []
    for i, (b, s) in enumerate(zip(blocks, scores)):
        if s < threshold or len(b.text) < REPEAT_MIN_CHARS:
            continue
        if b.text in seen:
            repeats.append(i)
        else:
            seen.add(b.text)
    return demoted(scores, repeats, threshold)


def demoted(scores: list[float], indices: list[int], threshold: float) -> list[float]:
    """`scores` with the blocks at `indices` just under the page threshold (boilerplate, and
    reported as a near miss); the same list when there are none."""
    if not indices:
        return scores
    out = list(scores)
    for i in indices:
        out[i] = min(out[i], threshold - 1e-6)
    return out


# Story text (without a comment mark) that must come before a comment-marked block for that block
# to count as the comment section after the article, not as comments the page quotes early on.
ARTICLE_BEFORE_COMMENTS_CHARS = 1000


def drop_comment_section(blocks: list[Block], scores: list[float], threshold: float) -> list[float]:
    """Comment-marked blocks after an article's text become boilerplate (score just under the
    threshold). Only for pages that declare themselves articles: the model keeps a long comment
    thread after a short post (it reads like a forum, whose replies are the story), but readers
    of an article's clean text do not want its comments."""
    held = 0
    comments = []
    for i, (b, s) in enumerate(zip(blocks, scores)):
        if s < threshold:
            continue
        if "comment" not in b.hints:
            held += len(b.text)
        elif held >= ARTICLE_BEFORE_COMMENTS_CHARS:
            comments.append(i)
    return demoted(scores, comments, threshold)


# A caption written as a paragraph ends with its credit: "... on the ridge. Photo: Jane Doe",
# "(Foto: dpa)", "Image by John Roe", "Credit: Apple". The label opens the text or follows a
# sentence end, a dash or a bracket ("Cost per Credit: $472" is not a credit).
_CREDIT_AT_END = re.compile(r"(?:^|[.!?)\]\"\u201d\u2019]\s+|\s[-\u2013\u2014|/]\s+|\()"
                            r"(?i:photo(?:graph)?s?|images?|pictures?|credits?|courtesy|fotos?|bild(?:er)?|"
                            r"photo credits?)(?:\s+(?i:by)\b|\s*:)\s*\S[^.:]{0,60}\W?$")
CAPTION_MAX_CHARS = 500


def is_caption(block: Block) -> bool:
    """A figure or table caption: its element says so (<figcaption>, <caption>), or a short
    paragraph ends with a photo credit."""
    return block.kind is BlockKind.CAPTION or (len(block.text) <= CAPTION_MAX_CHARS and
                                               _CREDIT_AT_END.search(block.text) is not None)


def drop_captions(blocks: list[Block], scores: list[float], threshold: float) -> list[float]:
    """Captions become boilerplate: they describe a picture or a table the clean text does not
    carry, and extraction benchmarks' gold leaves them out (on wcxb-dev article pages, 89% of the
    <figcaption> text the model kept was not in the gold; of the paragraphs ending with a credit
    it kept, 124 of 125)."""
    return demoted(scores, [i for i, (b, s) in enumerate(zip(blocks, scores)) if s >= threshold and is_caption(b)],
                   threshold)


def drop_author_bios(blocks: list[Block], scores: list[float], threshold: float,
                     authors: tuple[str, ...]) -> list[float]:
    """Blocks opening with the full name of one of the page's authors ("Jane Doe is a reporter
    covering...", "Jane Doe | Staff Writer") become boilerplate: the author box and the byline,
    not the story. Only names of people (two to four capitalised words): a one-word handle or a
    company name opens story sentences too."""
    names = tuple(name for name in authors if is_person_name(name))
    if not names:
        return scores
    return demoted(scores, [i for i, (b, s) in enumerate(zip(blocks, scores))
                            if s >= threshold and b.text.startswith(names)], threshold)


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
    x1 = stage1_of_blocks(blocks, title_words(title))
    p1 = stage1.probabilities(x1)
    # the context columns read only the local columns, which lead the stage-1 rows
    return revision.probabilities(np.hstack((x1, context_matrix(blocks, p1, x1))))


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


# Sentences that only the site's own furniture says: cookie and consent banners, form notices,
# licence and rights lines, browser warnings (forum software prints them above every thread).
# Matched on lower-cased text, regrouped by first letter (three times faster than re.I here).
_SITE_NOTICE = re.compile(factor_by_first_letter(
    r"javascript is disabled|(?:enable|activate) javascript|(?:out of date|outdated|unsupported) browser|"
    r"we use cookies|(?:this|our) (?:site|website) uses cookies|store and/or access information on a device|"
    r"by checking this box|this field is for validation purposes|all rights reserved|"
    r"is licensed under (?:the |a )?creative commons"))
NOTICE_MAX_CHARS = 2000


def drop_site_notices(blocks: list[Block], scores: list[float], threshold: float) -> list[float]:
    """Blocks (up to 2,000 characters: consent texts are long) holding one of the site's notices
    become boilerplate. The model mostly rejects them from their markup (cookie, footer hints);
    plain-text pages, and notices inside the article's container, have no markup to tell."""
    return demoted(scores, [i for i, (b, s) in enumerate(zip(blocks, scores))
                            if s >= threshold and len(b.text) <= NOTICE_MAX_CHARS and _SITE_NOTICE.search(b.text.lower())],
                   threshold)


PROSE_MIN_CHARS = 60
PROSE_PAGE_SHARE = 0.5
_PROSE_END = frozenset('.!?\u2026\u3002\uff01\uff1f"\u201d\u2019)\u00bb')


def keep_plain_prose(blocks: list[Block], scores: list[float], threshold: float) -> list[float]:
    """When no block is story but at least half of the page's text is prose (blocks of 60+
    characters ending a sentence), those blocks are the story. The models learnt from whole
    pages, where a story stands out against menus and teasers; a crawler that sends a short
    item already cleaned (a headline and one or two paragraphs) has nothing for it to stand out
    against, and the models turn it down. On the dev pages no page meets this (their pages
    with no story are menus, listings and forms)."""
    if any(s >= threshold for s in scores):
        return scores
    prose = [i for i, b in enumerate(blocks) if len(b.text) >= PROSE_MIN_CHARS and b.text.rstrip()[-1:] in _PROSE_END]
    prose_chars = sum(len(blocks[i].text) for i in prose)
    if not prose or prose_chars < PROSE_PAGE_SHARE * sum(len(b.text) for b in blocks):
        return scores
    out = list(scores)
    for i in prose:
        out[i] = threshold
    return out
