"""HTML -> blocks and page metadata, with selectolax (lexbor): fast, tolerant of broken
markup, and it never fetches anything or expands external entities.

One pass over the DOM in document order. Text runs are collected into the innermost open block
element (p, div, li, h1...); entering or leaving a block element flushes the run as a `Block`,
so mixed content ("text <p>para</p> more text") keeps its order. Each block carries the
features the classifier reads: tag and kind, DOM tag path, characters inside links, the
class/id/role hint groups of its enclosing elements (nav, footer, comment, share...) and the
serial numbers of its enclosing block elements (for the main-region pass).

The walk runs in C (`_segment.c`, `build_blocks`) when that extension is built and usable
(`COMPILED_SEGMENTER`); `_BlockBuilder` is the Python walk: the fallback, and the reference the
C walk is checked against (at import, and in tests/unit/test_segment.py). Both give the same
blocks.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser

from .deadline import Deadline
from .features import factor_by_first_letter
from .marked import date_in_marked_elements
from .metadata import extract_meta
from .model import Block, BlockKind, Limits, PageMeta, direct_constructor
from .printed import with_printed_meta
from .streamed_html import reveal_streamed_segments

# Subtrees never read: code, media, form controls, and hidden elements.
_SKIP = frozenset("script style noscript iframe svg template object embed canvas button select input "
                  "textarea option head title meta link video audio map area math dialog".split())
_SKIP_SELECTOR = ",".join(sorted(_SKIP))
_INLINE_TAGS = frozenset("a abbr b bdi bdo cite code data del dfn em font i ins kbd mark q s samp small span "
                         "strike strong sub sup time tt u var big nobr wbr".split())
_BLOCK_TAGS = {
    "p": BlockKind.PARAGRAPH, "div": BlockKind.PARAGRAPH, "section": BlockKind.PARAGRAPH,
    "article": BlockKind.PARAGRAPH, "td": BlockKind.TABLE_CELL, "th": BlockKind.TABLE_CELL,
    "li": BlockKind.LIST_ITEM, "dd": BlockKind.LIST_ITEM, "dt": BlockKind.LIST_ITEM,
    "blockquote": BlockKind.QUOTE, "pre": BlockKind.PREFORMATTED, "figcaption": BlockKind.CAPTION,
    "caption": BlockKind.CAPTION,
    "h1": BlockKind.HEADING, "h2": BlockKind.HEADING, "h3": BlockKind.HEADING,
    "h4": BlockKind.HEADING, "h5": BlockKind.HEADING, "h6": BlockKind.HEADING,
    "header": BlockKind.PARAGRAPH, "footer": BlockKind.PARAGRAPH, "nav": BlockKind.PARAGRAPH,
    "aside": BlockKind.PARAGRAPH, "main": BlockKind.PARAGRAPH, "ul": BlockKind.PARAGRAPH,
    "ol": BlockKind.PARAGRAPH, "table": BlockKind.PARAGRAPH, "tr": BlockKind.PARAGRAPH,
    "tbody": BlockKind.PARAGRAPH, "thead": BlockKind.PARAGRAPH, "tfoot": BlockKind.PARAGRAPH,
    "body": BlockKind.PARAGRAPH, "dl": BlockKind.PARAGRAPH, "address": BlockKind.PARAGRAPH,
    "figure": BlockKind.PARAGRAPH, "form": BlockKind.PARAGRAPH, "fieldset": BlockKind.PARAGRAPH,
    "details": BlockKind.PARAGRAPH, "summary": BlockKind.PARAGRAPH, "center": BlockKind.PARAGRAPH,
    "hr": BlockKind.PARAGRAPH, "html": BlockKind.PARAGRAPH, "label": BlockKind.PARAGRAPH,
    "legend": BlockKind.PARAGRAPH,
}
# The block elements visited (not the page's own html/body) as one :is() selector: lexbor matches
# it faster than the same tags as a plain selector list (each tried in turn on every element).
_BLOCK_SELECTOR = ":is(" + ",".join(t for t in _BLOCK_TAGS if t not in ("html", "body", "br")) + ")"
_BOILERPLATE_CONTAINERS = frozenset({"nav", "footer", "aside", "form"})
_MAIN_CONTAINERS = frozenset({"article", "main"})

# Hint groups read from class, id, role and itemprop of enclosing elements: general web
# vocabulary for page furniture, not strings from particular sites.
_HINT_PATTERNS = {
    "nav": r"nav|menu|breadcrumb|pagination|pager|toolbar|skip|topbar|dropdown|tabs?\b",
    "footer": r"foot|copyright|legal|colophon|bottom",
    "header": r"header|masthead|banner|brand|logo|top-?bar",
    "sidebar": r"sidebar|side-bar|aside|widget|rail|secondary",
    "comment": r"comment|disqus|respond|reply|discussion|reaction",
    "share": r"share|sharing|social|facebook|twitter|whatsapp|pinterest|follow|print|email-?this",
    "related": r"related|recommend|more-?stories|popular|trending|read-?more|teaser|also|next|prev|outbrain|taboola|carousel|slider|card",
    "ad": r"\bads?\b|advert|sponsor|promo|dfp|gpt|ad-?slot|ad-?unit|ad-?wrap|affiliate|partner",
    "cookie": r"cookie|consent|gdpr|privacy|notice|alert|overlay",
    "subscribe": r"newsletter|subscri|signup|sign-up|login|log-in|register|modal|popup|paywall|cta",
    "meta": r"byline|author|date|time|meta|tags?\b|categor|label|credit|caption|dateline",
    "hidden": r"(?<![\w-])(?:d-none|hidden|hide)(?![\w-])|sr-only|screen-?reader|visually-?hidden|invisible|offscreen",
    "content": r"article|post|entry|story|content|main|body|text|prose|blog|markdown|rich|detail|page",
}
_HINT_RE = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _HINT_PATTERNS.items()))
# The same vocabulary without groups, regrouped by first letter: a fast "any hint at all?" test
# (most class/id tokens name none).
_ANY_HINT_RE = re.compile(factor_by_first_letter("|".join(_HINT_PATTERNS.values())))
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SPACE = re.compile(r"\s+")
_NOSCRIPT = re.compile(r"<(/?)noscript\b", re.I)


class PageTooComplex(Exception):
    """The DOM exceeds the configured node or depth limit."""


def parse_html(html: str, limits: Limits, deadline: Deadline) -> tuple[list[Block], PageMeta]:
    tree = LexborHTMLParser(unwrap_noscript(html))
    meta = extract_meta(tree)
    body = tree.body or tree.root
    if body is None:
        return [], meta
    if len(html) > limits.max_dom_nodes and html.count("<") > limits.max_dom_nodes and \
            len(tree.root.css("*")) > limits.max_dom_nodes:
        raise PageTooComplex(f"DOM over {limits.max_dom_nodes} nodes")
    if 'id="S:' in html:  # cheap test first: most pages are not streamed
        reveal_streamed_segments(tree, html)
    strip_skipped(tree)
    blocks = build_blocks(body, limits, deadline)
    meta = with_printed_meta(meta, blocks)
    if meta.published is None:
        meta = replace(meta, published=date_in_marked_elements(tree))
    return blocks, meta


def strip_skipped(tree) -> None:
    """Remove the _SKIP elements with their subtrees: what `tree.strip_tags(sorted(_SKIP),
    recursive=True)` does, in one selection pass instead of one tree walk per tag. Removal only
    unlinks nodes, so one already gone with an enclosing skipped element is harmless."""
    for node in tree.root.css(_SKIP_SELECTOR):
        node.decompose()


def unwrap_noscript(html: str) -> str:
    """<noscript> content is raw text to a scripting parser; crawled pages often hold their whole
    server-rendered content there (JS apps), so it is parsed as ordinary markup."""
    if "<noscript" not in html and "<NOSCRIPT" not in html:
        return html
    return _NOSCRIPT.sub(r"<\1div", html)


_NO_HINTS: frozenset[str] = frozenset()
_HIDDEN_HINT = frozenset({"hidden"})
_FURNITURE_HINTS = frozenset({"nav", "header", "footer", "cookie", "subscribe", "share"})


def element_hints(attrs: dict) -> frozenset[str]:
    """Hint groups named by an element's class, id, role and itemprop."""
    if not attrs:
        return _NO_HINTS
    get = attrs.get
    found = _NO_HINTS
    for name in _HINT_ATTRIBUTES:
        value = get(name)
        if value:
            hints = _hints_of(value)
            if hints:
                found = found | hints if found else hints
    return found


