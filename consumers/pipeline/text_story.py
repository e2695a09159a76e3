"""Plain-text-only revision of the context scores: where the story is, and what interrupts it.

A plain-text page has no markup to say where the article sits, so after the context model the
text path reads the line sequence itself:

1. `story_runs`             - the story region: the contiguous run of lines with the most
                              prose-weighted score (max-sum run of `len * (score - centre)`),
                              plus any further run of the rest of the page weighing at least
                              `SECOND_RUN_SHARE` of it (pages with several story parts: a
                              listing's entries, a product's description and its details). No
                              run crosses a furniture header the model rejects ("Leave a
                              Reply", "12 Comments", "Related posts"): comments and teasers
                              after an article look like prose in text.
2. `confine_to_runs`        - lines outside those runs need a clearly story-like score; the
                              menus, teasers and bios around an article look like prose in text.
3. `confine_comment_thread` - a thread of replies ("Reply", "Jane says:") after an article's
                              own text is its comment section: those lines are outside the
                              story like lines outside the runs. A forum thread, whose posts
                              are the story, has no article text before its first reply mark.
4. `drop_trailing_headlines` - a story does not end on a headline: headline-like lines after the
                              last paragraph are links to other stories.
5. `drop_inline_teasers`    - a headline-length line set between two full paragraphs that shares
                              little vocabulary with the story is an inline "read also" link.

The decision is made at `STORY_THRESHOLD` (chosen on the training half of the WCXB dev pages:
plain text recalls too little at the model's own threshold), then scores are mapped monotonically
so that `STORY_THRESHOLD` lands on the caller's threshold and the usual decision still applies.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .features import has_boiler_phrase, max_sum_run, stopwords, words_of
from .model import Block

# Chosen on the training half of the WCXB dev pages (bench/train_classifier.py split), see
# docs/algorithm.md; held-out figures are reported there.
STORY_THRESHOLD = 0.25
RUN_CENTRE = 0.4        # score that neither extends nor shrinks the story run
OUTSIDE_RUN_FLOOR = 0.7  # score a line outside the story run needs to stay story
RUN_LINE_CAP = 600       # characters a single line can weigh in the run
STRONG = 0.95            # scores this high are never overruled by the rules below
SECOND_RUN_SHARE = 0.1   # a further story run must weigh this share of the densest one
MAX_RUNS = 10
BARRIER_SCORE = 0.5      # a furniture header scoring below this ends a story run
HEADER_MAX_WORDS = 12    # furniture headers are short; a long line naming "comments" is prose
# Reply affordances and comment bylines ("Reply", "3 replies", "Jane Doe says:"), multilingual
_THREAD_MARK = re.compile(r"\b(?:reply|replies|respond|antworten|r\u00e9pondre|responder|rispondi|odpowiedz)\b"
                          r"|\b(?:says|wrote|said):?$", re.I)
THREAD_MARKS = 3            # reply marks that make a thread
THREAD_STORY_BEFORE = 1000  # characters of likely story before the first mark: an article's comments
LIKELY_STORY = 0.5          # a model score counting as story before the thread
# "12 Comments", "3 Responses to ...", "1,204 Reviews": a counted thread header
_COUNT_HEADER = re.compile(r"^\d[\d,.]*\s+(?:comments?|responses?|replies|reviews?|thoughts?)\b", re.I)

_SENTENCE_END = ".!?\"\u201d\u2019:;)"
TEASER_MIN_WORDS = 8
HEADLINE_MAX_WORDS = 20
PARAGRAPH_CHARS = 150    # a long story line, for the story vocabulary
SENTENCE_WORDS = 12      # a "full sentence" neighbour, for the inline teaser rule
TEASER_COHERENCE = 0.5


def revise_text_story(blocks: list[Block], scores: list[float], threshold: float) -> list[float]:
    """Revised scores for a plain-text page, decided at `threshold` by the caller. A page with
    no line the model is confident about has no story core to widen: its scores stand."""
    if not scores or max(scores) < threshold:
        return list(scores)
    out = confine_to_runs(blocks, scores, STORY_THRESHOLD)
    out = confine_comment_thread(blocks, scores, out, STORY_THRESHOLD)
    out = drop_trailing_headlines(blocks, out, STORY_THRESHOLD)
    out = drop_inline_teasers(blocks, out, STORY_THRESHOLD)
    return [move_threshold(s, STORY_THRESHOLD, threshold) for s in out]


def move_threshold(score: float, old: float, new: float) -> float:
    """Piecewise-linear monotone map sending `old` to `new` (0 and 1 fixed)."""
    if score >= old:
        return new + (1 - new) * (score - old) / (1 - old)
    return new * score / old


@lru_cache(maxsize=4096)
def is_furniture_header(text: str) -> bool:
    """A short line of page furniture that opens another part of the page (cached: menus and
    footers repeat across a site's pages, as in features.text_features)."""
    return len(text.split()) <= HEADER_MAX_WORDS and (bool(_COUNT_HEADER.match(text)) or has_boiler_phrase(text))


def story_runs(blocks: list[Block], scores: list[float], centre: float = RUN_CENTRE) -> list[tuple[int, int]]:
    """(first, last) of the densest run of `len * (score - centre)` and of every further run of
    the rest of the page weighing at least `SECOND_RUN_SHARE` of it (at most `MAX_RUNS`). Runs do
    not cross furniture headers scoring under `BARRIER_SCORE`."""
    values = [min(len(block.text), RUN_LINE_CAP) * (score - centre) for block, score in zip(blocks, scores)]
    barriers = [i for i, (block, score) in enumerate(zip(blocks, scores))
                if score < BARRIER_SCORE and is_furniture_header(block.text)]
    pieces = [(lo, hi) for lo, hi in zip([0, *(b + 1 for b in barriers)], [*barriers, len(blocks)]) if hi > lo]
    found = [run for piece in pieces if (run := _heaviest_run(values, piece)) is not None]
    runs: list[tuple[int, int]] = []
    best = None
    while found and len(runs) < MAX_RUNS:
        weight, first, last, (lo, hi) = run = max(found)
        if best is None:
            best = weight
        elif weight < SECOND_RUN_SHARE * best:
            break
        runs.append((first, last))
        found.remove(run)  # the rest of its piece, on either side, may hold further runs
        found += [r for piece in ((lo, first), (last + 1, hi)) if (r := _heaviest_run(values, piece)) is not None]
    return runs


def _heaviest_run(values: list[float], piece: tuple[int, int]) -> tuple[float, int, int, tuple[int, int]] | None:
    """(weight, first, last, piece) of the max-sum run within values[lo:hi], None if none."""
    lo, hi = piece
    span = max_sum_run(values[lo:hi]) if hi > lo else None
    if span is None:
        return None
    return sum(values[lo + span[0]:lo + span[1] + 1]), lo + span[0], lo + span[1], piece


def confine_to_runs(blocks: list[Block], scores: list[float], threshold: float) -> list[float]:
    runs = story_runs(blocks, scores)
    if not runs:
        return list(scores)
    inside = [False] * len(scores)
    for first, last in runs:
        inside[first:last + 1] = [True] * (last + 1 - first)
    return [s if inside[i] else outside_story(s, threshold) for i, s in enumerate(scores)]


def outside_story(score: float, threshold: float) -> float:
    """A line outside the story stays story only with a clearly story-like score."""
    return score if score >= OUTSIDE_RUN_FLOOR else min(score, threshold - 0.01)


@lru_cache(maxsize=4096)
def is_thread_mark(text: str) -> bool:
    # the word count first: the pattern would scan every long paragraph
    return len(text) < 200 and len(text.split()) <= HEADER_MAX_WORDS and _THREAD_MARK.search(text) is not None


def comment_thread_start(blocks: list[Block], scores: list[float]) -> int | None:
    """Index of the first reply mark of a comment thread that follows an article's own text,
    None when the page has no such thread."""
    marks = [i for i, block in enumerate(blocks) if is_thread_mark(block.text)]
    if len(marks) < THREAD_MARKS:
        return None
    start = marks[0]
    story_before = sum(len(b.text) for b, s in zip(blocks[:start], scores[:start]) if s >= LIKELY_STORY)
    return start if story_before >= THREAD_STORY_BEFORE else None


def confine_comment_thread(blocks: list[Block], scores: list[float], revised: list[float],
                           threshold: float) -> list[float]:
    """`revised` with the lines of an article's comment thread (found from the model's
    `scores`) kept only at `OUTSIDE_RUN_FLOOR`."""
    start = comment_thread_start(blocks, scores)
    if start is None:
        return revised
    return revised[:start] + [outside_story(s, threshold) for s in revised[start:]]


def headline_like(text: str, min_words: int = 3) -> bool:
    """Headline shape: a few words, no closing punctuation."""
    words = text.split()
    return min_words <= len(words) <= HEADLINE_MAX_WORDS and text.rstrip()[-1:] not in _SENTENCE_END


def drop_trailing_headlines(blocks: list[Block], scores: list[float], threshold: float) -> list[float]:
    out = list(scores)
    last = max((i for i, s in enumerate(out) if s >= threshold), default=None)
    while last is not None and headline_like(blocks[last].text) and out[last] < STRONG:
        out[last] = threshold - 0.01
        last = max((i for i in range(last) if out[i] >= threshold), default=None)
    return out


def _full_sentence(text: str) -> bool:
    return len(text.split()) >= SENTENCE_WORDS and text.rstrip()[-1:] in _SENTENCE_END


def is_inline_teaser_shape(prev: str, line: str, nxt: str) -> bool:
    """A capitalised headline-length line after a full sentence and before a capitalised
    paragraph (so not a wrapped continuation line, a list, or code)."""
    return (headline_like(line, TEASER_MIN_WORDS) and line[:1].isupper() and _full_sentence(prev)
            and len(nxt.split()) >= SENTENCE_WORDS and nxt[:1].isupper())


def drop_inline_teasers(blocks: list[Block], scores: list[float], threshold: float) -> list[float]:
    out = list(scores)
    vocab = story_vocabulary(blocks, out, threshold)
    for i in range(1, len(blocks) - 1):
        if not (out[i - 1] >= threshold and out[i] >= threshold and out[i + 1] >= threshold):
            continue
        if is_inline_teaser_shape(blocks[i - 1].text, blocks[i].text, blocks[i + 1].text) \
                and coherence(blocks[i].text, vocab) < TEASER_COHERENCE:
            out[i] = threshold - 0.01
    return out


def _content_words(text: str) -> set[str]:
    stop = stopwords()
    return {t for t in words_of(text) if t not in stop and len(t) > 3}


def story_vocabulary(blocks: list[Block], scores: list[float], threshold: float) -> dict[str, int]:
    """Content word -> number of long story lines using it."""
    vocab: dict[str, int] = {}
    for block, score in zip(blocks, scores):
        if score >= threshold and len(block.text) > PARAGRAPH_CHARS:
            for t in _content_words(block.text):
                vocab[t] = vocab.get(t, 0) + 1
    return vocab


def coherence(text: str, vocab: dict[str, int]) -> float:
    """Share of the line's content words used by at least two long story lines."""
    words = _content_words(text)
    if not words:
        return 0.0
    return sum(vocab.get(t, 0) >= 2 for t in words) / len(words)
