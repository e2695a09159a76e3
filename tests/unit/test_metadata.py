"""Authors from a page's declarations: JSON-LD (with references into its graph), meta tags,
and the elements the page marks as its author's; dates from elements marked as dates when
nothing else gives one."""

import orjson
import pytest
from selectolax.lexbor import LexborHTMLParser

from consumers.pipeline.deadline import Deadline
from consumers.pipeline.html_blocks import parse_html
from consumers.pipeline.metadata import extract_meta
from consumers.pipeline.model import Limits


def meta_of(head: str = "", body: str = ""):
    return extract_meta(LexborHTMLParser(f"<html><head>{head}</head><body>{body}</body></html>"))


def json_ld(data) -> str:
    return f'<script type="application/ld+json">{orjson.dumps(data).decode()}</script>'


def test_json_ld_author_references_resolve_to_the_person_in_the_graph():
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "Article", "headline": "Ferry", "datePublished": "2024-03-05",
         "author": {"@id": "https://example.org/#/schema/person/1"}},
        {"@type": "Person", "@id": "https://example.org/#/schema/person/1", "name": "Mara Jensen"},
    ]}
    assert meta_of(json_ld(graph)).authors == ("Mara Jensen",)


def test_a_person_in_a_later_script_resolves_too():
    article = {"@type": "NewsArticle", "headline": "Ferry", "datePublished": "2024-03-05",
               "author": [{"@id": "#a"}, {"@id": "#b"}]}
    people = [{"@type": "Person", "@id": "#a", "name": "Ann Lee"}, {"@type": "Person", "@id": "#b", "name": "Bo Berg"}]
    assert meta_of(json_ld(article) + json_ld(people)).authors == ("Ann Lee", "Bo Berg")


def test_an_unresolved_reference_names_no_one():
    article = {"@type": "Article", "headline": "Ferry", "author": {"@id": "#missing"}}
    assert meta_of(json_ld(article)).authors == ()


@pytest.mark.parametrize("ref", [["#a"], {"x": 1}, 7, None])
def test_references_that_are_not_text_are_not_followed(ref):
    graph = [{"@type": "Article", "headline": "Ferry", "author": [{"@id": ref}, {"name": "Ann Lee"}]},
             {"@type": "Person", "@id": "#a", "name": "Bo Berg"}]
    assert meta_of(json_ld(graph)).authors == ("Ann Lee",)


@pytest.mark.parametrize("placeholder", ["admin", "Administrator", "webmaster"])
def test_cms_account_placeholders_are_not_authors(placeholder):
    assert meta_of(f'<meta name="author" content="{placeholder}">').authors == ()
    assert meta_of(json_ld({"@type": "Article", "author": {"name": placeholder}})).authors == ()


def test_author_elements_name_the_author_when_nothing_is_declared():
    body = '<div class="post-meta"><span class="author-name">Jane Doe</span></div><p>The ferry returned.</p>'
    assert meta_of(body=body).authors == ("Jane Doe",)
    byline = '<p class="byline">By Ann Lee and Bo Berg</p>'
    assert meta_of(body=byline).authors == ("Ann Lee", "Bo Berg")


def test_an_element_marking_a_name_gives_a_one_word_name():
    hcard = '<span class="byline"> by <span class="author vcard"><a class="url fn n" href="/author/h/">Heiko</a></span></span>'
    assert meta_of(body=hcard).authors == ("Heiko",)
    assert meta_of(body='<div class="post-author">Heiko</div>').authors == ()  # not marked as a name


def test_author_elements_in_comment_sections_name_commenters():
    widget = '<ul><li class="recentcomments"><span class="comment-author-link"><a class="url">Heiko</a></span></li></ul>'
    assert meta_of(body=widget).authors == ()
    body = ('<p>The ferry returned.</p><ol class="comment-list"><li><span class="comment-author">'
            'Carl Reader</span> says: nice</li></ol>')
    assert meta_of(body=body).authors == ()


def test_labels_in_author_elements_are_skipped_for_the_name():
    body = '<div class="author-box"><h4 class="author-title">About the Author</h4><a class="author-link">Jane Doe</a></div>'
    assert meta_of(body=body).authors == ("Jane Doe",)