_HINT_ATTRIBUTES = ("class", "id", "role", "itemprop")


@lru_cache(maxsize=16384)
def _hints_of(value: str) -> frozenset[str]:
    """Hint groups of one attribute value (class lists repeat across a page's elements and
    across a site's pages: cached; unique ids fall through to the token cache)."""
    tokens = value.lower().split()
    if len(tokens) == 1:
        return _token_hints(tokens[0])
    found = _NO_HINTS
    for token in tokens:
        hints = _token_hints(token)
        if hints:  # most tokens name none: no new set for them
            found = found | hints if found else hints
    return found


@lru_cache(maxsize=16384)
def _token_hints(token: str) -> frozenset[str]:
    """Hint groups of one class/id token (tokens repeat across elements and pages: cached)."""
    hit = _ANY_HINT_RE.search(token)
    if hit is None:
        return _NO_HINTS
    # Leftmost hints in turn, as _HINT_RE.search would find them; the factored regex finds
    # where the next one starts (the same vocabulary: the same positions), _HINT_RE names it
    # there, instead of trying all its groups at every position.
    found = set()
    pos = 0
    while hit is not None:
        m = _HINT_RE.match(token, hit.start())
        found.add(m.lastgroup)
        pos = m.end() if m.end() > pos else pos + 1
        hit = _ANY_HINT_RE.search(token, pos)
    return frozenset(found)


