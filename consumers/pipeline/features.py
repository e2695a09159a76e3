"""Numeric features of blocks for the story/boilerplate model.

Two families:
- `local_features`: one block alone (length, words, stopword density, punctuation and sentence
  shape, link density, kind, DOM hints, generic boilerplate phrases). DOM-derived entries are 0
  for plain-text blocks, so one function serves both inputs.
- `context_features`: the block among its neighbours and the page, given first-pass scores
  (neighbour scores, densest story region in reading order, enclosing DOM region, coherence of
  its vocabulary with the story, position after the story's end).

Stopwords: jusText stoplists for 17 languages (stopwords.json), plus common function characters
for Chinese/Japanese where words are not space-separated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import math
import operator
import re
import struct
from functools import lru_cache
from itertools import chain, count
from pathlib import Path

import numpy as np

import orjson

from .model import Block, BlockKind

try:
    from ._textfeatures import count_members as _compiled_count_members, text_record as _compiled_text_record
except ImportError:  # installed without a C compiler: _text_record_python and _count_members_python below
    _compiled_text_record = _compiled_count_members = None

COMPILED_TEXT_FEATURES = _compiled_text_record is not None

# _textfeatures.c keeps its own copies of the classes in _WORD, _CJK, _SENTENCE_END, _CAPITALS, _CJK_FUNCTION,
# _END_PUNCT and the separators: tests/unit/test_textfeatures.py compares both on every BMP code point.
_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
# Capitalised words: whitespace-separated words opening with [A-Z\u00c0-\u00de] (one set lookup
# per word; a regex scan for "(?:^|\s)[A-Z...]" tries every character and cost three times more).
_CAPITALS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "".join(map(chr, range(0xC0, 0xDF))))
_first_char = operator.itemgetter(0)
_ASCII_DIGITS = b"0123456789"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_SENTENCE_END = re.compile(r"[.!?\u3002\uff01\uff1f][\"'\u201d\u2019)\]]?(?:\s|$)")
# Function characters: Chinese, then Japanese hiragana particles and verb endings (prose is full
# of them, menus and labels are not).
_CJK_FUNCTION = frozenset("的了是在和有我他这个们中也不就人都一上为到说要会以对与及之而被把从你她它很没还但其所等于可过将"
                          "のにはをがでともたてしなかれるいす")
_END_PUNCT = frozenset(".!?:;\"'\u201d\u2019)\u3002\uff01\uff1f\u300d")
# Generic web-furniture vocabulary (any site): comment forms, share prompts, teaser headers,
# legal lines, cookie banners, sign-up prompts, navigation words. Multilingual where common.
_BOILER_ALTERNATIVES = (
    r"leave a (?:reply|comment)|post a comment|add a comment|comments? (?:are )?closed|comment policy|"
    r"your email address will not be published|required fields are marked|"
    r"share (?:this|on|via)|follow us|like us on|on (?:facebook|twitter|instagram)\b|"
    r"you (?:may|might) (?:also )?like|related (?:articles|posts|stories)|read (?:more|next)|more from|"
    r"recommended for you|most popular|trending now|sponsored|advertisement|"
    r"all rights reserved|copyright|\u00a9|terms of (?:use|service)|privacy policy|cookie|"
    r"subscribe|newsletter|sign up|log ?in\b|sign in\b|create an account|"
    r"skip to (?:main )?content|back to top|click here|load more|show more|"
    r"alle rechte vorbehalten|impressum|datenschutz|kommentar|teilen|"
    r"mehr zum thema|auch interessant|das k\u00f6nnte (?:sie|dich) (?:auch )?interessieren|"
    r"lesen sie (?:auch|mehr)|weitere (?:artikel|beitr\u00e4ge|themen|news|meldungen)|meistgelesen|meist gelesen|"
    r"neueste (?:artikel|beitr\u00e4ge)|\u00e4hnliche (?:artikel|beitr\u00e4ge|themen)|"
    r"verwandte (?:artikel|beitr\u00e4ge|themen)|empfehlungen (?:der|aus der) redaktion|"
    r"zur startseite|newsletter abonnieren|jetzt (?:abonnieren|anmelden|registrieren)|"
    r"todos los derechos|comentarios|compartir|tous droits|commentaires|partager|"
    r"art\u00edculos relacionados|noticias relacionadas|te puede interesar|le puede interesar|lo m\u00e1s le\u00eddo|"
    r"m\u00e1s noticias|lire aussi|sur le m\u00eame sujet|les plus lus|articles similaires|"
    r"leia (?:tamb\u00e9m|mais)|veja tamb\u00e9m|mais lidas|not\u00edcias relacionadas|"
    r"leggi anche|articoli correlati|i pi\u00f9 letti|lees ook|gerelateerde artikelen|"
    r"wszelkie prawa|komentarz|udost\u0119pnij|czytaj (?:te\u017c|tak\u017ce|wi\u0119cej)|"
    r"zobacz (?:te\u017c|tak\u017ce)|"
    r"przeczytaj (?:te\u017c|tak\u017ce|r\u00f3wnie\u017c)|najcz\u0119\u015bciej czytane|"
    # affiliate and commission disclosures
    r"affiliate links?|(?:earn|receive)s? (?:a )?(?:small )?commission|at no (?:extra|additional) cost to you|"
    r"as an amazon associate|(?:erh\u00e4lt|erhalten)\b.{0,40}?\bprovision|liens? affili|enlaces? de afiliad|"
    r"partnerlinks?|"
    # photo credits and caption sources
    r"getty images|picture.alliance|shutterstock|istock\b|unsplash|"
    r"\((?:foto|photo|bild|image|credit|quelle|cr\u00e9dito|fuente|fot)\b"
)
# Furniture labels that open a line: inline "read also" links and photo credits.
_BOILER_OPENINGS = (
    r"(?:also read|read also|see also|related|puedes ver|mira|ver tambi\u00e9n)\s*:|"
    r"(?:lea|lee) (?:tambi\u00e9n|m\u00e1s)|"
    r"schon gelesen|siehe auch|voir aussi|(?:foto|photo|bild|image|credit|quelle|cr\u00e9dito|fuente|fot)s?\s*:"
)


def _top_level_alternatives(pattern: str) -> list[str]:
    """Split a regex on its top-level "|" (not inside groups, character classes or escapes)."""
    parts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "]":  # "[]...]": a leading "]" is literal
                i += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def factor_by_first_letter(pattern: str) -> str:
    """The same alternation regrouped by first letter ("c(?:ookie|opyright)|..."): it matches
    exactly the same strings, but Python's re then tries at each position only the alternatives
    that can start there instead of all of them (about twice as fast here). For yes/no tests:
    which alternative a match reports may differ."""
    groups: dict[str, list[str]] = {}
    for alternative in _top_level_alternatives(pattern):
        head = alternative[:1]
        if head.isalpha() and len(alternative) > 1 and alternative[1] not in "?*+{":
            groups.setdefault(head, []).append(alternative[1:])
        else:
            groups.setdefault("", []).append(alternative)
    return "|".join([f"{head}(?:{'|'.join(rests)})" for head, rests in groups.items() if head]
                    + groups.get("", []))


_BOILER_PHRASES = re.compile(factor_by_first_letter(_BOILER_ALTERNATIVES))
_BOILER_OPENING = re.compile(_BOILER_OPENINGS)


def has_boiler_phrase(text: str) -> bool:
    """Generic page-furniture phrase present (comment form, share prompt, legal line...)."""
    return _boiler_in_lowered(text.lower())


def _boiler_in_lowered(lowered: str) -> bool:
    """`has_boiler_phrase` of the text whose lower() is `lowered`."""
    return _BOILER_PHRASES.search(lowered) is not None or _BOILER_OPENING.match(lowered) is not None


_DATE_LIKE = re.compile(r"\b(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|"
                        r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4})\b", re.I)

HINT_GROUPS = ("nav", "footer", "header", "sidebar", "comment", "share", "related", "ad", "cookie",
               "subscribe", "meta", "hidden", "content")
_KINDS = (BlockKind.HEADING, BlockKind.LIST_ITEM, BlockKind.TABLE_CELL, BlockKind.QUOTE,
          BlockKind.CAPTION, BlockKind.PREFORMATTED)

LOCAL_NAMES = (
    "bias", "log_chars", "log_words", "stop_density", "stop_count_log", "link_density", "ends_punct",
    "sentences_log", "comma_rate", "title_case", "digit_share", "avg_word_len", "cjk_share",
    "ellipsis_end", "boiler_phrase", "date_like", "pipe_sep", "short_lt4", "long_gt40",
    "has_dom", "boiler_container", "in_main", "depth", "title_overlap", "is_title",
    *[f"kind_{k.value}" for k in _KINDS], "heading_level",
    *[f"hint_{g}" for g in HINT_GROUPS],
    "link_x_short", "stop_x_long",
)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    data = orjson.loads((Path(__file__).with_name("stopwords.json")).read_bytes())
    return frozenset(data["words"])


@lru_cache(maxsize=4096)
def words_of(text: str) -> list[str]:
    """Lower-cased word tokens (cached: every stage reads them; callers must not mutate)."""
    return _WORD.findall(text.lower())


_KIND_VECTORS = {kind: tuple(float(kind is k) for k in _KINDS) for kind in BlockKind}


@lru_cache(maxsize=4096)
def hint_vector(hints: frozenset[str]) -> tuple[float, ...]:
    """One-hot hint groups (blocks of a page share a few hint sets: cached)."""
    return tuple(float(g in hints) for g in HINT_GROUPS)


def local_features(block: Block, title_words: frozenset[str]) -> list[float]:
    text = block.text
    chars = len(text)
    head, tail, link_short, stop_x_long = text_features(text)
    link_density = block.link_chars / chars if chars else 0.0
    overlap, is_title = title_overlap(text, title_words) if title_words else (0.0, 0.0)
    before_title, after_title = structure_features(bool(block.dom_path), block.boilerplate_hint, block.in_main,
                                                   len(block.containers), block.kind, block.heading_level,
                                                   block.hints)
    return [
        1.0,
        *head,
        link_density,
        *tail,
        *before_title,
        overlap,
        is_title,
        *after_title,
        link_density * link_short,
        stop_x_long,
    ]


_first, _second = operator.itemgetter(0), operator.itemgetter(1)
_TAIL_START = LOCAL_NAMES.index("ends_punct")
_STRUCTURE_START = LOCAL_NAMES.index("has_dom")
_TITLE_START = LOCAL_NAMES.index("title_overlap")
_AFTER_TITLE = LOCAL_NAMES.index("is_title") + 1


def text_records(blocks: list[Block]) -> list[tuple]:
    """`text_record` of every block's text."""
    return [text_record(b.text) for b in blocks]