def test_declared_authors_win_over_author_elements_unless_they_name_the_site():
    body = '<span class="author">Jane Doe</span>'
    assert meta_of('<meta name="author" content="Bo Berg">', body).authors == ("Bo Berg",)
    site = '<meta name="author" content="Daily Planet"><meta property="og:site_name" content="Daily Planet">'
    assert meta_of(site, body).authors == ("Jane Doe",)


def published(body: str, head: str = "") -> str | None:
    _, meta = parse_html(f"<html><head>{head}</head><body>{body}</body></html>", Limits(), Deadline(5.0))
    return meta.published


STORY = "<p>" + "The ferry returned to the harbour after a month of repairs. " * 3 + "</p>"


def test_a_date_element_dates_a_page_that_declares_none():
    assert published('<div class="post-meta"><span class="entry-date">March 5, 2024</span></div>' + STORY,
                     ) == "2024-03-05"


def test_dates_in_comment_sections_are_the_comments():
    long_comment = "Thanks for the update on the ferry, we waited all month for it. " * 6  # not a dateline
    comments = f'<ol class="comments"><li><span class="comment-date">March 9, 2024</span> {long_comment}</li></ol>'
    assert published(STORY + comments) is None


def test_declared_and_printed_dates_come_before_date_elements():
    element = '<footer><span class="updated-time">April 1, 2024</span></footer>'
    declared = '<meta property="article:published_time" content="2024-03-05T10:00:00+01:00">'
    assert published(STORY + element, declared) == "2024-03-05T10:00:00+01:00"
    assert published("<p>March 5, 2024</p>" + STORY + element) == "2024-03-05"


@pytest.mark.parametrize("declared, site, title", [
    ("Catering Tips | Cookshack", "Cookshack", "Catering Tips"),
    ("Barbecue à gaz - Esprit Barbecue", "Esprit Barbecue", "Barbecue à gaz"),
    ("Vehicle rental coverage | WRAL", "WRAL.com", "Vehicle rental coverage"),     # most of the site's name
    ("Energy Rising - 33 Tage Yoga - Mady Morrison - Yoga Lifestyle", "Mady Morrison - Yoga Lifestyle",
     "Energy Rising - 33 Tage Yoga"),                                            # the site's name holds a separator
    ("Birdbuddy : Shop", "Birdbuddy", "Birdbuddy : Shop"),                       # only trailing parts go
    ("Rust | AI", "OpenAI", "Rust | AI"),                                        # a small piece of the name is not it
    ("Tipps | Yoga Welt", "Yoga", "Tipps | Yoga Welt"),                          # nor a part holding it among more
    ("Harbour bridge reopens", None, "Harbour bridge reopens"),
])
def test_titles_lose_the_trailing_site_name(declared, site, title):
    site_tag = f'<meta property="og:site_name" content="{site}">' if site else ""
    assert meta_of(f'<meta property="og:title" content="{declared}">{site_tag}').title == title


def test_declared_values_escaped_twice_are_decoded():
    meta = meta_of('<meta property="og:title" content="Budget Traveler&amp;#8217;s Guide">'
                   '<meta name="author" content="Redacci&amp;oacute;n Diario">')
    assert meta.title == "Budget Traveler\u2019s Guide"
    assert meta.authors == ("Redacción Diario",)


def test_a_json_ld_headline_that_is_not_text_is_passed_over():
    assert meta_of(json_ld({"@type": "Article", "headline": ["a", "list"]}) + "<title>Harbour news</title>",
                   "<h1>Harbour news</h1>").title == "Harbour news"


@pytest.mark.parametrize(("head", "expected"), [
    ('<meta property="og:type" content="article">', True),
    ('<meta property="og:type" content="Article">', True),
    ('<meta property="og:type" content="website">', False),
    (json_ld({"@type": "NewsArticle", "headline": "Ferry"}), True),
    (json_ld({"@type": ["BlogPosting", "WebPage"]}), True),
    (json_ld({"@graph": [{"@type": "WebSite"}, {"@type": "TechArticle"}]}), True),
    (json_ld({"@type": "WebPage"}), False),
    # a thread's replies are its content, whatever else the page declares
    ('<meta property="og:type" content="article">' + json_ld({"@type": "DiscussionForumPosting"}), False),
    (json_ld([{"@type": "Article"}, {"@type": "QAPage"}]), False),
    (json_ld({"@type": 7}) + json_ld({"@type": None}), False),
    ("", False),
])
def test_pages_that_declare_themselves_articles(head, expected):
    assert meta_of(head).declares_article is expected