class _Frame:
    """An open block element. What it inherits (hidden, hint groups, inside a boilerplate or main
    container) is worked out on demand, from the parent chain, only for the elements that hold
    text and their ancestors: most block elements of a page hold none (wrappers, spacers, icons).
    The tag path and enclosing serials are likewise built on demand."""

    __slots__ = ("tag", "serial", "parent", "node", "depth", "end", "_props", "_path", "_containers")

    def __init__(self, tag, serial, parent, node, depth, props=None):
        self.tag, self.serial, self.parent, self.node, self.depth = tag, serial, parent, node, depth
        self.end = serial  # serial of the last block element inside it (set by _frames)
        self._props = props
        self._path = self._containers = None

    @property
    def props(self) -> tuple[bool, frozenset[str], bool, bool]:
        """(hidden, hint groups, inside nav/footer/aside/form, inside article/main)."""
        if self._props is not None:
            return self._props
        chain, frame = [], self
        while frame._props is None:  # iterative: pages nest hundreds of levels deep
            chain.append(frame)
            frame = frame.parent
        props = frame._props
        for frame in reversed(chain):
            props = frame._props = _element_props(frame.tag, frame.node.attributes, props)
            frame.node = None
        return props

    @property
    def path(self) -> str:
        if self._path is None:
            self._path = self.tag if self.parent is None else f"{self.parent.path}/{self.tag}"
        return self._path

    @property
    def containers(self) -> tuple[int, ...]:
        if self._containers is None:
            self._containers = (self.serial,) if self.parent is None else self.parent.containers + (self.serial,)
        return self._containers


_ROOT_PROPS = (False, _NO_HINTS, False, False)


def _element_props(tag: str, attrs: dict, parent: tuple[bool, frozenset[str], bool, bool]
                   ) -> tuple[bool, frozenset[str], bool, bool]:
    if not attrs:
        return _plain_props(tag, parent)
    if len(attrs) == 1 and "class" in attrs:  # most elements: a class list alone
        return _class_props(tag, attrs["class"], parent)
    hidden, hints, boiler, main = parent
    boiler = boiler or tag in _BOILERPLATE_CONTAINERS
    main = main or tag in _MAIN_CONTAINERS
    hidden = hidden or "hidden" in attrs or attrs.get("aria-hidden") == "true" or \
        ("style" in attrs and _HIDDEN_STYLE.search(attrs["style"] or "") is not None)
    own = element_hints(attrs) if tag not in ("body", "html") else _NO_HINTS
    return hidden, hints | own if own else hints, boiler, main or attrs.get("itemprop") == "articleBody"