def local_matrix(blocks: list[Block], title_words: frozenset[str], records: list[tuple] | None = None) -> np.ndarray:
    """`local_features` of every block as the rows of a float64 matrix (the same values), filled
    by groups of columns: the cached per-text and per-shape tuples are copied in by numpy, and
    link density and its product are the same IEEE division and multiplication done column-wise.
    Building a Python list per block cost as much as computing its features. `records` are the
    blocks' `text_records` when the caller has them."""
    n = len(blocks)
    texts = [b.text for b in blocks]
    per_text = text_records(blocks) if records is None else records
    text = np.frombuffer(b"".join(map(_first, per_text)), np.float64).reshape(n, _TEXT_ROW.size // 8)
    out = np.empty((n, len(LOCAL_NAMES)))
    out[:, 0] = 1.0
    out[:, 1:_LINK_SLOT] = text[:, :4]
    out[:, _TAIL_START:_STRUCTURE_START] = text[:, 4:17]
    chars = np.fromiter(map(len, texts), np.float64, n)
    links = np.fromiter([b.link_chars for b in blocks], np.float64, n)
    link_density = np.divide(links, chars, out=np.zeros(n), where=chars > 0)
    out[:, _LINK_SLOT] = link_density
    structure = rows_matrix([_structure_row(b.dom_path != "", b.boilerplate_hint, b.in_main, len(b.containers), b.kind,
                                            b.heading_level, b.hints) for b in blocks])
    out[:, _STRUCTURE_START:_TITLE_START] = structure[:, :_TITLE_START - _STRUCTURE_START]
    out[:, _AFTER_TITLE:-2] = structure[:, _TITLE_START - _STRUCTURE_START:]
    if title_words:
        # _title_overlap_of for every block: the counts exact, int / int the same division
        tokens = list(map(_second, per_text))
        sizes = np.fromiter(map(len, tokens), np.float64, n)
        overlap = np.divide(np.array(count_members(tokens, title_words), dtype=np.float64), sizes,
                            out=np.zeros(n), where=sizes > 0)
        out[:, _TITLE_START] = overlap
        words = len(title_words)
        out[:, _TITLE_START + 1] = (overlap > 0.8) & (sizes <= words + 3) & (sizes >= 0.6 * words)
    else:
        out[:, _TITLE_START:_AFTER_TITLE] = 0.0
    out[:, -2] = link_density * text[:, 17]
    out[:, -1] = text[:, 18]
    return out


def count_members(lists: list[list[str]], words: frozenset[str]) -> list[int]:
    """How many items of each list are in `words` (in C when `_textfeatures` is built)."""
    if _compiled_count_members is None:
        return _count_members_python(lists, words)
    return _compiled_count_members(lists, words)


def _count_members_python(lists: list[list[str]], words: frozenset[str]) -> list[int]:
    return [sum(map(words.__contains__, items)) for items in lists]


@lru_cache(maxsize=4096)
def _structure_row(has_dom: bool, boilerplate_hint: bool, in_main: bool, depth: int, kind: BlockKind,
                   heading_level: int, hints: frozenset[str]) -> tuple[float, ...]:
    """`structure_features` as one tuple (before and after the title columns)."""
    before, after = structure_features(has_dom, boilerplate_hint, in_main, depth, kind, heading_level, hints)
    return before + after


@lru_cache(maxsize=4096)
def title_overlap(text: str, title_words: frozenset[str]) -> tuple[float, float]:
    """Share of the text's words in the title, and whether the text is the title (cached:
    menus and repeated lines of a page meet the same title)."""
    return _title_overlap_of(words_of(text), title_words)


def _title_overlap_of(tokens: list[str], title_words: frozenset[str]) -> tuple[float, float]:
    """`title_overlap` of the text whose words_of() are `tokens`."""
    overlap = (sum(map(title_words.__contains__, tokens)) / len(tokens)) if tokens else 0.0
    is_title = float(overlap > 0.8 and len(tokens) <= len(title_words) + 3
                     and len(tokens) >= 0.6 * len(title_words))
    return overlap, is_title


@lru_cache(maxsize=4096)
def structure_features(has_dom: bool, boilerplate_hint: bool, in_main: bool, depth: int, kind: BlockKind,
                       heading_level: int, hints: frozenset[str]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The DOM-derived features before and after the title overlap (cached: a page's blocks
    share a few element shapes)."""
    return ((float(has_dom), float(boilerplate_hint), float(in_main), min(depth, 40) / 20.0),
            (*_KIND_VECTORS[kind], heading_level / 6.0, *hint_vector(hints)))


def text_features(text: str) -> tuple[tuple[float, ...], tuple[float, ...], float, float]:
    """The features of a block's text alone: (the four before link_density, the thirteen after
    it, the short-text flag link_x_short multiplies, stop_x_long), read from `text_record`."""
    values = _TEXT_ROW.unpack(text_record(text)[0])
    return values[:4], values[4:17], values[17], values[18]


# text_features as one row of 19 native doubles (numpy's float64): local_matrix joins a page's rows
# into its matrix (building 19 Python floats per text and reading them back cost more)
_TEXT_ROW = struct.Struct("19d")


@lru_cache(maxsize=4096)
def text_record(text: str) -> tuple[bytes, list[str], frozenset[str]]:
    """What the classifier reads of a block's text alone: its `text_features` packed as one
    `_TEXT_ROW`, its `words_of` (callers must not mutate the list) and its `content_words`.
    Cached: menus, footers and duplicated navigation repeat texts within a page and across a
    site's pages. Computed in C when `_textfeatures` is built (COMPILED_TEXT_FEATURES: one call
    tokenises and counts), else by `_text_record_python`: the same values, float for float."""
    if _compiled_text_record is None:
        return _text_record_python(text)
    return _compiled_text_record(text, text.lower(), stopwords(), _boiler_in_lowered, _date_like)


def _text_record_python(text: str) -> tuple[bytes, list[str], frozenset[str]]:
    """`text_record` in Python: the fallback without a C compiler and the reference the C
    version (_textfeatures.c) is tested against."""
    head, tail, link_short, stop_x_long = _text_features_python(text)
    return _TEXT_ROW.pack(*head, *tail, link_short, stop_x_long), words_of(text), content_words(text)


_date_like = _DATE_LIKE.search


def _text_features_python(text: str) -> tuple[tuple[float, ...], tuple[float, ...], float, float]:
    """`text_features` in Python (the head of `_text_record_python`). Conditional expressions
    stand for min() and float(bool) (the same values, without a builtin call each: this runs
    for every new block text)."""
    chars = len(text)
    tokens = words_of(text)
    n_tokens = len(tokens)
    if text.isascii():
        # ASCII text has no CJK, no non-ASCII separators, and \d is only 0-9 in it: deleting the
        # digits in C is cheaper than listing regex matches
        cjk_share = 0.0
        n_words = float(n_tokens) or 1.0
        stops = sum(map(stopwords().__contains__, tokens))
        sentences = len(_SENTENCE_END.findall(text))
        digits = chars - len(text.encode("ascii").translate(None, _ASCII_DIGITS))
        separators = text.count("|")
    else:
        cjk = len(_CJK.findall(text))
        cjk_share = cjk / chars
        if cjk_share > 0.3:
            n_words = max(1.0, cjk / 1.7 + n_tokens)
            stops = sum(map(_CJK_FUNCTION.__contains__, text))
            sentences = len(_SENTENCE_END.findall(text)) + text.count("\u3002")
        else:
            n_words = float(n_tokens) or 1.0
            stops = sum(map(stopwords().__contains__, tokens))
            sentences = len(_SENTENCE_END.findall(text))
        digits = len(_DIGIT.findall(text))
        separators = text.count("|") + text.count("\u00b7") + text.count("\u2022")
    stop_density = stops / n_words
    stop_density = stop_density if stop_density < 1.0 else 1.0
    raw_words = text.split()
    capitalised = sum(map(_CAPITALS.__contains__, map(_first_char, raw_words)))
    short = n_words < 4
    comma_rate = text.count(",") / n_words * 5
    word_len = (len("".join(tokens)) / n_tokens) / 6.0 if tokens else 0.0
    head = (
        math.log1p(chars) / 7.0,
        math.log1p(n_words) / 5.0,
        stop_density,
        math.log1p(stops) / 4.0,
    )
    tail = (
        1.0 if text.rstrip()[-1:] in _END_PUNCT else 0.0,
        math.log1p(sentences) / 3.0,
        comma_rate if comma_rate < 1.0 else 1.0,
        capitalised / len(raw_words) if raw_words else 0.0,
        digits / chars if chars else 0.0,
        word_len if word_len < 2.0 else 2.0,
        cjk_share,
        1.0 if text.endswith(("\u2026", "...", "[\u2026]")) else 0.0,
        1.0 if chars < 400 and has_boiler_phrase(text) else 0.0,
        1.0 if chars < 120 and digits and _DATE_LIKE.search(text) is not None else 0.0,  # dates need digits
        1.0 if separators >= 2 else 0.0,
        1.0 if short else 0.0,
        1.0 if n_words > 40 else 0.0,
    )
    return head, tail, 1.0 if short or n_words < 10 else 0.0, stop_density if n_words >= 15 else 0.0


CONTEXT_NAMES = (
    "p1", "p1_logit", "prev_p1", "next_p1", "prev2_p1", "next2_p1", "window_mean", "in_text_region",
    "in_dom_region", "dom_region_share", "coherence", "after_story_end", "before_story_start",
    "between_story", "rel_position", "same_container_mean", "prev_is_heading_next_story",
    "extra_negative_hints", "lacks_story_content_hint", "comment_outside_story", "outside_dom_region",
    "after_dom_region", "before_dom_region", "blocks_since_story", "blocks_until_story",
    "under_story_parent", "story_parent_share", "outside_concentrated_story", "after_region_x_len",
    "outside_region_x_stop", "after_region_x_heading", "since_story_x_short", "comment_after_story",
)
_NEGATIVE_HINTS = frozenset(HINT_GROUPS) - {"content", "meta"}
_HEADING_SLOT = LOCAL_NAMES.index("kind_heading")


def context_features(blocks: list[Block], p1: list[float], locals_: list[list[float]]) -> list[list[float]]:
    """`context_matrix` as rows of Python floats (`locals_` rows start with the local features)."""
    if not blocks:
        return []
    return context_matrix(blocks, p1, rows_matrix(locals_)).tolist()


def context_matrix(blocks: list[Block], p1: list[float], local: np.ndarray,
                   content: list[frozenset[str]] | None = None) -> np.ndarray:
    """The CONTEXT_NAMES columns for every block, built column by column (`local`'s leading
    columns are the LOCAL_NAMES features; `content` the blocks' content_words when the caller
    has them). Column-wise numpy does only copies, comparisons, sums in the order the Python
    reference functions add (np.bincount and np.add.accumulate add one term at a time, in
    order) and the same elementwise IEEE arithmetic a per-row Python loop did: the values are
    identical. The logarithms stay Python's (math.log, math.log1p)."""
    n = len(blocks)
    hints = list(map(_hints_of, blocks))
    layout = _Layout(list(map(_containers_of, blocks)))
    p = np.array(p1, dtype=np.float64)
    length = np.fromiter(map(len, map(_text_of, blocks)), np.int64, n)
    capped = np.minimum(length, 1000)
    gain = capped * (2 * p - 1)  # min(li, 1000) * (2 * pi - 1)
    text_lo, text_hi = max_sum_run(gain.tolist()) or (0, -1)  # densest_run
    dom_region, dom_share = layout.densest_container(p, capped, gain)
    strong = np.flatnonzero((p > 0.7) & (length > 80))
    first_story = int(strong[0]) if len(strong) else 0
    last_story = int(strong[-1]) if len(strong) else n - 1
    # a page has a few hint sets: what depends on the hints only is worked out once per set
    hint_sets = list(dict.fromkeys(hints))
    hint_set = np.fromiter(map(dict(zip(hint_sets, count())).__getitem__, hints), np.intp, n)
    story = p >= 0.5
    hint_context = _hint_context(_story_hints_of(hint_sets, np.bincount(
        hint_set[story], weights=length[story], minlength=len(hint_sets))))
    by_hints = np.array([(*hint_context(h), "comment" in h) for h in hint_sets], dtype=np.float64)[hint_set]
    has_dom = bool(blocks[0].dom_path) or any(b.dom_path for b in blocks[:3])
    inside = layout.holding(dom_region) if dom_region else np.zeros(n, dtype=bool)
    region_idx = np.flatnonzero(inside)
    region_lo, region_hi = (region_idx[0], region_idx[-1]) if len(region_idx) else (0, n - 1)
    since, until = _distance_columns(strong, n)
    parent_el, parent_share = layout.story_parent(p, length)
    index = np.arange(n)
    padded = np.zeros(n + 4)  # p1[i + k] is padded[i + 2 + k], 0.0 past the edges
    padded[2:n + 2] = p
    nxt = padded[3:n + 3]
    inside_dom = inside.astype(np.float64)
    outside = 1.0 - inside_dom if has_dom and dom_region else np.zeros(n)
    after = (index > region_hi) if len(region_idx) else np.zeros(n, dtype=bool)
    # parent_el in containers and containers[-1] != parent_el
    under = (layout.holding(parent_el) & ~layout.ends_with(parent_el) if parent_el
             else np.zeros(n, dtype=bool)).astype(np.float64)
    # kind_heading is 1.0 exactly for headings
    heading_or_short = (local[:, _HEADING_SLOT] > 0) | (local[:, _SHORT_SLOT] > 0)
    out = np.empty((n, len(CONTEXT_NAMES)))
    out[:, 0] = p
    # p1_logit: math.log(q / (1 - q)) / 5.0 with q = min(max(pi, 1e-4), 1 - 1e-4)
    clipped = np.minimum(np.maximum(p, 1e-4), 1 - 1e-4)
    out[:, 1] = np.fromiter(map(math.log, (clipped / (1 - clipped)).tolist()), np.float64, n) / 5.0
    out[:, 2], out[:, 3], out[:, 4], out[:, 5] = padded[1:n + 1], nxt, padded[0:n], padded[4:n + 4]
    out[:, 6] = _window_mean(out[:, 0])
    out[:, 7] = (index >= text_lo) & (index <= text_hi)
    out[:, 8] = inside_dom
    out[:, 9] = dom_share * inside_dom
    out[:, 10] = story_coherence(blocks, p1, content)
    out[:, 11], out[:, 12] = index > last_story, index < first_story
    out[:, 13] = (first_story < index) & (index < last_story)
    out[:, 14] = index / max(1, n - 1)
    out[:, 15] = layout.container_means(p, length)
    out[:, 16] = heading_or_short * nxt
    out[:, 17:20] = by_hints[:, :3]
    out[:, 20], out[:, 21] = outside, after
    out[:, 22] = (index < region_lo) if len(region_idx) else 0.0
    out[:, 23], out[:, 24] = since, until
    out[:, 25], out[:, 26] = under, parent_share
    out[:, 27] = (1.0 - under) * parent_share * float(has_dom)
    out[:, 28] = after * local[:, 1]
    out[:, 29] = outside * local[:, 3]
    out[:, 30] = after * local[:, _HEADING_SLOT]
    out[:, 31] = since * local[:, _SHORT_SLOT]
    # comment_after_story: likely-story text without a comment hint before each block (saturating
    # at 1,000 characters; a comment section after an article, unlike the posts of a forum thread
    # that are the story, follows story text not itself marked as comments), for comment-marked
    # blocks. The held lengths are integers: their sums are exact.
    uncommented = np.where(story & (by_hints[:, 3] == 0), length, 0)
    out[:, 32] = np.minimum(1.0, (uncommented.cumsum() - uncommented) / 1000.0) * by_hints[:, 3]
    return out


