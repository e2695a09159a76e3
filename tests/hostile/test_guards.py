"""Pre-parse guards: binary sniffing, declared non-page types, parser-cost estimates."""

from __future__ import annotations

import random

import pytest

from consumers.pipeline.guards import declared_not_a_page, guard_page, html_complexity, sniff_binary
from consumers.pipeline.model import BodyFormat, Failed, FailureKind, Limits, RawPage, Rejected, RejectReason

LIMITS = Limits()


def page(body: str, fmt: BodyFormat = BodyFormat.HTML, **kw) -> RawPage:
    return RawPage(url="https://a.example/", body=body, body_format=fmt, **kw)


@pytest.mark.parametrize("head,name", [("%PDF-1.7", "PDF"), ("\x89PNG\r\n\x1a\n", "PNG"), ("\xff\xd8\xff\xe0", "JPEG"),
                                       ("GIF89a", "GIF"), ("PK\x03\x04", "ZIP"), ("\x1f\x8b\x08", "gzip"),
                                       ("RIFF\x00\x00\x00\x00WEBP", "WebP"), ("\x00\x00\x00\x18ftypmp42", "MP4")])
def test_magic_numbers(head: str, name: str) -> None:
    assert name in sniff_binary(head + "x" * 100)


def test_text_is_not_binary() -> None:
    for text in ("<html><body>café</body></html>", "Grüße " * 1000, "中文新闻报道" * 500, "plain\ttext\r\n" * 100,
                 "Le caf\ufffd du port " * 100, ""):
        assert sniff_binary(text) is None
    utf8_as_latin1 = ("中文新闻报道，今天天气很好。" * 300).encode().decode("latin-1")
    assert sniff_binary(utf8_as_latin1) is None  # multi-byte UTF-8 seen byte-wise is not "binary"


def test_random_bytes_are_binary() -> None:
    for seed in range(5):
        assert "binary data" in sniff_binary(random.Random(seed).randbytes(8192).decode("latin-1"))


@pytest.mark.parametrize("ctype,refused", [("text/html; charset=utf-8", False), ("application/xhtml+xml", False),
                                           ("text/plain", False), ("application/octet-stream", False), (None, False),
                                           ("image/png", True), ("application/pdf", True), ("APPLICATION/JSON", True),
                                           ("application/vnd.ms-excel", True), ("text/css;x=y", True)])
def test_declared_types(ctype: str | None, refused: bool) -> None:
    assert (declared_not_a_page(ctype) is not None) is refused


def test_guard_page_order_and_outcomes() -> None:
    assert guard_page(page("<p>fine</p>"), LIMITS) is None
    err = guard_page(page("<p>x</p>", http_status=404), LIMITS)
    assert isinstance(err, Rejected) and err.reason is RejectReason.HTTP_ERROR
    pdf = guard_page(page("%PDF-1.4 ..."), LIMITS)
    assert isinstance(pdf, Rejected) and pdf.reason is RejectReason.NOT_HTML and "PDF" in pdf.detail
    rss = guard_page(page("<?xml version='1.0'?><rss><channel></channel></rss>", content_type="application/rss+xml"),
                     LIMITS)
    assert isinstance(rss, Rejected) and rss.reason is RejectReason.NOT_HTML
    xhtml = "<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'><body><p>x</p></body></html>"
    assert guard_page(page(xhtml, content_type="application/xml"), LIMITS) is None
    deep = guard_page(page("<div>" * 1200), LIMITS)
    assert isinstance(deep, Failed) and deep.kind is FailureKind.TOO_LARGE and "max_dom_depth" in deep.message
    assert guard_page(page("<div>" * 1200, BodyFormat.TEXT), LIMITS) is None  # text is never parsed as HTML


# max_unscanned_start_tags=0: every page gets the detailed scan.
SMALL = Limits(max_dom_depth=50, max_dom_nodes=1000, max_tag_attributes=100, max_select_options=20,
               max_unscanned_start_tags=0)


@pytest.mark.parametrize("html,problem", [
    ("<div>" * 51, "deep"), ("<div></x>" * 51, "deep"), ("<div/>" * 51, "deep"),
    ("".join(f"<p><b id={i}>x</p>" for i in range(60)), "elements"), ("<a><div>" * 30, "deep"),
    ("<ul><li>" * 51, "deep"), ("<svg>" + "<g>" * 51, "deep"), ("<rt>" * 51, "deep"), ("<optgroup>" * 51, "deep"),
    ("<optgroup><b>" * 30, "deep"), ("<p><span>x<div>" * 51, "deep"), ("<dd><span>" * 30, "deep"), ("<i></i>" * 1001, "elements"),
    ("<div " + " ".join(f"a{i}" for i in range(3000)) + ">", "attributes"), ("<select>" + "<option>" * 21, "option"),
])
def test_complexity_refused(html: str, problem: str) -> None:
    assert problem in html_complexity(html, SMALL)