@lru_cache(maxsize=16384)
def _plain_props(tag: str, parent: tuple[bool, frozenset[str], bool, bool]) -> tuple[bool, frozenset[str], bool, bool]:
    """`_element_props` of an element without attributes (cached: a page's elements repeat a few
    (tag, inherited props) pairs, as its class lists do below)."""
    hidden, hints, boiler, main = parent
    return hidden, hints, boiler or tag in _BOILERPLATE_CONTAINERS, main or tag in _MAIN_CONTAINERS


@lru_cache(maxsize=16384)
def _class_props(tag: str, value: str, parent: tuple[bool, frozenset[str], bool, bool]
                 ) -> tuple[bool, frozenset[str], bool, bool]:
    """`_element_props` of an element whose only attribute is its class list (cached: list items,
    cards and menu entries repeat the same tag and class under the same inherited props)."""
    hidden, hints, boiler, main = parent
    own = _hints_of(value) if value and tag not in ("body", "html") else _NO_HINTS
    return (hidden, hints | own if own else hints, boiler or tag in _BOILERPLATE_CONTAINERS,
            main or tag in _MAIN_CONTAINERS)


class _BlockBuilder:
    """Visits only the block elements (lexbor CSS selection, document order, in C) rather than
    every node in Python. A block element without block descendants yields its whole text (C).
    One with block descendants yields its own text (direct text and non-block children's text)
    cut into runs where a block descendant starts, each run in its document place: the first
    before the descendants' blocks, each later one after the subtree of the block it follows
    (text beside <h2>s inside a <span>, as rich-text editors write it, stays in order).
    Frames (hints, enclosing serials) chain through parents. The reference for _segment.c, and
    the walk when that is not built or not usable: change both together."""

    def __init__(self, limits: Limits, deadline: Deadline) -> None:
        self.limits = limits
        self.deadline = deadline
        self.blocks: list[Block] = []
        # Later text runs of open elements, the next due on top: (block element the run
        # follows, frame of the element the run belongs to, text, link characters).
        self.deferred: list[tuple[int, _Frame, str, int]] = []
        self.wrapping: set[int] = set()  # ids of non-block elements holding block elements

    def build(self, root) -> list[Block]:
        limits = self.limits
        for br in root.css("br"):
            br.insert_before(" ")
        elements = root.css(_BLOCK_SELECTOR)
        if len(elements) > limits.max_dom_nodes:
            raise PageTooComplex(f"DOM over {limits.max_dom_nodes} block elements")
        ids = [node.mem_id for node in elements]
        root_id = root.mem_id
        root_frame = _Frame("body", 0, None, None, 0, _ROOT_PROPS)
        frames: dict[int, _Frame] = {root_id: root_frame}
        leaf_links = _link_chars_by_block(root_id, root.css("a"), set(ids))
        visited, self.wrapping = self._frames(elements, ids, frames)
        if _has_own_text(root):  # text right in <body>
            self._emit_runs(root, root_frame)
        last = len(visited) - 1
        for k, (node, node_id, frame) in enumerate(visited):
            if k & 1023 == 1023:
                self.deadline.check()
                if len(self.blocks) >= limits.max_blocks:
                    break
            if self.deferred:
                self._emit_due(frame, frames)
            leaf = k == last or visited[k + 1][2].parent is not frame
            self._emit_element(node, node_id, frame, leaf, leaf_links)
        while self.deferred:
            _, frame, text, links = self.deferred.pop()
            self._emit(frame, text, links)
        return self.blocks[: limits.max_blocks]

    def _frames(self, elements, ids: list[int], frames: dict[int, _Frame]) -> tuple[list, set[int]]:
        """A frame per block element (document order), and the non-block elements that hold
        block elements (a <span> or <a> wrapping paragraphs)."""
        max_depth = self.limits.max_dom_depth
        visited, wrapping = [], set()
        for serial, (node, node_id) in enumerate(zip(elements, ids), start=1):
            if serial & 1023 == 0:
                self.deadline.check()
            # The nearest enclosing block element already visited (inline: once per element).
            parent, steps = node.parent, 1
            while parent is not None:
                parent_id = parent.mem_id
                parent_frame = frames.get(parent_id)
                if parent_frame is not None:
                    break
                wrapping.add(parent_id)
                parent, steps = parent.parent, steps + 1
            else:
                continue
            depth = parent_frame.depth + steps
            if depth > max_depth:
                raise PageTooComplex(f"DOM deeper than {max_depth}")
            frame = frames[node_id] = _Frame(node.tag, serial, parent_frame, node, depth)
            visited.append((node, node_id, frame))
        for _, _, frame in reversed(visited):  # descendants come later in document order
            parent_frame = frame.parent
            if frame.end > parent_frame.end:
                parent_frame.end = frame.end
        return visited, wrapping

    def _emit_due(self, current: _Frame, frames: dict[int, _Frame]) -> None:
        """Emit the deferred runs whose preceding block's subtree has ended: the element about
        to be emitted (`current`) comes after that block's last descendant."""
        deferred = self.deferred
        while deferred:
            anchor = frames.get(deferred[-1][0])
            if anchor is not None and current.serial <= anchor.end:
                return
            _, owner, text, links = deferred.pop()
            self._emit(owner, text, links)

    def _emit_element(self, node, node_id: int, frame: _Frame, leaf: bool, leaf_links: dict[int, int]) -> None:
        if leaf:
            text = node.text()  # deep, no separator (the defaults: keyword parsing costs here)
            if text and not text.isspace():
                self._emit(frame, text, leaf_links.get(node_id, 0))
        elif _has_own_text(node, self.wrapping):
            self._emit_runs(node, frame)

    def _emit_runs(self, node, frame: _Frame) -> None:
        runs = _text_runs(node, self.wrapping)
        first_text, first_links, _ = runs[0]
        self._emit(frame, first_text, first_links)
        for text, links, after in reversed(runs[1:]):
            if text and not text.isspace():
                self.deferred.append((after, frame, text, links))

    def _emit(self, frame: _Frame, raw: str, link_chars: int) -> None:
        if not raw.isascii() and ("\xad" in raw or "\u200b" in raw or "\ufeff" in raw):
            raw = raw.translate(_INVISIBLE)
        text = " ".join(raw.split())  # same whitespace set as re's \s: collapse and strip
        if not text:
            return
        tag = frame.tag
        hidden, hints, boiler, main = frame.props
        if hidden:
            # Collapsed accordions and tabs hold story text, so hidden content is read, marked
            # for the model; hidden menus, drawers and banners are not (a seventh of all
            # blocks on the dev pages, almost none of them story).
            if boiler or not hints.isdisjoint(_FURNITURE_HINTS):
                return
            hints = hints | _HIDDEN_HINT
        values = {
            "text": text, "kind": _BLOCK_TAGS.get(tag, BlockKind.PARAGRAPH), "index": len(self.blocks), "tag": tag,
            "dom_path": frame.path, "link_chars": min(link_chars, len(text)),
            "heading_level": _HEADING_LEVELS.get(tag, 0), "in_main": main, "boilerplate_hint": boiler,
            "hints": hints, "containers": frame.containers,
        }
        self.blocks.append(_make_block(values))