class _Layout:
    """The blocks' enclosing elements (`containers`) flattened once per page, for the DOM columns
    of `context_matrix`: the same elements, sums and ties as `densest_container`, `story_parent`
    and `_container_means` over the tuples in Python (the references, tests compare them). Sums
    run in the reference's order: np.bincount and np.add.accumulate add term by term."""

    __slots__ = ("n", "flat", "owner", "inner", "last", "parent", "deep")

    def __init__(self, containers: list[tuple[int, ...]]) -> None:
        self.n = n = len(containers)
        depth = np.fromiter(map(len, containers), np.intp, n)
        self.flat = np.fromiter(chain.from_iterable(containers), np.int64, int(depth.sum()))
        self.owner = np.repeat(np.arange(n), depth)  # the block of each flat entry
        ends = np.cumsum(depth)
        position = np.arange(len(self.flat)) - (ends - depth)[self.owner]
        self.inner = position > 0  # containers[1:]
        self.last = position == depth[self.owner] - 1  # containers[-1]
        self.deep = depth > 1
        self.parent = np.full(n, -1, dtype=np.int64)  # containers[-2], -1 without one
        self.parent[self.deep] = self.flat[ends[self.deep] - 2]

    def holding(self, element: int) -> np.ndarray:
        """Per block: `element in containers`."""
        out = np.zeros(self.n, dtype=bool)
        out[self.owner[self.flat == element]] = True
        return out

    def ends_with(self, element: int) -> np.ndarray:
        """Per block: containers[-1] == element."""
        out = np.zeros(self.n, dtype=bool)
        out[self.owner[(self.flat == element) & self.last]] = True
        return out

    def densest_container(self, p: np.ndarray, capped: np.ndarray, gain: np.ndarray) -> tuple[int, float]:
        """`densest_container` (`capped`: min(len, 1000) per block, `gain`: capped * (2p - 1))."""
        keys = self.flat[self.inner]
        if not len(keys):
            return 0, 0.0
        gains = _sums_by_key(keys, gain[self.owner[self.inner]])
        best, gain = _first_max(*gains)
        if gain <= 0:
            return 0, 0.0
        weighted = capped * p
        story_total = float(np.add.accumulate(weighted)[-1])
        held = float(np.add.accumulate(weighted[self.holding(best)])[-1])
        return best, held / story_total if story_total else 0.0

    def story_parent(self, p: np.ndarray, length: np.ndarray) -> tuple[int, float]:
        """`story_parent` (its sums are of integers: exact in any order)."""
        counted = (p >= 0.5) & self.deep
        if not counted.any():
            return 0, 0.0
        best, held = _first_max(*_sums_by_key(self.parent[counted], length[counted]))
        return best, held / float(length[counted].sum())

    def container_means(self, p: np.ndarray, length: np.ndarray) -> np.ndarray:
        """`_container_means`."""
        keys, index = np.unique(self.parent, return_inverse=True)
        weighted = np.bincount(index, weights=p * length, minlength=len(keys))[index]
        total = np.bincount(index, weights=length, minlength=len(keys))[index]
        return np.divide(weighted, total, out=p.copy(), where=total != 0)


