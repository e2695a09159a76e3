"""Page metadata from the parsed HTML: title, authors, publication date, canonical URL, site name.

Sources in order of trust: JSON-LD (schema.org Article/NewsArticle/BlogPosting...), OpenGraph and
other <meta> tags, then the visible page (the <h1> when it agrees with the declared title,
<time datetime>, rel=author links).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import lru_cache

import orjson

from .bylines import is_placeholder, is_the_site_name, names_the_site
from .dates import date_in_text
from .marked import authors_in_marked_elements
from .model import PageMeta

_SPACE = re.compile(r"\s+")
_TITLE_SEPARATORS = re.compile(r"\s+(?:[|\u2013\u2014»·•:]|-|::)\s+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ARTICLE_TYPES = ("article", "posting", "report", "blog", "webpage", "recipe", "review", "qapage", "howto")
_MAX_JSONLD_CHARS = 200_000


def extract_meta(tree) -> PageMeta:
    ld_objects = list(_ld_page_objects(tree))
    ld = _json_ld(ld_objects)
    tags = _meta_tags(tree)
    declared = _meta(tree, tags, 'meta[property="og:title"]', 'meta[name="twitter:title"]', 'meta[name="title"]')
    title_tag = _text(tree.css_first("title"))
    h1 = _text(tree.css_first("h1"))
    site_name = _meta(tree, tags, 'meta[property="og:site_name"]', 'meta[name="application-name"]') or _ld_site(ld)
    title = choose_title(ld.get("headline") or ld.get("name"), declared, title_tag, h1, site_name)
    authors = ld_authors(ld) or _meta_authors(tree, tags)
    if not authors or names_the_site(authors, site_name):
        authors = authors_in_marked_elements(tree) or authors
    html_node = tree.css_first("html")
    return PageMeta(
        title=title,
        authors=authors,
        published=_published(tree, ld, tags),
        canonical_url=_meta(tree, tags, 'link[rel="canonical"]', 'meta[property="og:url"]'),
        site_name=site_name,
        language_hint=(html_node.attributes.get("lang") if html_node is not None else None) or None,
        declares_article=declares_article(_meta(tree, tags, 'meta[property="og:type"]'), ld_objects),
    )


# schema.org types of an article (Article and its subtypes: NewsArticle, TechArticle, ...) and of
# pages whose replies are the content (a forum thread, a question and its answers).
_LD_ARTICLE_TYPE = re.compile(r"[A-Za-z]*Article|BlogPosting|Report")
_LD_THREAD_TYPES = frozenset({"DiscussionForumPosting", "SocialMediaPosting", "QAPage", "Question", "Answer"})


def declares_article(og_type: str | None, ld_objects: list[dict]) -> bool:
    """The page declares itself an article (og:type "article" or a schema.org article type) and
    declares no forum or Q&A type."""
    types = set()
    for obj in ld_objects:
        kind = obj.get("@type")
        types.update(k for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str))
    if types & _LD_THREAD_TYPES:
        return False
    return (og_type or "").lower() == "article" or any(_LD_ARTICLE_TYPE.fullmatch(k) for k in types)


def choose_title(ld_headline: str | None, declared: str | None, title_tag: str | None, h1: str | None,
                 site_name: str | None = None) -> str | None:
    """The article headline: the <h1> when a declared title contains it, else the declared or
    document title without its site-name suffix. The site's own name comes off the end of the
    declared titles first."""
    ld_headline = without_site_name(ld_headline, site_name) if isinstance(ld_headline, str) else None
    declared, title_tag = without_site_name(declared, site_name), without_site_name(title_tag, site_name)
    candidates = [c for c in (ld_headline, declared, title_tag) if c]
    if h1 and 3 <= len(h1) <= 300:
        low = h1.lower()
        if any(low in c.lower() or c.lower() in low for c in candidates):
            return h1
    if ld_headline:
        return _clean(ld_headline)
    for c in (declared, title_tag):
        if c:
            return strip_site_suffix(c)
    return h1 or None


def without_site_name(title: str | None, site_name: str | None) -> str | None:
    """The title without a trailing part naming the site ("Catering Tips | Cookshack", "Energy
    Rising - Mady Morrison - Yoga Lifestyle" on the site "Mady Morrison - Yoga Lifestyle")."""
    if not title or not site_name:
        return title
    for cut in _TITLE_SEPARATORS.finditer(title):  # the longest such tail: the earliest cut
        if cut.start() > 0 and is_the_site_name(title[cut.end():], site_name):
            return title[:cut.start()].rstrip()
    return title


def strip_site_suffix(title: str) -> str:
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) > 1:
        longest = max(parts, key=len)
        if len(longest) >= 15:
            return longest.strip()
    return title.strip()