_make_block = direct_constructor(Block, ("text", "kind", "index", "tag", "dom_path", "link_chars", "heading_level",
                                         "in_main", "boilerplate_hint", "hints", "containers"))

_HEADING_LEVELS = {f"h{level}": level for level in range(1, 7)}
# Invisible characters dropped from block text: soft hyphens (German sites hyphenate every long
# word with them, which splits its words for the features and for any reader of the text),
# zero-width spaces and stray byte-order marks.
_INVISIBLE = {0xAD: None, 0x200B: None, 0xFEFF: None}


def _link_chars_by_block(root_id: int, anchors, block_ids: set[int]) -> dict[int, int]:
    """Characters of link text per nearest enclosing block element: one pass over the page's
    links (in C: lexbor selection) instead of a link query per block."""
    found: dict[int, int] = {}
    for anchor in anchors:
        chars = len(anchor.text().strip())
        if not chars:
            continue
        parent = anchor.parent
        while parent is not None:
            parent_id = parent.mem_id
            if parent_id in block_ids:
                found[parent_id] = found.get(parent_id, 0) + chars
                break
            if parent_id == root_id:
                break
            parent = parent.parent
    return found


def _has_own_text(node, wrapping: frozenset[int] | set[int] = frozenset()) -> bool:
    """Direct text, or text in a non-block child (most elements with block descendants have
    neither: wrappers of paragraphs); a child in `wrapping` holds block elements."""
    own = node.text(False)
    if own and not own.isspace():
        return True
    for child in node.iter():
        if child.tag not in _BLOCK_TAGS:
            if child.mem_id in wrapping:
                return True  # its text is looked at run by run
            text = child.text()
            if text and not text.isspace():
                return True
    return False


