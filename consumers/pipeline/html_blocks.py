"""HTML -> blocks and page metadata, with selectolax (lexbor): fast, tolerant of broken
markup, and it never fetches anything or expands external entities."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from .deadline import Deadline
from .model import Block, BlockKind, Limits, PageMeta

_DROP = "script, style, noscript, iframe, svg, template, object, embed, canvas, form, button, select, input, textarea"
_BLOCK_TAGS = {
    "p": BlockKind.PARAGRAPH, "div": BlockKind.PARAGRAPH, "section": BlockKind.PARAGRAPH,
    "article": BlockKind.PARAGRAPH, "td": BlockKind.TABLE_CELL, "th": BlockKind.TABLE_CELL,
    "li": BlockKind.LIST_ITEM, "dd": BlockKind.LIST_ITEM, "dt": BlockKind.LIST_ITEM,
    "blockquote": BlockKind.QUOTE, "pre": BlockKind.PREFORMATTED, "figcaption": BlockKind.CAPTION,
    "h1": BlockKind.HEADING, "h2": BlockKind.HEADING, "h3": BlockKind.HEADING,
    "h4": BlockKind.HEADING, "h5": BlockKind.HEADING, "h6": BlockKind.HEADING,
    "header": BlockKind.PARAGRAPH, "footer": BlockKind.PARAGRAPH, "nav": BlockKind.PARAGRAPH,
    "aside": BlockKind.PARAGRAPH, "main": BlockKind.PARAGRAPH, "ul": BlockKind.PARAGRAPH,
    "ol": BlockKind.PARAGRAPH, "table": BlockKind.PARAGRAPH, "tr": BlockKind.PARAGRAPH,
    "body": BlockKind.PARAGRAPH, "dl": BlockKind.PARAGRAPH, "address": BlockKind.PARAGRAPH,
    "figure": BlockKind.PARAGRAPH, "br": BlockKind.PARAGRAPH,
}
_BOILERPLATE_CONTAINERS = frozenset({"nav", "footer", "aside", "header"})
_SPACE = re.compile(r"\s+")


class PageTooComplex(Exception):
    """The DOM exceeds the configured node or depth limit."""


def parse_html(html: str, limits: Limits, deadline: Deadline) -> tuple[list[Block], PageMeta]:
    tree = LexborHTMLParser(html)
    meta = extract_meta(tree)
    for node in tree.css(_DROP):
        node.decompose()
    body = tree.body or tree.root
    if body is None:
        return [], meta
    blocks: list[Block] = []
    _walk(body, [], blocks, limits, deadline, [0])
    return blocks, meta


def _walk(node, path: list[str], out: list[Block], limits: Limits, deadline: Deadline, count: list[int]) -> None:
    """Depth-first: a block element whose children hold no other block element emits its text."""
    stack = [(node, tuple(path), False)]
    while stack:
        current, cur_path, in_boiler = stack.pop()
        count[0] += 1
        if count[0] > limits.max_dom_nodes or len(cur_path) > limits.max_dom_depth:
            raise PageTooComplex(f"DOM over {limits.max_dom_nodes} nodes or {limits.max_dom_depth} deep")
        if count[0] % 2048 == 0:
            deadline.check()
        tag = current.tag
        children = [c for c in _children(current) if c.tag in _BLOCK_TAGS]
        here_boiler = in_boiler or tag in _BOILERPLATE_CONTAINERS
        if tag in _BLOCK_TAGS and not children:
            _emit(current, cur_path + (tag,), here_boiler, out)
            continue
        if children and tag in _BLOCK_TAGS:
            # Mixed content: inline text directly under this block becomes its own block.
            own = _own_text(current)
            if own:
                out.append(Block(text=own, kind=_BLOCK_TAGS[tag], index=len(out), tag=tag,
                                 dom_path="/".join(cur_path + (tag,)), boilerplate_hint=here_boiler))
        for child in reversed(children if tag in _BLOCK_TAGS else list(_children(current))):
            stack.append((child, cur_path + (tag,), here_boiler))


def _children(node):
    child = node.child
    while child is not None:
        if child.tag and not child.tag.startswith("-"):
            yield child
        child = child.next


def _own_text(node) -> str:
    parts = []
    child = node.child
    while child is not None:
        if child.tag == "-text":
            parts.append(child.text_content or "")
        elif child.tag not in _BLOCK_TAGS and child.tag and not child.tag.startswith("-"):
            parts.append(child.text(separator=" "))
        child = child.next
    return _SPACE.sub(" ", " ".join(parts)).strip()


def _emit(node, path: tuple[str, ...], boiler: bool, out: list[Block]) -> None:
    text = _SPACE.sub(" ", node.text(separator=" ")).strip()
    if not text:
        return
    link_chars = sum(len(a.text(separator=" ").strip()) for a in node.css("a"))
    tag = node.tag
    out.append(Block(
        text=text, kind=_BLOCK_TAGS.get(tag, BlockKind.PARAGRAPH), index=len(out), tag=tag,
        dom_path="/".join(path), link_chars=min(link_chars, len(text)),
        heading_level=int(tag[1]) if tag in ("h1", "h2", "h3", "h4", "h5", "h6") else 0,
        in_main=("article" in path or "main" in path), boilerplate_hint=boiler,
    ))


def extract_meta(tree: LexborHTMLParser) -> PageMeta:
    def meta_content(*selectors: str) -> str | None:
        for sel in selectors:
            node = tree.css_first(sel)
            if node is not None:
                value = (node.attributes.get("content") or node.attributes.get("href") or "").strip()
                if value:
                    return _SPACE.sub(" ", value)
        return None

    title = meta_content('meta[property="og:title"]', 'meta[name="twitter:title"]')
    if not title and (node := tree.css_first("title")) is not None:
        title = _SPACE.sub(" ", node.text()).strip() or None
    author = meta_content('meta[name="author"]', 'meta[property="article:author"]')
    html_node = tree.css_first("html")
    return PageMeta(
        title=title,
        authors=(author,) if author and not author.startswith("http") else (),
        published=meta_content('meta[property="article:published_time"]', 'meta[name="date"]',
                               'meta[itemprop="datePublished"]', 'meta[name="pubdate"]'),
        canonical_url=meta_content('link[rel="canonical"]', 'meta[property="og:url"]'),
        site_name=meta_content('meta[property="og:site_name"]', 'meta[name="application-name"]'),
        language_hint=(html_node.attributes.get("lang") if html_node is not None else None) or None,
    )
