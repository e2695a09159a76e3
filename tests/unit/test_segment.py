"""The compiled segmenter (consumers/pipeline/_segment.c) against the Python walk it replaces
(html_blocks._BlockBuilder): the same Blocks, every field, on hand-written pages, the hostile
corpus and seeded random pages; the same exceptions at the limits."""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import selectolax

from consumers.pipeline import html_blocks
from consumers.pipeline.deadline import Deadline, DeadlineExceeded
from consumers.pipeline.decode import decode_record
from consumers.pipeline.guards import guard_page
from consumers.pipeline.model import BodyFormat, Limits, RawPage
from consumers.pipeline.html_blocks import LexborHTMLParser, PageTooComplex

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
from corpus import article_html, cases  # noqa: E402

# Run even when the import self-check turned the compiled walk off: these tests say where it differs.
needs_compiled = pytest.mark.skipif(
    html_blocks._segment is None or selectolax.__version__ != html_blocks._SEGMENT_WRITTEN_FOR,
    reason="the _segment extension is not built, or selectolax is not the version it reads")


def segment(html: str, compiled: bool, limits: Limits = Limits(), deadline: Deadline | None = None):
    """The blocks one walk makes of a page (parsed and stripped as parse_html does), or the
    exception it raises as (type, message)."""
    tree = LexborHTMLParser(html_blocks.unwrap_noscript(html))
    html_blocks.strip_skipped(tree)
    root = tree.body or tree.root
    deadline = deadline or Deadline.unlimited()
    try:
        if compiled:
            return html_blocks._build_compiled(root, limits, deadline)
        return html_blocks._BlockBuilder(limits, deadline).build(root)
    except (PageTooComplex, DeadlineExceeded) as exc:
        return type(exc), str(exc)


def walked_in_c(html: str) -> bool:
    """The compiled walk read this page itself (it leaves some trees to the Python walk)."""
    tree = LexborHTMLParser(html_blocks.unwrap_noscript(html))
    html_blocks.strip_skipped(tree)
    root = tree.body or tree.root
    return not isinstance(html_blocks._walk_compiled(root, Limits(), Deadline.unlimited()), str)


def assert_same(html: str, limits: Limits = Limits()):
    compiled, python = segment(html, True, limits), segment(html, False, limits)
    assert compiled == python
    return compiled


def test_the_install_compiled_the_segmenter():
    assert html_blocks._segment is not None, \
        "the _segment extension is not built: reinstall with a C compiler (pip install -e .)"
    assert html_blocks.COMPILED_SEGMENTER, "_segment is built but not used (selectolax version or self-check)"


@needs_compiled
def test_the_c_copies_of_the_vocabulary_match_html_blocks():
    assert html_blocks._segment_matches_this_module()