def _text_runs(node, wrapping: set[int]) -> list[tuple[str, int, int | None]]:
    """A block element's own text cut where each block descendant starts: (text, link
    characters, id of the block element the run follows; None for the first run). Non-block
    children count whole, except those holding block elements (`wrapping`), walked through."""
    runs: list[tuple[str, int, int | None]] = []
    parts: list[str] = []
    links = 0
    after = None
    stack = [(node.iter(include_text=True), False)]
    while stack:
        children, in_link = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        tag = child.tag
        if tag == "-text":
            text = child.text_content or ""
            parts.append(text)
            if in_link:
                links += len(text.strip())
        elif tag in _BLOCK_TAGS:
            runs.append(("".join(parts), links, after))
            parts, links, after = [], 0, child.mem_id
        elif tag != "-comment":
            if child.mem_id in wrapping:
                stack.append((child.iter(include_text=True), in_link or tag == "a"))
                continue
            text = child.text()
            parts.append(text)
            if in_link or tag == "a":
                links += len(text.strip())
    runs.append(("".join(parts), links, after))
    return runs


# The compiled walk (_segment.c): the same blocks as _BlockBuilder, which stays as the reference
# and the fallback. It reads lexbor's DOM directly (frames, text runs in emission order, link
# characters, normalised text, props with the hint vocabulary above, paths) and builds the Blocks;
# values that are not ASCII are read by _hints_of and _HIDDEN_STYLE here.

try:
    from . import _segment
except ImportError:  # installed without a C compiler: the Python walk
    _segment = None

# _segment.c declares lexbor's struct layouts as selectolax 1.0.2 bundles them (lexbor 3.1.0):
# with any other selectolax it is not used.
_SEGMENT_WRITTEN_FOR = "1.0.2"


def build_blocks(root, limits: Limits, deadline: Deadline) -> list[Block]:
    """The blocks of `root` (the body, else the document element), by the compiled walk when
    COMPILED_SEGMENTER, else by _BlockBuilder: the same blocks either way."""
    if COMPILED_SEGMENTER and min(limits.max_dom_nodes, limits.max_dom_depth, limits.max_blocks) >= 0:
        return _build_compiled(root, limits, deadline)
    return _BlockBuilder(limits, deadline).build(root)  # (negative limits: Python's slicing and comparisons)


def _walk_compiled(root, limits: Limits, deadline: Deadline) -> list[Block] | str | int:
    """_segment.walk's answer: the blocks, a str (a tree it leaves to _BlockBuilder) or a limit
    it hit (1: nodes, else depth)."""
    return _segment.walk(root.mem_id, limits.max_dom_nodes, limits.max_dom_depth, limits.max_blocks, deadline,
                         _make_block, _SEGMENT_KINDS, _SEGMENT_LEVELS, _hints_of, _hidden_style)


def _build_compiled(root, limits: Limits, deadline: Deadline) -> list[Block]:
    found = _walk_compiled(root, limits, deadline)
    if found.__class__ is list:
        return found
    if found.__class__ is str:  # a tree the compiled walk does not model (see _segment.c)
        return _BlockBuilder(limits, deadline).build(root)
    if found == 1:
        raise PageTooComplex(f"DOM over {limits.max_dom_nodes} block elements")
    raise PageTooComplex(f"DOM deeper than {limits.max_dom_depth}")