def _sums_by_key(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct keys, the index of each one's first occurrence, and the sum of its values
    added in order from 0.0 (as `sums[k] = sums.get(k, 0.0) + v` over the pairs)."""
    distinct, first, index = np.unique(keys, return_index=True, return_inverse=True)
    return distinct, first, np.bincount(index, weights=values, minlength=len(distinct))


def _first_max(distinct: np.ndarray, first: np.ndarray, sums: np.ndarray) -> tuple[int, float]:
    """The key with the largest sum, the one met first among equals (max() over a dict filled
    in that order), and its sum."""
    tied = np.flatnonzero(sums == sums.max())
    best = tied[np.argmin(first[tied])]
    return int(distinct[best]), float(sums[best])


_LOG_STEPS: list[float] = [0.0]  # min(1.0, math.log1p(k) / 4.0) for k = 0, 1, ...


def _distance_columns(strong: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """`_distance_to_strong` as two columns: the same math.log1p values, looked up by distance."""
    while len(_LOG_STEPS) <= n:
        _LOG_STEPS.append(min(1.0, math.log1p(len(_LOG_STEPS)) / 4.0))
    steps = np.array(_LOG_STEPS[:n + 1])
    since, until = np.ones(n), np.ones(n)
    if len(strong):
        index = np.arange(n)
        # the last strong block before i (i itself excluded) and the first after i
        before = np.searchsorted(strong, index, side="left") - 1
        has = before >= 0
        since[has] = steps[index[has] - strong[before[has]]]
        after = np.searchsorted(strong, index, side="right")
        has = after < len(strong)
        until[has] = steps[strong[after[has]] - index[has]]
    return since, until


def _story_hints_of(hint_sets: list[frozenset[str]], story_lengths: np.ndarray) -> frozenset[str]:
    """`_story_hints` from the page's distinct hint sets and the length of likely-story text
    under each (sums of integers: exact in any order)."""
    total = float(story_lengths.sum())
    if not total:
        return frozenset()
    counts: dict[str, float] = {}
    for hints, held in zip(hint_sets, story_lengths.tolist()):
        for h in hints:
            counts[h] = counts.get(h, 0.0) + held
    return frozenset(h for h, c in counts.items() if c >= 0.5 * total)


_hints_of, _containers_of, _text_of = (operator.attrgetter(a) for a in ("hints", "containers", "text"))


def _hint_context(story_hints: frozenset[str]):
    """Per hint set (shared by many blocks of a page, so memoised): extra negative hints beyond
    the story's, lacking the story's content hint, a comment hint the story does not have."""
    memo: dict[frozenset[str], tuple[float, float, float]] = {}
    story_content = "content" in story_hints
    story_comment = "comment" in story_hints

    def of(hints: frozenset[str]) -> tuple[float, float, float]:
        found = memo.get(hints)
        if found is None:
            found = memo[hints] = (min(2, len((hints - story_hints) & _NEGATIVE_HINTS)) / 2.0,
                                   float(story_content and "content" not in hints),
                                   float("comment" in hints and not story_comment))
        return found
    return of


def max_sum_run(values: Iterable[float]) -> tuple[int, int] | None:
    """(first, last) index of the contiguous run with the largest positive sum (Kadane), or
    None when no value is positive."""
    best, span = 0.0, None
    total, start = 0.0, 0
    for i, value in enumerate(values):
        if total <= 0:
            total, start = value, i
        else:
            total += value
        if total > best:
            best, span = total, (start, i)
    return span


def densest_run(p: list[float], lengths: list[int]) -> tuple[int, int]:
    """The contiguous run of blocks maximising sum(len * (2p - 1)): the story region in
    reading order; (0, -1) when there is none."""
    return max_sum_run(min(li, 1000) * (2 * pi - 1) for pi, li in zip(p, lengths)) or (0, -1)


def densest_container(blocks: list[Block], p: list[float], lengths: list[int]) -> tuple[int, float]:
    """The enclosing DOM element whose blocks maximise sum(len * (2p - 1)), and the share of all
    story-weighted text it holds. (0, 0.0) without a DOM."""
    gains: dict[int, float] = {}
    get = gains.get
    story_total = 0.0
    for b, pi, li in zip(blocks, p, lengths):
        capped = min(li, 1000)
        gain = capped * (2 * pi - 1)
        story_total += capped * pi
        for c in b.containers[1:]:
            gains[c] = get(c, 0.0) + gain
    if not gains:
        return 0, 0.0
    best = max(gains, key=gains.__getitem__)
    if gains[best] <= 0:
        return 0, 0.0
    held = sum(min(li, 1000) * pi for b, pi, li in zip(blocks, p, lengths) if best in b.containers)
    return best, held / story_total if story_total else 0.0


def story_coherence(blocks: list[Block], p: list[float], content: list[frozenset[str]] | None = None) -> list[float]:
    """Share of a block's content words that also occur in the likely story text (other blocks,
    weighted by first-pass score); teasers of other stories share little vocabulary. `content`:
    the blocks' content_words when the caller has them. Numbering the
    page's words and counting with numpy instead was slower (0.33 against 0.27 ms a page): the
    set operations here already run in C."""
    words = [content_words(b.text) for b in blocks] if content is None else content
    weight: dict[str, float] = {}
    get = weight.get
    for own, pi in zip(words, p):
        if pi >= 0.5:
            for t in own:
                weight[t] = get(t, 0.0) + pi
    out = []
    shared = {t for t, w in weight.items() if w > 0.5}  # the bar for blocks below 0.5
    weight_of = weight.__getitem__
    for own, pi in zip(words, p):
        if not own:
            out.append(0.0)
        elif pi < 0.5:
            out.append(len(own & shared) / len(own))
        else:
            # a block at 0.5 or more added its own words to `weight`: all are keys; counts
            # the words whose weight exceeds the bar (bar < w)
            out.append(sum(map((0.5 + pi).__lt__, map(weight_of, own))) / len(own))
    return out


@lru_cache(maxsize=4096)
def content_words(text: str) -> frozenset[str]:
    """Distinct non-stopword words longer than 3 characters."""
    stop = stopwords()
    return frozenset([t for t in words_of(text) if len(t) > 3 and t not in stop])


def story_parent(blocks: list[Block], p: list[float], lengths: list[int]) -> tuple[int, float]:
    """The parent element holding most likely-story text, and the share of it there."""
    held: dict[int, float] = {}
    total = 0.0
    for b, pi, li in zip(blocks, p, lengths):
        if pi >= 0.5 and len(b.containers) > 1:
            held[b.containers[-2]] = held.get(b.containers[-2], 0.0) + li
            total += li
    if not held:
        return 0, 0.0
    best = max(held, key=held.__getitem__)
    return best, held[best] / total


def _story_hints(blocks: list[Block], p: list[float], lengths: list[int]) -> frozenset[str]:
    """Hint groups shared by most of the likely story text (length-weighted)."""
    counts: dict[str, float] = {}
    total = 0.0
    for b, pi, li in zip(blocks, p, lengths):
        if pi >= 0.5:
            total += li
            for h in b.hints:
                counts[h] = counts.get(h, 0.0) + li
    return frozenset(h for h, c in counts.items() if c >= 0.5 * total) if total else frozenset()


def _container_means(blocks: list[Block], p: list[float], lengths: list[int]) -> list[float]:
    """Length-weighted mean first-pass score of the blocks sharing the block's parent element."""
    sums: dict[int, list[float]] = {}
    keys = [b.containers[-2] if len(b.containers) > 1 else -1 for b in blocks]
    for key, pi, li in zip(keys, p, lengths):
        acc = sums.setdefault(key, [0.0, 0.0])
        acc[0] += pi * li
        acc[1] += li
    return [acc[0] / acc[1] if acc[1] else pi for acc, pi in zip(map(sums.__getitem__, keys), p)]