def _clean(value: str) -> str:
    """Whitespace collapsed; character references decoded (declared values are often escaped
    twice: "Traveler&#8217;s" in a <meta> content or a JSON-LD string)."""
    if "&" in value:
        value = html.unescape(value)
    return _SPACE.sub(" ", value).strip()


def _text(node) -> str | None:
    if node is None:
        return None
    return _clean(node.text(separator=" ")) or None


def _meta_tags(tree) -> list[tuple[str, dict]]:
    """(tag, attributes) of every <meta> and <link>, in document order: one selection pass
    serves all the metadata selectors below instead of one tree walk per selector."""
    return [(node.tag, node.attributes) for node in tree.css("meta,link")]


# Selectors read by _meta: tag[attribute="value"], matched as lexbor matches them. `rel` is on
# HTML's list of attributes whose values selectors match ASCII case-insensitively (on HTML
# elements only: a value matching only so is left to lexbor); the others read here (name,
# property, itemprop) match exactly.
_ATTRIBUTE_SELECTOR = re.compile(r'(meta|link)\[([a-z:-]+)="([^"]*)"\]')
_CASELESS_VALUES = frozenset({"rel"})


@lru_cache(maxsize=64)
def _parse_selector(selector: str) -> tuple[str, str, str, str | None]:
    """(tag, attribute, value, value lowercased when matched case-insensitively, else None)."""
    found = _ATTRIBUTE_SELECTOR.fullmatch(selector)
    if found is None:
        raise ValueError(f"unsupported metadata selector {selector!r}")
    tag, name, value = found.groups()
    return tag, name, value, value.lower() if name in _CASELESS_VALUES else None


def _first_match(tree, tags: list[tuple[str, dict]], selector: str) -> dict | None:
    """Attributes of the first element matching `selector` (tree.css_first(selector))."""
    want_tag, name, want, caseless = _parse_selector(selector)
    for tag, attrs in tags:
        if tag == want_tag and (value := attrs.get(name)) is not None:
            if value == want:
                return attrs
            if caseless is not None and value.isascii() and value.lower() == caseless:
                node = tree.css_first(selector)  # rare: is it an HTML element? (namespaces)
                return node.attributes if node is not None else None
    return None


def _meta(tree, tags: list[tuple[str, dict]], *selectors: str) -> str | None:
    for sel in selectors:
        attrs = _first_match(tree, tags, sel)
        if attrs is not None:
            value = (attrs.get("content") or attrs.get("href") or "").strip()
            if value:
                return _clean(value)
    return None


def _json_ld(objects: list[dict]) -> dict:
    """The first schema.org object that looks like the page's article (merged flat dict), its
    author references resolved ({"@id": ...} pointing at a Person elsewhere in the graph, as
    WordPress SEO plugins write it)."""
    found: dict = {}
    for obj in objects:
        kind = obj.get("@type")
        kind = " ".join(kind) if isinstance(kind, list) else str(kind or "")
        if any(t in kind.lower() for t in _ARTICLE_TYPES):
            for key in ("headline", "name", "author", "datePublished", "dateCreated", "publisher"):
                if key in obj and key not in found:
                    found[key] = obj[key]
            if "headline" in found and "datePublished" in found:
                break
    if "author" in found:
        found["author"] = _resolved(found["author"], objects)
    return found


