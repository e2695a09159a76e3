"""HTML -> blocks and page metadata, with selectolax (lexbor): fast, tolerant of broken
markup, and it never fetches anything or expands external entities.

One pass over the DOM in document order. Text runs are collected into the innermost open block
element (p, div, li, h1...); entering or leaving a block element flushes the run as a `Block`,
so mixed content ("text <p>para</p> more text") keeps its order. Each block carries the
features the classifier reads: tag and kind, DOM tag path, characters inside links, the
class/id/role hint groups of its enclosing elements (nav, footer, comment, share...) and the
serial numbers of its enclosing block elements (for the main-region pass).
"""

from __future__ import annotations

import re
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser

from .deadline import Deadline
from .metadata import extract_meta
from .model import Block, BlockKind, Limits, PageMeta

# Subtrees never read: code, media, form controls, and hidden elements.
_SKIP = frozenset("script style noscript iframe svg template object embed canvas button select input "
                  "textarea option head title meta link video audio map area math dialog".split())
_SKIP_LIST = sorted(_SKIP)
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
    tree.strip_tags(_SKIP_LIST, recursive=True)
    return _BlockBuilder(limits, deadline).build(body), meta


def unwrap_noscript(html: str) -> str:
    """<noscript> content is raw text to a scripting parser; crawled pages often hold their whole
    server-rendered content there (JS apps), so it is parsed as ordinary markup."""
    if "<noscript" not in html and "<NOSCRIPT" not in html:
        return html
    return _NOSCRIPT.sub(r"<\1div", html)


def element_hints(attrs: dict) -> frozenset[str]:
    """Hint groups named by an element's class, id, role and itemprop."""
    words = " ".join(v for k in ("class", "id", "role", "itemprop") if (v := attrs.get(k)))
    return _hints_of(words.lower()) if words else frozenset()


@lru_cache(maxsize=8192)
def _hints_of(words: str) -> frozenset[str]:
    found = set()
    pos = 0
    while (m := _HINT_RE.search(words, pos)) is not None:
        found.add(m.lastgroup)
        pos = m.end() if m.end() > pos else pos + 1
    return frozenset(found)


class _Frame:
    __slots__ = ("tag", "serial", "path", "hints", "containers", "boiler", "main", "hidden")

    def __init__(self, tag, serial, path, hints, containers, boiler, main, hidden):
        self.tag, self.serial, self.path, self.hints = tag, serial, path, hints
        self.containers, self.boiler, self.main, self.hidden = containers, boiler, main, hidden


class _BlockBuilder:
    """Walks the DOM in document order with lexbor's C traversal (no per-node Python recursion).

    Every node is mapped (by its lexbor node id) to (block frame, inside a link, depth), derived
    from its parent, which preorder has always visited first. A text run is flushed as a block
    whenever the next text belongs to a different block element or a block element starts."""

    def __init__(self, limits: Limits, deadline: Deadline) -> None:
        self.limits = limits
        self.deadline = deadline
        self.blocks: list[Block] = []
        self.buffer: list[str] = []
        self.buffer_frame: _Frame | None = None
        self.link_chars = 0

    def build(self, root) -> list[Block]:
        top = _Frame("body", 0, ("body",), frozenset(), (0,), False, False, False)
        info: dict[int, tuple[_Frame, bool, int]] = {root.mem_id: (top, False, 0)}
        max_nodes, max_depth, max_blocks = self.limits.max_dom_nodes, self.limits.max_dom_depth, self.limits.max_blocks
        nodes = 0
        for node in root.traverse(include_text=True):
            nodes += 1
            if nodes & 2047 == 0:
                if nodes > max_nodes:
                    raise PageTooComplex(f"DOM over {max_nodes} nodes")
                self.deadline.check()
                if len(self.blocks) >= max_blocks:
                    break
            parent = node.parent
            if parent is None:
                continue
            parent_info = info.get(parent.mem_id)
            if parent_info is None:
                continue
            frame, in_link, depth = parent_info
            tag = node.tag
            if tag == "-text":
                if frame.hidden:
                    continue
                text = node.text_content
                if text and not text.isspace():
                    if frame is not self.buffer_frame:
                        self._flush()
                        self.buffer_frame = frame
                    self.buffer.append(text)
                    if in_link:
                        self.link_chars += len(text.strip())
                continue
            if depth >= max_depth:
                raise PageTooComplex(f"DOM deeper than {max_depth}")
            if tag in _BLOCK_TAGS:
                self._flush()
                frame = self._frame(tag, node.attributes, frame, nodes)
            elif tag == "br":
                if frame is self.buffer_frame:
                    self.buffer.append(" ")
                continue
            elif tag == "a":
                in_link = True
            info[node.mem_id] = (frame, in_link, depth + 1)
        if nodes > max_nodes:
            raise PageTooComplex(f"DOM over {max_nodes} nodes")
        self._flush()
        return self.blocks[:max_blocks]

    def _frame(self, tag: str, attrs: dict, parent: _Frame, serial: int) -> _Frame:
        hidden = parent.hidden or "hidden" in attrs or attrs.get("aria-hidden") == "true" or \
            ("style" in attrs and _HIDDEN_STYLE.search(attrs["style"] or "") is not None)
        own = element_hints(attrs) if attrs and tag not in ("body", "html") else frozenset()
        return _Frame(tag, serial, parent.path + (tag,), parent.hints | own if own else parent.hints,
                      parent.containers + (serial,), parent.boiler or tag in _BOILERPLATE_CONTAINERS,
                      parent.main or tag in _MAIN_CONTAINERS or attrs.get("itemprop") == "articleBody", hidden)

    def _flush(self) -> None:
        frame = self.buffer_frame
        if not self.buffer or frame is None:
            self.buffer = []
            return
        text = _SPACE.sub(" ", "".join(self.buffer)).strip()
        link_chars = self.link_chars
        self.buffer, self.link_chars = [], 0
        if not text:
            return
        tag = frame.tag
        self.blocks.append(Block(
            text=text, kind=_BLOCK_TAGS.get(tag, BlockKind.PARAGRAPH), index=len(self.blocks), tag=tag,
            dom_path="/".join(frame.path), link_chars=min(link_chars, len(text)),
            heading_level=int(tag[1]) if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit() else 0,
            in_main=frame.main, boilerplate_hint=frame.boiler, hints=frame.hints, containers=frame.containers,
        ))