PAGES = {
    "mixed content": "<body>intro <b>bold</b> text<p>para one</p>middle <i>run</i><p>para two</p>tail</body>",
    "runs around nested blocks":
        "<body><div>a<section>b<div>c<p>d</p>e</div>f</section>g<p>h</p>i</div>j</body>",
    "wrappers": "<body><div><span>before<p>one</p>between<h2>two</h2>after</span>end</div>"
                "<a href='/x'><div>card title</div> card link text <p>blurb</p></a></body>",
    "links in leaves and runs":
        "<body><p>read <a href='/a'>this link</a> and <a href='/b'>  that one  </a></p>"
        "<div>run <a href='/c'>run link</a><span><a href='/d'>not direct</a></span><p>x</p>"
        "<a href='/e'>wrapping <b>bold</b> <p>inner</p> after <i>it</i></a></div>"
        "<li><a href='/f'>Nested <a href='/g'>anchor</a> text</a></li></body>",
    "br": "<body><p>line one<br>line two<br/><br>three</p><div>run<br>text<p>p</p>x<br>y</div>"
          "<p><a href='/'>link<br>broken</a></p></body>",
    "comments": "<body><p>a<!-- hidden comment -->b</p><div><!-- c -->text<!-- d --><p>p</p><!-- e --></div></body>",
    "hidden": "<body><div hidden><p>attr hidden</p></div><div aria-hidden='true'><p>aria</p></div>"
              "<div aria-hidden='false'><p>aria false</p></div><div style='display:none'><p>style none</p></div>"
              "<div style='VISIBILITY : Hidden'><p>visibility</p></div><nav style='display: none'><p>menu</p></nav>"
              "<div class='d-none'><p>d-none</p></div><div class='menu' hidden><p>hidden menu</p></div>"
              "<p hidden>hidden paragraph</p><section style='color:red'><p>visible</p></section></body>",
    "hints": "<body><div class='site-header navbar'><p>h</p></div><div id='comments'><p>c</p></div>"
             "<div role='navigation'><p>n</p></div><div itemprop='articleBody'><p>story</p></div>"
             "<div itemprop='author'><p>by me</p></div><article class='post-content entry'><p>in main</p></article>"
             "<main><p>main</p></main><aside class='widget'><p>side</p></aside><form><p>form</p></form>"
             "<div class='ads ad-slot sponsor'><p>ad</p></div><div class='tabs tab-pane'><p>tab</p></div>"
             "<div class='Share-Buttons SOCIAL'><p>share</p></div><div class='x' id='y' data-z='1'><p>z</p></div>"
             "<div class=''><p>empty class</p></div><div class><p>class without value</p></div></body>",
    "custom elements": "<body><my-card class='card'>custom text<p>inside</p>more</my-card>"
                       "<x-y><div>deep</div></x-y><foo:bar>prefixed</foo:bar></body>",
    "entities and non-ASCII": "<body><h1>Caf&eacute; &amp; th&eacute; &mdash; 東京 &#x1F600;</h1>"
                              "<p>Ünïcödé <a href='/'>ссылка\u00a0</a>\u3000全角</p><p>&nbsp;&nbsp;</p></body>",
    "soft hyphens": "<body><p>Bundes&shy;verfassungs&shy;gericht zero&#8203;width bom&#xFEFF;mark</p>"
                    "<p>&shy;&#8203;</p><p>\u00ad</p></body>",
    "empty and whitespace": "<body>  \n <div> </div><p>\t\n</p><p></p><div>\u2003\u2028</div><p>ok</p>\n</body>",
    "tables": "<body><table><caption>Cap</caption><thead><tr><th>H1</th><th>H2</th></tr></thead>"
              "<tbody><tr><td>a <a href='/'>b</a></td><td><p>c</p>d</td></tr></tbody></table>"
              "<table><tr><td>stray text<table><tr><td>nested</td></tr></table></td></tr></table></body>",
    "lists and headings": "<body><ul><li>one</li><li>two<ul><li>two.one</li></ul>after</li></ul>"
                          "<ol><li><h3>Head</h3>text</li></ol><dl><dt>term</dt><dd>def</dd></dl>"
                          "<h1>1</h1><h2>2</h2><h3>3</h3><h4>4</h4><h5>5</h5><h6>6</h6><pre>  pre  text </pre>"
                          "<blockquote>quote<p>q</p></blockquote><figure><figcaption>fig</figcaption></figure></body>",
    "processing instructions": "<body><p>a<?php echo 1; ?>b</p><div><?xml x?>run<p>p</p></div></body>",
    "skipped elements": "<body><p>a<script>var x = 1;</script>b<noscript>no <b>script</b></noscript></p>"
                        "<template><p>t</p></template><svg><text>svg</text></svg><button>btn</button></body>",
    "no body text": "<html><head><title>t</title></head><body></body></html>",
    "frameset": "<html><frameset><frame src='a'></frameset></html>",
    "text outside elements": "plain text without any markup at all",
    "article": article_html(),
}


@needs_compiled
@pytest.mark.parametrize("name", sorted(PAGES))
def test_hand_written_pages_give_the_same_blocks(name):
    html = PAGES[name]
    assert walked_in_c(html), "the compiled walk left this page to Python: the comparison would prove nothing"
    blocks = assert_same(html)
    assert isinstance(blocks, list)


@needs_compiled
def test_the_pages_are_not_trivial():
    assert len(assert_same(PAGES["hidden"])) >= 4
    links = assert_same(PAGES["links in leaves and runs"])
    assert [b.link_chars for b in links] == [b.link_chars for b in segment(PAGES["links in leaves and runs"], False)]
    assert any(b.link_chars for b in links) and any("hidden" in b.hints for b in assert_same(PAGES["hidden"]))


@needs_compiled
def test_nesting_over_the_depth_limit_raises_the_same():
    html = "<body>" + "<div>" * 600 + "deep" + "</div>" * 600 + "</body>"
    assert assert_same(html) == (PageTooComplex, f"DOM deeper than {Limits().max_dom_depth}")
    spans = "<body><p>" + "<span>" * 5000 + "deep inline text" + "</span>" * 5000 + "</p></body>"
    assert isinstance(assert_same(spans), list)  # inline elements nest without a limit
    # (the Python walk looks for each link's block through all its ancestors: fewer levels with links)
    for unclosed in ("<body><div>" + "<span>x" * 100_000 + "</div><p>after</p></body>",  # 100,000 levels
                     "<body><div><p>first</p>" + "<a>x</a><span>x" * 3000 + "</div></body>"):
        assert walked_in_c(unclosed) and len(assert_same(unclosed)) == 2
    assert assert_same(html, Limits(max_dom_depth=10)) == (PageTooComplex, "DOM deeper than 10")