@pytest.mark.parametrize("html", [
    "<div>" * 49, "<div></div>" * 900, "<p>x" * 900, "<ul>" + "<li>x" * 900 + "</ul>", "<table>" + "<tr><td>x" * 300,
    "<!--" + "<div>" * 500 + "-->", "<script>" + "<div>" * 500 + "</script>", "<SCRIPT>" + "<div>" * 500 + "</Script>",
    "<!--" * 500, "<svg>" + "<g/>" * 900 + "</svg>", "<b><i></b></i>" * 400, "<br>" * 900,
    "<ruby>" + "<rt>a<rp>b" * 400 + "</ruby>", "<select>" + "<optgroup><option>a<option>b" * 6 + "</select>",
    "<dl>" + "<dt>a<dd>b" * 400 + "</dl>", "<p>a<div>b</div>" * 400, "<html><head></head><body>" * 100,
    '<img src="data:image/png;base64,' + "A=" * 10_000 + '">', "<div>" * 40 + "</div>" * 40 + "<div>" * 40,
])
def test_complexity_allowed(html: str) -> None:
    assert html_complexity(html, SMALL) is None


@pytest.mark.parametrize("html", [
    "<!-->" + "<div>" * 51 + "-->", "<!--->" + "<div>" * 51, "<!-- a --!>" + "<div>" * 51,  # comments end early
    "<script></script x>" + "<div>" * 51 + "</script>", "<style>a</style/>" + "<div>" * 51,  # raw text too
    "<script-x>" + "<div>" * 51 + "</script>",  # a custom element, not raw text
    "<svg><style>" + "<div>" * 51 + "</style></svg>", "<math><title>" + "<div>" * 51,  # markup in SVG/MathML
])
def test_complexity_sees_what_the_parser_sees(html: str) -> None:
    assert "deep" in html_complexity(html, SMALL)


def test_formatting_elements_reopened_in_every_paragraph_count_as_elements() -> None:
    # Each <p> closes the open one and everything above it; the parser then re-opens all the
    # <b>s inside the new one (distinct attributes defeat the "Noah's Ark" cap): 40 per <p>.
    bolds = "".join(f"<b id={i}>" for i in range(40))
    assert "elements" in html_complexity("<p>" + bolds + "<p>x</p>" * 30, SMALL)
    assert html_complexity("<p>" + bolds + "</b>" * 40 + "<p>x</p>" * 30, SMALL) is None  # closed: nothing re-opens


@pytest.mark.parametrize("attrs", ["/".join(f"a{i}" for i in range(3000)), "".join(f'a{i}=""' for i in range(3000)),
                                   " ".join(f"a{i} = 'x'" for i in range(3000))])
def test_attributes_counted_as_the_tokenizer_splits_them(attrs: str) -> None:
    assert "attributes" in html_complexity(f"<div {attrs}>x</div>", SMALL)
    assert "attributes" in html_complexity(f"<div {attrs}>x</div>", FAST)


def test_attribute_values_are_not_names() -> None:
    path = " ".join(f"L{i} {i}" for i in range(2000))
    assert html_complexity(f'<svg><path d="{path}" fill="#000"/></svg>', SMALL) is None


def test_raw_text_tag_attributes_are_counted() -> None:
    assert "attributes" in html_complexity("<script " + " ".join(f"a{i}" for i in range(3000)) + "></script>", SMALL)


FAST = Limits(max_dom_depth=50, max_tag_attributes=100, max_unscanned_start_tags=200)


def test_few_start_tags_skip_the_depth_scan() -> None:
    assert html_complexity("<div>" * 200, FAST) is None  # deep, but too small to be costly to parse
    assert "deep" in html_complexity("<div>" * 201, FAST)
    assert html_complexity("<div>" * 100 + "</x>" * 500 + "<div>" * 100, FAST) is None  # end tags are not starts


def test_fast_path_still_counts_attributes() -> None:
    attrs = " ".join(f"a{i}" for i in range(300))
    assert "attributes" in html_complexity(f"<div {attrs}>x</div>", FAST)
    assert "attributes" in html_complexity(f"<script {attrs}></script>", FAST)
    assert html_complexity(f"<div {attrs[:300]}>x</div>" * 10, FAST) is None