_NEIGHBOUR_SLOTS = tuple(LOCAL_NAMES.index(n) for n in (
    "log_chars", "stop_density", "link_density", "ends_punct", "short_lt4", "boiler_phrase", "kind_heading"))
NEIGHBOUR_NAMES = tuple(f"{side}_{LOCAL_NAMES[s]}" for side in ("prev", "next") for s in _NEIGHBOUR_SLOTS) + (
    "repeated_text", "short_window", "link_window", "stop_vs_page", "caps_vs_page", "word_len_vs_page",
    "repeated_structure")
_SHORT_SLOT = LOCAL_NAMES.index("short_lt4")
_LINK_SLOT = LOCAL_NAMES.index("link_density")
_STOP_SLOT = LOCAL_NAMES.index("stop_density")
_CAPS_SLOT = LOCAL_NAMES.index("title_case")
_WORD_LEN_SLOT = LOCAL_NAMES.index("avg_word_len")
_WORDS_SLOT = LOCAL_NAMES.index("log_words")


def page_shape(blocks: list[Block], locals_: list[list[float]]) -> list[tuple[float, ...]]:
    """Per block: is its text repeated elsewhere on the page (menus, footers), the share of
    very short / linked blocks among its +-3 neighbours (runs of menu items), and its stopword
    density, capitalisation and word length relative to the page's longer blocks (languages
    differ in all three: German capitalises nouns and compounds words; the page is its own
    reference)."""
    counts: dict[str, int] = {}
    for b in blocks:
        counts[b.text] = counts.get(b.text, 0) + 1
    n = len(blocks)
    short = [row[_SHORT_SLOT] for row in locals_]
    links = [row[_LINK_SLOT] for row in locals_]
    ref_stop, ref_caps, ref_word = _page_reference(blocks, locals_)
    repeats = _repeated_structure(blocks)
    out = []
    for i, b in enumerate(blocks):
        lo, hi = max(0, i - 3), min(n, i + 4)
        width = max(1, hi - lo - 1)
        row = locals_[i]
        out.append((float(counts[b.text] > 1), (sum(short[lo:hi]) - short[i]) / width,
                    (sum(links[lo:hi]) - links[i]) / width,
                    row[_STOP_SLOT] - ref_stop, row[_CAPS_SLOT] - ref_caps, row[_WORD_LEN_SLOT] - ref_word,
                    repeats[i]))
    return out