def _hidden_style(value: str) -> bool:
    return _HIDDEN_STYLE.search(value) is not None


if _segment is not None:  # kind and heading level per _segment.TAGS entry, then the root's ("body")
    _SEGMENT_KINDS = tuple(_BLOCK_TAGS.get(tag, BlockKind.PARAGRAPH) for tag in (*_segment.TAGS, "body"))
    _SEGMENT_LEVELS = tuple(_HEADING_LEVELS.get(tag, 0) for tag in (*_segment.TAGS, "body"))


def _segment_matches_this_module() -> bool:
    """_segment.c keeps its own copies of the block tags, the hint vocabulary and the hidden-style
    pattern (and of the containers, furniture hints and invisible characters, named in its
    code): changed here and not there, the compiled walk is not used."""
    return (set(_segment.TAGS) == set(_BLOCK_TAGS) - {"html", "body"}
            and _segment.HINT_PATTERNS == _HINT_PATTERNS and list(_segment.HINT_PATTERNS) == list(_HINT_PATTERNS)
            and _segment.HIDDEN_STYLE == _HIDDEN_STYLE.pattern and _HIDDEN_STYLE.flags == re.I | re.U
            and _HINT_ATTRIBUTES == ("class", "id", "role", "itemprop")
            and _BOILERPLATE_CONTAINERS == {"nav", "footer", "aside", "form"} and _MAIN_CONTAINERS == {"article", "main"}
            and _FURNITURE_HINTS == {"nav", "header", "footer", "cookie", "subscribe", "share"}
            and _INVISIBLE == {0xAD: None, 0x200B: None, 0xFEFF: None})


# The self-check at import: the compiled walk must give the Python walk's blocks on this page,
# which has a bit of everything the walk reads.
_SELF_CHECK_PAGE = """<!DOCTYPE html><html><head><title>t</title></head><body class="home">
Body text <a href="/x">with a link</a><br>and a break
<div id="main-content" role="main"><span>Lead-in <b>bold</b></span>
  <h1 class="entry-title">Caf&eacute; &amp; th&eacute; &mdash; 東京</h1>
  <span class="wrap">before <p>para <a href="/a">one</a> and <a href="/b"> two </a></p> between
    <a href="/c">linked <p>inside</p> tail</a> after</span>
  <p>soft&shy;hyphen zero&#8203;width <!-- a comment --> text<br>line two</p>
  <ul class="menu nav"><li><a href="/">Home</a></li><li hidden>Hidden item</li></ul>
  <div aria-hidden="true" class="tabs"><p>Tab text</p></div>
  <div style="display: none"><p>Collapsed story</p></div>
  <table><tr><td>cell <i>one</i></td><td itemprop="articleBody">cell two</td></tr></table>
  <section class="Größe Werbung-sidebar" style="color: röd"><p>non-ASCII attribute values</p></section>
  <my-widget data-x="1">custom <p>in custom</p> element</my-widget>
  <footer class="site-footer">&copy; 2024 <a href="/about">About</a></footer>
</div>trailing body text</body></html>"""


def _compiled_segmenter_works() -> bool:
    if _segment is None:
        return False
    import selectolax
    if getattr(selectolax, "__version__", None) != _SEGMENT_WRITTEN_FOR or not _segment_matches_this_module():
        return False
    limits, deadline = Limits(), Deadline.unlimited()
    try:
        tree = LexborHTMLParser(_SELF_CHECK_PAGE)
        strip_skipped(tree)
        root = tree.body or tree.root
        compiled = _walk_compiled(root, limits, deadline)
        tree = LexborHTMLParser(_SELF_CHECK_PAGE)
        strip_skipped(tree)
        reference = _BlockBuilder(limits, deadline).build(tree.body or tree.root)
    except Exception:  # noqa: BLE001 - any failure means: do not use it
        return False
    return compiled.__class__ is list and len(compiled) > 10 and compiled == reference


COMPILED_SEGMENTER = _compiled_segmenter_works()