@needs_compiled
def test_more_block_elements_than_max_dom_nodes_raises_the_same():
    html = "<body>" + "<p>x</p>" * 60 + "<div>" * 600 + "</div>" * 600 + "</body>"
    assert assert_same(html, Limits(max_dom_nodes=50)) == (PageTooComplex, "DOM over 50 block elements")
    assert isinstance(assert_same("<body>" + "<p>x</p>" * 50 + "</body>", Limits(max_dom_nodes=50)), list)


@needs_compiled
@pytest.mark.parametrize("max_blocks", [0, 1, 2, 5, 1500])
def test_max_blocks_cuts_the_same_blocks(max_blocks):
    page = "<body>" + "".join(f"<div>run {i}<p>para {i}</p>after {i}</div>" for i in range(1200)) + "</body>"
    blocks = assert_same(page, Limits(max_blocks=max_blocks))
    assert len(blocks) == min(max_blocks, 3600)


@needs_compiled
def test_an_expired_deadline_raises_in_both():
    page = "<body>" + "<p>x</p>" * 3000 + "</body>"
    expired = Deadline(-1.0)
    assert segment(page, True, deadline=expired)[0] is DeadlineExceeded
    assert segment(page, False, deadline=expired)[0] is DeadlineExceeded


def edited_tree(edit):
    """A page changed through the DOM in ways the HTML parser never builds."""
    tree = LexborHTMLParser("<body><div class='story'>before<p>para <a href='/'>link</a></p>after</div></body>")
    edit(tree)
    html_blocks.strip_skipped(tree)
    return tree.body


def nest_anchors(depth):
    def edit(tree):
        node = tree.body.css_first("p")
        for _ in range(depth):
            node.insert_child(tree.create_node("a"))
            node = node.last_child
        node.insert_child(" linked text ")
    return edit


def insert_body(tree):
    tree.body.css_first("div").insert_child(tree.create_node("body"))
    tree.body.css_first("div").last_child.insert_child("text in a nested body")


@needs_compiled
@pytest.mark.parametrize("edit, walked_by", [
    (nest_anchors(3), "C"),  # each anchor counts its own text
    (nest_anchors(12), "Python"),  # deeper than MAX_NESTED_ANCHORS
    (insert_body, "Python"),  # a block tag to the runs, not a frame
])
def test_trees_the_parser_does_not_build(edit, walked_by):
    limits, deadline = Limits(), Deadline.unlimited()
    root = edited_tree(edit)
    found = html_blocks._walk_compiled(root, limits, deadline)
    assert isinstance(found, str) == (walked_by == "Python")
    compiled = html_blocks._build_compiled(root, limits, deadline)
    assert compiled == html_blocks._BlockBuilder(limits, deadline).build(edited_tree(edit))
    assert any(b.link_chars for b in compiled)


@needs_compiled
def test_parse_html_gives_the_same_blocks_and_meta(monkeypatch):
    html = article_html(body_prefix='<div class="byline">By Ann Example, 3 March 2024</div>') + PAGES["hints"]
    compiled = html_blocks.parse_html(html, Limits(), Deadline.unlimited())
    monkeypatch.setattr(html_blocks, "COMPILED_SEGMENTER", False)
    assert html_blocks.parse_html(html, Limits(), Deadline.unlimited()) == compiled


def hostile_html(large: bool, limits: Limits = Limits()) -> list[tuple[str, str]]:
    """The corpus pages that reach the segmenter: decoded, HTML, and passed by the guards."""
    pages = []
    for case in cases():
        if case.large != large:
            continue
        page = decode_record(case.build(), limits)
        if isinstance(page, RawPage) and page.body_format is BodyFormat.HTML and page.body.strip() \
                and guard_page(page, limits) is None:
            pages.append((case.name, page.body))
    return pages


@needs_compiled
def test_the_hostile_corpus_gives_the_same_blocks():
    pages = hostile_html(large=False)
    assert len(pages) >= 25
    for name, html in pages:
        assert segment(html, True) == segment(html, False), name


@needs_compiled
def test_the_large_hostile_pages_give_the_same_blocks():
    pages = hostile_html(large=True, limits=replace(Limits(), max_record_bytes=64 << 20, max_page_chars=64 << 20))
    assert pages
    for name, html in pages:
        assert segment(html, True) == segment(html, False), name