def shape_matrix(blocks: list[Block], local: np.ndarray) -> np.ndarray:
    """`page_shape` as a float64 matrix from the local-feature matrix (the same values: the
    +-3 window sums add the same values in the same order, the zeros padding the page edges
    change no sum; the page reference is accumulated in the same Python loop)."""
    n = len(blocks)
    texts = [b.text for b in blocks]
    counts = Counter(texts)
    out = np.empty((n, 7))
    out[:, 0] = [counts[t] > 1 for t in texts]
    out[:, 1] = _window_mean(local[:, _SHORT_SLOT])
    out[:, 2] = _window_mean(local[:, _LINK_SLOT])
    ref_stop, ref_caps, ref_word = _page_reference_of_columns(
        texts, local[:, _WORDS_SLOT].tolist(), local[:, _STOP_SLOT].tolist(), local[:, _CAPS_SLOT].tolist(),
        local[:, _WORD_LEN_SLOT].tolist())
    out[:, 3] = local[:, _STOP_SLOT] - ref_stop
    out[:, 4] = local[:, _CAPS_SLOT] - ref_caps
    out[:, 5] = local[:, _WORD_LEN_SLOT] - ref_word
    out[:, 6] = _repeated_structure(blocks)
    return out


def _window_mean(column: np.ndarray) -> np.ndarray:
    """(sum(column[i - 3:i + 4]) - column[i]) / (neighbours in the window, at least 1) for every
    i: the mean of the +-3 neighbours, the same arithmetic as per index in Python."""
    index = np.arange(len(column))
    width = np.maximum(1, np.minimum(len(column), index + 4) - np.maximum(0, index - 3) - 1)
    return (_window_sum(column) - column) / width