def _ld_page_objects(tree):
    """Every schema.org object of the page's JSON-LD scripts (top level and @graph items)."""
    for node in tree.css('script[type="application/ld+json"]'):
        raw = node.text() or ""
        if not raw or len(raw) > _MAX_JSONLD_CHARS:
            continue
        try:
            data = orjson.loads(raw.strip().encode("utf-8", "replace"))
        except orjson.JSONDecodeError:
            continue
        yield from _ld_objects(data, 0)


def _resolved(value, objects: Iterable[dict]):
    """`value` with each nameless {"@id": ...} reference replaced by the object with that @id."""
    items = value if isinstance(value, list) else [value]
    if not any(_reference(item) for item in items):
        return value
    by_id: dict = {}
    for obj in objects:
        ref = obj.get("@id")
        if isinstance(ref, str) and "name" in obj:
            by_id.setdefault(ref, obj)
    resolved = [by_id.get(ref, item) if (ref := _reference(item)) else item for item in items]
    return resolved if isinstance(value, list) else resolved[0]


def _reference(item) -> str | None:
    """The @id a nameless JSON-LD object refers to (ids that are not text are not references)."""
    if isinstance(item, dict) and "name" not in item and isinstance(ref := item.get("@id"), str):
        return ref
    return None


def _ld_objects(data, depth: int):
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data[:50]:
            yield from _ld_objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _ld_objects(graph, depth + 1)


def ld_authors(ld: dict) -> tuple[str, ...]:
    author = ld.get("author")
    items = author if isinstance(author, list) else [author]
    names = []
    for item in items[:10]:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and (name := _clean(name)) and not name.startswith("http") and not is_placeholder(name):
            names.append(name)
    return tuple(dict.fromkeys(names))


def _ld_site(ld: dict) -> str | None:
    publisher = ld.get("publisher")
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
        return _clean(publisher["name"]) or None
    return None


def _meta_authors(tree, tags: list[tuple[str, dict]]) -> tuple[str, ...]:
    value = _meta(tree, tags, 'meta[name="author"]', 'meta[property="article:author"]', 'meta[name="byl"]',
                  'meta[name="parsely-author"]', 'meta[name="dc.creator"]', 'meta[name="DC.creator"]')
    if value and not value.startswith("http") and not is_placeholder(value):
        return (value.removeprefix("By ").removeprefix("by ").strip(),)
    for sel in ('[rel="author"]', '[itemprop="author"] [itemprop="name"]', '[itemprop="author"]'):
        node = tree.css_first(sel)
        if node is not None:
            text = _text(node)
            if text and len(text) < 80:
                return (text.removeprefix("By ").removeprefix("by ").strip(),)
    return ()


def _published(tree, ld: dict, tags: list[tuple[str, dict]]) -> str | None:
    value = ld.get("datePublished") or ld.get("dateCreated")
    if isinstance(value, str) and _DATE.match(value.strip()):
        return value.strip()
    value = _meta(tree, tags, 'meta[property="article:published_time"]', 'meta[name="date"]',
                  'meta[itemprop="datePublished"]', 'meta[name="pubdate"]', 'meta[name="publish-date"]',
                  'meta[name="dc.date"]', 'meta[name="DC.date.issued"]', 'meta[property="og:published_time"]',
                  'meta[name="sailthru.date"]', 'meta[name="parsely-pub-date"]')
    if value:
        # ISO 8601 as declared (with its time and zone); other forms ("March 3, 2024") as a date
        return value if _DATE.match(value) else date_in_text(value)
    for sel in ('time[itemprop="datePublished"]', "time[pubdate]", "article time[datetime]", "time[datetime]"):
        node = tree.css_first(sel)
        if node is not None:
            stamp = (node.attributes.get("datetime") or "").strip()
            if _DATE.match(stamp):
                return stamp
    return None