_TAGS = ("p", "div", "span", "a", "b", "section", "li", "ul", "td", "tr", "table", "h2", "article", "nav",
         "footer", "aside", "main", "br", "my-widget", "blockquote", "pre", "label", "form", "em")
_WORDS = ("story", "menu", "share", "comment", "sidebar", "ad", "ads", "tabs", "hidden", "d-none", "post-body",
          "navbar", "byline", "Widget", "x", "teaser", "cookie-notice", "sr-only", "größe", "entry_content")
_TEXTS = ("word", " ", "\n  ", "\u00a0", "soft\u00adhyphen", "zero\u200bwidth", "\ufeff", "東京", "&amp;",
          "&nbsp;", "&shy;", "Ünïcödé", "\t", "x y  z", "", "<!-- c -->", "<?php x ?>")


def random_page(rng: random.Random, budget: int = 60) -> str:
    out = []

    def attributes() -> str:
        attrs = []
        for name in ("class", "id", "role", "itemprop", "hidden", "aria-hidden", "style", "data-x", "href"):
            if rng.random() < 0.15:
                value = {"hidden": None, "aria-hidden": rng.choice(["true", "false", "TRUE"]),
                         "style": rng.choice(["display:none", "color: red", "visibility :hidden", "DISPLAY: NONE"]),
                         "itemprop": rng.choice(["articleBody", "author", "articlebody"])}.get(
                    name, " ".join(rng.choice(_WORDS) for _ in range(rng.randint(0, 3))))
                attrs.append(name if value is None else f'{name}="{value}"')
        return (" " + " ".join(attrs)) if attrs else ""

    def element(depth: int) -> None:
        nonlocal budget
        while budget > 0 and rng.random() < 0.8:
            budget -= 1
            if depth > 12 or rng.random() < 0.45:
                out.append(rng.choice(_TEXTS))
                continue
            tag = rng.choice(_TAGS)
            if tag == "br":
                out.append("<br>")
                continue
            out.append(f"<{tag}{attributes()}>")
            element(depth + 1)
            if rng.random() < 0.9:  # some left open: the parser closes them its way
                out.append(f"</{tag}>")

    element(0)
    return "<html><body>" + "".join(out) + "</body></html>"


def mutated(rng: random.Random, html: str) -> str:
    chars = list(html)
    for _ in range(rng.randint(1, 12)):
        at = rng.randrange(len(chars))
        action = rng.random()
        if action < 0.4:
            del chars[at:at + rng.randint(1, 8)]
        elif action < 0.7:
            chars.insert(at, rng.choice(["<p>", "</div>", "<a href=x>", "</a>", "<br>", "<", ">", "&", "</span>"]))
        else:
            chars[at:at] = list(rng.choice(_TEXTS))
    return "".join(chars)


@needs_compiled
@pytest.mark.parametrize("seed", range(8))
def test_random_pages_give_the_same_blocks(seed):
    rng = random.Random(seed)
    for _ in range(60):
        html = random_page(rng)
        assert segment(html, True) == segment(html, False), html


@needs_compiled
@pytest.mark.parametrize("seed", range(4))
def test_mutated_pages_give_the_same_blocks(seed):
    rng = random.Random(100 + seed)
    base = [article_html(), *PAGES.values()]
    for _ in range(60):
        html = mutated(rng, rng.choice(base))
        assert segment(html, True) == segment(html, False), html


@needs_compiled
def test_the_c_hint_matcher_is_hints_of():
    rng = random.Random(5)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_- \t\x1c"
    pieces = [w for pattern in html_blocks._HINT_PATTERNS.values() for w in pattern.split("|")]
    pieces = [w.replace("\\b", "").replace("?", "").strip("()<![\\w-]):") for w in pieces] + list(_WORDS[:-2])
    for _ in range(20000):
        value = rng.choice(["", "-", " ", "_", "s"]).join(
            rng.choice(pieces) if rng.random() < 0.6 else "".join(rng.choices(alphabet, k=rng.randint(0, 5)))
            for _ in range(rng.randint(1, 4)))
        assert html_blocks._segment.hints_of(value) == html_blocks._hints_of.__wrapped__(value), value


@needs_compiled
def test_the_c_hidden_style_test_is_the_regex():
    rng = random.Random(6)
    pieces = ["display", "DISPLAY", "Visibility", "none", "NONE", "hidden", ":", " ", "\t", "\x1c", ";", "block"]
    for _ in range(20000):
        value = "".join(rng.choices(pieces, k=rng.randint(0, 7)))
        assert html_blocks._segment.hidden_style(value) == html_blocks._hidden_style(value), value