def _window_sum(column: np.ndarray) -> np.ndarray:
    """sum(column[i - 3:i + 4]) for every i, added left to right as Python's sum does (the zero
    padding adds nothing: 0.0 + x and x + 0.0 are x)."""
    n = len(column)
    padded = np.zeros(n + 6)
    padded[3:n + 3] = column
    total = padded[0:n] + padded[1:n + 1]
    for k in range(2, 7):
        total += padded[k:n + k]
    return total


def _page_reference_of_columns(texts: list[str], words: list[float], stops: list[float], caps: list[float],
                               word_lens: list[float]) -> tuple[float, float, float]:
    """`_page_reference` over columns of the local features (the one place it is summed)."""
    total = stop = cap = word = 0.0
    for text, n_words, s, c, w in zip(texts, words, stops, caps, word_lens):
        if n_words >= _LONG_BLOCK:
            weight = min(len(text), 1000)
            total += weight
            stop += weight * s
            cap += weight * c
            word += weight * w
    if not total:
        return _DEFAULT_REFERENCE
    return stop / total, cap / total, word / total


def _repeated_structure(blocks: list[Block]) -> list[float]:
    """How many different parent elements hold blocks with the same tag path (log-scaled):
    a story's paragraphs share one parent, while teaser cards and listings repeat the same
    small structure under a parent each."""
    parents: dict[str, set[int]] = {}
    for b in blocks:
        if len(b.containers) > 1:
            parents.setdefault(b.dom_path, set()).add(b.containers[-2])
    scale = {path: min(1.0, math.log1p(len(held) - 1) / 3.0) for path, held in parents.items()}
    return [scale.get(b.dom_path, 0.0) if len(b.containers) > 1 else 0.0 for b in blocks]


