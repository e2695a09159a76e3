"""HTML segmentation: order, link characters, hints, skipped subtrees, limits, metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from consumers.pipeline.deadline import Deadline
from consumers.pipeline.html_blocks import PageTooComplex, _element_props, element_hints, parse_html
from consumers.pipeline.model import BlockKind, Limits

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"


def blocks_of(html: str, limits: Limits | None = None):
    return parse_html(html, limits or Limits(), Deadline.unlimited())[0]


def test_blocks_come_in_document_order():
    blocks = blocks_of("<div><h2>Head</h2><p>First</p><ul><li>one</li><li>two</li></ul><p>Last</p></div>")
    assert [b.text for b in blocks] == ["Head", "First", "one", "two", "Last"]


def test_mixed_content_text_of_a_container_is_cut_at_its_inner_blocks_in_document_order():
    blocks = blocks_of("<div>Intro text <em>here</em><p>Inner paragraph</p> tail text</div>")
    assert [b.text for b in blocks] == ["Intro text here", "Inner paragraph", "tail text"]
    assert [b.tag for b in blocks] == ["div", "p", "div"]


def test_text_beside_blocks_inside_an_inline_wrapper_is_kept_in_order():
    # Rich-text editors wrap a whole post in a <span>: text runs, <br>s and <h2>s side by side.
    html = ("<div><span>Lead paragraph.<br><br>Second paragraph.<h2>Heading</h2>Under the heading."
            "<ul><li>item</li></ul>Closing words.</span><p>After</p></div><p>Last</p>")
    assert [b.text for b in blocks_of(html)] == [
        "Lead paragraph. Second paragraph.", "Heading", "Under the heading.", "item", "Closing words.",
        "After", "Last"]


def test_text_directly_in_body_and_in_custom_elements_is_kept():
    html = "<body>Body text<div><x-card>Card text</x-card><p>para</p></div>trailing</body>"
    assert [b.text for b in blocks_of(html)] == ["Body text", "Card text", "para", "trailing"]


def test_link_text_in_a_wrapping_link_counts_as_link_characters():
    blocks = blocks_of('<div><a href="#">Read this <div>Card</div> now</a></div>')
    assert [(b.text, b.link_chars) for b in blocks] == [("Read this", 9), ("Card", 0), ("now", 3)]


def test_inline_markup_and_line_breaks_join_within_a_block():
    blocks = blocks_of("<p>One <b>bold</b> word<br>and a second line</p>")
    assert [b.text for b in blocks] == ["One bold word and a second line"]


def test_link_characters_are_counted():
    block = blocks_of('<p>Read <a href="/x">the full report</a> now</p>')[0]
    assert block.link_chars == len("the full report")


def test_scripts_and_styles_are_skipped_and_hidden_content_is_marked():
    blocks = blocks_of("<div><script>var x = 1;</script><style>p{}</style><p>Visible</p>"
                       "<div hidden>Collapsed answer</div><div style='display:none'>Tab panel</div></div>")
    assert [b.text for b in blocks] == ["Visible", "Collapsed answer", "Tab panel"]
    assert ["hidden" in b.hints for b in blocks] == [False, True, True]


def test_hidden_menus_drawers_and_banners_are_dropped():
    blocks = blocks_of("<nav><ul hidden><li>Menu item</li></ul></nav><p>Story</p>"
                       "<div class='cookie-banner' aria-hidden='true'><p>We use cookies</p></div>"
                       "<div class='mobile-menu' style='display: none'><p>Home</p></div>")
    assert [b.text for b in blocks] == ["Story"]


def test_hidden_flags_and_hints_of_ancestors_reach_text_nested_in_empty_wrappers():
    blocks = blocks_of('<div class="comments" aria-hidden="true"><div><div><p>Hidden reply</p></div></div></div>'
                       '<section class="comment-list"><div><div><p>Shown reply</p></div></div></section>')
    assert [b.text for b in blocks] == ["Hidden reply", "Shown reply"]
    assert {"comment", "hidden"} <= blocks[0].hints
    assert "comment" in blocks[1].hints and "hidden" not in blocks[1].hints


def test_soft_hyphens_and_zero_width_characters_are_dropped():
    blocks = blocks_of("<p>Wein\u00adberg\u200b und \ufeffKeller</p>")
    assert [b.text for b in blocks] == ["Weinberg und Keller"]


def test_noscript_content_is_read_as_markup():
    blocks = blocks_of("<body><noscript><div><p>Server rendered post text</p></div></noscript></body>")
    assert [b.text for b in blocks] == ["Server rendered post text"]


def test_kinds_headings_and_containers():
    blocks = blocks_of("<article><h2>Title</h2><ul><li>item</li></ul><blockquote>quoted</blockquote></article>")
    assert [(b.kind, b.heading_level) for b in blocks] == [
        (BlockKind.HEADING, 2), (BlockKind.LIST_ITEM, 0), (BlockKind.QUOTE, 0)]
    assert all(b.in_main for b in blocks)
    # every block knows its enclosing block elements; siblings share the article's serial
    assert blocks[0].containers[:-1] == blocks[2].containers[:-1]


def test_class_and_id_hints_reach_descendants():
    blocks = blocks_of('<div id="comments"><p>Nice post</p></div><nav class="menu"><a href="/">Home</a></nav>')
    assert "comment" in blocks[0].hints
    assert "nav" in blocks[1].hints and blocks[1].boilerplate_hint


def test_element_hints_vocabulary():
    assert element_hints({"class": "share-buttons social"}) == {"share"}
    assert "related" in element_hints({"class": "related-posts"})
    assert element_hints({}) == frozenset()
    assert "hidden" not in element_hints({"class": "overflow-hidden"})
    # class, id, role and itemprop are read alike, whatever their case
    assert element_hints({"class": "entry", "id": "Comments-42", "role": "navigation"}) == {"content", "comment", "nav"}


def test_node_limit_raises_page_too_complex():
    html = "<div>" + "<span>x</span>" * 5000 + "</div>"
    with pytest.raises(PageTooComplex):
        blocks_of(html, Limits(max_dom_nodes=3000))


def test_depth_limit_raises_page_too_complex():
    html = "<div>" * 300 + "deep" + "</div>" * 300
    with pytest.raises(PageTooComplex):
        blocks_of(html, Limits(max_dom_depth=100))


def test_fixture_metadata_from_json_ld_and_meta_tags():
    html = (FIXTURES / "news_article.html").read_text(encoding="utf-8")
    _, meta = parse_html(html, Limits(), Deadline.unlimited())
    assert meta.title == "Harbour bridge reopens after repairs"
    assert meta.authors == ("Mara Jensen",)
    assert meta.published.startswith("2024-03-05")
    assert meta.canonical_url == "https://gazette.example/news/harbour-bridge-reopens"
    assert meta.site_name == "The Coastal Gazette"
    assert meta.language_hint == "en"


def test_title_falls_back_to_document_title_without_site_suffix():
    _, meta = parse_html("<html><head><title>Quiet streets after the storm - Daily Example</title></head>"
                         "<body><p>x</p></body></html>", Limits(), Deadline.unlimited())
    assert meta.title == "Quiet streets after the storm"


def test_link_characters_belong_to_the_nearest_block():
    blocks = blocks_of('<div><p>See <a href="/a">first link</a> and <span><a href="/b">second</a></span></p>'
                       '<a href="/c"><p>Card title</p></a><p>No links at all</p></div>')
    by_text = {b.text: b.link_chars for b in blocks}
    assert by_text["See first link and second"] == len("first link") + len("second")
    assert by_text["Card title"] == 0   # the link wraps the block; it is not inside it
    assert by_text["No links at all"] == 0


def test_hint_tokens_without_vocabulary_have_no_hints():
    assert element_hints({"class": "xq-19 col-md-6"}) == frozenset()
    assert element_hints({"class": "xq-19 site-footer"}) == {"footer"}


def test_text_after_a_deep_subtree_comes_after_all_of_it():
    nested = "<div>" * 200 + "<p>deep one</p><p>deep two</p>" + "</div>" * 200
    html = f"<body>lead<div>{nested}<p>inner last</p></div>tail</body>"
    assert [b.text for b in blocks_of(html)] == ["lead", "deep one", "deep two", "inner last", "tail"]


@pytest.mark.parametrize("tag", ["div", "nav", "article", "body", "li"])
@pytest.mark.parametrize("parent", [(False, frozenset(), False, False), (True, frozenset({"share"}), True, False),
                                    (False, frozenset({"content"}), False, True)])
def test_cached_element_props_equal_the_general_path(tag, parent):
    """No attributes / a class list alone take cached shortcuts: the same props as the general
    path, which an attribute that changes nothing (data-x) forces."""
    assert _element_props(tag, {}, parent) == _element_props(tag, {"data-x": "1"}, parent)
    for value in ("", "site-nav menu", "post-body entry-content", "card"):
        assert _element_props(tag, {"class": value}, parent) == _element_props(tag, {"class": value, "data-x": "1"},
                                                                               parent)