# Reference values when a page has no long block (typical English prose).
_DEFAULT_REFERENCE = (0.45, 0.12, 0.8)
_LONG_BLOCK = math.log1p(12) / 5.0  # log_words of a 12-word block


def _page_reference(blocks: list[Block], locals_: list[list[float]]) -> tuple[float, float, float]:
    """Length-weighted mean stopword density, capitalisation and word length of the page's
    blocks of 12 words or more."""
    return _page_reference_of_columns([b.text for b in blocks], [row[_WORDS_SLOT] for row in locals_],
                                      [row[_STOP_SLOT] for row in locals_], [row[_CAPS_SLOT] for row in locals_],
                                      [row[_WORD_LEN_SLOT] for row in locals_])


def neighbour_features(locals_: list[list[float]], i: int, shape: tuple[float, ...]) -> list[float]:
    """The shape of the blocks just before and after (zeros at the page edges), and the page
    shape around the block."""
    n = len(locals_)
    before = _neighbour_slots(locals_[i - 1]) if i >= 1 else _NO_NEIGHBOUR
    after = _neighbour_slots(locals_[i + 1]) if i + 1 < n else _NO_NEIGHBOUR
    return [*before, *after, *shape]


def with_neighbours(locals_: list[list[float]], shapes: list[tuple[float, ...]]) -> list[list[float]]:
    """Every block's local features followed by its `neighbour_features` (the same values,
    with each block's neighbour slots picked once)."""
    picked = [_NO_NEIGHBOUR, *map(_neighbour_slots, locals_), _NO_NEIGHBOUR]  # picked[i + 1] is block i
    return [[*local, *picked[i], *picked[i + 2], *shape]
            for i, (local, shape) in enumerate(zip(locals_, shapes))]


_neighbour_slots = operator.itemgetter(*_NEIGHBOUR_SLOTS)
_NO_NEIGHBOUR = (0.0,) * len(_NEIGHBOUR_SLOTS)


def rows_matrix(rows: list[list[float]] | list[tuple[float, ...]]) -> np.ndarray:
    """Equal-length rows of floats as a float64 matrix (filled from one flat iterator: cheaper
    than np.asarray's nested-sequence discovery)."""
    width = len(rows[0]) if rows else 0
    return np.fromiter(chain.from_iterable(rows), np.float64, len(rows) * width).reshape(len(rows), width)


def stage1_of_blocks(blocks: list[Block], title_words: frozenset[str], records: list[tuple] | None = None
                     ) -> np.ndarray:
    """`with_neighbours(locals_, page_shape(blocks, locals_))` as a float64 matrix, the same values
    built without Python rows (`records`: the blocks' `text_records`, when the caller has them)."""
    local = local_matrix(blocks, title_words, records)
    return stage1_matrix(local, shape_matrix(blocks, local))


def stage1_matrix(local: np.ndarray, shapes: np.ndarray) -> np.ndarray:
    """`with_neighbours` as a float64 matrix: the local-feature matrix with its neighbours' slots
    and the page-shape columns appended (the same values, copied column-wise)."""
    n, width = local.shape
    k = len(_NEIGHBOUR_SLOTS)
    out = np.zeros((n, width + 2 * k + shapes.shape[1]))
    out[:, :width] = local
    picked = local[:, list(_NEIGHBOUR_SLOTS)]
    out[1:, width:width + k] = picked[:-1]   # the previous block's slots (zeros for the first)
    out[:-1, width + k:width + 2 * k] = picked[1:]  # the next block's (zeros for the last)
    out[:, width + 2 * k:] = shapes
    return out
